import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitLabClient } from "../src/gitlab/client.ts";
import type { GitLabPort } from "../src/gitlab/port.ts";
import { resolveGitLabSettings } from "../src/gitlab/settings.ts";
import { mirrorUrlKey, mirrorUrlWithCredentials, sameMirrorTarget } from "../src/gitlab/mirror-url.ts";
import { ToolError } from "../src/errors/tool-error.ts";
import { Redactor } from "../src/util/redact.ts";
import { startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";

let gl: GitLabSandbox;
let token: string;
let devToken: string;
let readRepoToken: string;
const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 5_000 };

beforeAll(async () => {
  gl = await startGitLabSandbox();
  const maint = gl.addUser("maint");
  const dev = gl.addUser("dev");
  gl.addProject("acme/sub", "app", { defaultBranch: "trunk" });
  gl.addMember("acme", "maint", 40);
  gl.addMember("acme", "dev", 30);
  token = gl.addToken(maint, { scopes: ["api"], name: "mirror-bot" });
  devToken = gl.addToken(dev, { scopes: ["api"] });
  readRepoToken = gl.addToken(maint, { scopes: ["read_repository"] });
  gl.setProtectedBranch("acme/sub/app", "trunk", { allowForcePush: true });
  // 130 projects over a group and two subgroups: two pages at per_page=100.
  for (let i = 0; i < 60; i += 1) gl.addProject("big", `p${i}`);
  for (let i = 0; i < 40; i += 1) gl.addProject("big/a", `q${i}`);
  for (let i = 0; i < 30; i += 1) gl.addProject("big/a/b", `r${i}`);
  gl.addProject("big", "old", { archived: true });
  gl.addMember("big", "maint", 40);
});

afterAll(async () => {
  await gl.close();
});

function client(t = token, extra: Partial<Parameters<typeof createGitLabClient>[0]> = {}): GitLabPort {
  return createGitLabClient({ url: gl.url, token: t, retry: FAST, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<ToolError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ToolError)) throw new Error(`expected ToolError, got ${String(error)}`);
  for (const secret of [token, devToken, readRepoToken]) {
    expect(`${error.message} ${error.fix ?? ""}`).not.toContain(secret);
  }
  return error;
}

const host = (): string => new URL(gl.url).host;

describe("port methods, happy paths", () => {
  it("reads projects, protected branches and the token", async () => {
    const api = client();
    const project = await api.getProject("acme/sub/app");
    expect(project).toMatchObject({
      pathWithNamespace: "acme/sub/app",
      defaultBranch: "trunk",
      archived: false,
    });
    expect((await api.getProject(project.id)).id).toBe(project.id);
    expect(await api.findProject("acme/nope")).toBeUndefined();
    expect(await api.listProtectedBranches("acme/sub/app")).toEqual([
      { name: "trunk", allowForcePush: true },
    ]);
    expect(await api.tokenSelf()).toMatchObject({ name: "mirror-bot", scopes: ["api"], active: true });
    expect(api.requestCount).toBe(5);
  });

  it("creates, shows, updates (PUT), syncs and deletes a push mirror", async () => {
    const api = client();
    const url = mirrorUrlWithCredentials("https://mirror.example.com/acme/app.git", "bot", "s3cr/t@x");
    const created = await api.createRemoteMirror("acme/sub/app", { url, enabled: true });
    expect(created).toMatchObject({
      url: "https://*****:*****@mirror.example.com/acme/app.git",
      enabled: true,
      onlyProtectedBranches: false,
      authMethod: "password",
      updateStatus: "none",
    });
    expect((await api.listRemoteMirrors("acme/sub/app")).map((m) => m.id)).toContain(created.id);
    const updated = await api.updateRemoteMirror("acme/sub/app", created.id, {
      onlyProtectedBranches: true,
      keepDivergentRefs: true,
    });
    expect(updated).toMatchObject({ onlyProtectedBranches: true, keepDivergentRefs: true });
    expect(gl.requests.at(-1)).toMatchObject({ method: "PUT", status: 200 });
    expect(await api.getRemoteMirror("acme/sub/app", created.id)).toMatchObject({ keepDivergentRefs: true });
    await api.syncRemoteMirror("acme/sub/app", created.id);
    expect(gl.requests.at(-1)).toMatchObject({ method: "POST", status: 204 });
    await api.deleteRemoteMirror("acme/sub/app", created.id);
    expect(await api.listRemoteMirrors("acme/sub/app")).toEqual([]);
  });

  it("reads the public key of an SSH-key mirror (raw GET; gitbeaker has no method)", async () => {
    const api = client();
    const mirror = await api.createRemoteMirror("acme/sub/app", {
      url: "ssh://git@mirror.example.com/acme/app.git",
      authMethod: "ssh_public_key",
    });
    expect(await api.getRemoteMirrorPublicKey("acme/sub/app", mirror.id)).toMatch(/^ssh-rsa /);
    await api.deleteRemoteMirror("acme/sub/app", mirror.id);
  });

  it("maps an unknown update_status to unknown", async () => {
    const api = client();
    const mirror = await api.createRemoteMirror("acme/sub/app", { url: "https://mirror.example.com/s.git" });
    gl.setMirrorState("acme/sub/app", mirror.id, { updateStatus: "brand_new" as "failed" });
    expect((await api.getRemoteMirror("acme/sub/app", mirror.id)).updateStatus).toBe("unknown");
    await api.deleteRemoteMirror("acme/sub/app", mirror.id);
  });

  it("follows pagination over a group with subgroups, archived left out unless asked", async () => {
    const api = client();
    const projects = await api.listGroupProjects("big");
    expect(projects).toHaveLength(130);
    expect(new Set(projects.map((p) => p.id)).size).toBe(130);
    expect(projects.some((p) => p.archived)).toBe(false);
    expect(api.requestCount).toBe(2);
    expect(await api.listGroupProjects("big", { includeArchived: true })).toHaveLength(131);
    expect(api.requestCount).toBe(4);
  });

  it("asks for every page once, after page 1 says how many there are", async () => {
    for (let i = 0; i < 420; i += 1) gl.addProject("wide", `w${i}`);
    gl.addMember("wide", "maint", 40);
    const api = client();
    const before = gl.requests.length;

    const projects = await api.listGroupProjects("wide");

    expect(new Set(projects.map((p) => p.pathWithNamespace)).size).toBe(420);
    expect(api.requestCount).toBe(5);
    expect(gl.requests.slice(before).every((request) => request.status === 200)).toBe(true);
  });

  it("follows the pages one by one past 10,000 projects, where GitLab stops counting", async () => {
    for (let i = 0; i < 10_001; i += 1) gl.addProject("huge", `h${i}`);
    gl.addMember("huge", "maint", 40);
    const api = client();

    const projects = await api.listGroupProjects("huge");

    expect(projects).toHaveLength(10_001);
    // Page 1 (no x-total-pages), then pages 2 to 101, each named by the one before: page 1 is
    // not asked for twice.
    expect(api.requestCount).toBe(101);
  });
});

describe("errors", () => {
  it("401: token rejected, naming the host", async () => {
    const error = await failure(client("glpat-wrongwrongwrong").getProject("acme/sub/app"));
    expect(error.code).toBe("EGITLABAUTH");
    expect(error.message).toBe(`token rejected by ${host()} (401)`);
  });

  it("401 on a mirror route with a valid token: lacks Maintainer", async () => {
    const error = await failure(client(devToken).listRemoteMirrors("acme/sub/app"));
    expect(error.code).toBe("EGITLABPERMISSION");
    expect(error.message).toBe("token lacks Maintainer on acme/sub/app");
  });

  it("403 insufficient scope", async () => {
    const error = await failure(client(readRepoToken).getProject("acme/sub/app"));
    expect(error.code).toBe("EGITLABPERMISSION");
    expect(error.message).toContain("api scope");
  });

  it("404: project not found, and a missing mirror", async () => {
    const api = client();
    const missing = await failure(api.listRemoteMirrors("group/app"));
    expect(missing).toMatchObject({ code: "EGITLABNOTFOUND", message: "project not found: group/app" });
    const mirror = await failure(api.getRemoteMirror("acme/sub/app", 999_999));
    expect(mirror.message).toBe("push mirror 999999 not found in acme/sub/app");
  });

  it("400 validation carries GitLab's field messages", async () => {
    const error = await failure(
      client().createRemoteMirror("acme/sub/app", {
        url: mirrorUrlWithCredentials("http://127.0.0.1/x.git", "bot", token),
      }),
    );
    expect(error.code).toBe("EGITLABVALIDATION");
    expect(error.message).toBe(
      `${host()} refused the request on acme/sub/app: url is blocked: Requests to localhost are not allowed`,
    );
  });

  it("job token: refused up front on mirror routes", async () => {
    const api = createGitLabClient({ url: gl.url, jobToken: "job-token-value" });
    expect((await failure(api.listRemoteMirrors("acme/sub/app"))).code).toBe("EGITLABTOKEN");
  });

  it("network failure", async () => {
    const api = createGitLabClient({ url: "http://127.0.0.1:9", token, retry: { ...FAST, attempts: 2 } });
    const error = await failure(api.tokenSelf());
    expect(error.code).toBe("EGITLABUNAVAILABLE");
    expect(error.message).toContain("cannot reach 127.0.0.1:9");
    expect(api.requestCount).toBe(2);
  });
});

describe("retries and timeouts", () => {
  it("honours Retry-After on 429 instead of gitbeaker's instant burst", async () => {
    // One clock for the sandbox's throttle and the client's waits: 100 ms into a throttle window,
    // so the 429's Retry-After is one second, and waiting moves the clock on instead of stalling.
    let time = Date.UTC(2030, 0, 1, 0, 0, 0, 100);
    const waits: number[] = [];
    const clock = {
      now: () => time,
      sleep: (ms: number) => {
        waits.push(ms);
        time += ms;
        return Promise.resolve();
      },
    };
    const own = await startGitLabSandbox({ now: () => new Date(time) });
    try {
      const ownToken = own.addToken(own.addUser("bot"), { scopes: ["api"] });
      const api = createGitLabClient({ url: own.url, token: ownToken, retry: FAST, clock });
      own.rateLimit({ requests: 1, perSeconds: 1 });
      await api.tokenSelf();
      await api.tokenSelf();
      expect(own.requests.map((r) => r.status)).toEqual([200, 429, 200]);
      expect(waits).toEqual([1000]);
      expect(api.requestCount).toBe(3);
    } finally {
      await own.close();
    }
  });

  it("gives up with EGITLABRATELIMIT when Retry-After is longer than the longest wait", async () => {
    const api = client(token, { retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 500 } });
    gl.rateLimit({ requests: 0, perSeconds: 60 });
    try {
      const error = await failure(api.tokenSelf());
      expect(error.code).toBe("EGITLABRATELIMIT");
      expect(error.message).toMatch(/rate-limiting requests \(429\); it asks to wait \d+s/);
      expect(api.requestCount).toBe(1);
    } finally {
      gl.rateLimit(undefined);
    }
  });

  it("retries an injected 500/502/503 on a read, then succeeds", async () => {
    const api = client();
    gl.injectFailure({ pathPattern: /remote_mirrors$/, status: 500, times: 1 });
    gl.injectFailure({ pathPattern: /remote_mirrors$/, status: 502, times: 1 });
    gl.injectFailure({ pathPattern: /remote_mirrors$/, status: 503, times: 1 });
    expect(await api.listRemoteMirrors("acme/sub/app")).toBeInstanceOf(Array);
    expect(api.requestCount).toBe(4);
  });

  it("does not resend a create after a 502 (GitLab may have acted), and says unavailable", async () => {
    const api = client();
    gl.injectFailure({ method: "POST", pathPattern: /remote_mirrors$/, status: 502, times: 1 });
    const error = await failure(
      api.createRemoteMirror("acme/sub/app", { url: "https://m.example.com/x.git" }),
    );
    expect(error).toMatchObject({ code: "EGITLABUNAVAILABLE", message: `${host()} failed (502)` });
    expect(api.requestCount).toBe(1);
  });

  it("stops a request that takes longer than the timeout", async () => {
    const api = client(token, { timeoutMs: 100 });
    gl.latency(400);
    try {
      const error = await failure(api.tokenSelf());
      expect(error.code).toBe("EGITLABTIMEOUT");
      expect(api.requestCount).toBe(1);
    } finally {
      gl.latency(0);
    }
  });
});

describe("settings", () => {
  it("reads the token from the named variable and registers it with the redactor", () => {
    const redactor = new Redactor();
    const settings = resolveGitLabSettings(
      { url: "https://gitlab.example.com/", token: "MY_TOKEN" },
      { MY_TOKEN: "glpat-abcdefgh" },
      { redactor },
    );
    expect(settings).toMatchObject({ url: "https://gitlab.example.com", token: "glpat-abcdefgh" });
    expect(redactor.redact("x glpat-abcdefgh y")).toBe("x [MASKED] y");
  });

  it("falls back to CI_SERVER_URL and CI_JOB_TOKEN", () => {
    expect(
      resolveGitLabSettings(undefined, { CI_SERVER_URL: "https://gl.example", CI_JOB_TOKEN: "jobtok" }),
    ).toEqual({ url: "https://gl.example", jobToken: "jobtok", tokenSource: "CI_JOB_TOKEN" });
  });

  it("explains a missing URL or token", () => {
    expect(() => resolveGitLabSettings(undefined, {})).toThrow(/no GitLab URL/);
    expect(() => resolveGitLabSettings({ url: "https://gl.example", token: "T" }, {})).toThrow(
      "no GitLab token: $T is not set",
    );
  });
});

describe("mirror URLs", () => {
  it("encodes credentials and compares without them", () => {
    expect(mirrorUrlWithCredentials("https://h.example/g/p.git", "a b", "t@k/n:x")).toBe(
      "https://a%20b:t%40k%2Fn%3Ax@h.example/g/p.git",
    );
    expect(sameMirrorTarget("https://H.example/g/p", "https://*****:*****@h.example/g/p.git")).toBe(true);
    expect(sameMirrorTarget("https://h.example/g/p", "https://h.example/g/q")).toBe(false);
    expect(sameMirrorTarget("https://h.example/g/p", "http://h.example/g/p")).toBe(false);
    expect(mirrorUrlKey("ssh://git@h.example/g/p.git")).toBe("ssh://git@h.example/g/p");
  });
});
