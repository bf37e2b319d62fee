import { existsSync } from "node:fs";
import { appendFile, readFile, realpath, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { LOCK_FILE } from "../src/util/cache-lock.ts";
import { buildRepo, listRefs } from "./helpers/fixtures.ts";
import { killProcessesUnder, processesUnder, within } from "./helpers/processes.ts";
import { uniqueName, useGitServer, workspace, type Workspace } from "./helpers/sync-env.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const server = useGitServer();
const workspaces: string[] = [];

afterEach(async () => {
  server().clearFaults();
  for (const dir of workspaces.splice(0)) await killProcessesUnder(dir);
});

async function pair() {
  const name = uniqueName("life");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 5, branches: 2, tags: 1 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  return {
    name,
    upstream,
    target,
    entry: { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
  };
}

async function trackedWorkspace(): Promise<Workspace & { real: string }> {
  const ws = await workspace();
  const real = await realpath(ws.dir);
  workspaces.push(real);
  return { ...ws, real };
}

describe("a host that stalls", () => {
  it("sync --all --timeout ends, syncs the healthy mirror, writes the report and leaves no git behind", async () => {
    const ws = await trackedWorkspace();
    const healthy = await pair();
    const stalled = await pair();
    await ws.configure([healthy.entry, stalled.entry]);
    // Every request to the stalled upstream is taken and never answered.
    server().inject({ repo: `up/${stalled.name}`, kind: "stall", times: Infinity });

    const run = await within(
      30_000,
      ws.sync("--all", "--timeout", "0.02", "--retries", "1", "--report", "report.json"),
      "sync --all against a stalled host",
    );

    expect(run.code).toBe(1);
    expect(await listRefs(healthy.target)).toEqual(await listRefs(healthy.upstream));
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    const byName = new Map(report.mirrors.map((mirror) => [mirror.name, mirror]));
    expect(byName.get(healthy.name)?.status).toBe("synced");
    expect(byName.get(stalled.name)?.status).toBe("failed");
    expect(byName.get(stalled.name)?.error?.code).toBe("EGITTIMEOUT");
    expect(await processesUnder(ws.real)).toEqual([]);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);
  });
});

describe("absurd ref names", () => {
  it("skips an upstream ref too long for git to store, says so, and mirrors the rest", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    const before = await listRefs(mirror.upstream);
    // Only a packed ref can hold a name part longer than a file name may be (255 bytes).
    const long = `refs/heads/${"x".repeat(300)}`;
    await appendFile(join(mirror.upstream, "packed-refs"), `${before.get("refs/heads/main")} ${long}\n`);

    const run = await ws.sync("--all", "--report", "report.json");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(mirror.target)).toEqual(before);
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    const warnings = report.mirrors[0]?.warnings ?? [];
    expect(warnings).toEqual([
      expect.stringMatching(/skipped 1 upstream ref whose name is too long .*refs\/heads\/x{20}/),
    ]);
    expect(run.stdout).toContain("skipped 1 upstream ref whose name is too long");
  });
});

describe("cache lock", () => {
  /** Another process takes the lock, then blocks its main thread: it runs, but never beats. */
  // Wrapped: an async function returning the subprocess (a promise) would wait for it to end.
  async function holdLock(cacheDir: string): Promise<{ holder: ResultPromise }> {
    const holder = execa(process.execPath, ["--import", "tsx", "test/helpers/hold-lock.ts", cacheDir], {
      cwd: ROOT,
      reject: false,
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("locked")) resolve();
      });
      holder.once("exit", () => reject(new Error("the lock holder exited early")));
    });
    return { holder };
  }

  it("a run on this machine keeps its lock however long since its heartbeat, and loses it when it dies", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    const cache = join(ws.dir, ".ci-mirror/cache");
    const lock = join(cache, LOCK_FILE);
    const { holder } = await holdLock(cache);
    try {
      // Ten minutes without a heartbeat: what a run stuck in synchronous work looked like.
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(lock, old, old);

      const refused = await ws.sync("--all");

      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /ELOCKED: the cache dir is in use by another ci-mirror run \(pid \d+ on /,
      );
      expect(await listRefs(mirror.target)).toEqual(new Map());

      // A pid the system gave to another process since (same pid, another start time) holds nothing.
      const owner = JSON.parse(await readFile(lock, "utf8")) as Record<string, unknown>;
      if (owner.started == null) return; // not Linux: liveness falls back to the heartbeat
      const now = new Date();
      await writeFile(lock, JSON.stringify({ ...owner, started: "1" }));
      await utimes(lock, now, now);

      const reused = await ws.sync("--all");

      expect(reused.code, reused.stderr).toBe(0);
      expect(existsSync(lock)).toBe(false);
    } finally {
      holder.kill("SIGKILL");
      await holder;
    }
  });

  it("the lock of a run killed on this machine is taken over at once", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    const cache = join(ws.dir, ".ci-mirror/cache");
    const { holder } = await holdLock(cache);
    holder.kill("SIGKILL");
    await holder;
    // Its heartbeat is seconds old: by age alone, the lock would keep runs out for two minutes.
    expect(existsSync(join(cache, LOCK_FILE))).toBe(true);

    const run = await ws.sync("--all");

    expect(run.code, run.stderr).toBe(0);
    expect(await listRefs(mirror.target)).toEqual(await listRefs(mirror.upstream));
  });
});
