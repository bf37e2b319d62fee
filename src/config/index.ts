/** The config module: read `mirrors.yml`, validate it whole, and hand out the normalised config. */
export { parseConfig, type ConfigResult } from "./parse.ts";
export { loadConfig, type LoadConfigOptions } from "./load.ts";
export { formatIssues, formatWarnings } from "./format-issues.ts";
export { compilePattern } from "./ref-pattern.ts";
export type { Config, MirrorConfig } from "./types.ts";
