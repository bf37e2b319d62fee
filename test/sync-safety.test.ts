import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { withConfigEntries } from "../src/git/environment.ts";
import { pushRefs } from "../src/git/push.ts";
import {
  GIT_ENV,
  buildRepo,
  commitOnBranch,
  deleteRef,
  forceBranch,
  git,
  listRefs,
} from "./helpers/fixtures.ts";
import { TARGET_TOKEN, receivePacks, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

/** Upstream and target already in sync, ready for the scenario to move one of them. */
async function mirrored(
  options: { branches?: string[]; protectedBranches?: string[]; extra?: string[] } = {},
) {
  const name = uniqueName("s");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, {
    commits: 3,
    branches: options.branches ?? ["dev", "feature/a", "feature/b", "fix/c"],
    tags: 2,
  });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const ws = await workspace();
  const entry = (extra: string[] = []) => ({
    name,
    source: server().repoUrl(`up/${name}`),
    target: server().repoUrl(`mirror/${name}`),
    extra: [...(options.extra ?? []), ...extra],
  });
  await ws.configure([entry()]);
  const first = await ws.sync("--all");
  if (first.code !== 0) throw new Error(`initial sync failed:\n${first.stdout}\n${first.stderr}`);
  if (options.protectedBranches != null)
    await server().setProtectedBranches(`mirror/${name}`, options.protectedBranches);
  return { name, upstream, target, ws, reconfigure: (extra: string[]) => ws.configure([entry(extra)]) };
}

async function report(dir: string, file: string): Promise<RunReport> {
  return JSON.parse(await readFile(join(dir, file), "utf8")) as RunReport;
}

describe("divergence", () => {
  async function diverged(policy: string) {
    const setup = await mirrored({ extra: [`divergence: ${policy}`] });
    // Someone committed straight to the target's dev; the upstream moved main and rewrote feature/a.
    const targetOnlyCommit = await commitOnBranch(setup.target, "dev", {
      "local.txt": "made on the target\n",
    });
    const upstreamMain = await commitOnBranch(setup.upstream, "main", { "up.txt": "upstream work\n" });
    const rewritten = await forceBranch(setup.upstream, "feature/a");
    const before = await listRefs(setup.target);
    return { ...setup, targetOnlyCommit, upstreamMain, rewritten, before };
  }

  it("overwrite: the target follows the upstream, forced where needed", async () => {
    const s = await diverged("overwrite");

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(0);
    const after = await listRefs(s.target);
    expect(after).toEqual(await listRefs(s.upstream));
    const outcomes = Object.fromEntries(
      (await report(s.ws.dir, "r.json")).mirrors[0]!.refs.map((ref) => [ref.ref, ref.outcome]),
    );
    expect(outcomes["refs/heads/dev"]).toBe("forced");
    expect(outcomes["refs/heads/feature/a"]).toBe("forced");
    expect(outcomes["refs/heads/main"]).toBe("updated");
  });

  it("keep: diverged refs stay as they are and are named; the rest is updated", async () => {
    const s = await diverged("keep");

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(0);
    const after = await listRefs(s.target);
    expect(after.get("refs/heads/dev")).toBe(s.targetOnlyCommit);
    expect(after.get("refs/heads/feature/a")).toBe(s.before.get("refs/heads/feature/a"));
    expect(after.get("refs/heads/main")).toBe(s.upstreamMain);
    const mirror = (await report(s.ws.dir, "r.json")).mirrors[0]!;
    expect(
      mirror.refs
        .filter((ref) => ref.outcome === "kept-diverged")
        .map((ref) => ref.ref)
        .sort(),
    ).toEqual(["refs/heads/dev", "refs/heads/feature/a"]);
    expect(run.stdout).toContain("diverged refs kept");
  });

  it("fail: any divergence fails the mirror before anything is pushed", async () => {
    const s = await diverged("fail");

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EDIVERGED");
    expect(run.stdout).toContain("refs/heads/dev");
    expect(await listRefs(s.target)).toEqual(s.before);
    // Nothing was pushed, so the report never says "forced": the diverged refs are "diverged".
    const outcomes = (await report(s.ws.dir, "r.json")).mirrors[0]!.refs.map((ref) => ref.outcome);
    expect(outcomes).toContain("diverged");
    expect(outcomes).not.toContain("forced");
  });

  it("fail: the summary, the JSON and the JUnit say nothing was pushed, and name the diverged refs", async () => {
    const s = await diverged("fail");

    const run = await s.ws.sync("--all", "--report", "r.json", "--junit", "j.xml");

    expect(run.code).toBe(1);
    expect(await listRefs(s.target)).toEqual(s.before);
    const mirror = (await report(s.ws.dir, "r.json")).mirrors[0]!;
    const outcomes = Object.fromEntries(mirror.refs.map((ref) => [ref.ref, ref.outcome]));
    expect(outcomes["refs/heads/dev"]).toBe("diverged");
    expect(outcomes["refs/heads/feature/a"]).toBe("diverged");
    // A fast-forward the failure stopped is not "updated" either.
    expect(outcomes["refs/heads/main"]).toBe("would-update");
    const junit = await readFile(join(s.ws.dir, "j.xml"), "utf8");
    for (const claim of ["forced", "updated", "created", "deleted"]) {
      expect(Object.keys(mirror.counts)).not.toContain(claim);
      expect(run.stdout).not.toMatch(new RegExp(`\\b${claim}\\b`));
      expect(junit).not.toMatch(new RegExp(`\\b${claim}\\b`));
    }
    expect(run.stdout).toMatch(/diverged\s+refs\/heads\/dev/);
  });

  it("keep: names the kept refs on every run that keeps them, and explains a moved tag as a moved tag", async () => {
    const s = await diverged("keep");
    // The upstream moved a lightweight tag to another commit.
    await git(["tag", "-f", "v1.0.1", "refs/heads/main"], { cwd: s.upstream });

    const first = await s.ws.sync("--all", "--report", "r.json");
    const second = await s.ws.sync("--all", "--report", "r2.json");

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    for (const run of [first, second]) {
      expect(run.stdout).toContain("kept as they are on the target");
      expect(run.stdout).toMatch(/kept-diverged\s+refs\/heads\/dev/);
      expect(run.stdout).toMatch(/kept-diverged\s+refs\/tags\/v1\.0\.1 .*\(tag moved/);
    }
    const tag = (await report(s.ws.dir, "r2.json")).mirrors[0]!.refs.find(
      (ref) => ref.ref === "refs/tags/v1.0.1",
    );
    expect(tag?.outcome).toBe("kept-diverged");
    expect(tag?.reason).not.toContain("commits the upstream lacks");
  });

  it("keep + prune: refs whose commits the upstream no longer has are kept, merged-and-deleted ones removed", async () => {
    const s = await mirrored({ extra: ["divergence: keep"] });
    await git(["update-ref", "refs/heads/merged", "refs/heads/main~1"], { cwd: s.upstream });
    expect((await s.ws.sync("--all")).code).toBe(0);
    const local = await commitOnBranch(s.target, "local-only", { "mine.txt": "target work\n" });
    await deleteRef(s.upstream, "refs/heads/merged");
    await deleteRef(s.upstream, "refs/heads/fix/c");

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(0);
    const after = await listRefs(s.target);
    expect(after.get("refs/heads/local-only")).toBe(local);
    expect(after.has("refs/heads/merged")).toBe(false);
    // fix/c's own commit was on no other upstream branch: deleting it would lose it.
    expect(after.has("refs/heads/fix/c")).toBe(true);
    const kept = (await report(s.ws.dir, "r.json")).mirrors[0]!.refs.filter(
      (ref) => ref.outcome === "kept-target-only",
    );
    expect(kept.map((ref) => ref.ref).sort()).toEqual(["refs/heads/fix/c", "refs/heads/local-only"]);
  });
});

describe("deletion guard", () => {
  it("refuses when the upstream answers with no refs at all, and the target is untouched", async () => {
    const s = await mirrored();
    for (const ref of (await listRefs(s.upstream)).keys()) await deleteRef(s.upstream, ref);
    const before = await listRefs(s.target);

    const run = await s.ws.sync("--all");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EUPSTREAMEMPTY");
    expect(run.stdout).toContain("--allow-mass-delete");
    expect(await listRefs(s.target)).toEqual(before);
  });

  it("an empty upstream and an empty target is nothing to mirror yet, not a failure", async () => {
    const name = uniqueName("s");
    await server().createRepo(`up/${name}`);
    const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    const ws = await workspace();
    await ws.configure([
      { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
    ]);

    const run = await ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("nothing to mirror yet");
    expect(run.stdout).not.toContain("--allow-mass-delete");
    expect((await report(ws.dir, "r.json")).mirrors[0]?.status).toBe("empty");
    expect(await listRefs(target)).toEqual(new Map());
  });

  it("refuses deletions past max_deletions, lists them, and allows them with --allow-mass-delete", async () => {
    const s = await mirrored({ extra: ["max_deletions: 2"] });
    for (const ref of ["refs/heads/feature/a", "refs/heads/feature/b", "refs/heads/fix/c"])
      await deleteRef(s.upstream, ref);
    const before = await listRefs(s.target);

    const refused = await s.ws.sync("--all");

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("EMASSDELETE");
    expect(refused.stdout).toContain("refusing to delete 3 of");
    expect(refused.stdout).toContain("refs/heads/feature/b");
    expect(await listRefs(s.target)).toEqual(before);

    const allowed = await s.ws.sync("--all", "--allow-mass-delete");

    expect(allowed.code).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
  });
});

describe("rewrite guard", () => {
  /** Every branch and tag of the upstream moved to one new root commit with no files. */
  async function rewriteEverything(upstream: string): Promise<string> {
    const emptyTree = await git(["hash-object", "-t", "tree", "-w", "--stdin"], { cwd: upstream, input: "" });
    const orphan = await git(["commit-tree", emptyTree, "-m", "nothing to see"], { cwd: upstream });
    for (const ref of (await listRefs(upstream)).keys()) {
      await git(["update-ref", ref, orphan], { cwd: upstream });
    }
    return orphan;
  }

  it("refuses when every branch and tag was rewritten, lists them, and pushes nothing", async () => {
    const s = await mirrored();
    await rewriteEverything(s.upstream);
    const before = await listRefs(s.target);
    server().resetStats();

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EMASSREWRITE");
    expect(run.stdout).toContain(`refusing to force ${before.size} of ${before.size} refs`);
    expect(run.stdout).toContain("max_rewrites: 50% allows 3");
    expect(run.stdout).toContain("--allow-mass-rewrite");
    expect(await listRefs(s.target)).toEqual(before);
    expect(receivePacks(server(), `mirror/${s.name}`)).toBe(0);
    const mirror = (await report(s.ws.dir, "r.json")).mirrors[0]!;
    expect(mirror.error?.code).toBe("EMASSREWRITE");
    expect(mirror.error?.fix).toContain("max_rewrites");
    expect(mirror.refs.map((ref) => [ref.ref, ref.outcome]).sort()).toEqual(
      [...before.keys()].map((ref) => [ref, "would-force"]).sort(),
    );
  });

  it("takes the override from the command line only, never from a CI_MIRROR_ variable", async () => {
    const s = await mirrored();
    await rewriteEverything(s.upstream);
    const before = await listRefs(s.target);
    const fromEnv = await workspace({ CI_MIRROR_ALLOW_MASS_REWRITE: "true" });
    await fromEnv.configure([
      {
        name: s.name,
        source: server().repoUrl(`up/${s.name}`),
        target: server().repoUrl(`mirror/${s.name}`),
      },
    ]);

    const refused = await fromEnv.sync("--all");

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("EMASSREWRITE");
    expect(await listRefs(s.target)).toEqual(before);

    const allowed = await s.ws.sync("--all", "--allow-mass-rewrite", "--report", "r.json");

    expect(allowed.code).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect((await report(s.ws.dir, "r.json")).mirrors[0]!.counts.forced).toBe(before.size);
  });

  it("lets as many forced updates through as max_rewrites allows, and refuses one more", async () => {
    const s = await mirrored({ extra: ["max_rewrites: 2"] });
    await forceBranch(s.upstream, "feature/a");
    await forceBranch(s.upstream, "feature/b");

    expect((await s.ws.sync("--all")).code).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));

    for (const branch of ["feature/a", "feature/b", "fix/c"]) await forceBranch(s.upstream, branch);
    const before = await listRefs(s.target);

    const refused = await s.ws.sync("--all");

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      "refusing to force 3 of 7 refs on the target (max_rewrites: 2 allows 2)",
    );
    expect(await listRefs(s.target)).toEqual(before);
  });
});

describe("reports say only what happened", () => {
  it("a deletion guard that stops the mirror reports its refs as what would have happened", async () => {
    const s = await mirrored({ extra: ["max_deletions: 1"] });
    const main = await commitOnBranch(s.upstream, "main", { "more.txt": "more\n" });
    for (const ref of ["refs/heads/feature/a", "refs/heads/feature/b"]) await deleteRef(s.upstream, ref);
    const before = await listRefs(s.target);

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    expect(await listRefs(s.target)).toEqual(before);
    const refs = (await report(s.ws.dir, "r.json")).mirrors[0]!.refs;
    const byRef = new Map(refs.map((ref) => [ref.ref, ref]));
    expect(byRef.get("refs/heads/main")).toMatchObject({ outcome: "would-update", to: main });
    expect(byRef.get("refs/heads/main")?.reason).toContain("EMASSDELETE");
    expect(byRef.get("refs/heads/feature/a")?.outcome).toBe("would-delete");
    expect(run.stdout).not.toMatch(/^\s+(updated|deleted)\s+refs\//m);
  });

  it("a push that fails after planning reports its refs as not pushed, never as updated", async () => {
    const s = await mirrored();
    await commitOnBranch(s.upstream, "main", { "more.txt": "more\n" });
    const before = await listRefs(s.target);
    server().inject({ repo: `mirror/${s.name}`, on: "receive-pack", kind: "status-500", times: Infinity });

    const run = await s.ws.sync("--all", "--report", "r.json");

    server().clearFaults();
    expect(run.code).toBe(1);
    expect(await listRefs(s.target)).toEqual(before);
    const refs = (await report(s.ws.dir, "r.json")).mirrors[0]!.refs;
    const main = refs.find((ref) => ref.ref === "refs/heads/main");
    expect(main?.outcome).toBe("would-update");
    expect(main?.reason).toContain("not pushed");
    expect(refs.filter((ref) => ref.outcome !== "up-to-date").map((ref) => ref.ref)).toEqual([
      "refs/heads/main",
    ]);
  });
});

describe("rejections on the target", () => {
  it("reports a protected branch by name and reason, and still pushes everything else", async () => {
    const s = await mirrored({ protectedBranches: ["main", "release/*"] });
    await forceBranch(s.upstream, "main");
    const dev = await commitOnBranch(s.upstream, "dev", { "dev.txt": "more\n" });

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    const mirror = (await report(s.ws.dir, "r.json")).mirrors[0]!;
    const main = mirror.refs.find((ref) => ref.ref === "refs/heads/main");
    expect(main?.outcome).toBe("rejected");
    expect(main?.reason).toBe("protected branch: the target does not allow force pushes");
    expect((await listRefs(s.target)).get("refs/heads/dev")).toBe(dev);
    expect(mirror.error?.code).toBe("EREJECTED");
  });

  it("isolates the ref a hook declined inside a batch, so the rest of the batch lands", async () => {
    const s = await mirrored({ protectedBranches: ["fix/*"], extra: ["max_deletions: 100%"] });
    for (const ref of ["refs/heads/feature/a", "refs/heads/feature/b", "refs/heads/fix/c"]) {
      await deleteRef(s.upstream, ref);
    }

    const run = await s.ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("declined a batch of 3; narrowing down which of 3 refs it refuses");
    const after = await listRefs(s.target);
    expect(after.has("refs/heads/feature/a")).toBe(false);
    expect(after.has("refs/heads/feature/b")).toBe(false);
    expect(after.has("refs/heads/fix/c")).toBe(true);
    const refs = (await report(s.ws.dir, "r.json")).mirrors[0]!.refs;
    const rejected = refs.filter((ref) => ref.outcome === "rejected");
    expect(rejected.map((ref) => [ref.ref, ref.reason])).toEqual([
      ["refs/heads/fix/c", "protected branch: the target does not allow deleting it"],
    ]);
  });

  /** A first mirror of 120 topic branches (plus `extra`), 4 tags and main, into a target with this pre-receive hook. */
  async function hooked(hook: string[], extra: string[] = []) {
    const name = uniqueName("s");
    const upstream = await server().createRepo(`up/${name}`);
    const branches = Array.from({ length: 120 }, (_, i) => `topic/${String(i).padStart(3, "0")}`);
    await buildRepo(upstream, { commits: 3, branches: [...branches, ...extra], tags: 4 });
    const preReceiveHook = ["#!/bin/sh", ...hook, ""].join("\n");
    const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab", preReceiveHook });
    const ws = await workspace();
    await ws.configure([
      { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
    ]);
    server().resetStats();
    const run = await ws.sync("--all", "--report", "r.json");
    const refs = (await report(ws.dir, "r.json")).mirrors[0]!.refs;
    return { upstream, target, run, refs, pushes: receivePacks(server(), `mirror/${name}`) };
  }

  it("narrows a declined push of many refs down to the one the hook refuses, in few pushes", async () => {
    // Like a GitLab push rule: the whole push is refused when it carries the offending branch.
    const { upstream, target, run, refs, pushes } = await hooked(
      [
        "while read old new ref; do",
        '  if [ "$ref" = refs/heads/leaks-a-secret ]; then echo "GitLab: secret detected" >&2; exit 1; fi',
        "done",
        "exit 0",
      ],
      ["leaks-a-secret"],
    );

    expect(run.code).toBe(1);
    expect(refs.filter((ref) => ref.outcome === "rejected").map((ref) => ref.ref)).toEqual([
      "refs/heads/leaks-a-secret",
    ]);
    const upstreamRefs = await listRefs(upstream);
    upstreamRefs.delete("refs/heads/leaks-a-secret");
    expect(await listRefs(target)).toEqual(upstreamRefs);
    // One push of all 126 refs, then halving: about 2·log2(126), not 126 pushes of one ref.
    expect(pushes).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(126)));
  });

  it("stops narrowing down after a bounded number of pushes when the hook refuses everything", async () => {
    const { target, run, refs, pushes } = await hooked(['echo "GitLab: pushes are frozen" >&2', "exit 1"]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("gave up narrowing down after 64 pushes");
    expect(refs).toHaveLength(125);
    expect(refs.every((ref) => ref.outcome === "rejected")).toBe(true);
    expect(await listRefs(target)).toEqual(new Map());
    expect(pushes).toBe(1 + 64);
  });

  it("refuses to overwrite a ref that changed on the target after it was listed", async () => {
    const s = await mirrored();
    const stale = (await listRefs(s.target)).get("refs/heads/dev")!;
    const moved = await commitOnBranch(s.target, "dev", { "race.txt": "pushed meanwhile\n" });
    const next = await commitOnBranch(s.upstream, "dev", { "x.txt": "x\n" });
    // Fills the cache with the upstream's new commit without pushing it.
    await s.ws.sync("--all", "--dry-run");
    const targetUrl = server().repoUrl(`mirror/${s.name}`);
    const auth = `Authorization: Basic ${Buffer.from(`x:${TARGET_TOKEN}`).toString("base64")}`;

    const results = await pushRefs(
      { cwd: join(s.ws.dir, ".ci-mirror/cache", `${s.name}.git`), env: GIT_ENV, networkTimeoutMs: 30_000 },
      targetUrl,
      [{ source: next, ref: "refs/heads/dev", expect: stale }],
      withConfigEntries({}, [[`http.${targetUrl}.extraHeader`, auth]]),
    );

    expect(results.map((result) => [result.ref, result.status])).toEqual([["refs/heads/dev", "rejected"]]);
    expect(results[0]?.reason).toContain("lease failed");
    expect((await listRefs(s.target)).get("refs/heads/dev")).toBe(moved);
  });
});
