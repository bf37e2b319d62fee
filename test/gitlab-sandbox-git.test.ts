import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gitlab } from "@gitbeaker/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer } from "./helpers/sandbox.ts";
import type { GitServer } from "./helpers/sandbox.ts";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox, ManualClock } from "./helpers/sandbox.ts";
import { HERMETIC_GIT_ENV, gitIdentity } from "./helpers/sandbox.ts";

const TARGET_TOKEN = "target-secret-token-123";

let gl: GitLabSandbox;
let clock: ManualClock;
let target: GitServer;
let scratch: string;
let maintApi: string;
let devWrite: string;
let devRead: string;
let jobToken: string;
let pushJobToken: string;
let mainTip: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function git(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      "git",
      args,
      {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: scratch,
          LC_ALL: "C",
          ...HERMETIC_GIT_ENV,
          ...gitIdentity("t", "t@example.com"),
        },
      },
      (error, stdout, stderr) => {
        const code = error == null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

function withAuth(url: string, user: string, token: string): string {
  return url.replace("http://", `http://${user}:${token}@`);
}

function projectUrl(path: string, user?: string, token?: string): string {
  const url = `${gl.url}/${path}.git`;
  return user == null || token == null ? url : withAuth(url, user, token);
}

let counter = 0;
async function cloneWork(url: string): Promise<string> {
  const dir = join(scratch, `work-${counter++}`);
  const clone = await git(["clone", "--quiet", url, dir]);
  expect(clone.stderr).toBe("");
  return dir;
}

async function commitIn(dir: string, file: string): Promise<void> {
  await git(["-c", "core.hooksPath=/dev/null", "commit", "--quiet", "--allow-empty", "-m", file], dir);
}

async function refsOf(url: string): Promise<Map<string, string>> {
  const ls = await git(["ls-remote", url]);
  expect(ls.code).toBe(0);
  const map = new Map<string, string>();
  for (const line of ls.stdout.trim().split("\n")) {
    const [oid = "", ref = ""] = line.split("\t");
    if (ref.startsWith("refs/")) map.set(ref, oid);
  }
  return map;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "gl-sandbox-git-"));
  clock = manualClock();
  gl = await startGitLabSandbox({ allowLocalRequests: true, clock });
  target = await startGitServer({ tokens: { [TARGET_TOKEN]: "write" } });
  const maint = gl.addUser("maint");
  const dev = gl.addUser("dev");
  gl.addUser("reporter");
  gl.addProject("acme", "app");
  gl.addProject("acme", "ci", { ciPushRepositoryForJobTokenAllowed: true });
  gl.addMember("acme", "maint", 40);
  gl.addMember("acme", "dev", 30);
  gl.addMember("acme", "reporter", 20);
  maintApi = gl.addToken(maint, { scopes: ["api"] });
  devWrite = gl.addToken(dev, { scopes: ["write_repository"] });
  devRead = gl.addToken(dev, { scopes: ["read_repository"] });
  jobToken = gl.addJobToken("acme/app", "dev");
  pushJobToken = gl.addJobToken("acme/ci", "dev");
  mainTip = await gl.commitFiles("acme/app", "main", { "README.md": "hello\n" });
  await gl.commitFiles("acme/app", "feature", { "f.txt": "feature\n" });
  await gl.setRef("acme/app", "refs/tags/v1", "main");
  await gl.setRef("acme/app", "refs/merge-requests/1/head", "feature");
  await gl.commitFiles("acme/ci", "main", { "ci.txt": "ci\n" });
  gl.setProtectedBranch("acme/app", "main");
});

afterAll(async () => {
  await gl.close();
  await target.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("git over HTTPS", () => {
  it("clones with a read_repository token, but that token cannot push", async () => {
    const work = await cloneWork(projectUrl("acme/app", "anything", devRead));
    await commitIn(work, "x");
    const push = await git(["push", "origin", "HEAD:refs/heads/dev-read"], work);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("You are not allowed to upload code.");
  });

  it("pushes a branch with write_repository (Developer); refuses unknown tokens and anonymous", async () => {
    const work = await cloneWork(projectUrl("acme/app", "oauth2", devWrite));
    await commitIn(work, "y");
    const push = await git(["push", "origin", "HEAD:refs/heads/dev-branch"], work);
    expect(push.stderr).not.toContain("rejected");
    expect(push.code).toBe(0);
    expect((await refsOf(projectUrl("acme/app", "x", devRead))).has("refs/heads/dev-branch")).toBe(true);
    const wrong = await git(["ls-remote", projectUrl("acme/app", "x", "glpat-nope")]);
    expect(wrong.code).not.toBe(0);
    const anonymous = await git(["ls-remote", projectUrl("acme/app")]);
    expect(anonymous.code).not.toBe(0);
  });

  it("refuses pushes into GitLab's hidden ref namespaces, per ref", async () => {
    const work = await cloneWork(projectUrl("acme/app", "u", maintApi));
    const push = await git(
      ["push", "origin", "HEAD:refs/merge-requests/9/head", "HEAD:refs/heads/ok-too"],
      work,
    );
    expect(push.stderr).toContain("deny updating a hidden ref");
    expect((await refsOf(projectUrl("acme/app", "x", devRead))).has("refs/heads/ok-too")).toBe(true);
  });

  it("job token: clones its own project, pushes only where the project allows it", async () => {
    const work = await cloneWork(projectUrl("acme/app", "gitlab-ci-token", jobToken));
    await commitIn(work, "job");
    const refused = await git(["push", "origin", "HEAD:refs/heads/from-job"], work);
    expect(refused.stderr).toContain("You are not allowed to upload code.");
    const other = await git(["ls-remote", projectUrl("acme/ci", "gitlab-ci-token", jobToken)]);
    expect(other.code).not.toBe(0);
    const ci = await cloneWork(projectUrl("acme/ci", "gitlab-ci-token", pushJobToken));
    await commitIn(ci, "job");
    const allowed = await git(["push", "origin", "HEAD:refs/heads/from-job"], ci);
    expect(allowed.code).toBe(0);
    // A job token is not an access token: any other username fails.
    const pat = await git(["ls-remote", projectUrl("acme/app", "oauth2", jobToken)]);
    expect(pat.code).not.toBe(0);
  });

  it("protected branches: Developer push, force push and delete are refused; allowForcePush is honoured", async () => {
    const dev = await cloneWork(projectUrl("acme/app", "u", devWrite));
    await commitIn(dev, "dev-main");
    const devPush = await git(["push", "origin", "HEAD:main"], dev);
    expect(devPush.stderr).toContain(
      "You are not allowed to push code to protected branches on this project.",
    );

    const maint = await cloneWork(projectUrl("acme/app", "u", maintApi));
    await git(["reset", "--quiet", "--hard", "HEAD"], maint);
    await git(["commit", "--quiet", "--amend", "--allow-empty", "-m", "rewritten"], maint);
    const force = await git(["push", "--force", "origin", "HEAD:main"], maint);
    expect(force.stderr).toContain(
      "You are not allowed to force push code to a protected branch on this project.",
    );
    const del = await git(["push", "origin", ":main"], maint);
    expect(del.stderr).toContain("You can only delete protected branches using the web interface.");

    gl.setProtectedBranch("acme/app", "feature", { allowForcePush: true });
    await git(["fetch", "--quiet", "origin", "feature"], maint);
    await git(["checkout", "--quiet", "-B", "feature", "FETCH_HEAD"], maint);
    await git(["commit", "--quiet", "--amend", "--allow-empty", "-m", "rewritten feature"], maint);
    const allowed = await git(["push", "--force", "origin", "HEAD:feature"], maint);
    expect(allowed.code).toBe(0);
  });
});

describe("push mirrors", () => {
  const api = (): InstanceType<typeof Gitlab> => new Gitlab({ host: gl.url, token: maintApi });

  async function put(mirrorId: number, body: unknown): Promise<number> {
    const res = await fetch(`${gl.url}/api/v4/projects/acme%2Fapp/remote_mirrors/${mirrorId}`, {
      method: "PUT",
      headers: { "private-token": maintApi, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return res.status;
  }

  async function createMirror(repo: string, token = TARGET_TOKEN): Promise<number> {
    await target.createRepo(repo);
    const mirror = await api().ProjectRemoteMirrors.createPushMirror(
      "acme/app",
      withAuth(target.repoUrl(repo), "oauth2", token),
      { enabled: true },
    );
    expect(mirror.url).not.toContain(token);
    return mirror.id;
  }

  it("syncs branches and tags, walking update_status and the timestamps", async () => {
    const id = await createMirror("m/all");
    const before = await api().ProjectRemoteMirrors.show("acme/app", id);
    expect(before.update_status).toBe("none");
    await api().ProjectRemoteMirrors.sync("acme/app", id);
    // The sync only enqueued the update: nothing has started when the API answers.
    const queued = await api().ProjectRemoteMirrors.show("acme/app", id);
    expect(queued).toMatchObject({ update_status: "none", last_update_started_at: null });
    await gl.waitForMirror("acme/app", id);
    const done = await api().ProjectRemoteMirrors.show("acme/app", id);
    expect(done).toMatchObject({ update_status: "finished", last_error: null });
    expect(done.last_update_at).toBe(done.last_successful_update_at);
    const project = await refsOf(projectUrl("acme/app", "u", devRead));
    const mirrored = await refsOf(target.repoUrl("m/all").replace("http://", `http://x:${TARGET_TOKEN}@`));
    for (const ref of ["refs/heads/main", "refs/heads/feature", "refs/heads/dev-branch", "refs/tags/v1"]) {
      expect(mirrored.get(ref)).toBe(project.get(ref));
    }
    expect([...mirrored.keys()].some((r) => r.startsWith("refs/merge-requests"))).toBe(false);

    gl.makeStale("acme/app", id, 3_600_000);
    const stale = await api().ProjectRemoteMirrors.show("acme/app", id);
    expect(Date.parse(stale.last_update_at as string)).toBeLessThan(Date.now() - 3_500_000);
  });

  it("only_protected_branches: protected branches and all tags", async () => {
    const id = await createMirror("m/protected");
    expect(await put(id, { only_protected_branches: true })).toBe(200);
    await api().ProjectRemoteMirrors.sync("acme/app", id);
    const mirror = await gl.waitForMirror("acme/app", id);
    expect(mirror.updateStatus).toBe("finished");
    const refs = await refsOf(target.repoUrl("m/protected").replace("http://", `http://x:${TARGET_TOKEN}@`));
    expect([...refs.keys()].sort()).toEqual(["refs/heads/feature", "refs/heads/main", "refs/tags/v1"]);
  });

  it("keep_divergent_refs: diverged refs are skipped and named in last_error, the rest is updated", async () => {
    await target.createRepo("m/diverged");
    const dir = target.repoPath("m/diverged");
    const seed = await cloneWork(withAuth(projectUrl("acme/app"), "u", devRead));
    await git(["checkout", "--quiet", "--orphan", "other"], seed);
    await commitIn(seed, "remote-only");
    await git(["push", "--quiet", dir, "HEAD:refs/heads/main"], seed);
    const mirror = await api().ProjectRemoteMirrors.createPushMirror(
      "acme/app",
      withAuth(target.repoUrl("m/diverged"), "oauth2", TARGET_TOKEN),
      { enabled: true, keepDivergentRefs: true },
    );
    await api().ProjectRemoteMirrors.sync("acme/app", mirror.id);
    await gl.waitForMirror("acme/app", mirror.id);
    const shown = await api().ProjectRemoteMirrors.show("acme/app", mirror.id);
    expect(shown.update_status).toBe("failed");
    expect(shown.last_error).toBe(
      "Some refs have diverged and have not been updated on the remote:\n\nrefs/heads/main",
    );
    expect(shown.last_successful_update_at).toBeNull();
    const refs = await refsOf(dir);
    expect(refs.get("refs/heads/main")).not.toBe(mainTip);
    expect(refs.has("refs/heads/feature")).toBe(true);
    expect(refs.has("refs/tags/v1")).toBe(true);
  });

  it("a bad target token: retries, then failed, with no credentials in last_error", async () => {
    const id = await createMirror("m/badtoken", "wrong-secret-token");
    await api().ProjectRemoteMirrors.sync("acme/app", id);
    await gl.waitForMirror("acme/app", id);
    const shown = await api().ProjectRemoteMirrors.show("acme/app", id);
    expect(shown.update_status).toBe("failed");
    expect(shown.last_error).toMatch(/^push to mirror: git ls-remote: exit status 128/);
    expect(shown.last_error).not.toContain("wrong-secret-token");
    expect(JSON.stringify(shown)).not.toContain("wrong-secret-token");
    expect(shown.last_update_at).not.toBeNull();
    expect(shown.last_successful_update_at).toBeNull();
    for (const request of target.requests) expect(request.path).not.toContain("wrong-secret");
  });

  it("a push to the project updates enabled mirrors; injected failures go down the retry ladder", async () => {
    const id = await createMirror("m/onpush");
    const work = await cloneWork(projectUrl("acme/app", "u", devWrite));
    await commitIn(work, "pushed");
    expect((await git(["push", "origin", "HEAD:refs/heads/pushed"], work)).code).toBe(0);
    await expect.poll(() => gl.waitForMirror("acme/app", id).then((m) => m.updateStatus)).toBe("finished");
    const refs = await refsOf(target.repoUrl("m/onpush").replace("http://", `http://x:${TARGET_TOKEN}@`));
    expect(refs.has("refs/heads/pushed")).toBe(true);

    gl.injectMirrorFailure("acme/app", id, "fatal: boom at https://u:leak@example.com/x.git", 1);
    await api().ProjectRemoteMirrors.sync("acme/app", id);
    const recovered = await gl.waitForMirror("acme/app", id);
    expect(recovered.updateStatus).toBe("finished");
    expect(recovered.lastError).toBeNull();
  });

  it("leaves a mirror in to_retry until the backoff has passed", async () => {
    const own = manualClock();
    const sandbox = await startGitLabSandbox({ allowLocalRequests: true, clock: own });
    try {
      sandbox.addUser("o");
      sandbox.addProject("o", "p");
      await sandbox.commitFiles("o/p", "main", { a: "a" });
      const mirror = sandbox.addRemoteMirror("o/p", {
        url: withAuth(target.repoUrl("nope"), "u", "t"),
        enabled: true,
      });
      sandbox.injectMirrorFailure("o/p", mirror.id, "fatal: https://u:leak@example.com/x.git gone");
      const token = sandbox.addToken(sandbox.addUser("root", { admin: true }), { scopes: ["api"] });
      await new Gitlab({ host: sandbox.url, token }).ProjectRemoteMirrors.sync("o/p", mirror.id);
      await own.step();
      expect(mirror.updateStatus).toBe("to_retry");
      expect(mirror.lastError).toBe("fatal: https://*****:*****@example.com/x.git gone");
      expect(mirror.lastUpdateAt).toBeNull();
      await own.advance(4 * 60_000);
      expect(mirror.updateStatus).toBe("to_retry");
    } finally {
      await sandbox.close();
    }
  });
});
