/** The config module: read `mirrors.yml`, validate it whole, and hand out the normalised config. */
export { parseConfig, type ConfigResult } from "./parse.ts";
export { loadConfig, type LoadConfigOptions } from "./load.ts";
export { formatIssues } from "./format-issues.ts";
export { compilePattern } from "./ref-pattern.ts";
export type {
  Config,
  DeletionLimit,
  DivergencePolicy,
  Endpoint,
  LfsMode,
  MirrorConfig,
  RefPattern,
  RefRules,
} from "./types.ts";
