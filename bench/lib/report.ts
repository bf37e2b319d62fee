import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderTable } from "./stats.ts";

/** A table as the reports print it: indented under its section heading. */
export function indentedTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return renderTable(header, rows).map((line) => `  ${line}`);
}

export type Environment = Record<string, string | number | boolean>;

/**
 * Write a run's figures to bench/results/`fileName` and say so on stdout. Every results file
 * starts with when the run started, how long it took and where it ran, then the bench's own
 * figures.
 */
export async function writeResults(
  projectDir: string,
  fileName: string,
  run: { durationMs: number; environment: Environment },
  figures: Record<string, unknown>,
): Promise<void> {
  const dir = join(projectDir, "bench", "results");
  await mkdir(dir, { recursive: true });
  const results = {
    startedAt: new Date(Date.now() - run.durationMs).toISOString(),
    durationMs: run.durationMs,
    environment: run.environment,
    ...figures,
  };
  await writeFile(join(dir, fileName), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwrote bench/results/${fileName}\n`);
}
