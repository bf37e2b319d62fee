import { randomBytes } from "node:crypto";
import { chmod, readFile, readdir, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { buildRepo, commitOnBranch, git, listRefs } from "./helpers/fixtures.ts";
import { uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

/**
 * A mirror synced twice (a clone, then a small fetch whose objects the cache keeps loose), then
 * moved upstream again, so that the next sync needs its cache.
 */
async function cachedMirror() {
  const name = uniqueName("d");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 5, branches: ["dev", "feature/a"], tags: 2 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const ws = await workspace();
  await ws.configure([
    { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
  ]);
  const sync = async () => {
    const run = await ws.sync("--all", "--report", "r.json");
    const report = JSON.parse(await readFile(join(ws.dir, "r.json"), "utf8")) as RunReport;
    return { ...run, mirror: report.mirrors[0]! };
  };
  for (const step of ["first", "second"]) {
    if (step === "second") await commitOnBranch(upstream, "main", { "second.txt": "second sync\n" });
    const run = await sync();
    if (run.code !== 0) throw new Error(`${step} sync failed:\n${run.stdout}\n${run.stderr}`);
  }
  const cache = join(ws.dir, ".ci-mirror", "cache", `${name}.git`);
  await commitOnBranch(upstream, "main", { "third.txt": "third sync\n" });
  await commitOnBranch(upstream, "dev", { "dev.txt": "dev moves too\n" });
  return { name, upstream, target, ws, cache, sync };
}

function objectPath(cache: string, sha: string): string {
  return join(cache, "objects", sha.slice(0, 2), sha.slice(2));
}

async function expectRecovered(m: Awaited<ReturnType<typeof cachedMirror>>) {
  const run = await m.sync();

  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(await listRefs(m.target)).toEqual(await listRefs(m.upstream));
  const said = `${run.stdout}\n${run.stderr}`.split("\n").filter((line) => line.includes("discarded"));
  expect(said.length, said.join("\n")).toBeGreaterThan(0);
  expect(run.mirror.warnings.some((warning) => warning.includes("discarded the damaged cache"))).toBe(true);
  expect(run.stderr).toMatch(/discarded the damaged cache/);
  // The next run finds a healthy cache and says nothing about it.
  await commitOnBranch(m.upstream, "main", { "fourth.txt": "after the recovery\n" });
  const next = await m.sync();
  expect(next.code).toBe(0);
  expect(next.stderr + next.stdout).not.toContain("discarded");
  expect(await listRefs(m.target)).toEqual(await listRefs(m.upstream));
  return run;
}

describe("a damaged cache is discarded and reseeded from the target", () => {
  it("a deleted pack file", async () => {
    const m = await cachedMirror();
    const packs = (await readdir(join(m.cache, "objects", "pack"))).filter((file) => file.endsWith(".pack"));
    expect(packs.length).toBeGreaterThan(0);
    for (const pack of packs) await rm(join(m.cache, "objects", "pack", pack));

    await expectRecovered(m);
  });

  it("a truncated loose object", async () => {
    const m = await cachedMirror();
    const tip = await git(["rev-parse", "refs/upstream/heads/main"], { cwd: m.cache });
    const file = objectPath(m.cache, tip);
    await chmod(file, 0o644);
    await truncate(file, 10);

    await expectRecovered(m);
  });

  it("a loose object cut in half, which only the push reads", async () => {
    const m = await cachedMirror();
    // The tree of the cache's main: its header still reads, so the quick look passes it.
    const tree = await git(["rev-parse", "refs/upstream/heads/main^{tree}"], { cwd: m.cache });
    const file = objectPath(m.cache, tree);
    const { size } = await stat(file);
    await chmod(file, 0o644);
    await truncate(file, Math.floor(size / 2));

    const run = await expectRecovered(m);

    expect(run.stderr).toContain(tree);
  });

  it("a byte flipped inside a pack, in a commit the quick look does not read", async () => {
    const m = await cachedMirror();
    const [pack] = (await readdir(join(m.cache, "objects", "pack"))).filter((file) => file.endsWith(".pack"));
    const path = join(m.cache, "objects", "pack", pack!);
    // The first commit of history, packed at the first sync: its entry header still says "commit".
    const root = await git(["rev-list", "--max-parents=0", "refs/upstream/heads/main"], { cwd: m.cache });
    const entry = (await git(["verify-pack", "-v", path.replace(/\.pack$/, ".idx")], { cwd: m.cache }))
      .split("\n")
      .find((line) => line.startsWith(root));
    const [, , , stored, offset] = entry!.split(/\s+/);
    const bytes = await readFile(path);
    const at = Number(offset) + Math.floor(Number(stored) / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await chmod(path, 0o644);
    await writeFile(path, bytes);

    await expectRecovered(m);
  });

  it("a corrupted packed-refs", async () => {
    const m = await cachedMirror();
    await writeFile(
      join(m.cache, "packed-refs"),
      "# pack-refs with: peeled fully-peeled sorted\nnot a ref line\n",
      {
        flag: "a",
      },
    );

    await expectRecovered(m);
  });

  it("a regular file where the cache repository should be", async () => {
    const m = await cachedMirror();
    await rm(m.cache, { recursive: true, force: true });
    await writeFile(m.cache, "not a repository\n");

    await expectRecovered(m);
  });
});

describe("a failure that is not the cache's", () => {
  it("discards a damaged cache once, and a failing upstream then fails the run as itself", async () => {
    const m = await cachedMirror();
    const packs = (await readdir(join(m.cache, "objects", "pack"))).filter((file) => file.endsWith(".pack"));
    for (const pack of packs) await rm(join(m.cache, "objects", "pack", pack));
    await commitOnBranch(m.upstream, "main", { "big.bin": randomBytes(50_000) });
    const before = await listRefs(m.target);
    // Past the listing, into the pack: every fetch from the upstream breaks off.
    server().inject({
      repo: `up/${m.name}`,
      on: "upload-pack",
      kind: "drop",
      afterBytes: 4_000,
      times: Infinity,
    });

    const run = await m.sync();

    server().clearFaults();
    expect(run.code).toBe(1);
    expect(run.mirror.error?.code).toBe("EGITNETWORK");
    expect(run.stderr.match(/discarded the damaged cache/g)).toHaveLength(1);
    expect(run.mirror.warnings.filter((warning) => warning.includes("discarded"))).toHaveLength(1);
    expect(await listRefs(m.target)).toEqual(before);
  });

  it("keeps the cache when the upstream sends a damaged pack, and blames the upstream", async () => {
    const m = await cachedMirror();
    await commitOnBranch(m.upstream, "main", { "big.bin": randomBytes(50_000) });
    const marker = join(m.cache, "kept-by-the-test");
    await writeFile(marker, "a discarded cache would lose this file\n");
    const before = await listRefs(m.target);
    server().inject({
      repo: `up/${m.name}`,
      on: "upload-pack",
      kind: "corrupt",
      afterBytes: 4_000,
      times: Infinity,
    });

    const run = await m.sync();

    server().clearFaults();
    expect(run.code).toBe(1);
    expect(run.mirror.error?.message).toMatch(/git fetch failed/);
    expect(`${run.stdout}\n${run.stderr}`).not.toContain("discarded");
    expect(await readFile(marker, "utf8")).toContain("would lose");
    expect(await listRefs(m.target)).toEqual(before);

    const rerun = await m.sync();

    expect(rerun.code).toBe(0);
    expect(`${rerun.stdout}\n${rerun.stderr}`).not.toContain("discarded");
    expect(await readFile(marker, "utf8")).toContain("would lose");
    expect(await listRefs(m.target)).toEqual(await listRefs(m.upstream));
  });
});
