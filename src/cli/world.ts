import type { Env } from "../util/env.ts";
import type { TextSink } from "../output/printer.ts";
import type { Redactor } from "../util/redact.ts";

/** What a command may touch of the outside world. Only main.ts builds it from `process`. */
export interface CliWorld {
  cwd: string;
  env: Env;
  stdout: TextSink;
  stderr: TextSink;
  /** Aborted when the process is asked to stop (SIGINT/SIGTERM); long-running commands end then. */
  signal?: AbortSignal | undefined;
}

/**
 * What a command runs with: the CLI's world and the run's one redactor. The command registers
 * every secret it learns with it, and main.ts renders the command's errors through it.
 */
export interface CommandWorld extends CliWorld {
  redactor: Redactor;
  /** `--debug` (or CI_MIRROR_DEBUG=true): stack traces, and git's own commands and output. */
  debug?: boolean | undefined;
}
