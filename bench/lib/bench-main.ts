import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runProcess, tail } from "./proc.ts";
import type { Env } from "./proc.ts";

/**
 * What every bench entry point does around its own work: build the CLI it measures,
 * log progress to stderr (stdout is the report), and exit non-zero only when the bench breaks.
 */

export const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
/** The benches time the built CLI, as a CI job runs it, never the sources. */
export const CLI = join(PROJECT, "dist", "ci-mirror.mjs");

/** Always rebuilt: a bundle left over from other sources would measure the wrong code. */
export async function buildCli(): Promise<void> {
  log("building dist/ci-mirror.mjs (npm run build)");
  const build = await runProcess("npm", ["run", "build"], { cwd: PROJECT, env: stringEnv(process.env) });
  if (build.exitCode !== 0) throw new Error(`npm run build failed: ${tail(build.stderr)}`);
}

function stringEnv(env: NodeJS.ProcessEnv): Env {
  const out: Env = {};
  for (const [key, value] of Object.entries(env)) if (value != null) out[key] = value;
  return out;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function runBench(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    // A broken bench (not a missed target) is an error worth a non-zero exit.
    process.exitCode = 1;
  }
}

/**
 * The no-op floor (bench/floor/noop-floor.ts), bundled exactly as the CLI is, into `outfile`:
 * what Node, yargs and execa cost for the two listings, with nothing of ci-mirror's own.
 */
export async function buildFloor(outfile: string): Promise<string> {
  const { bundle } = await import("../../scripts/bundle.ts");
  await bundle(outfile, join(PROJECT, "bench", "floor", "noop-floor.ts"));
  return outfile;
}
