import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startGitServer } from "./helpers/sandbox.ts";
import {
  buildRepo,
  commitOnBranch,
  deleteRef,
  forceBranch,
  git,
  listRefs,
  lfsPointer,
  pushLfsObjects,
  tempDir,
} from "./helpers/fixtures.ts";

async function isAncestor(repo: string, older: string, newer: string): Promise<boolean> {
  try {
    await git(["merge-base", "--is-ancestor", older, newer], { cwd: repo });
    return true;
  } catch {
    return false;
  }
}

describe("buildRepo", () => {
  it("builds the requested history and refs, deterministically", async () => {
    const dir = (await tempDir("fixture")).path;
    const spec = { commits: 12, branches: 4, tags: 4, pullRefs: 2, mergeRequestRefs: 3 };
    const repo = await buildRepo(join(dir, "a.git"), spec);
    const again = await buildRepo(join(dir, "b.git"), spec);
    expect(again.head).toBe(repo.head);
    expect(await listRefs(again.path)).toEqual(await listRefs(repo.path));
    const other = await buildRepo(join(dir, "c.git"), { ...spec, seed: "other" });
    expect(other.head).not.toBe(repo.head);

    const refs = await listRefs(repo.path);
    expect([...refs.keys()].sort()).toEqual(
      [
        "refs/heads/main",
        "refs/heads/branch-000",
        "refs/heads/feature/topic-001",
        "refs/heads/release/2024/r-002",
        "refs/heads/branch-003",
        "refs/tags/v1.0.0",
        "refs/tags/v1.0.1",
        "refs/tags/v1.0.2",
        "refs/tags/v1.0.3",
        "refs/pull/1/head",
        "refs/pull/2/head",
        "refs/merge-requests/1/head",
        "refs/merge-requests/2/head",
        "refs/merge-requests/3/head",
      ].sort(),
    );
    expect(repo.branches).toHaveLength(5);
    expect(await git(["rev-list", "--count", "main"], { cwd: repo.path })).toBe("12");
    expect(await git(["symbolic-ref", "HEAD"], { cwd: repo.path })).toBe("refs/heads/main");
    expect(await git(["cat-file", "-t", "v1.0.0"], { cwd: repo.path })).toBe("tag");
    expect(await git(["cat-file", "-t", "v1.0.1"], { cwd: repo.path })).toBe("commit");
    // Side branches fork evenly along main: the second of four forks off the fourth of twelve commits.
    expect(await git(["merge-base", "main", "feature/topic-001"], { cwd: repo.path })).toBe(
      await git(["rev-parse", "main~8"], { cwd: repo.path }),
    );
  });

  it("writes LFS pointers and .gitattributes and returns the objects", async () => {
    const dir = (await tempDir("fixture-lfs")).path;
    const repo = await buildRepo(join(dir, "r.git"), {
      lfsFiles: 2,
      lfsFileSize: 300,
      files: { "a.txt": "a\n" },
    });
    expect(repo.lfsObjects).toHaveLength(2);
    const [first] = repo.lfsObjects;
    if (first == null) throw new Error("no LFS object");
    expect(first.oid).toBe(createHash("sha256").update(first.content).digest("hex"));
    expect(first.size).toBe(300);
    expect(await git(["show", `main:${first.path}`], { cwd: repo.path })).toBe(lfsPointer(first).trimEnd());
    expect(await git(["show", "main:.gitattributes"], { cwd: repo.path })).toContain("*.bin filter=lfs");
    expect(await git(["show", "main:a.txt"], { cwd: repo.path })).toBe("a");

    const server = await startGitServer();
    try {
      await server.createRepo("lfs");
      await pushLfsObjects(server, "lfs", repo.lfsObjects);
      expect(server.lfsObjectCount("lfs")).toBe(2);
      expect(server.hasLfsObject("lfs", first.oid)).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("moving upstream", () => {
  it("commitOnBranch fast-forwards; forceBranch diverges; deleteRef removes", async () => {
    const repo = await buildRepo(join((await tempDir("moves")).path, "r.git"), { commits: 3 });
    const next = await commitOnBranch(repo.path, "main", { "new.txt": "new\n", "README.md": null });
    expect(await isAncestor(repo.path, repo.head, next)).toBe(true);
    expect(await git(["ls-tree", "--name-only", "main"], { cwd: repo.path })).not.toContain("README.md");

    const branched = await commitOnBranch(repo.path, "topic/new", { "t.txt": "t\n" });
    expect(await isAncestor(repo.path, next, branched)).toBe(true);

    const rewritten = await forceBranch(repo.path, "main");
    expect(await isAncestor(repo.path, next, rewritten)).toBe(false);
    const again = await forceBranch(repo.path, "main");
    expect(again).not.toBe(rewritten);
    expect(await isAncestor(repo.path, rewritten, again)).toBe(false);

    await deleteRef(repo.path, "refs/heads/topic/new");
    expect((await listRefs(repo.path)).has("refs/heads/topic/new")).toBe(false);
  });

  it("forceBranch on a single-commit branch makes a new root", async () => {
    const repo = await buildRepo(join((await tempDir("root")).path, "r.git"));
    const rewritten = await forceBranch(repo.path, "main", { "x.txt": "x\n" });
    expect(await git(["rev-list", "--count", rewritten], { cwd: repo.path })).toBe("1");
  });
});

describe("tempDir", () => {
  let previous = "";
  it("creates a directory", async () => {
    previous = (await tempDir("scratch")).path;
    expect(existsSync(previous)).toBe(true);
  });
  it("removed it when the test that made it finished", () => {
    expect(previous).not.toBe("");
    expect(existsSync(previous)).toBe(false);
  });
});
