import type { MirrorTimings } from "../../src/core/result.ts";

export type Tool = "ci-mirror" | "naive" | "raw" | "info";

/** One timed run of one contender. */
export interface Sample {
  ms: number;
  ok: boolean;
  error?: string | undefined;
  /** Bytes the upstream's upload-pack sent during the run. */
  upstreamBytes?: number | undefined;
  nodeRssKb?: number | undefined;
  treeRssKb?: number | undefined;
  /** ci-mirror's own per-phase timings from `--report` (summed over mirrors for a fleet). */
  timings?: MirrorTimings | undefined;
}

export interface Contender {
  tool: Tool;
  label: string;
  /** Untimed setup, the timed run, and untimed checks and cleanup: only `Sample.ms` is the timed part. */
  sample(rep: number): Promise<Sample>;
}

export interface Row {
  tool: Tool;
  label: string;
  runs: number;
  okRuns: number;
  samplesMs: number[];
  medianMs: number | undefined;
  minMs: number | undefined;
  maxMs: number | undefined;
  upstreamBytes: number | undefined;
  nodeRssKb: number | undefined;
  treeRssKb: number | undefined;
  timings: MirrorTimings | undefined;
  errors: string[];
}

/**
 * Run every contender `reps` times, interleaved (A B C, A B C, …) so that drift in the machine's
 * state — page cache, CPU frequency, a noisy neighbour — spreads over all of them alike.
 */
export async function measure(contenders: readonly Contender[], reps: number): Promise<Row[]> {
  const samples = contenders.map((): Sample[] => []);
  for (let rep = 1; rep <= reps; rep++) {
    for (const [index, contender] of contenders.entries()) {
      const sample = await contender.sample(rep);
      samples[index]?.push(sample);
      const status = sample.ok ? "" : `  FAILED: ${sample.error ?? "?"}`;
      process.stderr.write(`    ${contender.label} #${rep}: ${formatMs(sample.ms)}${status}\n`);
    }
  }
  return contenders.map((contender, index) => summarise(contender, samples[index] ?? []));
}

function summarise(contender: Contender, samples: readonly Sample[]): Row {
  const ok = samples.filter((sample) => sample.ok);
  const times = ok.map((sample) => sample.ms);
  const timings = ok.flatMap((sample) => (sample.timings == null ? [] : [sample.timings]));
  return {
    tool: contender.tool,
    label: contender.label,
    runs: samples.length,
    okRuns: ok.length,
    samplesMs: samples.map((sample) => round(sample.ms)),
    medianMs: roundOrUndefined(median(times)),
    minMs: roundOrUndefined(times.length > 0 ? Math.min(...times) : undefined),
    maxMs: roundOrUndefined(times.length > 0 ? Math.max(...times) : undefined),
    upstreamBytes: median(ok.flatMap((sample) => numbers(sample.upstreamBytes))),
    nodeRssKb: maximum(ok.flatMap((sample) => numbers(sample.nodeRssKb))),
    treeRssKb: maximum(ok.flatMap((sample) => numbers(sample.treeRssKb))),
    timings:
      timings.length === 0
        ? undefined
        : {
            listMs: median(timings.map((t) => t.listMs)) ?? 0,
            fetchMs: median(timings.map((t) => t.fetchMs)) ?? 0,
            lfsMs: median(timings.map((t) => t.lfsMs)) ?? 0,
            pushMs: median(timings.map((t) => t.pushMs)) ?? 0,
            totalMs: median(timings.map((t) => t.totalMs)) ?? 0,
          },
    errors: [...new Set(samples.flatMap((sample) => (sample.error == null ? [] : [sample.error])))],
  };
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

function maximum(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : Math.max(...values);
}

function numbers(value: number | undefined): number[] {
  return value == null ? [] : [value];
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function roundOrUndefined(value: number | undefined): number | undefined {
  return value == null ? undefined : round(value);
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a == null || b == null || b <= 0) return undefined;
  return Math.round((a / b) * 100) / 100;
}

export function formatMs(ms: number | undefined): string {
  if (ms == null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes == null) return "—";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatKb(kb: number | undefined): string {
  return kb == null ? "—" : `${Math.round(kb / 1024)} MiB`;
}

export function formatRatio(value: number | undefined): string {
  return value == null ? "—" : `${value.toFixed(2)}x`;
}

/** A plain-text table: left-aligned first column, right-aligned figures. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  function line(cells: readonly string[]): string {
    return cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return column === 0 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  }
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)];
}
