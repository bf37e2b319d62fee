import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import type { RunReport } from "../../src/core/result.ts";
import { listRefs } from "../../test/helpers/fixtures.ts";
import { runNodeMeasured, runProcess, tail } from "./proc.ts";
import type { Env, ProcessRun } from "./proc.ts";
import type { BenchServer } from "./server-process.ts";
import type { Sample } from "./stats.ts";

export const UPSTREAM_TOKEN = "bench-upstream-read-token";
export const TARGET_TOKEN = "bench-target-write-token";

/** Everything the scenarios share: one server, one scratch tree, one environment for every process. */
export interface BenchWorld {
  server: BenchServer;
  /** Scratch directory for clones, caches, configs and reports. */
  root: string;
  /** The built CLI bundle. */
  cli: string;
  /** The no-op floor program, bundled like the CLI (bench/floor/noop-floor.ts). */
  floor: string;
  /** Environment of the ci-mirror process: the token variables are named in its config. */
  cliEnv: Env;
  /** Environment of the baseline git processes; credentials go in `-c` instead. */
  gitEnv: Env;
  gnuTime: boolean;
}

export interface GitStep {
  args: string[];
  cwd?: string | undefined;
}

/** `-c http.extraHeader=…` for one side; fine in a benchmark, never in real use (it shows in ps). */
function withAuth(token: string, args: readonly string[]): string[] {
  const basic = Buffer.from(`bench:${token}`).toString("base64");
  return ["-c", `http.extraHeader=Authorization: Basic ${basic}`, ...args];
}

export function upstreamGit(args: readonly string[], cwd?: string): GitStep {
  return { args: withAuth(UPSTREAM_TOKEN, args), cwd };
}

export function targetGit(args: readonly string[], cwd?: string): GitStep {
  return { args: withAuth(TARGET_TOKEN, args), cwd };
}

let scratchCounter = 0;

export async function scratchDir(world: BenchWorld, label: string): Promise<string> {
  scratchCounter += 1;
  const dir = join(world.root, `${label}-${scratchCounter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** One git step outside the timed part; a failure there is a broken bench, so it throws. */
export async function mustGit(world: BenchWorld, step: GitStep): Promise<ProcessRun> {
  const run = await runProcess("git", step.args, { cwd: step.cwd, env: world.gitEnv });
  if (run.exitCode !== 0) {
    throw new Error(`bench setup: git ${redactArgs(step.args).join(" ")} failed: ${tail(run.stderr)}`);
  }
  return run;
}

/**
 * Time a set of jobs run `concurrency` at a time, each job a sequence of git steps; the wall time
 * covers all of them. A failing step ends its job and marks the sample failed, with git's words.
 */
export async function timeGitJobs(
  world: BenchWorld,
  jobs: ReadonlyArray<readonly GitStep[]>,
  concurrency = 1,
): Promise<Sample> {
  const limit = pLimit(concurrency);
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    jobs.map((steps) =>
      limit(async () => {
        for (const step of steps) {
          const run = await runProcess("git", step.args, { cwd: step.cwd, env: world.gitEnv });
          if (run.exitCode !== 0) {
            errors.push(`git ${gitVerb(step.args)} exited ${run.exitCode}: ${tail(run.stderr, 2)}`);
            return;
          }
        }
      }),
    ),
  );
  const ms = performance.now() - started;
  return { ms, ok: errors.length === 0, error: errors[0] };
}

/**
 * Run `ci-mirror <args>` from the built bundle in `cwd`, with a `--report` file whose per-phase
 * timings (summed over mirrors) go into the sample.
 */
export async function timeCiMirror(world: BenchWorld, cwd: string, args: readonly string[]): Promise<Sample> {
  const reportFile = join(cwd, `report-${++scratchCounter}.json`);
  const measured = await runCli(world, cwd, [...args, "--report", reportFile]);
  const report = await readReport(reportFile);
  const failed = report?.mirrors.filter((mirror) => mirror.status === "failed") ?? [];
  const ok = measured.ok && report != null && failed.length === 0;
  let error = measured.error;
  const first = failed[0];
  if (first?.error != null) error = `${first.name}: ${first.error.code} ${first.error.message}`;
  else if (!ok && error == null) error = "no report written";
  return { ...measured, ok, error, timings: report == null ? undefined : sumTimings(report) };
}

/** Run the bundle with no report: for commands that write none, such as `--version`. */
export function runCli(world: BenchWorld, cwd: string, args: readonly string[]): Promise<Sample> {
  return runNode(world, cwd, world.cli, args);
}

/** Run Node on a script (or `-e`), measured the same way as the CLI: what Node itself costs. */
export async function runNode(
  world: BenchWorld,
  cwd: string,
  script: string,
  args: readonly string[],
): Promise<Sample> {
  const measured = await runNodeMeasured(script, args, {
    cwd,
    env: world.cliEnv,
    scratchFile: join(cwd, `rss-${++scratchCounter}`),
    gnuTime: world.gnuTime,
  });
  const { run } = measured;
  return {
    ms: run.ms,
    ok: run.exitCode === 0,
    error: run.exitCode === 0 ? undefined : `exit ${run.exitCode}: ${tail(run.stderr)}`,
    nodeRssKb: measured.nodeRssKb,
    treeRssKb: measured.treeRssKb,
  };
}

async function readReport(file: string): Promise<RunReport | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as RunReport;
  } catch {
    return undefined;
  }
}

function sumTimings(report: RunReport): Sample["timings"] {
  const sum = { listMs: 0, fetchMs: 0, lfsMs: 0, pushMs: 0, totalMs: 0 };
  for (const mirror of report.mirrors) {
    sum.listMs += mirror.timings.listMs;
    sum.fetchMs += mirror.timings.fetchMs;
    sum.lfsMs += mirror.timings.lfsMs;
    sum.pushMs += mirror.timings.pushMs;
    sum.totalMs += mirror.timings.totalMs;
  }
  return sum;
}

/** Count what the upstream sent while `run` ran: the counters are reset first. */
export async function withUpstreamBytes(
  world: BenchWorld,
  upstream: string,
  run: () => Promise<Sample>,
): Promise<Sample> {
  await world.server.resetStats();
  const sample = await run();
  return { ...sample, upstreamBytes: (await world.server.stats(upstream)).uploadPackBytesSent };
}

/**
 * A byte-for-byte copy of a server repository under a new name: a target in a known state for
 * each run, far faster than pushing 50 MB into it again. It keeps the hooks and hidden-ref
 * config `createRepo` wrote, so the copy behaves like the original.
 */
export async function copyServerRepo(world: BenchWorld, from: string, to: string): Promise<void> {
  await copyDir(world, world.server.repoPath(from), world.server.repoPath(to));
}

export async function copyDir(world: BenchWorld, from: string, to: string): Promise<void> {
  const run = await runProcess("cp", ["-a", from, to], { env: world.gitEnv });
  if (run.exitCode !== 0) throw new Error(`bench setup: copying ${from} failed: ${tail(run.stderr)}`);
}

export async function removeServerRepo(world: BenchWorld, name: string): Promise<void> {
  await rm(world.server.repoPath(name), { recursive: true, force: true });
}

/**
 * A fast run that mirrored the wrong thing is no result: after each run the target's branches
 * and tags must equal the upstream's. Returns what differs, or undefined.
 */
async function mirrorMismatch(
  world: BenchWorld,
  upstream: string,
  target: string,
): Promise<string | undefined> {
  const want = headsAndTags(await listRefs(world.server.repoPath(upstream)));
  const have = headsAndTags(await listRefs(world.server.repoPath(target)));
  const wrong = [...want].filter(([ref, sha]) => have.get(ref) !== sha).map(([ref]) => ref);
  const extra = [...have.keys()].filter((ref) => !want.has(ref));
  if (wrong.length === 0 && extra.length === 0) return undefined;
  return `target differs from upstream: ${wrong.length} refs missing or stale (${wrong.slice(0, 3).join(", ")}), ${extra.length} extra`;
}

function headsAndTags(refs: Map<string, string>): Map<string, string> {
  return new Map([...refs].filter(([ref]) => ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/")));
}

/** Mark a sample failed when the mirror it produced is wrong. */
export async function checked(
  world: BenchWorld,
  upstream: string,
  target: string,
  sample: Sample,
): Promise<Sample> {
  if (!sample.ok) return sample;
  const mismatch = await mirrorMismatch(world, upstream, target);
  return mismatch == null ? sample : { ...sample, ok: false, error: mismatch };
}

function gitVerb(args: readonly string[]): string {
  // Skip the `-c key=value` pairs in front of the verb.
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return "?";
}

function redactArgs(args: readonly string[]): string[] {
  return args.map((arg) => (arg.startsWith("http.extraHeader=") ? "http.extraHeader=<redacted>" : arg));
}
