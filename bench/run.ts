/**
 * `npm run bench`: the built ci-mirror CLI against the git it replaces, on one local smart-HTTP
 * server, in one run. See bench/README.md for what each scenario compares and how to read it.
 *
 * A benchmark reports; it does not gate. A missed target prints MISS and the exit code stays 0.
 */
import { mkdir } from "node:fs/promises";
import { cpus, freemem, totalmem, release, platform } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { HERMETIC_GIT_ENV } from "../test/helpers/sandbox.ts";
import { buildRepo, largeRepoSpec, listRefs, tempDir } from "../test/helpers/fixtures.ts";
import type { RepoSpec } from "../test/helpers/fixtures.ts";
import { CLI, PROJECT, buildCli, buildFloor, log, runBench } from "./lib/bench-main.ts";
import { gnuTimeAvailable, runProcess } from "./lib/proc.ts";
import type { Env } from "./lib/proc.ts";
import { indentedTable, writeResults } from "./lib/report.ts";
import type { Environment } from "./lib/report.ts";
import {
  changeUpstream,
  coldMirror,
  fleet,
  incrementalNoCache,
  incrementalWarm,
  noOp,
  prepareSteady,
} from "./lib/scenarios.ts";
import type { ScenarioResult } from "./lib/scenarios.ts";
import { startServerProcess } from "./lib/server-process.ts";
import { formatBytes, formatKb, formatMs, formatRatio, ratio } from "./lib/stats.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN } from "./lib/world.ts";
import type { BenchWorld } from "./lib/world.ts";

const RESULTS_FILE = "latest.json";
const UPSTREAM = "big-upstream";

/**
 * `largeRepoSpec` without its refs/pull/* and refs/merge-requests/*: the naive script's
 * `push --mirror` cannot mirror those into GitLab (scenario 1 shows it), and dropping them lets
 * all three contenders move exactly the same refs.
 */
const BIG_SPEC: Readonly<RepoSpec> = { ...largeRepoSpec, pullRefs: 0, mergeRequestRefs: 0 };

// Median of this many runs per contender; sized to keep the whole bench near five minutes on two cores.
const DEFAULT_REPS = { cold: 5, noop: 7, incremental: 5, warm: 5, fleet: 3 };

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({ options: { reps: { type: "string" }, only: { type: "string" } } });
  const override = values.reps == null ? undefined : Number.parseInt(values.reps, 10);
  if (override != null && !(override >= 1)) throw new Error("--reps must be a number of at least 1");
  const reps = (name: keyof typeof DEFAULT_REPS): number => override ?? DEFAULT_REPS[name];
  const only = new Set(values.only?.split(",").map((name) => name.trim()) ?? Object.keys(DEFAULT_REPS));
  const unknown = [...only].filter((name) => !(name in DEFAULT_REPS));
  if (unknown.length > 0) {
    throw new Error(`--only takes ${Object.keys(DEFAULT_REPS).join(", ")}; not ${unknown.join(", ")}`);
  }
  const runs = (name: keyof typeof DEFAULT_REPS): boolean => only.has(name);

  await buildCli();

  const scratch = await tempDir("bench");
  const home = join(scratch.path, "home");
  await mkdir(home, { recursive: true });
  const path = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  // The same bare environment for ci-mirror and for the baselines: no user or system git config.
  const base: Env = { PATH: path, HOME: home, ...HERMETIC_GIT_ENV };
  const server = await startServerProcess(
    { root: join(scratch.path, "server"), tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } },
    PROJECT,
  );
  const world: BenchWorld = {
    server,
    root: join(scratch.path, "work"),
    cli: CLI,
    floor: await buildFloor(join(scratch.path, "noop-floor.mjs")),
    cliEnv: { ...base, UPSTREAM_TOKEN, TARGET_TOKEN },
    // ci-mirror sets these for its own git children; the baselines get them too.
    gitEnv: { ...base, LC_ALL: "C" },
    gnuTime: await gnuTimeAvailable(base),
  };
  await mkdir(world.root, { recursive: true });

  try {
    log(`building the upstream (${describeSpec(BIG_SPEC)})`);
    const buildStarted = performance.now();
    await server.createRepo(UPSTREAM, { flavor: "plain" });
    await buildRepo(server.repoPath(UPSTREAM), BIG_SPEC);
    const upstream = await describeUpstream(world);
    log(
      `  ${upstream.refs} refs, pack ${formatBytes(upstream.packBytes)}, built in ${formatMs(performance.now() - buildStarted)}`,
    );

    const scenarios: ScenarioResult[] = [];
    if (runs("cold")) {
      log("scenario 1: cold mirror");
      scenarios.push(await coldMirror(world, UPSTREAM, reps("cold")));
    }
    if (runs("noop") || runs("incremental") || runs("warm")) {
      log("preparing the in-sync state (one ci-mirror sync, one clone --mirror)");
      const steady = await prepareSteady(world, UPSTREAM);
      if (runs("noop")) {
        log("scenario 2: no-op");
        scenarios.push(await noOp(world, steady, reps("noop")));
      }
      if (runs("incremental") || runs("warm")) {
        log("pushing a few commits upstream");
        const change = await changeUpstream(world, UPSTREAM);
        log(`  ${change.description}`);
        if (runs("incremental")) {
          log("scenario 3: incremental without cache");
          scenarios.push(await incrementalNoCache(world, steady, change, reps("incremental")));
        }
        if (runs("warm")) {
          log("scenario 4: incremental with cache");
          scenarios.push(await incrementalWarm(world, steady, reps("warm")));
        }
      }
    }
    if (runs("fleet")) {
      log("scenario 5: fleet (building 50 repositories, first sync, clones)");
      scenarios.push(await fleet(world, reps("fleet")));
    }

    const durationMs = Math.round(performance.now() - started);
    const environment = await describeEnvironment(world);
    const lines = render(scenarios, upstream, environment, durationMs);
    process.stdout.write(`${lines.join("\n")}\n`);
    await writeResults(PROJECT, RESULTS_FILE, { durationMs, environment }, { upstream, scenarios });
  } finally {
    await server.close();
    await scratch.remove();
  }
}

interface UpstreamFacts {
  spec: RepoSpec;
  refs: number;
  branches: number;
  tags: number;
  packBytes: number;
}

async function describeUpstream(world: BenchWorld): Promise<UpstreamFacts> {
  const refs = await listRefs(world.server.repoPath(UPSTREAM));
  const names = [...refs.keys()];
  const sizes = await runProcess("git", ["count-objects", "-v"], {
    cwd: world.server.repoPath(UPSTREAM),
    env: world.gitEnv,
  });
  const sizePack = /^size-pack: (\d+)$/m.exec(sizes.stdout.toString("utf8"))?.[1];
  return {
    spec: BIG_SPEC,
    refs: names.length,
    branches: names.filter((name) => name.startsWith("refs/heads/")).length,
    tags: names.filter((name) => name.startsWith("refs/tags/")).length,
    packBytes: Number(sizePack ?? 0) * 1024,
  };
}

async function describeEnvironment(world: BenchWorld): Promise<Environment> {
  const gitVersion = await runProcess("git", ["--version"], { env: world.gitEnv });
  return {
    node: process.version,
    git: gitVersion.stdout.toString("utf8").trim(),
    os: `${platform()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    freeMemoryMiB: Math.round(freemem() / 1024 / 1024),
    gnuTime: world.gnuTime,
  };
}

function render(
  scenarios: readonly ScenarioResult[],
  upstream: UpstreamFacts,
  environment: Environment,
  durationMs: number,
): string[] {
  const out: string[] = [
    "",
    "ci-mirror benchmark",
    `  ${String(environment.git)}, node ${String(environment.node)}, ${String(environment.cpus)} CPUs (${String(environment.cpuModel)})`,
    `  upstream: ${upstream.refs} refs (${upstream.branches} branches, ${upstream.tags} tags), ${describeSpec(upstream.spec)}, pack ${formatBytes(upstream.packBytes)}`,
    "  times are medians of the runs shown in 'ok'; 'x raw' / 'x naive' divide each median by that baseline's",
    `  RSS node = the ci-mirror Node process; RSS max = largest single process of its tree, git children included${environment.gnuTime === true ? "" : " (skipped: no GNU time)"}`,
  ];
  const summary: string[][] = [];
  for (const scenario of scenarios) {
    out.push("", `== ${scenario.title} ==`);
    for (const [tool, what] of Object.entries(scenario.contenders)) out.push(`  ${tool.padEnd(9)} ${what}`);
    for (const [key, value] of Object.entries(scenario.facts)) out.push(`  ${key}: ${String(value)}`);
    const raw = scenario.rows.find((row) => row.tool === "raw");
    const naive = scenario.rows.find((row) => row.tool === "naive");
    const table = scenario.rows.map((row) => [
      row.label,
      row.okRuns > 0 ? formatMs(row.medianMs) : "FAILED",
      row.okRuns > 1 ? `${formatMs(row.minMs)} .. ${formatMs(row.maxMs)}` : "",
      formatRatio(ratio(row.medianMs, raw?.medianMs)),
      formatRatio(ratio(row.medianMs, naive?.medianMs)),
      formatBytes(row.upstreamBytes),
      formatKb(row.nodeRssKb),
      formatKb(row.treeRssKb),
      `${row.okRuns}/${row.runs}`,
    ]);
    out.push(
      "",
      ...indentedTable(
        ["contender", "median", "range", "x raw", "x naive", "upstream bytes", "RSS node", "RSS max", "ok"],
        table,
      ),
    );
    for (const row of scenario.rows) {
      for (const error of row.errors) out.push(`  ! ${row.label}: ${error}`);
    }
    const ci = scenario.rows.find((row) => row.tool === "ci-mirror");
    if (ci?.timings != null && ci.medianMs != null) {
      const t = ci.timings;
      const phases = `list ${t.listMs}, fetch ${t.fetchMs}, lfs ${t.lfsMs}, push ${t.pushMs}, mirror total ${t.totalMs}`;
      out.push(
        scenario.timingsSummed === true
          ? `  ci-mirror phases (median ms, from --report, summed over all mirrors): ${phases}`
          : `  ci-mirror phases (median ms, from --report): ${phases}; process wall ${Math.round(ci.medianMs)}, ` +
              `so ~${Math.max(0, Math.round(ci.medianMs - t.totalMs))} outside the mirror (start-up, config, lock, report)`,
      );
    }
    if (scenario.target != null) {
      const verdict = scenario.target.pass ? "PASS" : "MISS  <<<";
      out.push(`  target: ${scenario.target.text}: ${formatRatio(scenario.target.value)} -> ${verdict}`);
      summary.push([
        scenario.title,
        scenario.target.text,
        formatRatio(scenario.target.value),
        scenario.target.pass ? "PASS" : "MISS",
      ]);
    }
    for (const note of scenario.notes) out.push(`  note: ${note}`);
  }
  out.push("", "== Targets ==", ...indentedTable(["scenario", "target", "measured", "verdict"], summary));
  out.push("", `total bench time: ${formatMs(durationMs)}`);
  return out;
}

function describeSpec(spec: Readonly<RepoSpec>): string {
  return `${spec.commits ?? 1} commits, ${String(spec.branches ?? 0)} branches, ${spec.tags ?? 0} tags, ${spec.bytesPerCommit ?? 0} random bytes per commit`;
}

await runBench(main);
