import { Gitlab, GitbeakerRequestError, GitbeakerRetryError } from "@gitbeaker/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";

let gl: GitLabSandbox;
let maintainer: string;
let developer: string;
let readApi: string;
let readRepo: string;
let expired: string;
let admin: string;

beforeAll(async () => {
  // Mirror updates wait on this clock, so none runs (against the network) behind a test's back.
  gl = await startGitLabSandbox({ clock: manualClock() });
  const maint = gl.addUser("maint");
  const dev = gl.addUser("dev");
  const root = gl.addUser("root", { admin: true });
  gl.addGroup("acme/sub");
  gl.addProject("acme/sub", "app", { defaultBranch: "trunk" });
  gl.addProject("acme", "other");
  gl.addMember("acme", "maint", 40);
  gl.addMember("acme", "dev", 30);
  maintainer = gl.addToken(maint, { scopes: ["api"], expiresAt: "2999-01-31", name: "mirror-bot" });
  readApi = gl.addToken(maint, { scopes: ["read_api"] });
  readRepo = gl.addToken(maint, { scopes: ["read_repository"] });
  expired = gl.addToken(maint, { scopes: ["api"], expiresAt: "2000-01-01" });
  developer = gl.addToken(dev, { scopes: ["api"] });
  admin = gl.addToken(root, { scopes: ["api"] });
});

afterAll(async () => {
  await gl.close();
});

function client(token: string): InstanceType<typeof Gitlab> {
  return new Gitlab({ host: gl.url, token });
}

async function call(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token != null) headers["private-token"] = token;
  const res = await fetch(`${gl.url}/api/v4${path}`, {
    method,
    headers,
    ...(body == null ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get("content-type") === "application/json") parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

async function gitbeakerError(promise: Promise<unknown>): Promise<GitbeakerRequestError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GitbeakerRequestError))
    throw new Error(`expected GitbeakerRequestError, got ${String(error)}`);
  return error;
}

const APP = "acme%2Fsub%2Fapp";

describe("auth", () => {
  it("serves personal_access_tokens/self to any scope, through gitbeaker", async () => {
    const self = await client(readRepo).PersonalAccessTokens.show();
    expect(self.scopes).toEqual(["read_repository"]);
    const named = await client(maintainer).PersonalAccessTokens.show();
    expect(named).toMatchObject({
      name: "mirror-bot",
      expires_at: "2999-01-31",
      active: true,
      revoked: false,
    });
    expect(gl.requests.at(-1)).toMatchObject({
      path: "/api/v4/personal_access_tokens/self",
      authHeader: "private-token",
    });
  });

  it("answers 401 to unknown, expired and missing credentials", async () => {
    expect(await call("GET", `/projects/${APP}`, "glpat-nope")).toMatchObject({
      status: 401,
      body: { message: "401 Unauthorized" },
    });
    const old = await call("GET", `/projects/${APP}`, expired);
    expect(old.status).toBe(401);
    expect(old.body).toEqual({
      error: "invalid_token",
      error_description: "Token is expired. You can either do re-authorization or token refresh.",
    });
    expect((await call("GET", "/personal_access_tokens/self")).status).toBe(401);
  });

  it("answers 403 insufficient_scope naming the scopes the route needs", async () => {
    const read = await call("GET", `/projects/${APP}`, readRepo);
    expect(read.status).toBe(403);
    expect(read.body).toEqual({
      error: "insufficient_scope",
      error_description: "The request requires higher privileges than provided by the access token.",
      scope: "api read_api",
    });
    expect((await call("GET", `/projects/${APP}`, readApi)).status).toBe(200);
    const write = await call("POST", "/projects", readApi, { name: "x" });
    expect(write).toMatchObject({ status: 403, body: { scope: "api" } });
  });

  it("accepts Bearer and ignores JOB-TOKEN (anonymous, so a private project is not found)", async () => {
    const api = new Gitlab({ host: gl.url, oauthToken: maintainer });
    expect((await api.Projects.show("acme/sub/app")).id).toBeGreaterThan(0);
    expect(gl.requests.at(-1)?.authHeader).toBe("bearer");
    const job = await fetch(`${gl.url}/api/v4/projects/${APP}`, { headers: { "job-token": maintainer } });
    expect(job.status).toBe(404);
    expect(await job.json()).toEqual({ message: "404 Project Not Found" });
  });
});

describe("projects", () => {
  it("looks projects up by encoded full path or id", async () => {
    const api = client(maintainer);
    const project = await api.Projects.show("acme/sub/app");
    expect(project).toMatchObject({
      path_with_namespace: "acme/sub/app",
      default_branch: "trunk",
      visibility: "private",
      http_url_to_repo: `${gl.url}/acme/sub/app.git`,
    });
    expect((await api.Projects.show(project.id)).path).toBe("app");
    expect(await call("GET", "/projects/app", maintainer)).toMatchObject({
      status: 404,
      body: { message: "404 Project Not Found" },
    });
    // An unencoded slash does not match `id: [^/]+`: Grape's catch-all answers.
    expect(await call("GET", "/projects/acme/sub/app", maintainer)).toMatchObject({
      status: 404,
      body: { error: "404 Not Found" },
    });
  });

  it("creates projects and reports validation errors as GitLab shapes them", async () => {
    const api = client(maintainer);
    const acme = await call("GET", `/projects/${APP}`, maintainer);
    const namespaceId = (acme.body as { namespace: { parent_id: number } }).namespace.parent_id;
    // app/models/project.rb#visibility_level_allowed_by_group: acme is private.
    expect(
      await call("POST", "/projects", maintainer, {
        name: "Open",
        namespace_id: namespaceId,
        visibility: "internal",
      }),
    ).toMatchObject({
      status: 400,
      body: { message: { visibility_level: ["internal is not allowed in a private group."] } },
    });
    const created = await api.Projects.create({ name: "New One", namespaceId, visibility: "private" });
    expect(created).toMatchObject({
      path: "new-one",
      visibility: "private",
      path_with_namespace: "acme/new-one",
      empty_repo: true,
    });
    const duplicate = await gitbeakerError(api.Projects.create({ name: "New One", namespaceId }));
    expect(duplicate.cause?.description).toBe(
      '{"name":["has already been taken"],"path":["has already been taken"]}',
    );
    expect(
      await call("POST", "/projects", developer, { name: "y", namespace_id: namespaceId }),
    ).toMatchObject({
      status: 400,
      body: { message: { namespace: ["is not valid"] } },
    });
    expect(await call("POST", "/projects", maintainer, {})).toMatchObject({
      status: 400,
      body: { error: "name, path are missing, at least one parameter must be provided" },
    });
  });

  it("lists protected branches", async () => {
    gl.setProtectedBranch("acme/sub/app", "trunk", { allowForcePush: true });
    const branches = await client(maintainer).ProtectedBranches.all("acme/sub/app");
    expect(branches).toHaveLength(1);
    expect(branches[0]).toMatchObject({ name: "trunk", allow_force_push: true });
  });
});

describe("pagination", () => {
  beforeAll(() => {
    for (let i = 0; i < 130; i += 1) gl.addProject("big", `p${i}`, { archived: i % 10 === 0 });
    gl.addProject("big/nested", "deep");
  });

  it("clamps per_page to 100 and sends GitLab's headers and Link", async () => {
    const first = await call("GET", "/groups/big/projects?per_page=500", admin);
    expect((first.body as unknown[]).length).toBe(100);
    expect(first.headers.get("x-per-page")).toBe("100");
    expect(first.headers.get("x-total")).toBe("130");
    expect(first.headers.get("x-total-pages")).toBe("2");
    expect(first.headers.get("x-page")).toBe("1");
    expect(first.headers.get("x-next-page")).toBe("2");
    expect(first.headers.get("x-prev-page")).toBe("");
    expect(first.headers.get("link")).toBe(
      `<${gl.url}/api/v4/groups/big/projects?id=big&page=2&per_page=100>; rel="next", ` +
        `<${gl.url}/api/v4/groups/big/projects?id=big&page=1&per_page=100>; rel="first", ` +
        `<${gl.url}/api/v4/groups/big/projects?id=big&page=2&per_page=100>; rel="last"`,
    );
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    const second = await fetch(next, { headers: { "private-token": admin } });
    expect(((await second.json()) as unknown[]).length).toBe(30);
    expect(second.headers.get("link")).toContain('rel="prev"');
    expect(second.headers.get("x-next-page")).toBe("");
  });

  it("filters archived and includes subgroups only when asked", async () => {
    const active = await call("GET", "/groups/big/projects?archived=false&per_page=100", admin);
    expect(active.headers.get("x-total")).toBe("117");
    const deep = await call("GET", "/groups/big/projects?include_subgroups=true", admin);
    expect(deep.headers.get("x-total")).toBe("131");
  });

  it("lets gitbeaker collect every page by following Link", async () => {
    const before = gl.requests.length;
    const all = await client(admin).Groups.allProjects("big", { pagination: "offset", perPage: 100 });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((p) => p.id)).size).toBe(130);
    expect(gl.requests.length - before).toBe(2);
  });

  it("drops the counts above 10,000 rows", async () => {
    for (let i = 0; i < 10_001; i += 1) gl.addProject("huge", `h${i}`);
    const page = await call("GET", "/groups/huge/projects?per_page=100&page=2", admin);
    expect(page.headers.get("x-total")).toBeNull();
    expect(page.headers.get("x-total-pages")).toBeNull();
    expect(page.headers.get("link")).not.toContain('rel="last"');
    expect(page.headers.get("x-next-page")).toBe("3");
  });
});

describe("remote mirrors", () => {
  it("creates with GitLab's defaults and scrubs credentials in every response", async () => {
    const api = client(maintainer);
    const created = await api.ProjectRemoteMirrors.createPushMirror(
      "acme/sub/app",
      "https://user:s3cret@example.com/gitlab/example.git",
    );
    expect(created).toMatchObject({
      enabled: false,
      update_status: "none",
      url: "https://*****:*****@example.com/gitlab/example.git",
      last_error: null,
      last_update_at: null,
      only_protected_branches: false,
      keep_divergent_refs: false,
      auth_method: "password",
      host_keys: [],
      mirror_branch_regex: null,
    });
    const listed = await api.ProjectRemoteMirrors.all("acme/sub/app");
    const shown = await api.ProjectRemoteMirrors.show("acme/sub/app", created.id);
    for (const body of [JSON.stringify(listed), JSON.stringify(shown)]) {
      expect(body).not.toContain("s3cret");
      expect(body).not.toContain("user:");
    }
    const ssh = await call("POST", `/projects/${APP}/remote_mirrors`, maintainer, {
      url: "ssh://git@example.org/a.git",
    });
    expect(ssh.body).toMatchObject({ url: "ssh://git@example.org/a.git" });
  });

  it("updates only with PUT: gitbeaker's edit() sends POST and gets the catch-all 404", async () => {
    const api = client(maintainer);
    const mirror = await api.ProjectRemoteMirrors.createPushMirror(
      "acme/sub/app",
      "https://t@example.net/x.git",
    );
    const error = await gitbeakerError(
      api.ProjectRemoteMirrors.edit("acme/sub/app", mirror.id, { enabled: true }),
    );
    expect(error.message).toBe("404 Not Found");
    expect(gl.requests.at(-1)).toMatchObject({ method: "POST", status: 404 });
    const put = await api.requester.put(`projects/${APP}/remote_mirrors/${mirror.id}`, {
      body: { enabled: true, onlyProtectedBranches: true, url: "https://evil@example.com/y.git" },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      enabled: true,
      only_protected_branches: true,
      url: "https://*****@example.net/x.git",
    });
    // EE: a regex switches protected-only off.
    const regex = await call("PUT", `/projects/${APP}/remote_mirrors/${mirror.id}`, maintainer, {
      mirror_branch_regex: "^release/",
    });
    expect(regex.body).toMatchObject({ only_protected_branches: false, mirror_branch_regex: "^release/" });
    expect(
      await call("PUT", `/projects/${APP}/remote_mirrors/${mirror.id}`, maintainer, { auth_method: "token" }),
    ).toMatchObject({ status: 400, body: { message: { auth_method: ["is not included in the list"] } } });
  });

  it("syncs enabled mirrors (204, enqueued, recorded) and refuses disabled ones", async () => {
    const api = client(maintainer);
    const off = gl.addRemoteMirror("acme/sub/app", { url: "https://example.com/off.git" });
    expect(await call("POST", `/projects/${APP}/remote_mirrors/${off.id}/sync`, maintainer)).toMatchObject({
      status: 400,
      body: { message: "Cannot proceed with the push mirroring. Please verify your mirror configuration." },
    });
    const on = gl.addRemoteMirror("acme/sub/app", { url: "https://example.com/on.git", enabled: true });
    expect(await api.ProjectRemoteMirrors.sync("acme/sub/app", on.id)).toBeNull();
    // The sync only enqueued the worker: the mirror is as it was until the worker runs.
    const shown = await api.ProjectRemoteMirrors.show("acme/sub/app", on.id);
    expect(shown).toMatchObject({ update_status: "none", last_update_started_at: null });
    expect(gl.syncRequests.filter((s) => s.mirrorId === on.id)).toMatchObject([{ delaySeconds: 0 }]);
    // Already started: a silent no-op.
    gl.setMirrorState("acme/sub/app", on.id, { updateStatus: "started", lastUpdateStartedAt: new Date() });
    expect((await call("POST", `/projects/${APP}/remote_mirrors/${on.id}/sync`, maintainer)).status).toBe(
      204,
    );
    expect(gl.syncRequests.filter((s) => s.mirrorId === on.id)).toHaveLength(1);
  });

  it("serves public_key only for ssh:// mirrors with ssh_public_key auth", async () => {
    const api = client(maintainer);
    const https = gl.addRemoteMirror("acme/sub/app", { url: "https://example.com/k.git" });
    const missing = await gitbeakerError(
      api.requester.get(`projects/${APP}/remote_mirrors/${https.id}/public_key`),
    );
    expect(missing.cause?.response.status).toBe(404);
    expect(missing.cause?.description).toBe("404 Not Found");
    const ssh = await call("POST", `/projects/${APP}/remote_mirrors`, maintainer, {
      url: "ssh://git@example.com/k.git",
      auth_method: "ssh_public_key",
    });
    const id = (ssh.body as { id: number }).id;
    const key = await api.requester.get(`projects/${APP}/remote_mirrors/${id}/public_key`);
    expect((key.body as { public_key: string }).public_key).toMatch(
      /^ssh-rsa AAAAB3NzaC1yc2E\S+ git@127\.0\.0\.1$/,
    );
  });

  it("deletes with 204", async () => {
    const api = client(maintainer);
    const mirror = gl.addRemoteMirror("acme/sub/app", { url: "https://example.com/del.git" });
    expect(await api.ProjectRemoteMirrors.remove("acme/sub/app", mirror.id)).toBeNull();
    expect(await call("GET", `/projects/${APP}/remote_mirrors/${mirror.id}`, maintainer)).toMatchObject({
      status: 404,
      body: { message: "404 Not found" },
    });
  });

  it("answers a Developer 401 on every route, before validating params", async () => {
    const mirror = gl.addRemoteMirror("acme/sub/app", { url: "https://example.com/dev.git", enabled: true });
    const base = `/projects/${APP}/remote_mirrors`;
    const calls: [string, string][] = [
      ["GET", base],
      ["POST", base],
      ["GET", `${base}/${mirror.id}`],
      ["PUT", `${base}/${mirror.id}`],
      ["DELETE", `${base}/${mirror.id}`],
      ["POST", `${base}/${mirror.id}/sync`],
      ["GET", `${base}/${mirror.id}/public_key`],
    ];
    for (const [method, path] of calls) {
      expect(await call(method, path, developer)).toMatchObject({
        status: 401,
        body: { message: "401 Unauthorized" },
      });
    }
  });

  it("validates params and URLs with GitLab's messages", async () => {
    const post = (body: unknown): ReturnType<typeof call> =>
      call("POST", `/projects/${APP}/remote_mirrors`, maintainer, body);
    expect(await post({})).toMatchObject({ status: 400, body: { error: "url is missing" } });
    expect(await post({ url: "https://example.com/a.git", auth_method: "token" })).toMatchObject({
      status: 400,
      body: { error: "auth_method does not have a valid value" },
    });
    expect(
      await post({
        url: "https://example.com/b.git",
        only_protected_branches: true,
        mirror_branch_regex: "x",
      }),
    ).toMatchObject({
      status: 400,
      body: { error: "only_protected_branches, mirror_branch_regex are mutually exclusive" },
    });
    expect(await post({ url: "https://example.com/c.git", only_protected_branches: null })).toMatchObject({
      status: 400,
      body: { message: { only_protected_branches: ["can't be blank"] } },
    });
    const blocked: [string, string][] = [
      ["git@github.com:org/repo.git", "is blocked: URI is invalid"],
      ["ftp://foo:bar@test.com", "is blocked: Only allowed schemes are http, https, ssh, git"],
      [
        "http://$user:pw@example.com/x.git",
        "is blocked: Username needs to start with an alphanumeric character",
      ],
      ["http://127.0.0.1:8080/x.git", "is blocked: Requests to localhost are not allowed"],
      ["http://127.0.0.2/x.git", "is blocked: Requests to loopback addresses are not allowed"],
      ["https://192.168.1.1/x.git", "is blocked: Requests to the local network are not allowed"],
    ];
    for (const [url, message] of blocked) {
      expect(await post({ url })).toMatchObject({ status: 400, body: { message: { url: [message] } } });
    }
    const viaGitbeaker = await gitbeakerError(
      client(maintainer).ProjectRemoteMirrors.createPushMirror("acme/sub/app", ""),
    );
    expect(viaGitbeaker.cause?.description).toBe('{"url":["can\'t be blank"]}');
  });

  it("finds mirrors only within their project", async () => {
    const mirror = gl.addRemoteMirror("acme/other", { url: "https://example.com/elsewhere.git" });
    expect(await call("GET", `/projects/${APP}/remote_mirrors/${mirror.id}`, maintainer)).toMatchObject({
      status: 404,
      body: { message: "404 Not found" },
    });
    expect(await call("GET", "/projects/acme%2Fnope/remote_mirrors", maintainer)).toMatchObject({
      status: 404,
      body: { message: "404 Project Not Found" },
    });
  });

  it("shows seeded failure state with last_error sanitized", async () => {
    const mirror = gl.addRemoteMirror("acme/sub/app", {
      url: "https://u:p@example.com/f.git",
      enabled: true,
    });
    gl.setMirrorState("acme/sub/app", mirror.id, {
      updateStatus: "failed",
      lastError: "fatal: Authentication failed for 'https://u:p@example.com/f.git'",
      lastUpdateAt: new Date("2020-01-06T17:32:02.823Z"),
    });
    const shown = await client(maintainer).ProjectRemoteMirrors.show("acme/sub/app", mirror.id);
    expect(shown).toMatchObject({
      update_status: "failed",
      last_error: "fatal: Authentication failed for 'https://*****:*****@example.com/f.git'",
      last_update_at: "2020-01-06T17:32:02.823Z",
    });
  });
});

describe("pull mirror (EE)", () => {
  it("needs a Maintainer (403 here) and a configured mirror", async () => {
    expect(await call("GET", `/projects/${APP}/mirror/pull`, developer)).toMatchObject({
      status: 403,
      body: { message: "403 Forbidden" },
    });
    expect(await call("GET", `/projects/${APP}/mirror/pull`, maintainer)).toMatchObject({
      status: 400,
      body: { message: "The project is not mirrored" },
    });
    expect(
      await call("PUT", `/projects/${APP}/mirror/pull`, maintainer, { url: "ftp://x.example" }),
    ).toMatchObject({
      status: 400,
      body: { message: { import_url: ["is blocked: Only allowed schemes are http, https, ssh, git"] } },
    });
    const put = await call("PUT", `/projects/${APP}/mirror/pull`, maintainer, {
      enabled: true,
      url: "https://example.com/up.git",
      auth_user: "bot",
      auth_password: "pw",
    });
    expect(put).toMatchObject({
      status: 200,
      body: { enabled: true, url: "https://*****:*****@example.com/up.git" },
    });
  });
});

describe("editions and token states", () => {
  it("CE has no pull-mirror routes and no mirror_branch_regex", async () => {
    const ce = await startGitLabSandbox({ edition: "ce" });
    try {
      const user = ce.addUser("m");
      ce.addProject("g", "p");
      ce.addMember("g", "m", 40);
      const token = ce.addToken(user, { scopes: ["api"] });
      const pull = await fetch(`${ce.url}/api/v4/projects/g%2Fp/mirror/pull`, {
        headers: { "private-token": token },
      });
      expect(pull.status).toBe(404);
      expect(await pull.json()).toEqual({ error: "404 Not Found" });
      const created = await new Gitlab({ host: ce.url, token }).ProjectRemoteMirrors.createPushMirror(
        "g/p",
        "https://example.com/r.git",
        { mirrorBranchRegex: "^x" },
      );
      expect(created).not.toHaveProperty("mirror_branch_regex");
    } finally {
      await ce.close();
    }
  });

  it("answers a revoked token with the invalid_token body", async () => {
    const revoked = gl.addToken(gl.addUser("gone"), { scopes: ["api"], revoked: true });
    expect(await call("GET", "/personal_access_tokens/self", revoked)).toMatchObject({
      status: 401,
      body: {
        error: "invalid_token",
        error_description: "Token was revoked. You have to re-authorize from the user.",
      },
    });
  });
});

describe("knobs and catch-all", () => {
  it("answers unknown routes like Grape's catch-all", async () => {
    expect(await call("GET", "/nope", maintainer)).toEqual(
      expect.objectContaining({ status: 404, body: { error: "404 Not Found" } }),
    );
  });

  it("throttles with 429, Retry-After and RateLimit headers; gitbeaker retries 10 times", async () => {
    gl.rateLimit({ requests: 2, perSeconds: 60 });
    try {
      const ok = await call("GET", `/projects/${APP}`, readApi);
      expect(ok.headers.get("ratelimit-limit")).toBe("2");
      await call("GET", `/projects/${APP}`, readApi);
      const limited = await call("GET", `/projects/${APP}`, readApi);
      expect(limited.status).toBe(429);
      expect(limited.body).toBe("Retry later\n");
      expect(limited.headers.get("content-type")).toBe("text/plain");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited.headers.get("ratelimit-remaining")).toBe("0");
      expect(limited.headers.get("ratelimit-name")).toBe("throttle_authenticated_api");
      const before = gl.requests.length;
      const error: unknown = await client(readApi)
        .Projects.show("acme/sub/app")
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitbeakerRetryError);
      expect(gl.requests.length - before).toBe(10);
    } finally {
      gl.rateLimit(undefined);
    }
  });

  it("injects 5xx for matching requests only as often as asked", async () => {
    gl.injectFailure({ pathPattern: /remote_mirrors$/, status: 500, times: 1 });
    const error = await gitbeakerError(client(maintainer).ProjectRemoteMirrors.all("acme/sub/app"));
    expect(error.message).toBe("500 Internal Server Error");
    expect((await client(maintainer).ProjectRemoteMirrors.all("acme/sub/app")).length).toBeGreaterThan(0);
  });
});
