/**
 * `npm run bench:shards`: a fleet of small repositories, already mirrored, synced as the `mirror`
 * component's child pipeline would sync them: one job per mirror, or `max_jobs` shard jobs of
 * several mirrors each. A CI job costs more than its script: the runner starts it (image, checkout,
 * cache restore and save, artifacts) before and after ci-mirror runs, and that is billed in
 * runner-minutes too. The bench measures ci-mirror's own time per job, measures a per-job start
 * cost (a gitlab-ci-local shell job with the sync job's cache and artifacts: a floor, since a real
 * runner also pulls an image or boots a VM), and prints mirrors per runner-minute for both
 * layouts, and their ratio. See the "Fleet benchmark" section of bench/README.md.
 *
 * A benchmark reports; it does not gate.
 */
import { cp, mkdir, readFile } from "node:fs/promises";
import { cpus, platform, release } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { HERMETIC_GIT_ENV } from "../test/helpers/sandbox.ts";
import { buildRepo, tempDir } from "../test/helpers/fixtures.ts";
import { writeConfig } from "../test/helpers/cli.ts";
import { createFixtureProject, runGitlabCiLocal } from "../test/helpers/gitlab-ci-local.ts";
import { CLI, PROJECT, buildCli, log, runBench } from "./lib/bench-main.ts";
import { runProcess, tail } from "./lib/proc.ts";
import type { Env } from "./lib/proc.ts";
import { indentedTable, writeResults } from "./lib/report.ts";
import { fleetSpec } from "./lib/scenarios.ts";
import { startServerProcess } from "./lib/server-process.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN } from "./lib/world.ts";

const RESULTS_FILE = "shards-latest.json";
const DEFAULTS = { mirrors: 1_000, maxJobs: 200, concurrency: 4, sample: 100, startJobs: 8 };
/** Other start costs the report shows the ratio for: a runner that pulls a cached image, one that boots a VM per job. */
const START_COST_SCENARIOS_S = [5, 20];

interface Layout {
  name: string;
  /** Every job of the layout: the mirrors it syncs. */
  jobs: string[][];
  /** ci-mirror's own time per measured job, in ms. */
  measuredMs: number[];
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      mirrors: { type: "string" },
      "max-jobs": { type: "string" },
      sample: { type: "string" },
      full: { type: "boolean", default: false },
      "job-start-seconds": { type: "string" },
    },
  });
  const mirrors = positive(values.mirrors, DEFAULTS.mirrors, "--mirrors");
  const maxJobs = positive(values["max-jobs"], DEFAULTS.maxJobs, "--max-jobs");
  const sample = values.full
    ? Number.POSITIVE_INFINITY
    : positive(values.sample, DEFAULTS.sample, "--sample");
  const givenStart = values["job-start-seconds"] == null ? undefined : Number(values["job-start-seconds"]);

  await buildCli();
  const scratch = await tempDir("bench-shards");
  const home = join(scratch.path, "home");
  await mkdir(home, { recursive: true });
  const path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const env: Env = {
    PATH: path,
    HOME: home,
    ...HERMETIC_GIT_ENV,
    UPSTREAM_TOKEN,
    TARGET_TOKEN,
  };
  const server = await startServerProcess(
    { root: join(scratch.path, "server"), tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } },
    PROJECT,
  );
  try {
    const names = Array.from({ length: mirrors }, (_, i) => `fleet-${String(i + 1).padStart(4, "0")}`);
    const workspace = join(scratch.path, "work");
    await mkdir(workspace, { recursive: true });
    log(`building a fleet of ${mirrors} small repositories, already mirrored`);
    const config = await buildFleet(server, workspace, names, env);

    log(`planning with --max-jobs ${maxJobs}`);
    const shards = await planShards(workspace, config, maxJobs, env);
    const perMirror: Layout = {
      name: "one job per mirror",
      jobs: names.map((name) => [name]),
      measuredMs: [],
    };
    const sharded: Layout = { name: `${shards.length} shard jobs`, jobs: shards, measuredMs: [] };

    for (const layout of [perMirror, sharded]) {
      const picked = pick(layout.jobs, sample);
      log(`timing ${picked.length} of ${layout.jobs.length} jobs: ${layout.name}`);
      for (const [index, job] of picked.entries()) {
        const cache = join(workspace, "caches", `${layout === perMirror ? "m" : "s"}-${index}`);
        const args = ["sync", "--config", config, "--mirror", job.join(","), "--cache-dir", cache];
        if (job.length > 1) args.push("--concurrency", String(DEFAULTS.concurrency));
        const run = await runProcess(process.execPath, [CLI, ...args], { cwd: workspace, env });
        if (run.exitCode !== 0) throw new Error(`sync of ${job.join(",")} failed: ${tail(run.stderr)}`);
        layout.measuredMs.push(run.ms);
      }
    }

    log("measuring the start cost of one CI job under gitlab-ci-local");
    const measuredStartS = await measureJobStart(env);
    const startS = givenStart ?? measuredStartS;

    const rows = [perMirror, sharded].map((layout) => figures(layout, startS));
    const ratioAt = (seconds: number): number => {
      const [one, shard] = [perMirror, sharded].map((layout) => figures(layout, seconds));
      return (shard?.mirrorsPerRunnerMinute ?? 0) / (one?.mirrorsPerRunnerMinute ?? 1);
    };
    const shardSizes = shards.map((job) => job.length);
    const lines = [
      `Fleet of ${mirrors} small repositories in sync (${String(fleetSpec.commits)} commits, ${String(fleetSpec.branches)} branches, ${String(fleetSpec.tags)} tags each), on loopback`,
      `max_jobs ${maxJobs}: ${shards.length} shards of ${Math.min(...shardSizes)}–${Math.max(...shardSizes)} mirrors, synced ${DEFAULTS.concurrency} at a time`,
      `per-job start cost: ${measuredStartS.toFixed(2)} s measured (gitlab-ci-local shell job: checkout copy, cache restore and save, artifacts)${givenStart == null ? "" : `; ${givenStart} s used (--job-start-seconds)`}`,
      "",
      ...indentedTable(
        [
          "layout",
          "jobs",
          "timed",
          "ci-mirror time",
          "start cost",
          "runner-minutes",
          "mirrors/runner-minute",
        ],
        rows.map((row) => [
          row.name,
          String(row.jobs),
          String(row.timed),
          `${row.scriptS.toFixed(0)} s`,
          `${row.startS.toFixed(0)} s`,
          row.runnerMinutes.toFixed(2),
          row.mirrorsPerRunnerMinute.toFixed(0),
        ]),
      ),
      "",
      `shards vs one job per mirror: ${ratioAt(startS).toFixed(2)}x the mirrors per runner-minute`,
      ...START_COST_SCENARIOS_S.map(
        (seconds) => `  with a start cost of ${seconds} s per job: ${ratioAt(seconds).toFixed(2)}x`,
      ),
    ];
    if (sample !== Number.POSITIVE_INFINITY)
      lines.push(
        "",
        `(each layout timed on ${sample} jobs at most and scaled to all of them; --full times every job)`,
      );
    process.stdout.write(`${lines.join("\n")}\n`);

    await writeResults(
      PROJECT,
      RESULTS_FILE,
      {
        durationMs: performance.now() - started,
        environment: { platform: platform(), release: release(), cpus: cpus().length, node: process.version },
      },
      {
        mirrors,
        maxJobs,
        concurrency: DEFAULTS.concurrency,
        measuredStartS,
        startS,
        layouts: [perMirror, sharded].map((layout) => ({
          name: layout.name,
          jobs: layout.jobs.length,
          measuredMs: layout.measuredMs,
        })),
        ratio: ratioAt(startS),
        ratios: Object.fromEntries(
          START_COST_SCENARIOS_S.map((seconds) => [`${seconds}s`, ratioAt(seconds)]),
        ),
      },
    );
  } finally {
    await server.close();
    await scratch.remove();
  }
}

function figures(layout: Layout, startS: number) {
  const mean = layout.measuredMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, layout.measuredMs.length);
  const scriptS = (mean * layout.jobs.length) / 1000;
  const totalStartS = startS * layout.jobs.length;
  const runnerMinutes = (scriptS + totalStartS) / 60;
  const mirrors = layout.jobs.reduce((sum, job) => sum + job.length, 0);
  return {
    name: layout.name,
    jobs: layout.jobs.length,
    timed: layout.measuredMs.length,
    scriptS,
    startS: totalStartS,
    runnerMinutes,
    mirrorsPerRunnerMinute: mirrors / runnerMinutes,
  };
}

/**
 * One upstream and one target built and mirrored once, then copied byte for byte under every
 * other name: a thousand repositories in seconds, each pair already in sync.
 */
async function buildFleet(
  server: Awaited<ReturnType<typeof startServerProcess>>,
  workspace: string,
  names: readonly string[],
  env: Env,
): Promise<string> {
  const [first = ""] = names;
  await server.createRepo(`up/${first}`, { flavor: "plain" });
  await buildRepo(server.repoPath(`up/${first}`), { ...fleetSpec, seed: "shards" });
  await server.createRepo(`tgt/${first}`, { flavor: "gitlab" });
  await mkdir(join(workspace, "seed"), { recursive: true });
  const seedConfig = await writeConfig(join(workspace, "seed"), [
    { name: first, source: server.repoUrl(`up/${first}`), target: server.repoUrl(`tgt/${first}`) },
  ]);
  const seed = await runProcess(
    process.execPath,
    [CLI, "sync", "--config", seedConfig, "--all", "--cache-dir", join(workspace, "seed", "cache")],
    { cwd: workspace, env },
  );
  if (seed.exitCode !== 0) throw new Error(`first mirror failed: ${tail(seed.stderr)}`);
  for (const name of names.slice(1)) {
    await cp(server.repoPath(`up/${first}`), server.repoPath(`up/${name}`), { recursive: true });
    await cp(server.repoPath(`tgt/${first}`), server.repoPath(`tgt/${name}`), { recursive: true });
  }
  return writeConfig(
    workspace,
    names.map((name) => ({
      name,
      source: server.repoUrl(`up/${name}`),
      target: server.repoUrl(`tgt/${name}`),
    })),
  );
}

/** The shard jobs `ci-mirror plan` writes, read back from the child YAML. */
async function planShards(workspace: string, config: string, maxJobs: number, env: Env): Promise<string[][]> {
  const out = join(workspace, "child.yml");
  const plan = await runProcess(
    process.execPath,
    [CLI, "plan", "--config", config, "--out", out, "--max-jobs", String(maxJobs)],
    { cwd: workspace, env },
  );
  if (plan.exitCode !== 0) throw new Error(`plan failed: ${tail(plan.stderr)}`);
  const child = parse(await readFile(out, "utf8")) as Record<string, { script?: string[] }>;
  const jobs: string[][] = [];
  for (const [name, job] of Object.entries(child)) {
    if (name === "stages") continue;
    const list = /--mirror (\S+)/.exec(job.script?.join(" ") ?? "")?.[1];
    if (list == null || list.includes("$"))
      throw new Error(`${name} is not a shard job: raise --mirrors above --max-jobs`);
    jobs.push(list.split(","));
  }
  return jobs;
}

/**
 * The marginal cost of one more job in a gitlab-ci-local pipeline (shell executor, jobs one at a
 * time): the pipeline with N jobs minus the pipeline with one, over N−1. Each job has the sync
 * job's cache (key per job, `when: always`) and artifacts, and a script that does nothing.
 */
async function measureJobStart(env: Env): Promise<number> {
  const pipeline = (jobs: number): string => {
    const lines: string[] = [];
    for (let i = 1; i <= jobs; i += 1) {
      lines.push(
        `job-${i}:`,
        "  script:",
        "    - mkdir -p reports .ci-mirror/cache && echo ok > reports/job.json && echo ok > .ci-mirror/cache/x",
        `  cache: { key: start-${i}, paths: [.ci-mirror/cache/], when: always }`,
        "  artifacts: { when: always, paths: [reports/] }",
      );
    }
    return `${lines.join("\n")}\n`;
  };
  const time = async (jobs: number): Promise<number> => {
    const project = await createFixtureProject({ ".gitlab-ci.yml": pipeline(jobs) });
    try {
      const run = await runGitlabCiLocal(project.dir, {
        env: { PATH: env.PATH ?? "" },
        args: ["--concurrency", "1"],
      });
      if (run.code !== 0) throw new Error(`gitlab-ci-local failed: ${tail(run.output)}`);
      return run.ms;
    } finally {
      await project.remove();
    }
  };
  const one = await time(1);
  const many = await time(DEFAULTS.startJobs);
  return Math.max(0, (many - one) / (DEFAULTS.startJobs - 1) / 1000);
}

/** An evenly spread sample (every k-th job), so big and small shards are both in it. */
function pick<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)] as T);
}

function positive(value: string | undefined, fallback: number, flag: string): number {
  if (value == null) return fallback;
  const number = Number.parseInt(value, 10);
  if (!(number >= 1)) throw new Error(`${flag} must be a number of at least 1`);
  return number;
}

await runBench(main);
