import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { buildRepo, commitOnBranch, git, listRefs } from "../../test/helpers/fixtures.ts";
import type { RepoSpec } from "../../test/helpers/fixtures.ts";
import { writeConfig } from "../../test/helpers/cli.ts";
import { runProcess, tail } from "./proc.ts";
import { measure, ratio } from "./stats.ts";
import type { Contender, Row, Sample, Tool } from "./stats.ts";
import {
  checked,
  copyDir,
  copyServerRepo,
  mustGit,
  removeServerRepo,
  runCli,
  runNode,
  scratchDir,
  targetGit,
  timeCiMirror,
  timeGitJobs,
  upstreamGit,
  withUpstreamBytes,
} from "./world.ts";
import type { BenchWorld, GitStep } from "./world.ts";

interface TargetCheck {
  /** What is compared, in words. */
  text: string;
  value: number | undefined;
  limit: number;
  pass: boolean;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** What each contender does, in one line each. */
  contenders: Record<string, string>;
  rows: Row[];
  ciVsRaw: number | undefined;
  ciVsNaive: number | undefined;
  target: TargetCheck | undefined;
  facts: Record<string, number | string>;
  notes: string[];
  /** The ci-mirror timings are summed over many mirrors run in parallel, so they exceed the wall time. */
  timingsSummed?: boolean;
}

/** The mirror's name in every config: it is also the cache repo's directory name. */
const MIRROR = "big";
const HEADS_AND_TAGS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/**
 * The state the steady-state scenarios start from: a target in sync with the upstream, the
 * ci-mirror cache that sync left, and the naive script's mirror clone.
 */
export interface Steady {
  upstream: string;
  target: string;
  /** Workspace holding the config and the warm cache. */
  workspace: string;
  config: string;
  cache: string;
  /** `git clone --mirror` of the upstream, as the naive cron script keeps it. */
  clone: string;
}

// The git steps the baselines are made of, each spelled once so every scenario runs the same command.
function cloneMirror(upstreamUrl: string, clone: string): GitStep {
  return upstreamGit(["clone", "--mirror", "--quiet", upstreamUrl, clone]);
}

function remoteUpdate(clone: string): GitStep {
  return upstreamGit(["remote", "update", "-p"], clone);
}

function pushMirror(targetUrl: string, repo: string): GitStep {
  return targetGit(["push", "--mirror", "--quiet", targetUrl], repo);
}

function listHeadsAndTags(url: string): string[] {
  return ["ls-remote", "--heads", "--tags", url];
}

function pushHeadsAndTags(targetUrl: string, repo: string): GitStep {
  return targetGit(["push", "--quiet", targetUrl, ...HEADS_AND_TAGS], repo);
}

/** The naive script's run in a mirror clone it keeps: update from the upstream, push everything. */
function naiveUpdate(clone: string, targetUrl: string): GitStep[] {
  return [remoteUpdate(clone), pushMirror(targetUrl, clone)];
}

/** One job of git steps, timed, in the mirror clone the contender keeps in `dir`. */
function timeInClone(world: BenchWorld, dir: string, steps: (clone: string) => GitStep[]): Promise<Sample> {
  return timeGitJobs(world, [steps(join(dir, "mirror.git"))]);
}

/** The naive script on a fresh runner: a new mirror clone, pushed whole. Used cold and incremental. */
function naiveFreshClone(world: BenchWorld, upstreamUrl: string): MirrorContender {
  return {
    tool: "naive",
    label: "naive: clone --mirror + push --mirror",
    run: (dir, targetUrl) =>
      timeInClone(world, dir, (clone) => [cloneMirror(upstreamUrl, clone), pushMirror(targetUrl, clone)]),
  };
}

interface MirrorContender {
  tool: Tool;
  label: string;
  /** Untimed: put the contender's local state (a warm cache, a mirror clone) into `dir`. */
  prepare?: (dir: string) => Promise<void>;
  /** The timed run: mirror into the target at `targetUrl`, working in `dir`. */
  run: (dir: string, targetUrl: string) => Promise<Sample>;
}

/**
 * Wrap a mirroring contender: a fresh target per run (created empty, or copied from a target in
 * a known state), upstream bytes counted, the result checked against the upstream, and
 * everything removed again so disk use stays flat.
 */
function mirrorRun(
  world: BenchWorld,
  scenario: string,
  upstream: string,
  startFrom: string | undefined,
  spec: MirrorContender,
): Contender {
  return {
    tool: spec.tool,
    label: spec.label,
    sample: async (rep) => {
      const target = `${scenario}-${spec.tool}-${rep}`;
      if (startFrom == null) await world.server.createRepo(target, { flavor: "gitlab" });
      else await copyServerRepo(world, startFrom, target);
      const dir = await scratchDir(world, `${scenario}-${spec.tool}`);
      try {
        await spec.prepare?.(dir);
        const sample = await withUpstreamBytes(world, upstream, () =>
          spec.run(dir, world.server.repoUrl(target)),
        );
        return await checked(world, upstream, target, sample);
      } finally {
        await removeServerRepo(world, target);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** ci-mirror syncing the one mirror MIRROR, with its config and cache in `dir`. */
async function ciSync(
  world: BenchWorld,
  dir: string,
  upstreamUrl: string,
  targetUrl: string,
  extra: string[] = [],
): Promise<Sample> {
  const config = await writeConfig(dir, [{ name: MIRROR, source: upstreamUrl, target: targetUrl }]);
  return timeCiMirror(world, dir, syncArgs(config, join(dir, "cache"), extra));
}

function syncArgs(config: string, cache: string, extra: readonly string[] = []): string[] {
  return ["sync", "--config", config, "--mirror", MIRROR, "--cache-dir", cache, ...extra];
}

function result(
  id: string,
  title: string,
  contenders: Record<string, string>,
  rows: Row[],
  target: ((rows: Row[]) => TargetCheck) | undefined,
  facts: Record<string, number | string> = {},
  notes: string[] = [],
): ScenarioResult {
  const ci = rows.find((row) => row.tool === "ci-mirror");
  const raw = rows.find((row) => row.tool === "raw");
  const naive = rows.find((row) => row.tool === "naive");
  return {
    id,
    title,
    contenders,
    rows,
    ciVsRaw: ratio(ci?.medianMs, raw?.medianMs),
    ciVsNaive: ratio(ci?.medianMs, naive?.medianMs),
    target: target?.(rows),
    facts,
    notes,
  };
}

function timeTarget(rows: Row[], limit: number): TargetCheck {
  const ci = rows.find((row) => row.tool === "ci-mirror");
  const raw = rows.find((row) => row.tool === "raw");
  const value = ratio(ci?.medianMs, raw?.medianMs);
  return {
    text: `ci-mirror median time <= ${limit}x raw git`,
    value,
    limit,
    pass: value != null && value <= limit && ci?.okRuns === ci?.runs,
  };
}

// 1. Cold mirror ---------------------------------------------------------------------------------

export async function coldMirror(world: BenchWorld, upstream: string, reps: number): Promise<ScenarioResult> {
  const upstreamUrl = world.server.repoUrl(upstream);
  const rows = await measure(
    [
      mirrorRun(world, "cold", upstream, undefined, {
        tool: "ci-mirror",
        label: "ci-mirror sync (empty cache)",
        run: (dir, targetUrl) => ciSync(world, dir, upstreamUrl, targetUrl),
      }),
      mirrorRun(world, "cold", upstream, undefined, naiveFreshClone(world, upstreamUrl)),
      mirrorRun(world, "cold", upstream, undefined, {
        tool: "raw",
        label: "raw: clone --mirror + push heads/tags",
        run: (dir, targetUrl) =>
          timeInClone(world, dir, (clone) => [
            cloneMirror(upstreamUrl, clone),
            pushHeadsAndTags(targetUrl, clone),
          ]),
      }),
    ],
    reps,
  );
  return result(
    "cold",
    "1. Cold mirror: empty target, empty cache",
    {
      "ci-mirror": "sync --mirror big with a fresh --cache-dir into a new empty target",
      naive: "git clone --mirror <upstream>; git push --mirror <target>",
      raw: "git clone --mirror <upstream>; git push <target> refs/heads/* refs/tags/* (one push)",
    },
    rows,
    (r) => timeTarget(r, 1.1),
    {},
    [await hiddenRefCheck(world)],
  );
}

/**
 * Why the big upstream has no pull or merge-request refs: the naive script cannot mirror them
 * into GitLab at all. Shown once, on a small repository, rather than assumed.
 */
async function hiddenRefCheck(world: BenchWorld): Promise<string> {
  const upstream = "compat-upstream";
  const target = "compat-target";
  await world.server.createRepo(upstream, { flavor: "gitlab" });
  await buildRepo(world.server.repoPath(upstream), {
    commits: 10,
    branches: 3,
    tags: 3,
    pullRefs: 3,
    mergeRequestRefs: 3,
    seed: "compat",
  });
  await world.server.createRepo(target, { flavor: "gitlab" });
  const dir = await scratchDir(world, "compat");
  const clone = join(dir, "mirror.git");
  await mustGit(world, cloneMirror(world.server.repoUrl(upstream), clone));
  const push = await runProcess(
    "git",
    targetGit(["push", "--mirror", world.server.repoUrl(target)], clone).args,
    { cwd: clone, env: world.gitEnv },
  );
  await rm(dir, { recursive: true, force: true });
  const rejected = push.stderr
    .split("\n")
    .filter((line) => line.includes("[remote rejected]"))
    .map((line) => line.trim());
  if (push.exitCode === 0) {
    return "naive push --mirror of an upstream with refs/merge-requests/* into a GitLab-flavoured target succeeded (unexpected)";
  }
  return (
    `Why the big upstream has no refs/pull/* or refs/merge-requests/*: on a small GitLab-style upstream that has them, ` +
    `the naive push --mirror into a GitLab-flavoured target exits ${push.exitCode} with ${rejected.length} refs ` +
    `rejected (e.g. "${rejected[0] ?? tail(push.stderr, 1)}"), so every cron run of it fails; ci-mirror only syncs ` +
    `branches and tags. Without those refs all three contenders move exactly the same refs.`
  );
}

// 2. No-op ---------------------------------------------------------------------------------------

/** Bring a target, a warm ci-mirror cache and a naive mirror clone in sync with the upstream (untimed). */
export async function prepareSteady(world: BenchWorld, upstream: string): Promise<Steady> {
  const target = "steady-target";
  await world.server.createRepo(target, { flavor: "gitlab" });
  const workspace = await scratchDir(world, "steady");
  const config = await writeConfig(workspace, [
    { name: MIRROR, source: world.server.repoUrl(upstream), target: world.server.repoUrl(target) },
  ]);
  const cache = join(workspace, "cache");
  const first = await timeCiMirror(world, workspace, syncArgs(config, cache));
  const synced = await checked(world, upstream, target, first);
  if (!synced.ok) throw new Error(`bench setup: first sync failed: ${synced.error ?? "?"}`);
  const clone = join(workspace, "mirror.git");
  await mustGit(world, cloneMirror(world.server.repoUrl(upstream), clone));
  return { upstream, target, workspace, config, cache, clone };
}

export async function noOp(world: BenchWorld, steady: Steady, reps: number): Promise<ScenarioResult> {
  const upstreamUrl = world.server.repoUrl(steady.upstream);
  const targetUrl = world.server.repoUrl(steady.target);
  const counted =
    (sample: () => Promise<Sample>): (() => Promise<Sample>) =>
    () =>
      withUpstreamBytes(world, steady.upstream, sample);
  const contenders: Contender[] = [
    {
      tool: "ci-mirror",
      label: "ci-mirror sync (in sync)",
      sample: counted(() => timeCiMirror(world, steady.workspace, syncArgs(steady.config, steady.cache))),
    },
    {
      tool: "naive",
      label: "naive: remote update -p + push --mirror",
      sample: counted(() => timeGitJobs(world, [naiveUpdate(steady.clone, targetUrl)])),
    },
    {
      tool: "raw",
      label: "raw: 2x ls-remote --heads --tags, in parallel",
      sample: counted(() =>
        timeGitJobs(
          world,
          [[upstreamGit(listHeadsAndTags(upstreamUrl))], [targetGit(listHeadsAndTags(targetUrl))]],
          2,
        ),
      ),
    },
    {
      tool: "info",
      label: "info: floor: Node + yargs + execa, the two listings",
      sample: () =>
        runNode(world, steady.workspace, world.floor, ["--upstream", upstreamUrl, "--target", targetUrl]),
    },
    {
      tool: "info",
      label: "info: ci-mirror --version (CLI start-up)",
      sample: () => runCli(world, steady.workspace, ["--version"]),
    },
    {
      tool: "info",
      label: "info: node -e 0 (bare Node start-up)",
      sample: () => runNode(world, steady.workspace, "-e", ["0"]),
    },
  ];
  const rows = await measure(contenders, reps);
  return result(
    "noop",
    "2. No-op: target already in sync",
    {
      "ci-mirror": "sync --mirror big; both sides listed, nothing to do",
      naive: "git remote update -p; git push --mirror <target> in the existing mirror clone",
      raw: "git ls-remote --heads --tags <upstream> and <target>, the two at once (as ci-mirror lists them)",
      info: "the least a Node CLI on this stack can do for a no-op (floor), what starting the CLI costs before any git runs (--version), and Node alone (-e 0)",
    },
    rows,
    (r) => timeTarget(r, 3),
  );
}

// 3 & 4. Incremental -------------------------------------------------------------------------------

export interface UpstreamChange {
  description: string;
  /** `git pack-objects --stdout` size of the objects the new commits added. */
  changeBytes: number;
  /** upload-pack bytes of one plain `git ls-remote` of the upstream. */
  listingBytes: number;
}

/** Push "a few commits" upstream: three on the default branch, one on two branches, a new branch and a tag. */
export async function changeUpstream(world: BenchWorld, upstream: string): Promise<UpstreamChange> {
  const path = world.server.repoPath(upstream);
  const before = await listRefs(path);
  for (let i = 1; i <= 3; i++) {
    await commitOnBranch(
      path,
      "main",
      { [`data/incoming-${i}.bin`]: noise(`main-${i}`, 10_000) },
      `incoming ${i}`,
    );
  }
  await commitOnBranch(path, "branch-000", { "data/branch-fix.bin": noise("branch-000", 10_000) });
  await commitOnBranch(path, "feature/topic-001", { "data/topic-fix.bin": noise("topic-001", 10_000) });
  await commitOnBranch(path, "feature/bench-new", { "data/new-branch.bin": noise("new", 10_000) });
  await git(["tag", "v2.0.0", "refs/heads/main"], { cwd: path });
  const after = await listRefs(path);

  const tips = [...new Set(after.values())];
  const old = [...new Set(before.values())].map((sha) => `^${sha}`);
  const objects = await git(["rev-list", "--objects", "--stdin"], {
    cwd: path,
    input: `${[...tips, ...old].join("\n")}\n`,
  });
  const pack = await runProcess("git", ["pack-objects", "--stdout", "--quiet"], {
    cwd: path,
    env: world.gitEnv,
    input: `${objects}\n`,
  });
  if (pack.exitCode !== 0) throw new Error(`bench setup: pack-objects failed: ${tail(pack.stderr)}`);

  await world.server.resetStats();
  await mustGit(world, upstreamGit(["ls-remote", world.server.repoUrl(upstream)]));
  const listingBytes = (await world.server.stats(upstream)).uploadPackBytesSent;

  const changed = [...after].filter(([ref, sha]) => before.get(ref) !== sha).map(([ref]) => ref);
  return {
    description: `${changed.length} refs changed (${changed.join(", ")}); 6 commits, 6 x 10 kB new blobs`,
    changeBytes: pack.stdout.length,
    listingBytes,
  };
}

/** Incompressible, reproducible bytes: a SHA-256 chain, so reruns produce the same objects. */
function noise(seed: string, size: number): Buffer {
  const blocks: Buffer[] = [];
  let block = createHash("sha256").update(seed).digest();
  for (let total = 0; total < size; total += block.length) {
    blocks.push(block);
    block = createHash("sha256").update(block).digest();
  }
  return Buffer.concat(blocks).subarray(0, size);
}

export async function incrementalNoCache(
  world: BenchWorld,
  steady: Steady,
  change: UpstreamChange,
  reps: number,
): Promise<ScenarioResult> {
  const upstreamUrl = world.server.repoUrl(steady.upstream);
  const rows = await measure(
    [
      mirrorRun(world, "inc", steady.upstream, steady.target, {
        tool: "ci-mirror",
        label: "ci-mirror sync (empty cache)",
        run: (dir, targetUrl) => ciSync(world, dir, upstreamUrl, targetUrl),
      }),
      mirrorRun(world, "inc", steady.upstream, steady.target, naiveFreshClone(world, upstreamUrl)),
      mirrorRun(world, "inc", steady.upstream, steady.target, {
        tool: "raw",
        label: "raw: seed from target + fetch + push",
        run: (dir, targetUrl) => {
          const repo = join(dir, "seeded.git");
          const fetch = ["fetch", "--quiet", "--no-tags"];
          return timeGitJobs(world, [
            [
              { args: ["init", "--bare", "--quiet", repo] },
              targetGit([...fetch, targetUrl, ...HEADS_AND_TAGS], repo),
              upstreamGit([...fetch, upstreamUrl, ...HEADS_AND_TAGS], repo),
              pushHeadsAndTags(targetUrl, repo),
            ],
          ]);
        },
      }),
    ],
    reps,
  );
  const budget = change.changeBytes + change.listingBytes;
  return result(
    "incremental-no-cache",
    "3. Incremental, without cache: a few commits upstream, fresh runner",
    {
      "ci-mirror": "sync --mirror big with a fresh empty --cache-dir (it seeds the cache from the target)",
      naive: "git clone --mirror <upstream>; git push --mirror <target>",
      raw: "git init --bare; git fetch <target> heads/tags; git fetch <upstream> heads/tags; git push <target> heads/tags",
    },
    rows,
    (r) => {
      const value = ratio(r.find((row) => row.tool === "ci-mirror")?.upstreamBytes, budget);
      return {
        text: `ci-mirror upstream bytes <= 2x (change ${change.changeBytes} B + one ref listing ${change.listingBytes} B = ${budget} B)`,
        value,
        limit: 2,
        pass: value != null && value <= 2,
      };
    },
    {
      change: change.description,
      changeBytes: change.changeBytes,
      listingBytes: change.listingBytes,
    },
  );
}

export async function incrementalWarm(
  world: BenchWorld,
  steady: Steady,
  reps: number,
): Promise<ScenarioResult> {
  const upstreamUrl = world.server.repoUrl(steady.upstream);
  const copyClone = (dir: string): Promise<void> => copyDir(world, steady.clone, join(dir, "mirror.git"));
  const rows = await measure(
    [
      mirrorRun(world, "warm", steady.upstream, steady.target, {
        tool: "ci-mirror",
        label: "ci-mirror sync (warm cache)",
        prepare: (dir) => copyDir(world, steady.cache, join(dir, "cache")),
        run: (dir, targetUrl) => ciSync(world, dir, upstreamUrl, targetUrl),
      }),
      mirrorRun(world, "warm", steady.upstream, steady.target, {
        tool: "naive",
        label: "naive: remote update -p + push --mirror",
        prepare: copyClone,
        run: (dir, targetUrl) => timeInClone(world, dir, (clone) => naiveUpdate(clone, targetUrl)),
      }),
      mirrorRun(world, "warm", steady.upstream, steady.target, {
        tool: "raw",
        label: "raw: fetch heads/tags + push heads/tags",
        prepare: copyClone,
        run: (dir, targetUrl) =>
          timeInClone(world, dir, (clone) => [
            upstreamGit(["fetch", "--quiet", "--no-tags", "--prune", upstreamUrl, ...HEADS_AND_TAGS], clone),
            pushHeadsAndTags(targetUrl, clone),
          ]),
      }),
    ],
    reps,
  );
  return result(
    "incremental-warm",
    "4. Incremental, with cache (for information)",
    {
      "ci-mirror": "sync --mirror big with the cache the previous sync left",
      naive: "git remote update -p; git push --mirror <target> in the existing mirror clone",
      raw: "git fetch --prune <upstream> heads/tags; git push <target> heads/tags, in the existing clone",
    },
    rows,
    undefined,
  );
}

// 5. Fleet -----------------------------------------------------------------------------------------

const FLEET_SIZE = 50;
const FLEET_CONCURRENCY = 8;

export const fleetSpec: Readonly<RepoSpec> = { commits: 30, branches: 6, tags: 6, bytesPerCommit: 2_000 };

export async function fleet(world: BenchWorld, reps: number): Promise<ScenarioResult> {
  const names = Array.from({ length: FLEET_SIZE }, (_, i) => `repo-${String(i + 1).padStart(2, "0")}`);
  const workspace = await scratchDir(world, "fleet");
  // Built two at a time: fast-import is CPU-bound and the bench assumes two cores.
  const build = pLimit(2);
  await Promise.all(
    names.map((name) =>
      build(async () => {
        await world.server.createRepo(`fleet-up-${name}`, { flavor: "plain" });
        await buildRepo(world.server.repoPath(`fleet-up-${name}`), { ...fleetSpec, seed: name });
        await world.server.createRepo(`fleet-tgt-${name}`, { flavor: "gitlab" });
      }),
    ),
  );
  const config = await writeConfig(
    workspace,
    names.map((name) => ({
      name,
      source: world.server.repoUrl(`fleet-up-${name}`),
      target: world.server.repoUrl(`fleet-tgt-${name}`),
    })),
  );
  const cache = join(workspace, "cache");
  const ciArgs = [
    "sync",
    "--config",
    config,
    "--all",
    "--concurrency",
    String(FLEET_CONCURRENCY),
    "--cache-dir",
    cache,
  ];
  const first = await timeCiMirror(world, workspace, ciArgs);
  if (!first.ok) throw new Error(`bench setup: first fleet sync failed: ${first.error ?? "?"}`);
  for (const name of names) {
    const synced = await checked(world, `fleet-up-${name}`, `fleet-tgt-${name}`, first);
    if (!synced.ok) throw new Error(`bench setup: fleet ${name}: ${synced.error ?? "?"}`);
  }
  const clones = new Map(names.map((name) => [name, join(workspace, "clones", `${name}.git`)]));
  const cloneLimit = pLimit(FLEET_CONCURRENCY);
  await Promise.all(
    names.map((name) =>
      cloneLimit(() =>
        mustGit(world, cloneMirror(world.server.repoUrl(`fleet-up-${name}`), clones.get(name) ?? "")),
      ),
    ),
  );

  const listings: GitStep[][] = names.flatMap((name) => [
    [upstreamGit(listHeadsAndTags(world.server.repoUrl(`fleet-up-${name}`)))],
    [targetGit(listHeadsAndTags(world.server.repoUrl(`fleet-tgt-${name}`)))],
  ]);
  const naiveJobs: GitStep[][] = names.map((name) =>
    naiveUpdate(clones.get(name) ?? "", world.server.repoUrl(`fleet-tgt-${name}`)),
  );
  const rows = await measure(
    [
      {
        tool: "ci-mirror",
        label: "ci-mirror sync --all -j 8",
        sample: () => timeCiMirror(world, workspace, ciArgs),
      },
      {
        tool: "naive",
        label: "naive: 50x (remote update -p + push --mirror), 8 at a time",
        sample: () => timeGitJobs(world, naiveJobs, FLEET_CONCURRENCY),
      },
      {
        tool: "raw",
        label: "raw: 100x ls-remote --heads --tags, 8 at a time",
        sample: () => timeGitJobs(world, listings, FLEET_CONCURRENCY),
      },
    ],
    reps,
  );
  const fleetResult = result(
    "fleet",
    `5. Fleet: ${FLEET_SIZE} small mirrors, all in sync`,
    {
      "ci-mirror": `sync --all --concurrency ${FLEET_CONCURRENCY} over ${FLEET_SIZE} mirrors in one process`,
      naive: `per mirror: git remote update -p; git push --mirror, ${FLEET_CONCURRENCY} mirrors at a time`,
      raw: `${FLEET_SIZE * 2} x git ls-remote --heads --tags (each upstream and target), ${FLEET_CONCURRENCY} at a time`,
    },
    rows,
    (r) => timeTarget(r, 1.5),
    {
      repos: FLEET_SIZE,
      spec: JSON.stringify(fleetSpec),
    },
  );
  return { ...fleetResult, timingsSummed: true };
}
