import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE } from "../src/util/cache-lock.ts";
import { buildRepo, commitOnBranch, listRefs } from "./helpers/fixtures.ts";
import { UPSTREAM_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

async function pair() {
  const name = uniqueName("f");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 20, branches: 3, tags: 2, bytesPerCommit: 5_000 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const ws = await workspace();
  await ws.configure([
    { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
  ]);
  return { name, upstream, target, ws };
}

describe("network faults", () => {
  it("retries a first mirror's clone that dropped, and leaves a clean cache", async () => {
    const p = await pair();
    server().inject({ repo: `up/${p.name}`, on: "upload-pack", kind: "drop", afterBytes: 2_000, times: 1 });

    const run = await p.ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/clone failed .*; retry 1/);
    expect(await listRefs(p.target)).toEqual(await listRefs(p.upstream));
    const cache = join(p.ws.dir, ".ci-mirror", "cache", `${p.name}.git`);
    expect([...(await listRefs(cache)).keys()].every((ref) => ref.startsWith("refs/upstream/"))).toBe(true);
  });

  it("retries a dropped fetch and succeeds", async () => {
    const p = await pair();
    expect((await p.ws.sync("--all")).code).toBe(0);
    await commitOnBranch(p.upstream, "main", { "big.bin": randomBytes(50_000) });
    server().inject({ repo: `up/${p.name}`, on: "upload-pack", kind: "drop", afterBytes: 2_000, times: 1 });

    const run = await p.ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/fetch failed .*; retry 1/);
    expect(await listRefs(p.target)).toEqual(await listRefs(p.upstream));
  });

  it("gives up after the retries, leaves the target as it was, and a clean rerun succeeds", async () => {
    const p = await pair();
    expect((await p.ws.sync("--all")).code).toBe(0);
    await commitOnBranch(p.upstream, "main", { "big.bin": Buffer.alloc(50_000, 7) });
    const before = await listRefs(p.target);
    server().inject({ repo: `up/${p.name}`, on: "upload-pack", kind: "status-500", times: Infinity });

    const failed = await p.ws.sync("--all", "--report", "r.json");

    server().clearFaults();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("EGITNETWORK");
    expect(await listRefs(p.target)).toEqual(before);

    const rerun = await p.ws.sync("--all");

    expect(rerun.code).toBe(0);
    expect(await listRefs(p.target)).toEqual(await listRefs(p.upstream));
  });

  it("retries a push whose connection dropped, without tripping over its own leases", async () => {
    const p = await pair();
    server().inject({ repo: `mirror/${p.name}`, on: "receive-pack", kind: "drop", times: 1 });

    const run = await p.ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/push failed .*; retry 1/);
    expect(await listRefs(p.target)).toEqual(await listRefs(p.upstream));
  });

  it("does not retry an authentication failure", async () => {
    const p = await pair();
    server().resetStats();

    const run = await p.ws.sync("--all", "--retries", "5");

    // The upstream token is fine; the target token is wrong.
    expect(run.code).toBe(0);
    const bad = await workspace({ TARGET_TOKEN: "wrong-token-123456" });
    await bad.configure([
      {
        name: p.name,
        source: server().repoUrl(`up/${p.name}`),
        target: server().repoUrl(`mirror/${p.name}`),
      },
    ]);
    server().resetStats();

    const denied = await bad.sync("--all", "--retries", "5");

    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain("EGITAUTH");
    expect(denied.stdout).toContain("write_repository");
    expect(denied.stderr).not.toMatch(/retry \d/);
    // git itself asks twice (without, then with the header it was given); five tries would be ten.
    const targetGets = server().requests.filter(
      (request) => request.repo === `mirror/${p.name}` && request.method === "GET",
    );
    expect(targetGets.length).toBeLessThanOrEqual(2);
  });

  it("names a token variable that is not set, never a value", async () => {
    const p = await pair();
    const ws = await workspace({ UPSTREAM_TOKEN: "" });
    await ws.configure([
      {
        name: p.name,
        source: server().repoUrl(`up/${p.name}`),
        target: server().repoUrl(`mirror/${p.name}`),
      },
    ]);

    const run = await ws.sync("--all");

    // Found before anything runs: a config error (exit 2), naming the key that names it.
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("EENVMISSING");
    expect(run.stderr).toContain(`not set: UPSTREAM_TOKEN (\`source_token\` of ${p.name})`);
    expect(run.stdout + run.stderr).not.toContain(UPSTREAM_TOKEN);
  });

  it("kills a git operation that hangs past --timeout and reports it", async () => {
    const p = await pair();
    server().inject({ repo: `up/${p.name}`, kind: "latency", ms: 5_000, times: Infinity });

    const run = await p.ws.sync("--all", "--timeout", "0.02", "--retries", "1");

    server().clearFaults();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EGITTIMEOUT");
  });
});

describe("cache lock", () => {
  it("refuses to share a cache dir with a running sync, and takes over a stale lock", async () => {
    const p = await pair();
    const cache = join(p.ws.dir, ".ci-mirror/cache");
    const { mkdir, utimes } = await import("node:fs/promises");
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, LOCK_FILE), JSON.stringify({ pid: 1, host: "elsewhere" }));

    const locked = await p.ws.sync("--all");

    // Nothing was run and the config is fine: exit 3, not a failed mirror.
    expect(locked.code).toBe(3);
    expect(locked.stderr).toContain("ELOCKED");
    expect(locked.stderr).toContain("held by pid 1 on host elsewhere");
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(join(cache, LOCK_FILE), old, old);

    const taken = await p.ws.sync("--all");

    expect(taken.code).toBe(0);
  });
});
