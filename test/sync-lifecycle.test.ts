import { existsSync } from "node:fs";
import { appendFile, chmod, readFile, realpath, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { LOCK_FILE } from "../src/util/cache-lock.ts";
import { signal, startCli, until } from "./helpers/cli-process.ts";
import { buildRepo, commitOnBranch, listRefs, tempDir } from "./helpers/fixtures.ts";
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
  async function holdLock(cacheDir: string) {
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

      // Exit 3: nothing was run (the README's exit-code table).
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(
        /ELOCKED: the cache dir is in use by another ci-mirror run \(held by pid \d+ on host /,
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

describe("every way out releases the lock and writes the reports", () => {
  it("a closed stdout (`| head`) neither crashes the run nor costs its report or its lock", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    const { cli } = startCli(["sync", "--all", "--report", "report.json"], { cwd: ws.dir });
    cli.stdout?.destroy();

    const run = await within(30_000, cli, "sync with a closed stdout");

    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(await listRefs(mirror.target)).toEqual(await listRefs(mirror.upstream));
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    expect(report.mirrors.map((entry) => entry.status)).toEqual(["synced"]);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);
  });

  it("a lock that cannot be written (no room for a byte) is not left behind to keep the next run out", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    const { cli } = startCli(["sync", "--all"], { cwd: ws.dir, noFileWrites: true });

    const run = await within(30_000, cli, "sync that cannot write");

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error ELOCKWRITE: could not write the cache dir lock");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);

    const rerun = await ws.sync("--all");

    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await listRefs(mirror.target)).toEqual(await listRefs(mirror.upstream));
  });
});

describe("cancellation", () => {
  const posts = (repo: string, service: string): number =>
    server().requests.filter(
      (request) => request.repo === repo && request.method === "POST" && request.service === service,
    ).length;

  it("SIGTERM during a long push: git stopped, lock freed, reports written, refs old or new, rerun converges", async () => {
    const ws = await trackedWorkspace();
    const first = await pair();
    const second = await pair();
    await ws.configure([first.entry, second.entry]);
    // One ref per push: the first push lands, the second hangs.
    server().inject({
      repo: `mirror/${first.name}`,
      on: "receive-pack",
      kind: "latency",
      ms: 60_000,
      skip: 1,
    });
    const { cli } = startCli(
      [
        ...["sync", "--all", "--concurrency", "1", "--batch-size", "1"],
        ...["--report", "report.json", "--junit", "junit.xml"],
      ],
      { cwd: ws.dir },
    );
    await until(
      () => posts(`mirror/${first.name}`, "git-receive-pack") >= 2,
      30_000,
      "the second push to start",
    );

    signal(cli, "SIGTERM");
    const run = await within(15_000, cli, "ci-mirror after SIGTERM");

    expect(run.exitCode).toBe(143);
    // One line per unfinished mirror: the one pushing, and the one never started.
    expect(run.stdout.split("\n").filter((line) => line.startsWith("CANCELLED"))).toEqual([
      expect.stringMatching(new RegExp(`^CANCELLED ${first.name}: cancelled .*git push`)),
      expect.stringMatching(new RegExp(`^CANCELLED ${second.name}: cancelled before it started`)),
    ]);
    expect(await processesUnder(ws.real)).toEqual([]);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    expect(report.cancelled).toBe("SIGTERM");
    expect(report.ok).toBe(false);
    expect(report.mirrors.map((entry) => [entry.name, entry.status, entry.error?.code])).toEqual([
      [first.name, "cancelled", "ECANCELLED"],
      [second.name, "cancelled", "ECANCELLED"],
    ]);
    // What the first push confirmed is reported, and is what the target holds.
    const landed = report.mirrors[0]?.refs ?? [];
    expect(landed.map((ref) => ref.outcome)).toEqual(["created"]);
    const junit = await readFile(join(ws.dir, "junit.xml"), "utf8");
    expect(junit.match(/<error message="ECANCELLED: /g)).toHaveLength(2);
    // The target was empty: every ref it has now is the upstream's.
    const upstream = await listRefs(first.upstream);
    for (const [ref, sha] of await listRefs(first.target))
      expect([ref, sha]).toEqual([ref, upstream.get(ref)]);

    server().clearFaults();
    const rerun = await ws.sync("--all");

    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(await listRefs(first.target)).toEqual(upstream);
    expect(await listRefs(second.target)).toEqual(await listRefs(second.upstream));
  });

  it("a second SIGTERM while the first is still stopping git exits at once, and still leaves nothing behind", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    // A push that ignores SIGTERM (an ignored signal stays ignored across exec, so git and its
    // remote helper both do): the first signal's graceful stop must wait for its SIGKILL, so the
    // second signal surely arrives while the run is still stopping.
    const { path: bin } = await tempDir("stubborn-git");
    const realGit = (await execa("sh", ["-c", "command -v git"])).stdout.trim();
    await writeFile(
      join(bin, "git"),
      [
        "#!/bin/sh",
        `for a in "$@"; do [ "$a" = push ] && trap '' TERM; done`,
        `exec '${realGit}' "$@"`,
        "",
      ].join("\n"),
    );
    await chmod(join(bin, "git"), 0o755);
    server().inject({ repo: `mirror/${mirror.name}`, on: "receive-pack", kind: "latency", ms: 60_000 });
    const { cli } = startCli(["sync", "--all", "--report", "report.json"], { cwd: ws.dir, pathFirst: bin });
    await until(() => posts(`mirror/${mirror.name}`, "git-receive-pack") >= 1, 30_000, "the push to start");

    signal(cli, "SIGTERM");
    // Two signals sent back to back merge into one while the process is not scheduled; the
    // first's graceful stop lasts at least the two seconds before its SIGKILL, so half a second
    // apart they are surely two, and the second comes while the run is still stopping.
    await new Promise((resolve) => setTimeout(resolve, 500));
    signal(cli, "SIGTERM");
    const run = await within(15_000, cli, "ci-mirror after two SIGTERMs");

    expect(run.exitCode).toBe(143);
    expect(run.stderr).toContain("SIGTERM again, stopping at once: reports not written");
    // The graceful stop never finished: it would have printed its CANCELLED line.
    expect(run.stdout).not.toMatch(/^CANCELLED /m);
    // Even so, the exit killed the run's git and removed its lock.
    let left = await processesUnder(ws.real);
    for (let tries = 0; left.length > 0 && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await processesUnder(ws.real);
    }
    expect(left).toEqual([]);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);
    // Nothing reached the target: the only push never got past the server's delay.
    expect((await listRefs(mirror.target)).size).toBe(0);

    server().clearFaults();
    const rerun = await ws.sync("--all");

    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(await listRefs(mirror.target)).toEqual(await listRefs(mirror.upstream));
  });

  it("SIGINT during a long fetch: exit 130, the target untouched, nothing left running, rerun converges", async () => {
    const ws = await trackedWorkspace();
    const mirror = await pair();
    await ws.configure([mirror.entry]);
    expect((await ws.sync("--all")).code).toBe(0);
    await commitOnBranch(mirror.upstream, "main", { "new.txt": "new upstream work\n" });
    const before = await listRefs(mirror.target);
    const fetches = posts(`up/${mirror.name}`, "git-upload-pack");
    // The listing's request goes through; the fetch's hangs.
    server().inject({ repo: `up/${mirror.name}`, on: "upload-pack", kind: "latency", ms: 60_000, skip: 1 });
    const { cli } = startCli(["sync", "--all", "--report", "report.json"], { cwd: ws.dir });
    await until(
      () => posts(`up/${mirror.name}`, "git-upload-pack") >= fetches + 2,
      30_000,
      "the fetch to start",
    );

    signal(cli, "SIGINT");
    const run = await within(15_000, cli, "ci-mirror after SIGINT");

    expect(run.exitCode).toBe(130);
    expect(run.stdout).toMatch(new RegExp(`^CANCELLED ${mirror.name}: cancelled .*git fetch`, "m"));
    expect(await processesUnder(ws.real)).toEqual([]);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);
    expect(await listRefs(mirror.target)).toEqual(before);
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    expect([report.cancelled, report.mirrors[0]?.status]).toEqual(["SIGINT", "cancelled"]);

    server().clearFaults();
    const rerun = await ws.sync("--all");

    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(await listRefs(mirror.target)).toEqual(await listRefs(mirror.upstream));
  });
});
