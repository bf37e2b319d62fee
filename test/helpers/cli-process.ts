import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { HERMETIC_GIT_ENV } from "./sandbox.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN } from "./sync-env.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const BIN = join(ROOT, "src/cli/bin.ts");

export interface CliProcessOptions {
  cwd: string;
  /** Run under `ulimit -f 0`: every write to a file fails (EFBIG), as on a full disk. */
  noFileWrites?: boolean;
  /** A directory put first on PATH (a `git` of the test's own in front of the real one). */
  pathFirst?: string;
}

/**
 * ci-mirror from source as a process of its own, for what only a real process has: signals, a
 * closed stdout, resource limits. Wrapped in an object: a subprocess is a promise, and returning
 * it from an async function would wait for it to end.
 */
export function startCli(args: string[], options: CliProcessOptions): { cli: CliProcess } {
  const node = [process.execPath, "--import", TSX_LOADER, BIN, ...args];
  const [command, argv] = options.noFileWrites
    ? ["sh", ["-c", 'ulimit -f 0 && exec "$@"', "sh", ...node]]
    : [node[0] ?? "node", node.slice(1)];
  const path =
    options.pathFirst == null ? process.env.PATH : `${options.pathFirst}:${process.env.PATH ?? ""}`;
  return { cli: spawn(command, argv, options.cwd, path) };
}

function spawn(command: string, argv: string[], cwd: string, path: string | undefined) {
  return execa(command, argv, {
    cwd,
    env: {
      PATH: path,
      HOME: process.env.HOME,
      ...HERMETIC_GIT_ENV,
      CI_MIRROR_RETRY_DELAY: "10",
      UPSTREAM_TOKEN,
      TARGET_TOKEN,
    },
    extendEnv: false,
    reject: false,
  });
}

/** ci-mirror's process: its type is execa's, for exactly the options it was started with. */
export type CliProcess = ReturnType<typeof spawn>;

/** Poll until `condition` holds (a server-side event the test cannot await), or fail after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Send a signal to that process alone (execa's own kill() would add a SIGKILL five seconds on). */
export function signal(cli: Pick<CliProcess, "pid">, name: NodeJS.Signals): void {
  if (cli.pid == null) throw new Error("the process did not start");
  process.kill(cli.pid, name);
}
