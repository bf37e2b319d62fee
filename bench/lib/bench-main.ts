import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runProcess, tail } from "./proc.ts";
import type { Env } from "./proc.ts";

/**
 * What every bench entry point does around its own work: build the CLI it measures when missing,
 * log progress to stderr (stdout is the report), and exit non-zero only when the bench breaks.
 */

export const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
/** The benches time the built CLI, as a CI job runs it, never the sources. */
export const CLI = join(PROJECT, "dist", "ci-mirror.mjs");

export async function ensureCliBuilt(): Promise<void> {
  if (existsSync(CLI)) return;
  log("building dist/ci-mirror.mjs (npm run build)");
  const build = await runProcess("npm", ["run", "build"], { cwd: PROJECT, env: stringEnv(process.env) });
  if (build.exitCode !== 0) throw new Error(`npm run build failed: ${tail(build.stderr)}`);
}

export function stringEnv(env: NodeJS.ProcessEnv): Env {
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
