/**
 * A process environment as ci-mirror passes it around: the CLI reads `process.env` once
 * (cli/bin.ts) and every layer below gets it, or the part of it that it needs, as an argument.
 * Values may be missing, as in `process.env`.
 */
export type Env = Record<string, string | undefined>;
