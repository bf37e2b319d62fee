import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startGitServer } from "./helpers/sandbox.ts";
import type { GitServer } from "./helpers/sandbox.ts";
import { GIT_ENV, buildRepo, commitOnBranch, forceBranch, listRefs, tempDir } from "./helpers/fixtures.ts";

const WRITE = "write-token-0123";
const READ = "read-token-4567";

let server: GitServer;

beforeAll(async () => {
  server = await startGitServer({ tokens: { [WRITE]: "write" } });
  server.addToken(READ, "read");
});

afterAll(async () => {
  await server.close();
});

function basic(token: string): string {
  return `Basic ${Buffer.from(`oauth2:${token}`).toString("base64")}`;
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Real git as a client; a token travels as an extra header, the way the tests may pass it. */
async function runGit(args: string[], options: { cwd?: string; token?: string } = {}): Promise<Run> {
  const auth = options.token == null ? [] : ["-c", `http.extraHeader=Authorization: ${basic(options.token)}`];
  const started = Date.now();
  const result = await execa("git", [...auth, ...args], {
    ...(options.cwd == null ? {} : { cwd: options.cwd }),
    env: GIT_ENV,
    reject: false,
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: Date.now() - started,
  };
}

/** A server repo with a small history, plus a local clone to push from. */
async function repoWithClone(name: string, options: Parameters<GitServer["createRepo"]>[1] = {}) {
  const bare = await server.createRepo(name, options);
  const built = await buildRepo(bare, { commits: 3, branches: ["dev"] });
  const work = await tempDir("work");
  const clone = await runGit(["clone", "--quiet", server.repoUrl(name), work.path], { token: WRITE });
  expect(clone.exitCode, clone.stderr).toBe(0);
  return { bare, built, work: work.path };
}

async function commitIn(work: string, file: string, message: string): Promise<void> {
  await writeFile(join(work, file), `${message}\n`);
  await execa("git", ["add", file], { cwd: work, env: GIT_ENV });
  await execa("git", ["commit", "--quiet", "-m", message], { cwd: work, env: GIT_ENV });
}

/** The lines of `git push --porcelain` that describe refs (flag, TAB, from:to, TAB, summary). */
function porcelainRefLines(stdout: string): string[] {
  return stdout.split("\n").filter((line) => /^[ *=+!-]\t/.test(line));
}

describe("auth", () => {
  it("clones with a token sent as Basic auth with any username, and records the header", async () => {
    const bare = await server.createRepo("auth/basic");
    const built = await buildRepo(bare, { commits: 2, tags: 2 });
    const dir = await tempDir("clone");
    const clone = await runGit(["clone", "--quiet", "--bare", server.repoUrl("auth/basic"), dir.path], {
      token: WRITE,
    });
    expect(clone.exitCode, clone.stderr).toBe(0);
    expect(await listRefs(dir.path)).toEqual(await listRefs(bare));
    expect(built.tags).toEqual(["v1.0.0", "v1.0.1"]);
    const seen = server.requests.filter((r) => r.repo === "auth/basic");
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.authorization === basic(WRITE) && r.status === 200)).toBe(true);
  });

  it("accepts a Bearer token", async () => {
    await buildRepo(await server.createRepo("auth/bearer"));
    const run = await execa(
      "git",
      ["-c", `http.extraHeader=Authorization: Bearer ${READ}`, "ls-remote", server.repoUrl("auth/bearer")],
      { env: GIT_ENV, reject: false },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\trefs\/heads\/main$/m);
  });

  it("answers 401 with a Basic challenge without a token or with an unknown one", async () => {
    await buildRepo(await server.createRepo("auth/private"));
    const anonymous = await runGit(["ls-remote", server.repoUrl("auth/private")]);
    expect(anonymous.exitCode).not.toBe(0);
    // An extra header is not a credential to git: after the 401 it asks for a username instead.
    const wrong = await runGit(["ls-remote", server.repoUrl("auth/private")], { token: "nope" });
    expect(wrong.exitCode).not.toBe(0);
    expect(server.requests.at(-1)).toMatchObject({ authorization: basic("nope"), status: 401 });
    // Credentials in the URL are, and their rejection reads "Authentication failed".
    const inUrl = server.repoUrl("auth/private").replace("http://", "http://oauth2:nope@");
    const url = await runGit(["ls-remote", inUrl]);
    expect(url.exitCode).not.toBe(0);
    expect(url.stderr).toContain("Authentication failed");

    const response = await fetch(`${server.repoUrl("auth/private")}/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Basic realm="ci-mirror sandbox"');
  });

  it("lets anyone fetch a public repository but not push to it", async () => {
    const { work } = await repoWithClone("auth/public", { publicRead: true });
    const anonymous = await runGit(["ls-remote", server.repoUrl("auth/public")]);
    expect(anonymous.exitCode, anonymous.stderr).toBe(0);
    const push = await runGit(["push", "--quiet", "origin", "HEAD:refs/heads/anon"], { cwd: work });
    expect(push.exitCode).not.toBe(0);
  });

  it("answers 403 to a push with a read token", async () => {
    const { work } = await repoWithClone("auth/readonly");
    await commitIn(work, "x.txt", "read-only push");
    const push = await runGit(["push", "origin", "HEAD:main"], { cwd: work, token: READ });
    expect(push.exitCode).not.toBe(0);
    expect(push.stderr).toContain("403");
    const last = server.requests.filter((r) => r.repo === "auth/readonly").at(-1);
    expect(last).toMatchObject({ method: "GET", service: "git-receive-pack", status: 403 });
  });
});

describe("forge rules", () => {
  it("gitlab flavor: a push into a hidden namespace is refused per ref, the rest of the push lands", async () => {
    const { bare, work } = await repoWithClone("rules/gitlab", { flavor: "gitlab" });
    await commitIn(work, "a.txt", "gitlab hidden");
    const push = await runGit(
      ["push", "--porcelain", "origin", "HEAD:refs/merge-requests/1/head", "HEAD:refs/heads/ok", "HEAD:main"],
      { cwd: work, token: WRITE },
    );
    expect(push.exitCode).toBe(1);
    const lines = porcelainRefLines(push.stdout);
    expect(lines).toHaveLength(3);
    expect(lines).toContain(
      "!\tHEAD:refs/merge-requests/1/head\t[remote rejected] (deny updating a hidden ref)",
    );
    expect(lines).toContain("*\tHEAD:refs/heads/ok\t[new branch]");
    expect(lines.some((line) => /^ \tHEAD:refs\/heads\/main\t[0-9a-f]+\.\.[0-9a-f]+$/.test(line))).toBe(true);
    const refs = await listRefs(bare);
    expect(refs.has("refs/heads/ok")).toBe(true);
    expect(refs.has("refs/merge-requests/1/head")).toBe(false);
  });

  it("gitlab flavor still advertises existing hidden refs to fetches (receive.hideRefs only)", async () => {
    const bare = await server.createRepo("rules/gitlab-fetch", { flavor: "gitlab" });
    await buildRepo(bare, { mergeRequestRefs: 2 });
    const ls = await runGit(["ls-remote", server.repoUrl("rules/gitlab-fetch")], { token: READ });
    expect(ls.stdout).toContain("refs/merge-requests/2/head");
  });

  it("github flavor refuses refs/pull, extra hideRefs are honoured", async () => {
    const { work } = await repoWithClone("rules/github", { flavor: "github", hideRefs: ["refs/meta"] });
    const push = await runGit(
      [
        "push",
        "--porcelain",
        "origin",
        "HEAD:refs/pull/7/head",
        "HEAD:refs/meta/config",
        "HEAD:refs/heads/fine",
      ],
      { cwd: work, token: WRITE },
    );
    const lines = porcelainRefLines(push.stdout);
    expect(lines).toContain("!\tHEAD:refs/pull/7/head\t[remote rejected] (deny updating a hidden ref)");
    expect(lines).toContain("!\tHEAD:refs/meta/config\t[remote rejected] (deny updating a hidden ref)");
    expect(lines).toContain("*\tHEAD:refs/heads/fine\t[new branch]");
  });

  it("protected branches: fast-forward allowed, force push and delete refused with GitLab's messages", async () => {
    const { bare, work } = await repoWithClone("rules/protected", {
      protectedBranches: ["main", "release/*"],
    });
    await commitIn(work, "ff.txt", "fast-forward");
    const ff = await runGit(["push", "--porcelain", "origin", "HEAD:main"], { cwd: work, token: WRITE });
    expect(ff.exitCode, ff.stderr).toBe(0);

    // Rewrite main upstream, then try to push our (now diverged) history back over it.
    const rewritten = await forceBranch(bare, "main");
    const force = await runGit(
      ["push", "--porcelain", "--force", "origin", "HEAD:main", "HEAD:refs/heads/side"],
      {
        cwd: work,
        token: WRITE,
      },
    );
    expect(force.exitCode).toBe(1);
    expect(force.stderr).toContain(
      "remote: GitLab: You are not allowed to force push code to a protected branch on this project.",
    );
    // One failing check declines the whole push, unprotected refs included.
    expect(porcelainRefLines(force.stdout).sort()).toEqual([
      "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)",
      "!\tHEAD:refs/heads/side\t[remote rejected] (pre-receive hook declined)",
    ]);
    expect((await listRefs(bare)).get("refs/heads/main")).toBe(rewritten);

    // Globs match across '/'.
    await commitOnBranch(bare, "release/1/x", { "r.txt": "release" });
    const del = await runGit(["push", "--porcelain", "origin", ":refs/heads/release/1/x"], {
      cwd: work,
      token: WRITE,
    });
    expect(del.exitCode).toBe(1);
    expect(del.stderr).toContain(
      "remote: GitLab: You can only delete protected branches using the web interface.",
    );

    // The list is read at push time, so unprotecting works without recreating the repo.
    await server.setProtectedBranches("rules/protected", []);
    const later = await runGit(["push", "--porcelain", "origin", ":refs/heads/release/1/x"], {
      cwd: work,
      token: WRITE,
    });
    expect(later.exitCode, later.stderr).toBe(0);
  });
});

describe("traffic", () => {
  it("counts bytes per repository; a fetch pulls upload-pack bytes, a push sends request bytes", async () => {
    const bare = await server.createRepo("traffic/count");
    await buildRepo(bare, { commits: 20, bytesPerCommit: 2000 });
    const before = server.stats("traffic/count");
    const dir = await tempDir("count");
    const clone = await runGit(["clone", "--quiet", "--bare", server.repoUrl("traffic/count"), dir.path], {
      token: WRITE,
    });
    expect(clone.exitCode, clone.stderr).toBe(0);
    const after = server.stats("traffic/count");
    expect(after.requests).toBeGreaterThan(before.requests);
    expect(after.uploadPackBytesSent - before.uploadPackBytesSent).toBeGreaterThan(40_000);
    expect(after.bytesSent).toBeGreaterThan(after.uploadPackBytesSent);

    // Over http.postBuffer (1 MiB) git streams the pack chunked, without Content-Length, after a
    // small probe request; http-backend must then read the body to EOF.
    await commitOnBranch(dir.path, "main", { "big.bin": randomBytes(1_500_000) });
    server.resetStats();
    const push = await runGit(["push", "--quiet", server.repoUrl("traffic/count"), "main"], {
      cwd: dir.path,
      token: WRITE,
    });
    expect(push.exitCode, push.stderr).toBe(0);
    expect(server.stats("traffic/count").bytesReceived).toBeGreaterThan(1_500_000);
    expect(server.requests.map((r) => `${r.method} ${r.service ?? ""} ${r.status}`)).toEqual([
      "GET git-receive-pack 200",
      "POST git-receive-pack 200",
      "POST git-receive-pack 200",
    ]);
    expect(server.stats("nothing/here")).toEqual({
      requests: 0,
      bytesSent: 0,
      bytesReceived: 0,
      uploadPackBytesSent: 0,
    });
  });

  it("inflates gzip request bodies (a long negotiation)", async () => {
    await buildRepo(await server.createRepo("traffic/gzip"), { commits: 3 });
    // 200 unrelated local commits make git send rounds of "have" lines over 1 KiB, which it gzips.
    const local = await buildRepo(join((await tempDir("gzip")).path, "l.git"), {
      commits: 200,
      seed: "local",
    });
    const fetched = await runGit(["fetch", "--quiet", server.repoUrl("traffic/gzip"), "main:refs/heads/up"], {
      cwd: local.path,
      token: READ,
    });
    expect(fetched.exitCode, fetched.stderr).toBe(0);
    expect(
      server.requests.filter((r) => r.repo === "traffic/gzip" && r.method === "POST").length,
    ).toBeGreaterThan(2);
  });

  it("speaks protocol v2 when asked, and serves partial clones", async () => {
    const bare = await server.createRepo("traffic/v2");
    await buildRepo(bare, { commits: 5, tags: 3 });
    const response = await fetch(`${server.repoUrl("traffic/v2")}/info/refs?service=git-upload-pack`, {
      headers: { authorization: basic(READ), "git-protocol": "version=2" },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("version 2");

    const dir = await tempDir("v2");
    const clone = await runGit(
      [
        "-c",
        "protocol.version=2",
        "clone",
        "--quiet",
        "--bare",
        "--filter=blob:none",
        server.repoUrl("traffic/v2"),
        dir.path,
      ],
      { token: READ },
    );
    expect(clone.exitCode, clone.stderr).toBe(0);
    expect(await listRefs(dir.path)).toEqual(await listRefs(bare));
    const v0 = await runGit(["-c", "protocol.version=0", "ls-remote", server.repoUrl("traffic/v2")], {
      token: READ,
    });
    expect(v0.exitCode, v0.stderr).toBe(0);
    expect(v0.stdout).toContain("refs/tags/v1.0.2");
  });
});

describe("faults", () => {
  it("drop: the fetch fails mid-response, the next one succeeds once the fault is used up", async () => {
    await buildRepo(await server.createRepo("faults/drop"), { commits: 10, bytesPerCommit: 5000 });
    server.inject({ repo: "faults/drop", on: "upload-pack", kind: "drop", afterBytes: 1000 });
    const dir = await tempDir("drop");
    const failed = await runGit(["clone", "--quiet", "--bare", server.repoUrl("faults/drop"), dir.path], {
      token: READ,
    });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toMatch(/transfer closed|early EOF|RPC failed|unexpected disconnect/i);
    const retry = await runGit(
      ["clone", "--quiet", "--bare", server.repoUrl("faults/drop"), `${dir.path}/2`],
      {
        token: READ,
      },
    );
    expect(retry.exitCode, retry.stderr).toBe(0);
  });

  it("drop right after the headers", async () => {
    await buildRepo(await server.createRepo("faults/drop0"));
    server.inject({ repo: "faults/drop0", on: "info-refs", kind: "drop" });
    const run = await runGit(["ls-remote", server.repoUrl("faults/drop0")], { token: READ });
    expect(run.exitCode).not.toBe(0);
  });

  it("status-500 fails the request without running git, `times` counts matching requests", async () => {
    await buildRepo(await server.createRepo("faults/500"));
    server.inject({ repo: "faults/500", on: "info-refs", kind: "status-500", times: 2 });
    for (let i = 0; i < 2; i++) {
      const run = await runGit(["ls-remote", server.repoUrl("faults/500")], { token: READ });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain("500");
    }
    const ok = await runGit(["ls-remote", server.repoUrl("faults/500")], { token: READ });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const statuses = server.requests.filter((r) => r.repo === "faults/500").map((r) => r.status);
    expect(statuses.slice(0, 2)).toEqual([500, 500]);
  });

  it("latency delays the request; faults aimed at another repo do not fire", async () => {
    await buildRepo(await server.createRepo("faults/slow"));
    server.inject({ repo: "faults/other", kind: "status-500", times: Infinity });
    server.inject({ repo: "faults/slow", on: "info-refs", kind: "latency", ms: 800 });
    const slow = await runGit(["ls-remote", server.repoUrl("faults/slow")], { token: READ });
    expect(slow.exitCode, slow.stderr).toBe(0);
    expect(slow.ms).toBeGreaterThanOrEqual(800);
    const fast = await runGit(["ls-remote", server.repoUrl("faults/slow")], { token: READ });
    expect(fast.ms).toBeLessThan(slow.ms - 500);
    server.clearFaults();
  });

  it("redirect: sends anyone, signed in or not, to the same path elsewhere, for the service and from the request aimed at", async () => {
    await buildRepo(await server.createRepo("faults/moved"));
    server.inject({
      repo: "faults/moved",
      kind: "redirect",
      service: "git-receive-pack",
      location: "http://elsewhere.invalid/base/",
      status: 307,
      skip: 1,
      times: Infinity,
    });
    const url = (service: string) => `${server.repoUrl("faults/moved")}/info/refs?service=${service}`;
    const ask = (service: string) => fetch(url(service), { redirect: "manual" });

    const first = await ask("git-receive-pack");
    const listing = await ask("git-upload-pack");
    const second = await ask("git-receive-pack");

    // The one skipped request was served as usual (anonymous: refused).
    expect(first.status).toBe(401);
    expect(listing.status).toBe(401);
    expect(second.status).toBe(307);
    expect(second.headers.get("location")).toBe(
      "http://elsewhere.invalid/base/faults/moved.git/info/refs?service=git-receive-pack",
    );
    const push = await runGit(["push", server.repoUrl("faults/moved"), "HEAD:refs/heads/x"], {
      token: WRITE,
      cwd: server.repoPath("faults/moved"),
    });
    expect(push.exitCode).not.toBe(0);
    expect(push.stderr).toContain("elsewhere.invalid");
    server.clearFaults();
  });

  it("skip lets the first matching requests through before the fault applies", async () => {
    await buildRepo(await server.createRepo("faults/skip"));
    server.inject({ repo: "faults/skip", on: "info-refs", kind: "status-500", skip: 1 });
    const first = await runGit(["ls-remote", server.repoUrl("faults/skip")], { token: READ });
    expect(first.exitCode, first.stderr).toBe(0);
    const second = await runGit(["ls-remote", server.repoUrl("faults/skip")], { token: READ });
    expect(second.stderr).toContain("500");
    const third = await runGit(["ls-remote", server.repoUrl("faults/skip")], { token: READ });
    expect(third.exitCode, third.stderr).toBe(0);
  });

  it("stall: takes the request and answers nothing until the client hangs up", async () => {
    await buildRepo(await server.createRepo("faults/stall"));
    server.inject({ repo: "faults/stall", on: "info-refs", kind: "stall" });
    const client = new AbortController();
    const answer = fetch(`${server.repoUrl("faults/stall")}/info/refs?service=git-upload-pack`, {
      headers: { authorization: basic(READ) },
      signal: client.signal,
    }).then(
      () => "answered",
      () => "aborted",
    );
    // A negative check: an answer would come within milliseconds on loopback.
    const early = await Promise.race([answer, sleep(500).then(() => "waiting")]);
    expect(early).toBe("waiting");
    const recorded = server.requests.filter((request) => request.repo === "faults/stall");
    expect(recorded.map((request) => request.status)).toEqual([0]);
    client.abort();
    expect(await answer).toBe("aborted");
    // The fault is used up: the next request is served.
    const ls = await runGit(["ls-remote", server.repoUrl("faults/stall")], { token: READ });
    expect(ls.exitCode, ls.stderr).toBe(0);
  });
});

describe("git lfs", () => {
  it("pushes LFS objects with real git-lfs, then fetches them into a fresh clone", async () => {
    const name = "lfs/real";
    const { work } = await repoWithClone(name);
    const auth = `Authorization: ${basic(WRITE)}`;
    const local = async (...args: string[]): Promise<void> => {
      await execa("git", args, { cwd: work, env: GIT_ENV });
    };
    await local("config", `http.${server.url}/.extraHeader`, auth);
    await local("lfs", "install", "--local");
    await local("lfs", "track", "*.bin");
    const content = Buffer.from("large binary content ".repeat(500));
    await writeFile(join(work, "asset.bin"), content);
    await local("add", ".gitattributes", "asset.bin");
    await local("commit", "--quiet", "-m", "add lfs asset");
    const push = await execa("git", ["push", "origin", "HEAD:main"], {
      cwd: work,
      env: GIT_ENV,
      reject: false,
    });
    expect(push.exitCode, push.stderr).toBe(0);
    const oid = createHash("sha256").update(content).digest("hex");
    expect(server.hasLfsObject(name, oid)).toBe(true);
    expect(server.lfsObjectCount(name)).toBe(1);
    expect(server.requests.some((r) => r.repo === name && r.method === "PUT" && r.status === 200)).toBe(true);

    const fresh = (await tempDir("lfs-clone")).path;
    const clone = await execa(
      "git",
      ["-c", `http.extraHeader=${auth}`, "clone", "--quiet", server.repoUrl(name), fresh],
      { env: { ...GIT_ENV, GIT_LFS_SKIP_SMUDGE: "1" }, reject: false },
    );
    expect(clone.exitCode, clone.stderr).toBe(0);
    await execa("git", ["config", `http.${server.url}/.extraHeader`, auth], { cwd: fresh, env: GIT_ENV });
    await execa("git", ["lfs", "install", "--local"], { cwd: fresh, env: GIT_ENV });
    const pull = await execa("git", ["lfs", "pull"], { cwd: fresh, env: GIT_ENV, reject: false });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(await readFile(join(fresh, "asset.bin"))).toEqual(content);
  });

  it("batch API: a missing object is a per-object 404; upload needs write; PUT verifies the hash", async () => {
    const name = "lfs/api";
    await server.createRepo(name);
    const stored = await server.putLfsObject(name, Buffer.from("present"));
    const missing = "0".repeat(64);
    const batch = async (token: string, operation: string): Promise<Response> =>
      fetch(`${server.repoUrl(name)}/info/lfs/objects/batch`, {
        method: "POST",
        headers: {
          authorization: basic(token),
          accept: "application/vnd.git-lfs+json",
          "content-type": "application/vnd.git-lfs+json",
        },
        body: JSON.stringify({
          operation,
          transfers: ["basic"],
          objects: [stored, { oid: missing, size: 5 }],
        }),
      });

    const download = await batch(READ, "download");
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/vnd.git-lfs+json");
    const body = (await download.json()) as { objects: Array<Record<string, unknown>> };
    expect(body.objects[0]).toMatchObject({ oid: stored.oid, size: stored.size });
    expect(body.objects[0]).toHaveProperty(
      "actions.download.href",
      `${server.repoUrl(name)}/info/lfs/objects/${stored.oid}`,
    );
    expect(body.objects[1]).toMatchObject({ oid: missing, error: { code: 404 } });

    expect((await batch(READ, "upload")).status).toBe(403);
    const upload = (await (await batch(WRITE, "upload")).json()) as {
      objects: Array<Record<string, unknown>>;
    };
    expect(upload.objects[0]).not.toHaveProperty("actions"); // already stored: nothing to send
    expect(upload.objects[1]).toHaveProperty("actions.upload.href");

    const put = await fetch(`${server.repoUrl(name)}/info/lfs/objects/${missing}`, {
      method: "PUT",
      headers: { authorization: basic(WRITE) },
      body: "wrong",
    });
    expect(put.status).toBe(422);
    expect(server.lfsObjectCount(name)).toBe(1);
  });
});

describe("lifecycle", () => {
  it("close() ends in-flight requests and does not hang", async () => {
    const own = await startGitServer({ tokens: { t: "read" } });
    await buildRepo(await own.createRepo("slow"));
    own.inject({ kind: "latency", ms: 30_000 });
    const pending = runGit(["ls-remote", own.repoUrl("slow")], { token: "t" });
    // In flight: the server has taken the request and holds it for the latency.
    await vi.waitFor(() => expect(own.requests.length).toBeGreaterThan(0), { timeout: 30_000, interval: 10 });
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await pending).exitCode).not.toBe(0);
  });
});
