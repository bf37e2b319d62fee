import type { Env } from "../git/environment.ts";
import type { TextSink } from "../output/printer.ts";

/** What a command may touch of the outside world. Only main.ts builds it from `process`. */
export interface CliWorld {
  cwd: string;
  env: Env;
  stdout: TextSink;
  stderr: TextSink;
  /** Aborted when the process is asked to stop (SIGINT/SIGTERM); long-running commands end then. */
  signal?: AbortSignal | undefined;
}
