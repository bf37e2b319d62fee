/** The config module: read `mirrors.yml`, validate it whole, and hand out the normalised config. */
export { parseConfig } from "./parse.ts";
export { loadConfig } from "./load.ts";
export { formatIssues, formatWarnings } from "./format-issues.ts";
export { compilePattern } from "./ref-pattern.ts";
export type { Config, MirrorConfig } from "./types.ts";
