import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { buildRepo, commitOnBranch, forceBranch, git, listRefs, type RepoSpec } from "./helpers/fixtures.ts";
import { startGitServer } from "./helpers/sandbox.ts";
import {
  mirrorPair,
  receivePacks,
  TARGET_TOKEN,
  uniqueName,
  UPSTREAM_TOKEN,
  useGitServer,
  workspace,
} from "./helpers/sync-env.ts";

const server = useGitServer();

/** An upstream like a GitHub repo (with pull refs) and an empty GitLab-like target. */
function pair(spec: RepoSpec = {}) {
  return mirrorPair(
    server(),
    "m",
    { commits: 5, branches: 4, tags: 3, pullRefs: 5, mergeRequestRefs: 3, ...spec },
    "github",
  );
}

function branchesAndTags(refs: Map<string, string>): Map<string, string> {
  return new Map([...refs].filter(([ref]) => ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/")));
}

describe("sync", () => {
  it("mirrors branches and tags into an empty target, and nothing from forge namespaces", async () => {
    const repos = await pair();
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);

    const run = await ws.sync("--mirror", repos.name, "--report", "report.json", "--junit", "junit.xml");

    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const upstreamRefs = await listRefs(repos.upstream);
    const targetRefs = await listRefs(repos.target);
    expect(targetRefs).toEqual(branchesAndTags(upstreamRefs));
    expect([...upstreamRefs.keys()].some((ref) => ref.startsWith("refs/pull/"))).toBe(true);
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    expect(report.ok).toBe(true);
    expect(report.mirrors[0]?.status).toBe("synced");
    expect(report.mirrors[0]?.counts.created).toBe(targetRefs.size);
    const junit = await readFile(join(ws.dir, "junit.xml"), "utf8");
    expect(junit).toContain(`<testcase classname="ci-mirror" name="${repos.name}"`);
    expect(junit).not.toContain("<failure");
    // A first mirror clones the cache; what is left is refs under refs/upstream/ and no remote.
    const cache = join(ws.dir, ".ci-mirror", "cache", `${repos.name}.git`);
    const cached = await listRefs(cache);
    expect([...cached.keys()].sort()).toEqual(
      [...targetRefs.keys()].map((ref) => ref.replace(/^refs\//, "refs/upstream/")).sort(),
    );
    const config = await readFile(join(cache, "config"), "utf8");
    expect(config).not.toMatch(/\[remote|url =|127\.0\.0\.1/);
    // A detached gc would outlive the CI job; its reflogs would only grow the cache.
    expect(config).toMatch(/autodetach = false/i);
    expect(config).toMatch(/logallrefupdates = false/i);
  });

  it("does nothing but two ref listings when the target already matches, and creates no cache", async () => {
    const repos = await pair();
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    expect((await ws.sync("--all", "--cache-dir", "first")).code).toBe(0);
    server().resetStats();

    const run = await ws.sync("--all", "--cache-dir", "fresh");

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("up-to-date");
    const upstreamRequests = server().requests.filter((request) => request.repo === `up/${repos.name}`);
    const targetRequests = server().requests.filter((request) => request.repo === `mirror/${repos.name}`);
    // ls-remote over protocol v2: GET info/refs, then one POST with the ls-refs command.
    expect(upstreamRequests.map((request) => request.method)).toEqual(["GET", "POST"]);
    expect(targetRequests.map((request) => request.method)).toEqual(["GET", "POST"]);
    expect(targetRequests.every((request) => request.service !== "git-receive-pack")).toBe(true);
    expect(await readdir(join(ws.dir, "fresh"))).not.toContain(`${repos.name}.git`);
  });

  it("pushes only the change on an incremental run, with and without a cache", async () => {
    const repos = await pair({ commits: 40, bytesPerCommit: 20_000 });
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    server().resetStats();
    expect((await ws.sync("--all")).code).toBe(0);
    const coldBytes = server().stats(`up/${repos.name}`).uploadPackBytesSent;

    const tip = await commitOnBranch(repos.upstream, "main", { "change.txt": "one line\n" });
    server().resetStats();
    const warm = await ws.sync("--all", "--report", "warm.json");
    const warmBytes = server().stats(`up/${repos.name}`).uploadPackBytesSent;

    expect(warm.code).toBe(0);
    expect((await listRefs(repos.target)).get("refs/heads/main")).toBe(tip);
    const warmReport = JSON.parse(await readFile(join(ws.dir, "warm.json"), "utf8")) as RunReport;
    expect(warmReport.mirrors[0]?.refs.find((ref) => ref.ref === "refs/heads/main")?.outcome).toBe("updated");
    expect(warmBytes).toBeLessThan(coldBytes / 20);

    const second = await commitOnBranch(repos.upstream, "main", { "change.txt": "two lines\n" });
    server().resetStats();
    const cold = await ws.sync("--all", "--cache-dir", "empty-cache");
    const seededBytes = server().stats(`up/${repos.name}`).uploadPackBytesSent;

    expect(cold.code).toBe(0);
    expect(cold.stderr).toContain("seeding the empty cache from the target");
    expect((await listRefs(repos.target)).get("refs/heads/main")).toBe(second);
    expect(seededBytes).toBeLessThan(coldBytes / 20);

    // A cache repository that exists but holds no upstream refs (a run that died before its
    // fetch finished) is seeded by a fetch instead of a clone, just as frugally.
    const third = await commitOnBranch(repos.upstream, "main", { "change.txt": "three lines\n" });
    await git(["init", "--quiet", "--bare", join(ws.dir, "left-over", `${repos.name}.git`)]);
    server().resetStats();
    const leftOver = await ws.sync("--all", "--cache-dir", "left-over");
    const leftOverBytes = server().stats(`up/${repos.name}`).uploadPackBytesSent;

    expect(leftOver.code).toBe(0);
    expect(leftOver.stderr).toContain("seeding the empty cache from the target");
    expect((await listRefs(repos.target)).get("refs/heads/main")).toBe(third);
    expect(leftOverBytes).toBeLessThan(coldBytes / 20);
  });

  it("deletes a branch the upstream deleted, and keeps it with prune: false", async () => {
    const repos = await pair({ branches: ["feature/a", "feature/b", "fix/c", "fix/d", "e", "f"] });
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    expect((await ws.sync("--all")).code).toBe(0);
    const { deleteRef } = await import("./helpers/fixtures.ts");
    await deleteRef(repos.upstream, "refs/heads/feature/a");

    await ws.configure([
      { name: repos.name, source: repos.source, target: repos.targetUrl, extra: ["prune: false"] },
    ]);
    expect((await ws.sync("--all")).code).toBe(0);
    expect((await listRefs(repos.target)).has("refs/heads/feature/a")).toBe(true);

    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/deleted\s+refs\/heads\/feature\/a/);
    expect((await listRefs(repos.target)).has("refs/heads/feature/a")).toBe(false);
  });

  it("follows the ref rules: only selected branches and tags, minus exclusions", async () => {
    const repos = await pair({ branches: ["release/1.0", "release/2.0", "feature/x", "tmp/y"], tags: 4 });
    const ws = await workspace();
    await ws.configure([
      {
        name: repos.name,
        source: repos.source,
        target: repos.targetUrl,
        extra: [
          'refs: { branches: [main, "release/*"], tags: ["/^v?0*[02]$/", "*"], exclude: ["release/2.0", "refs/tags/*1*"] }',
        ],
      },
    ]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    const names = [...(await listRefs(repos.target)).keys()].sort();
    const upstreamTags = [...(await listRefs(repos.upstream)).keys()].filter((ref) =>
      ref.startsWith("refs/tags/"),
    );
    expect(names.filter((ref) => ref.startsWith("refs/heads/"))).toEqual([
      "refs/heads/main",
      "refs/heads/release/1.0",
    ]);
    expect(names.filter((ref) => ref.startsWith("refs/tags/"))).toEqual(
      upstreamTags.filter((ref) => !ref.includes("1")).sort(),
    );
  });

  it("fails a mirror whose rules select nothing, and says which keys to check", async () => {
    const repos = await pair();
    const ws = await workspace();
    await ws.configure([
      {
        name: repos.name,
        source: repos.source,
        target: repos.targetUrl,
        extra: ["refs: { branches: [nope], tags: [nope] }"],
      },
    ]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EREFSEMPTY");
    expect(await listRefs(repos.target)).toEqual(new Map());
  });

  it("shows the plan with --dry-run and changes nothing", async () => {
    const repos = await pair();
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);

    const run = await ws.sync("--all", "--dry-run", "--report", "plan.json");

    expect(run.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(new Map());
    const report = JSON.parse(await readFile(join(ws.dir, "plan.json"), "utf8")) as RunReport;
    expect(report.dryRun).toBe(true);
    expect(report.mirrors[0]?.status).toBe("planned");
    expect(report.mirrors[0]?.refs.every((ref) => ref.outcome === "would-create")).toBe(true);
    expect(run.stdout).toMatch(/would-create\s+refs\/heads\/main/);
  });

  it("lists a long first mirror by counts and the first few refs of each kind; the report has them all", async () => {
    const repos = await pair({ branches: 40, tags: 12, pullRefs: 0, mergeRequestRefs: 0 });
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);

    const run = await ws.sync("--all", "--report", "r.json", "--junit", "j.xml");

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${repos.name}: synced (53 created)`);
    expect(run.stdout.match(/^ {2}created\s+refs\//gm)).toHaveLength(5);
    expect(run.stdout).toContain("… and 48 more created (see --report)");
    expect(run.stdout.split("\n").length).toBeLessThan(15);
    const report = JSON.parse(await readFile(join(ws.dir, "r.json"), "utf8")) as RunReport;
    expect(report.mirrors[0]?.refs.filter((ref) => ref.outcome === "created")).toHaveLength(53);
    expect(await readFile(join(ws.dir, "j.xml"), "utf8")).toContain("… and 48 more created");
  });

  it("says one ref, not one refs", async () => {
    const repos = await pair({ commits: 1, branches: 0, tags: 0, pullRefs: 0, mergeRequestRefs: 0 });
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);

    const first = await ws.sync("--all");
    const again = await ws.sync("--all");

    expect(first.code).toBe(0);
    expect(first.stderr).toContain("cloning 1 ref from the upstream");
    expect(again.stderr).toContain("up to date (1 ref)");
    expect(first.stdout + first.stderr + again.stdout + again.stderr).not.toMatch(
      /\b1 (refs|changes|branches)\b/,
    );
  });

  it("pushes many new refs with one glob push, and forced ones in batches", async () => {
    const repos = await pair({ branches: 120, tags: 30, pullRefs: 0, mergeRequestRefs: 0 });
    const ws = await workspace();
    // 110 of 150 refs forced in one run is past the default max_rewrites (50%).
    await ws.configure([
      { name: repos.name, source: repos.source, target: repos.targetUrl, extra: ["max_rewrites: 110"] },
    ]);
    const pushes = () => receivePacks(server(), `mirror/${repos.name}`);
    server().resetStats();

    const first = await ws.sync("--all", "--batch-size", "50");

    expect(first.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(branchesAndTags(await listRefs(repos.upstream)));
    // All 150 refs, main among them, in one glob push.
    expect(pushes()).toBe(1);

    const rewritten = repos.built.branches.filter((branch) => branch !== "main").slice(0, 110);
    for (const branch of rewritten) await forceBranch(repos.upstream, branch);
    server().resetStats();

    const second = await ws.sync("--all", "--batch-size", "50", "--report", "forced.json");

    expect(second.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(branchesAndTags(await listRefs(repos.upstream)));
    const report = JSON.parse(await readFile(join(ws.dir, "forced.json"), "utf8")) as RunReport;
    expect(report.mirrors[0]?.counts.forced).toBe(110);
    // 110 named, leased updates in batches of 50.
    expect(pushes()).toBe(3);
  });

  it("syncs several mirrors concurrently and reports them in config order", async () => {
    const pairs = await Promise.all([pair(), pair(), pair()]);
    const ws = await workspace();
    await ws.configure(
      pairs.map((repos) => ({ name: repos.name, source: repos.source, target: repos.targetUrl })),
    );

    const run = await ws.sync("--all", "--concurrency", "2", "--report", "all.json");

    expect(run.code).toBe(0);
    const report = JSON.parse(await readFile(join(ws.dir, "all.json"), "utf8")) as RunReport;
    expect(report.mirrors.map((mirror) => mirror.name)).toEqual(pairs.map((repos) => repos.name));
    for (const repos of pairs) {
      expect(await listRefs(repos.target)).toEqual(branchesAndTags(await listRefs(repos.upstream)));
    }
  });
});

describe("two services on one host", () => {
  it("mirrors between two git servers on the same host and different ports", async () => {
    // Another service on the same host: the same repository path, but another repository.
    const other = await startGitServer({ tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } });
    try {
      const name = uniqueName("port");
      const upstream = await server().createRepo(`team/${name}`);
      await buildRepo(upstream, { commits: 2, branches: 1, tags: 1 });
      const target = await other.createRepo(`team/${name}`, { flavor: "gitlab" });
      expect(new URL(other.url).hostname).toBe(new URL(server().url).hostname);
      const ws = await workspace();
      await ws.configure([
        { name, source: server().repoUrl(`team/${name}`), target: other.repoUrl(`team/${name}`) },
      ]);

      const run = await ws.sync("--all");

      expect(run.stderr).not.toContain("same repository");
      expect(run.code).toBe(0);
      expect(await listRefs(target)).toEqual(await listRefs(upstream));
    } finally {
      await other.close();
    }
  });
});

describe("sync inside a CI checkout", () => {
  it("ignores the config of the git repository the cache dir sits in", async () => {
    const repos = await pair();
    const ws = await workspace();
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    // A job's checkout whose config would send every request for the server elsewhere.
    await git(["init", "--quiet", ws.dir]);
    await git(["config", `url.http://127.0.0.1:9/.insteadOf`, `${server().url}/`], { cwd: ws.dir });

    const run = await ws.sync("--all");

    expect(run.stdout + run.stderr).not.toContain("127.0.0.1:9");
    expect(run.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(branchesAndTags(await listRefs(repos.upstream)));
  });
});
