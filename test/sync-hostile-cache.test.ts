/**
 * The CI cache is restored from storage that other jobs and branches can write, so a cache
 * repository is data, never code: git runs no hook from it, honours none of its config beyond what
 * ci-mirror itself writes, reads no objects from elsewhere through it, and its refs cannot make the
 * history questions lie. Each test plants something in a cache left by an earlier run, then syncs a
 * new upstream commit (listing, fetch, ref updates, push, gc) and checks what happened.
 */
import { chmod, cp, lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { tokensIn } from "./helpers/canary.ts";
import { GIT_ENV, buildRepo, commitOnBranch, git, listRefs, tempDir } from "./helpers/fixtures.ts";
import { copyRepo, foreignServerForThisTest } from "./helpers/foreign-server.ts";
import { proxyForThisTest } from "./helpers/forward-proxy.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

// Every hook githooks(5) names (git 2.39); only some run for the verbs ci-mirror uses in a bare
// repository (reference-transaction, pre-auto-gc, pre-push), but none may run.
const HOOKS = [
  "applypatch-msg",
  "pre-applypatch",
  "post-applypatch",
  "pre-commit",
  "pre-merge-commit",
  "prepare-commit-msg",
  "commit-msg",
  "post-commit",
  "pre-rebase",
  "post-checkout",
  "post-merge",
  "pre-push",
  "pre-receive",
  "update",
  "proc-receive",
  "post-receive",
  "post-update",
  "reference-transaction",
  "push-to-checkout",
  "pre-auto-gc",
  "post-rewrite",
  "sendemail-validate",
  "fsmonitor-watchman",
  "post-index-change",
];

/** A mirror synced once, so its cache exists as a restored CI cache would, and a new upstream commit. */
async function syncedOnce(extra: string[] = []) {
  const name = uniqueName("hc");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 3, branches: ["dev"], tags: 1 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const ws = await workspace();
  const source = server().repoUrl(`up/${name}`);
  const targetUrl = server().repoUrl(`mirror/${name}`);
  await ws.configure([{ name, source, target: targetUrl, extra }]);
  const first = await ws.sync("--all");
  if (first.code !== 0) throw new Error(`first sync failed:\n${first.stdout}${first.stderr}`);
  const cache = join(ws.dir, ".ci-mirror", "cache", `${name}.git`);
  await commitOnBranch(upstream, "main", { "next.txt": "the change this run mirrors\n" });
  return { name, upstream, target, ws, source, targetUrl, cache };
}

/** Programs that leave a marker (with their environment) named after themselves when run. */
async function markers() {
  const { path } = await tempDir("markers");
  const dir = join(path, "ran");
  await mkdir(dir);
  return {
    async program(file: string, name: string): Promise<string> {
      await writeFile(file, `#!/bin/sh\nenv >> '${dir}/${name}'\nexit 0\n`);
      await chmod(file, 0o755);
      return file;
    },
    ran: () => readdir(dir),
    clear: async () => {
      await rm(dir, { recursive: true });
      await mkdir(dir);
    },
  };
}

/** Every key=value of a config file, read as a file (no includes). */
async function configKeys(file: string): Promise<string[]> {
  const { stdout } = await execa("git", ["config", "--file", file, "--list"], { env: GIT_ENV });
  return stdout.split("\n").filter((line) => line !== "");
}

const OURS = new Set([
  "core.repositoryformatversion=0",
  "core.filemode=true",
  "core.bare=true",
  "core.logallrefupdates=false",
  "gc.autodetach=false",
]);

describe("a restored cache", () => {
  it("never runs a hook planted in it", async () => {
    const s = await syncedOnce();
    const m = await markers();
    await mkdir(join(s.cache, "hooks"), { recursive: true });
    for (const hook of HOOKS) await m.program(join(s.cache, "hooks", hook), hook);
    // With this, `gc --auto` after the push finds work and would run pre-auto-gc.
    await git(["config", "gc.auto", "1"], { cwd: s.cache });
    // The hooks are live: plain git in the cache runs them.
    await git(["update-ref", "refs/control", "refs/upstream/heads/main"], { cwd: s.cache });
    expect(await m.ran()).toContain("reference-transaction");
    await m.clear();

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect(await m.ran()).toEqual([]);
    expect(run.stderr).toContain("hooks/reference-transaction");
  });

  it("has its config rewritten: nothing goes elsewhere, nothing runs", async () => {
    const s = await syncedOnce();
    const m = await markers();
    const foreign = await foreignServerForThisTest();
    await copyRepo(foreign, `up/${s.name}`, s.upstream);
    await foreign.createRepo(`mirror/${s.name}`);
    const proxy = await proxyForThisTest();
    const command = await m.program(join(s.cache, "planted-command"), "command");
    const hooks = join(s.cache, "planted-hooks");
    await mkdir(hooks);
    await m.program(join(hooks, "reference-transaction"), "hooksPath-reference-transaction");
    const elsewhere = `[url "${foreign.url}/"]\n\tinsteadOf = ${server().url}/\n\tpushInsteadOf = ${server().url}/\n`;
    await writeFile(join(s.cache, "planted.cfg"), elsewhere);
    await writeFile(join(s.cache, "config.worktree"), elsewhere);
    const planted: Array<[string, string]> = [
      ["http.proxy", proxy.url],
      [`http.${s.source}.proxy`, proxy.url],
      [`remote.${s.source}.proxy`, proxy.url],
      [`url.${foreign.url}/.insteadOf`, `${server().url}/`],
      [`url.${foreign.url}/.pushInsteadOf`, `${server().url}/`],
      [`remote.${s.source}.url`, foreign.repoUrl(`up/${s.name}`)],
      [`remote.${s.targetUrl}.pushurl`, foreign.repoUrl(`mirror/${s.name}`)],
      [`remote.${s.source}.uploadpack`, command],
      [`remote.${s.targetUrl}.receivepack`, command],
      [`remote.${s.source}.vcs`, "planted"],
      ["include.path", join(s.cache, "planted.cfg")],
      ["includeIf.gitdir:/.path", join(s.cache, "planted.cfg")],
      ["core.repositoryformatversion", "1"],
      ["extensions.worktreeConfig", "true"],
      ["core.hooksPath", hooks],
      ["core.sshCommand", command],
      ["core.askPass", command],
      ["core.gitProxy", command],
      ["core.fsmonitor", command],
      ["core.alternateRefsCommand", command],
      ["credential.helper", `!${command}`],
      ["uploadpack.packObjectsHook", command],
      ["protocol.allow", "always"],
      ["http.sslVerify", "false"],
      ["http.extraHeader", "X-Planted: yes"],
      ["gc.auto", "1"],
      ["lfs.url", foreign.repoUrl(`mirror/${s.name}`)],
    ];
    for (const [key, value] of planted) await git(["config", "--add", key, value], { cwd: s.cache });

    const run = await s.ws.sync("--all", "--report", "report.json");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect(foreign.requests).toEqual([]);
    expect(proxy.requests).toEqual([]);
    expect(await m.ran()).toEqual([]);
    expect((await configKeys(join(s.cache, "config"))).filter((entry) => !OURS.has(entry))).toEqual([]);
    expect(tokensIn(run.stdout + run.stderr, [UPSTREAM_TOKEN, TARGET_TOKEN])).toEqual([]);
    // Said once, with what was removed, in the log and as a warning of the report.
    expect(run.stderr).toContain("http.proxy");
    const report = JSON.parse(await readFile(join(s.ws.dir, "report.json"), "utf8")) as RunReport;
    expect(report.mirrors[0]?.warnings.join("\n")).toContain("config url.");
  });

  it("keeps every object itself: an alternates file pointing elsewhere is not honoured", async () => {
    const s = await syncedOnce();
    const m = await markers();
    // Another object store that already holds the upstream's new commit.
    const { path: elsewhere } = await tempDir("alternate");
    await execa("git", ["clone", "--quiet", "--bare", s.upstream, elsewhere], { env: GIT_ENV });
    await writeFile(join(s.cache, "objects", "info", "alternates"), `${join(elsewhere, "objects")}\n`);
    await git(["config", "core.alternateRefsCommand", await m.program(join(s.cache, "arc"), "arc")], {
      cwd: s.cache,
    });
    const head = (await listRefs(s.upstream)).get("refs/heads/main") ?? "";

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect(await m.ran()).toEqual([]);
    await rm(elsewhere, { recursive: true, force: true });
    const own = await execa("git", ["cat-file", "-e", head], { cwd: s.cache, env: GIT_ENV, reject: false });
    expect(own.exitCode, own.stderr).toBe(0);
  });

  it("is emptied and built again when its files link to another directory, which is left alone", async () => {
    const s = await syncedOnce();
    const { path: elsewhere } = await tempDir("linked");
    await execa("git", ["clone", "--quiet", "--bare", s.upstream, elsewhere], { env: GIT_ENV });
    const before = await listRefs(elsewhere);
    await rm(join(s.cache, "refs"), { recursive: true });
    await symlink(join(elsewhere, "refs"), join(s.cache, "refs"));

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect(run.stderr).toContain("links to other directories");
    expect((await lstat(join(s.cache, "refs"))).isSymbolicLink()).toBe(false);
    expect(await listRefs(elsewhere)).toEqual(before);
  });

  it("is not a link to another repository, which is left alone", async () => {
    const s = await syncedOnce();
    const { path: elsewhere } = await tempDir("linked-repo");
    const other = join(elsewhere, "other.git");
    await execa("git", ["clone", "--quiet", "--bare", s.upstream, other], { env: GIT_ENV });
    await writeFile(join(other, "hooks", "post-update"), "#!/bin/sh\n");
    await git(["config", "other.kept", "yes"], { cwd: other });
    await rm(s.cache, { recursive: true });
    await symlink(other, s.cache);

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect((await lstat(s.cache)).isSymbolicLink()).toBe(false);
    expect(await git(["config", "other.kept"], { cwd: other })).toBe("yes");
    expect(await readdir(join(other, "hooks"))).toContain("post-update");
  });

  it("cannot make a diverged ref look like a fast-forward (replace refs, grafts) under divergence: keep", async () => {
    const s = await syncedOnce(["divergence: keep"]);
    // The target's dev gets a commit of its own; the upstream's dev moves on without it.
    const targetOnly = await commitOnBranch(s.target, "dev", { "local.txt": "made on the target\n" });
    const upstreamDev = await commitOnBranch(s.upstream, "dev", { "up.txt": "upstream work\n" });
    // The target's commit is in the cache (whoever can write the cache can usually read the target).
    await git(["fetch", "--quiet", s.target, "+refs/heads/dev:refs/planted/dev"], { cwd: s.cache });
    await git(["update-ref", "-d", "refs/planted/dev"], { cwd: s.cache });
    // The lie: the upstream's new dev commit has the target's commit as its parent.
    const forged = await git(["commit-tree", `${targetOnly}^{tree}`, "-p", targetOnly, "-m", "forged"], {
      cwd: s.cache,
    });
    await git(["update-ref", `refs/replace/${upstreamDev}`, forged], { cwd: s.cache });
    await mkdir(join(s.cache, "info"), { recursive: true });
    await writeFile(join(s.cache, "info", "grafts"), `${upstreamDev} ${targetOnly}\n`);
    // Plain git in the cache believes it, once it has the upstream's commit.
    const { path: copy } = await tempDir("believer");
    await cp(s.cache, copy, { recursive: true });
    await git(["fetch", "--quiet", s.upstream, "+refs/heads/dev:refs/upstream/heads/dev"], { cwd: copy });
    const believed = await execa("git", ["merge-base", "--is-ancestor", targetOnly, upstreamDev], {
      cwd: copy,
      env: GIT_ENV,
      reject: false,
    });
    expect(believed.exitCode).toBe(0);

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await listRefs(s.target)).get("refs/heads/dev")).toBe(targetOnly);
    expect((await listRefs(s.target)).get("refs/heads/main")).toBe(
      (await listRefs(s.upstream)).get("refs/heads/main"),
    );
  });

  it("cannot make the listing go elsewhere by turning the cache directory itself into a repository", async () => {
    const s = await syncedOnce();
    const foreign = await foreignServerForThisTest();
    await copyRepo(foreign, `up/${s.name}`, s.upstream);
    await foreign.createRepo(`mirror/${s.name}`);
    const cacheDir = join(s.ws.dir, ".ci-mirror", "cache");
    await execa("git", ["init", "--quiet", "--bare", cacheDir], { env: GIT_ENV });
    await git(["config", `url.${foreign.url}/.insteadOf`, `${server().url}/`], { cwd: cacheDir });

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect(foreign.requests).toEqual([]);
  });

  it("has its stray refs removed: a symbolic ref in the namespace cannot derail the update", async () => {
    const s = await syncedOnce();
    await git(["symbolic-ref", "refs/upstream/heads/alias", "refs/upstream/heads/main"], { cwd: s.cache });
    await git(["update-ref", "refs/heads/planted", "refs/upstream/heads/dev"], { cwd: s.cache });

    const run = await s.ws.sync("--all");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    const left = [...(await listRefs(s.cache)).keys()];
    expect(left.filter((ref) => !ref.startsWith("refs/upstream/"))).toEqual([]);
    expect(left).not.toContain("refs/upstream/heads/alias");
  });
});
