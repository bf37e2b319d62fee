import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.ts";
import type { PushMirrorDecl } from "../src/config/types.ts";
import { applyPushMirrors } from "../src/core/push-mirrors/apply.ts";
import { formatApply } from "../src/output/push-mirrors.ts";
import { planPushMirrors } from "../src/core/push-mirrors/push-mirror-plan.ts";
import { createGitLabClient } from "../src/gitlab/client.ts";
import type { RemoteMirror } from "../src/gitlab/port.ts";
import { Redactor } from "../src/util/redact.ts";
import { startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";
import { expectNoCanary } from "./helpers/canary.ts";
import { runCli } from "./helpers/cli.ts";
import { remoteMirror } from "./helpers/remote-mirror.ts";

function decl(url: string, extra: Partial<PushMirrorDecl> = {}): PushMirrorDecl {
  return {
    project: "g/app",
    url,
    enabled: true,
    onlyProtectedBranches: false,
    keepDivergentRefs: false,
    mirrorBranchRegex: null,
    authMethod: "password",
    ...extra,
  };
}

function mirror(id: number, url: string, extra: Partial<RemoteMirror> = {}): RemoteMirror {
  return remoteMirror({ id, url, ...extra });
}

const A = "https://a.example.com/org/app.git";
const A_SCRUBBED = "https://*****:*****@a.example.com/org/app.git";

describe("planPushMirrors", () => {
  it.each([
    { name: "nothing declared, nothing there", declared: [], existing: [], kinds: [] },
    { name: "missing → create", declared: [decl(A)], existing: [], kinds: ["create"] },
    {
      name: "same → unchanged",
      declared: [decl(A)],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["unchanged"],
    },
    {
      name: "matching ignores credentials and .git",
      declared: [decl("https://A.example.com/org/app")],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["unchanged"],
    },
    {
      name: "drift → update",
      declared: [decl(A, { keepDivergentRefs: true })],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["update"],
    },
    {
      name: "undeclared reported",
      declared: [],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["undeclared"],
    },
    {
      name: "undeclared pruned",
      declared: [],
      existing: [mirror(1, A_SCRUBBED)],
      prune: true,
      kinds: ["delete"],
    },
    {
      // A guess never deletes: two mirrors on one host (two GitHub repositories) are two mirrors.
      name: "a new mirror beside a hand-made one on the same host: create, and the other is kept",
      declared: [decl("https://a.example.com/org/renamed.git")],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["create", "undeclared"],
    },
    {
      name: "the same with --prune: create, and delete the undeclared one",
      declared: [decl("https://a.example.com/org/renamed.git")],
      existing: [mirror(1, A_SCRUBBED)],
      prune: true,
      kinds: ["create", "delete"],
    },
    {
      name: "URL changed, declared with replaces: → replace",
      declared: [decl("https://b.example.com/org/renamed.git", { replaces: A })],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["replace"],
    },
    {
      name: "replaces: a mirror that is gone → create",
      declared: [decl("https://b.example.com/org/renamed.git", { replaces: A })],
      existing: [],
      kinds: ["create"],
    },
    {
      name: "replaces: the new mirror exists and the old one too → delete the old one",
      declared: [decl("https://b.example.com/org/renamed.git", { replaces: A })],
      existing: [mirror(2, "https://b.example.com/org/renamed.git"), mirror(1, A_SCRUBBED)],
      kinds: ["unchanged", "delete"],
    },
    {
      name: "new mirror on another host is not a replacement",
      declared: [decl("https://b.example.com/org/app.git")],
      existing: [mirror(1, A_SCRUBBED)],
      kinds: ["create", "undeclared"],
    },
    {
      name: "rotate replaces mirrors with a token only",
      declared: [decl(A, { token: "T" }), decl("https://c.example.com/x.git")],
      existing: [mirror(1, A_SCRUBBED), mirror(2, "https://c.example.com/x.git")],
      rotate: true,
      kinds: ["replace", "unchanged"],
    },
  ])("$name", ({ declared, existing, prune, rotate, kinds }) => {
    const actions = planPushMirrors("g/app", declared, existing, { prune, rotateCredentials: rotate });
    expect(actions.map((a) => a.kind)).toEqual(kinds);
  });

  it("says what is deleted and why, in the table and in a closing list", () => {
    const existing = [mirror(1, A_SCRUBBED), mirror(2, "https://manual.example.com/x.git")];
    const actions = planPushMirrors(
      "g/app",
      [decl("https://b.example.com/org/renamed.git", { replaces: A })],
      existing,
      { prune: true },
    );
    const text = formatApply({
      dryRun: true,
      outcomes: actions.map((action) => ({ action, status: "planned" })),
      failures: [],
      changes: actions.length,
      warnings: [],
    });
    expect(text).toContain("would delete 2 push mirrors:");
    expect(text).toContain(
      `g/app mirror 1 ${A_SCRUBBED}: replaced by https://b.example.com/org/renamed.git (its \`replaces:\`)`,
    );
    expect(text).toContain(
      "g/app mirror 2 https://manual.example.com/x.git: not in push_mirrors, and --prune was given",
    );
  });

  it("names the fields that drifted", () => {
    const [action] = planPushMirrors(
      "g/app",
      [decl(A, { enabled: false, mirrorBranchRegex: "^main$" })],
      [mirror(1, A_SCRUBBED)],
    );
    expect(action).toMatchObject({
      kind: "update",
      changes: [
        { field: "enabled", from: true, to: false },
        { field: "mirrorBranchRegex", from: null, to: "^main$" },
      ],
    });
  });
});

let gl: GitLabSandbox;
let token: string;
let dir: string;
const MIRROR_TOKEN = "mirror-secret-value-123";

beforeAll(async () => {
  gl = await startGitLabSandbox();
  const maint = gl.addUser("maint");
  gl.addProject("acme", "app");
  gl.addProject("acme", "lib");
  gl.addProject("acme", "cli");
  gl.addMember("acme", "maint", 40);
  token = gl.addToken(maint, { scopes: ["api"] });
  dir = await mkdtemp(join(tmpdir(), "push-mirrors-"));
});

afterAll(async () => {
  await gl.close();
  await rm(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return { CI_SERVER_URL: gl.url, GITLAB_TOKEN: token, MIRROR_TOKEN };
}

/** Every run is a canary run: no form of the API token or the mirror token in what it prints. */
async function cli(args: string[]) {
  const run = await runCli(["push-mirrors", ...args], { cwd: dir, env: env() });
  expectNoSecrets(run.stdout + run.stderr);
  return run;
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(token);
  expect(text).not.toContain(MIRROR_TOKEN);
  expect(text).not.toContain(encodeURIComponent(MIRROR_TOKEN));
  expectNoCanary([token, MIRROR_TOKEN], [{ where: "output", text }], { users: ["bot", "oauth2"] });
}

describe("push-mirrors CLI", () => {
  it("create, list, show, update, sync, public-key, delete", async () => {
    const created = await cli([
      "create",
      "--project",
      "acme/app",
      "--url",
      "https://github.example.com/org/app.git",
      "--token-var",
      "MIRROR_TOKEN",
      "--username",
      "bot",
      "--enabled",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const mirror = JSON.parse(created.stdout) as { id: number; url: string; enabled: boolean };
    expect(mirror).toMatchObject({
      url: "https://*****:*****@github.example.com/org/app.git",
      enabled: true,
    });

    const list = await cli(["list", "--project", "acme/app"]);
    expect(list.code).toBe(0);
    const [header, row] = list.stdout.split("\n");
    expect(header).toMatch(/^ID\s+URL\s+ENABLED\s+STATUS\s+LAST SUCCESS\s+LAST ERROR$/);
    expect(row).toMatch(
      new RegExp(`^${mirror.id}\\s+https://\\*{5}:\\*{5}@github.example.com/org/app.git\\s+yes\\s+none`),
    );
    // Columns line up: URL starts at the same offset in the header and the row.
    expect(row?.indexOf("https://")).toBe(header?.indexOf("URL"));

    const show = await cli(["show", "--project", "acme/app", "--id", String(mirror.id)]);
    expect(show.stdout).toMatch(/only protected branches\s+false/);

    // Before disabling: GitLab refuses to sync a disabled mirror (400).
    expect((await cli(["sync", "-p", "acme/app", "--id", String(mirror.id)])).stdout).toContain("requested");

    const update = await cli([
      "update",
      "-p",
      "acme/app",
      "--id",
      String(mirror.id),
      "--no-enabled",
      "--keep-divergent-refs",
      "--json",
    ]);
    expect(update.code).toBe(0);
    expect(JSON.parse(update.stdout)).toMatchObject({ enabled: false, keepDivergentRefs: true });
    expect(gl.requests.filter((r) => r.method === "PUT").length).toBeGreaterThan(0);

    const ssh = await cli([
      "create",
      "-p",
      "acme/app",
      "--url",
      "ssh://git@github.example.com/org/app.git",
      "--auth-method",
      "ssh_public_key",
      "--json",
    ]);
    const sshId = (JSON.parse(ssh.stdout) as { id: number }).id;
    const key = await cli(["public-key", "-p", "acme/app", "--id", String(sshId)]);
    expect(key.stdout).toMatch(/^ssh-rsa /);

    for (const id of [mirror.id, sshId]) {
      expect((await cli(["delete", "-p", "acme/app", "--id", String(id)])).code).toBe(0);
    }
    expect((await cli(["list", "-p", "acme/app"])).stdout).toBe("no push mirrors\n");
    for (const run of [created, list, show, update]) expectNoSecrets(run.stdout + run.stderr);
  });

  it("usage errors exit 2, API errors exit 1, without secrets", async () => {
    const noProject = await cli(["list"]);
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toContain("Pass --project");
    const inline = await cli([
      "create",
      "-p",
      "acme/app",
      "--url",
      `https://bot:${MIRROR_TOKEN}@h.example.com/x.git`,
    ]);
    expect(inline.code).toBe(2);
    expectNoSecrets(inline.stderr);
    const missing = await cli(["list", "-p", "acme/nope"]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain("error EGITLABNOTFOUND: project not found: acme/nope");
    const blocked = await cli([
      "create",
      "-p",
      "acme/app",
      "--url",
      "http://127.0.0.1/x.git",
      "--token-var",
      "MIRROR_TOKEN",
    ]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("url is blocked: Requests to localhost are not allowed");
    expectNoSecrets(blocked.stderr);
    const noToken = await runCli(["push-mirrors", "list", "-p", "acme/app"], {
      cwd: dir,
      env: { CI_SERVER_URL: gl.url },
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("error EENVMISSING: no GitLab token: $GITLAB_TOKEN is not set");
  });
});

describe("push-mirrors apply (core, against the sandbox)", () => {
  const redactor = new Redactor();
  const port = () => createGitLabClient({ url: gl.url, token, redactor });
  const mutations = (from: number) => gl.requests.slice(from).filter((r) => r.method !== "GET").length;
  const declared = (): PushMirrorDecl[] => [
    {
      ...decl("https://github.example.com/org/lib.git", { token: "MIRROR_TOKEN", username: "bot" }),
      project: "acme/lib",
    },
    { ...decl("https://backup.example.com/lib.git", { onlyProtectedBranches: true }), project: "acme/lib" },
  ];

  it("creates, then a second apply changes nothing", async () => {
    const first = await applyPushMirrors({ pushMirrors: declared() }, port(), { env: env(), redactor });
    expect(first.outcomes.map((o) => [o.action.kind, o.status])).toEqual([
      ["create", "done"],
      ["create", "done"],
    ]);
    expectNoSecrets(formatApply(first));
    const before = gl.requests.length;
    const second = await applyPushMirrors({ pushMirrors: declared() }, port(), { env: env(), redactor });
    expect(second.changes).toBe(0);
    expect(formatApply(second)).toMatch(/no changes$/);
    expect(mutations(before)).toBe(0);
  });

  it("updates drift, reports and prunes undeclared, replaces a changed URL, rotates", async () => {
    const lib = (await port().listRemoteMirrors("acme/lib")).find((m) => m.url.includes("backup"));
    gl.setMirrorState("acme/lib", lib?.id ?? 0, { enabled: false });
    gl.addRemoteMirror("acme/lib", { url: "https://manual.example.com/x.git", enabled: true });

    const dry = await applyPushMirrors({ pushMirrors: declared() }, port(), { env: env() }, { dryRun: true });
    expect(dry.outcomes.map((o) => [o.action.kind, o.status])).toEqual([
      ["unchanged", "skipped"],
      ["update", "planned"],
      ["undeclared", "skipped"],
    ]);
    expect(formatApply(dry)).toContain("enabled: false → true");

    // Merge request pipelines dry-run without protected variables: no credential is needed.
    const withoutCredential: Record<string, string> = { ...env() };
    delete withoutCredential.MIRROR_TOKEN;
    const mergeRequest = await applyPushMirrors(
      { pushMirrors: declared() },
      port(),
      { env: withoutCredential },
      { dryRun: true },
    );
    expect(mergeRequest.outcomes.map((o) => o.status)).toEqual(["skipped", "planned", "skipped"]);
    await expect(
      applyPushMirrors({ pushMirrors: declared() }, port(), { env: withoutCredential }),
    ).rejects.toThrow(/MIRROR_TOKEN/);

    const pruned = await applyPushMirrors(
      { pushMirrors: declared() },
      port(),
      { env: env() },
      { prune: true },
    );
    expect(pruned.outcomes.map((o) => [o.action.kind, o.status])).toEqual([
      ["unchanged", "skipped"],
      ["update", "done"],
      ["delete", "done"],
    ]);
    expect((await port().listRemoteMirrors("acme/lib")).map((m) => m.url).sort()).toEqual([
      "https://*****:*****@github.example.com/org/lib.git",
      "https://backup.example.com/lib.git",
    ]);

    const moved = declared().map((d) =>
      d.url.includes("backup")
        ? { ...d, url: "https://backup.example.com/renamed/lib.git", replaces: d.url }
        : d,
    );
    const replaced = await applyPushMirrors({ pushMirrors: moved }, port(), { env: env() });
    const replace = replaced.outcomes.find((o) => o.action.kind === "replace");
    expect(replace).toMatchObject({ status: "done", action: { reason: "url-changed" } });
    expect(formatApply(replaced)).toContain(
      "GitLab cannot edit a mirror's URL, so it is deleted and created again",
    );
    expect((await port().listRemoteMirrors("acme/lib")).map((m) => m.url)).not.toContain(
      "https://backup.example.com/lib.git",
    );

    const oldIds = (await port().listRemoteMirrors("acme/lib")).map((m) => m.id);
    const rotated = await applyPushMirrors(
      { pushMirrors: moved },
      port(),
      { env: { ...env(), MIRROR_TOKEN: "new-mirror-secret-456" } },
      { rotateCredentials: true },
    );
    expect(rotated.outcomes.map((o) => [o.action.kind, o.status])).toEqual([
      ["replace", "done"],
      ["unchanged", "skipped"],
    ]);
    expect(oldIds).not.toContain(rotated.outcomes[0]?.newMirrorId);
    const before = gl.requests.length;
    expect((await applyPushMirrors({ pushMirrors: moved }, port(), { env: env() })).changes).toBe(0);
    expect(mutations(before)).toBe(0);
  });

  it("refuses to start when a named credential variable is missing", async () => {
    gl.addProject("acme", "fresh");
    const fresh = declared().map((d) => ({ ...d, project: "acme/fresh" }));
    const before = gl.requests.length;
    await expect(applyPushMirrors({ pushMirrors: fresh }, port(), { env: {} })).rejects.toThrow(
      "$MIRROR_TOKEN is not set",
    );
    expect(mutations(before)).toBe(0);
  });

  it("never deletes a hand-made mirror on the same host as a new declared one without --prune", async () => {
    gl.addProject("acme", "two");
    const handMade = gl.addRemoteMirror("acme/two", {
      url: "https://github.example.com/org/manual.git",
      enabled: true,
    });
    const before = gl.requests.length;
    const result = await applyPushMirrors(
      { pushMirrors: [{ ...decl("https://github.example.com/org/two.git"), project: "acme/two" }] },
      port(),
      { env: env() },
    );
    expect(result.outcomes.map((o) => [o.action.kind, o.status])).toEqual([
      ["create", "done"],
      ["undeclared", "skipped"],
    ]);
    expect(formatApply(result)).not.toMatch(/^deletes /m);
    expect(gl.requests.slice(before).filter((r) => r.method === "DELETE")).toEqual([]);
    const urls = (await port().listRemoteMirrors("acme/two")).map((m) => [m.id, m.url]);
    expect(urls).toContainEqual([handMade.id, "https://github.example.com/org/manual.git"]);
    expect(urls).toHaveLength(2);
  });
});

// The config parser learns `gitlab:` and `push_mirrors:` in a parallel change; until it does,
// the file-driven path is covered through the core above and this test waits for it.
async function parserAccepts(): Promise<boolean> {
  const probe = await mkdtemp(join(tmpdir(), "push-mirrors-probe-"));
  try {
    await writeFile(
      join(probe, "mirrors.yml"),
      "version: 1\ngitlab:\n  url: https://gitlab.example.com\npush_mirrors:\n  - project: g/app\n    url: https://h.example.com/x.git\n",
    );
    const { config } = await loadConfig("mirrors.yml", { cwd: probe });
    return Array.isArray(config.pushMirrors) && config.pushMirrors.length === 1;
  } catch {
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}
const parserSupportsPushMirrors = await parserAccepts();

describe("push-mirrors apply (CLI)", () => {
  it.skipIf(!parserSupportsPushMirrors)(
    "applies push_mirrors: from the file, idempotently (skipped until the config parser accepts push_mirrors:)",
    async () => {
      await writeFile(
        join(dir, "pm.yml"),
        [
          "version: 1",
          "gitlab:",
          `  url: ${gl.url}`,
          "push_mirrors:",
          "  - project: acme/cli",
          "    url: https://github.example.com/org/cli.git",
          "    token: MIRROR_TOKEN",
          "",
        ].join("\n"),
      );
      const first = await runCli(["push-mirrors", "apply", "-c", "pm.yml"], {
        cwd: dir,
        env: { GITLAB_TOKEN: token, MIRROR_TOKEN },
      });
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/acme\/cli\s+create/);
      expectNoSecrets(first.stdout + first.stderr);
      const before = gl.requests.length;
      const second = await runCli(["push-mirrors", "apply", "-c", "pm.yml", "--json"], {
        cwd: dir,
        env: { GITLAB_TOKEN: token, MIRROR_TOKEN },
      });
      expect(JSON.parse(second.stdout)).toMatchObject({ changes: 0 });
      expect(gl.requests.slice(before).filter((r) => r.method !== "GET")).toEqual([]);
    },
  );
});

describe("push-mirrors CLI: defaults and messages", () => {
  it("apply --dry-run warns about a missing credential variable in the words the real run stops with", async () => {
    gl.addProject("acme", "dry");
    const sub = await mkdtemp(join(dir, "dry-"));
    await writeFile(
      join(sub, "mirrors.yml"),
      [
        "version: 1",
        "gitlab:",
        `  url: ${gl.url}`,
        "push_mirrors:",
        "  - project: acme/dry",
        "    url: https://github.example.com/org/dry.git",
        "    token: DRY_PUSH_TOKEN",
        "",
      ].join("\n"),
    );
    const world = { cwd: sub, env: { GITLAB_TOKEN: token } };
    const dry = await runCli(["push-mirrors", "apply", "--dry-run"], world);
    const real = await runCli(["push-mirrors", "apply"], world);
    expect(real.code).toBe(2);
    const stopped = /^error EENVMISSING: (.+)$/m.exec(real.stderr)?.[1];
    expect(stopped).toContain("$DRY_PUSH_TOKEN is not set");
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`warning: ${stopped ?? "?"}`);
    const fix = /^fix: (.+)$/m.exec(real.stderr)?.[1];
    expect(dry.stderr).toContain(`fix: ${fix ?? "?"}`);
    expect(dry.stdout).toMatch(/acme\/dry\s+create/);
  });

  it("reads mirrors.yml by default, for every action", async () => {
    const sub = await mkdtemp(join(dir, "default-"));
    await writeFile(
      join(sub, "mirrors.yml"),
      ["version: 1", "gitlab:", `  url: ${gl.url}`, "audit: { projects: [acme/app] }", ""].join("\n"),
    );
    // No CI_SERVER_URL: the GitLab URL can only come from mirrors.yml.
    const list = await runCli(["push-mirrors", "list", "-p", "acme/app"], {
      cwd: sub,
      env: { GITLAB_TOKEN: token },
    });
    expect(list.stderr).toBe("");
    expect(list.code).toBe(0);
  });

  it("create and apply both make a new mirror enabled unless told otherwise", async () => {
    gl.addProject("acme", "enabled");
    const created = await cli([
      "create",
      "-p",
      "acme/enabled",
      "--url",
      "https://github.example.com/org/by-create.git",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const applied = await applyPushMirrors(
      { pushMirrors: [{ ...decl("https://github.example.com/org/by-apply.git"), project: "acme/enabled" }] },
      createGitLabClient({ url: gl.url, token }),
      { env: env() },
    );
    expect(applied.outcomes.map((o) => [o.action.kind, o.status])).toEqual([
      ["create", "done"],
      ["undeclared", "skipped"],
    ]);
    const mirrors = await createGitLabClient({ url: gl.url, token }).listRemoteMirrors("acme/enabled");
    expect(mirrors.map((m) => [m.url, m.enabled])).toEqual([
      ["https://github.example.com/org/by-create.git", true],
      ["https://github.example.com/org/by-apply.git", true],
    ]);
    const disabled = await cli([
      "create",
      "-p",
      "acme/enabled",
      "--url",
      "https://github.example.com/org/off.git",
      "--no-enabled",
      "--json",
    ]);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ enabled: false });
  });

  it("public-key on a password mirror says it uses password authentication", async () => {
    const mirror = gl.addRemoteMirror("acme/app", { url: "https://github.example.com/org/pw.git" });
    const key = await cli(["public-key", "-p", "acme/app", "--id", String(mirror.id)]);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain(`push mirror ${mirror.id} of acme/app uses password authentication`);
    expect(key.stderr).not.toContain("not found");
    const missing = await cli(["public-key", "-p", "acme/app", "--id", "99999"]);
    expect(missing.stderr).toContain("push mirror 99999 not found in acme/app");
  });
});

describe("push-mirrors apply against GitLab's cleared mirror_branch_regex", () => {
  const port = () => createGitLabClient({ url: gl.url, token });
  const mutations = (from: number) => gl.requests.slice(from).filter((r) => r.method !== "GET");

  it("clears a regex once, then a second apply makes zero mutating calls", async () => {
    gl.addProject("acme", "regex");
    const cleared = gl.addRemoteMirror("acme/regex", {
      url: "https://h.example.com/cleared.git",
      enabled: true,
    });
    cleared.mirrorBranchRegex = ""; // what GitLab stores once a regex is cleared
    gl.addRemoteMirror("acme/regex", {
      url: "https://h.example.com/regex.git",
      enabled: true,
      mirrorBranchRegex: "^release/",
    });
    const protectedOnly = gl.addRemoteMirror("acme/regex", {
      url: "https://h.example.com/protected.git",
      enabled: true,
      onlyProtectedBranches: true,
    });
    protectedOnly.mirrorBranchRegex = "";
    const declared = ["cleared", "regex", "protected"].map((name) => ({
      ...decl(`https://h.example.com/${name}.git`),
      project: "acme/regex",
    }));

    const first = await applyPushMirrors({ pushMirrors: declared }, port(), { env: env() });
    expect(first.outcomes.map((o) => [o.action.kind, o.status, o.error?.message])).toEqual([
      ["unchanged", "skipped", undefined],
      ["update", "done", undefined],
      ["update", "done", undefined],
    ]);
    const shown = await port().listRemoteMirrors("acme/regex");
    expect(shown.map((m) => [m.onlyProtectedBranches, m.mirrorBranchRegex])).toEqual([
      [false, ""],
      [false, ""],
      [false, ""],
    ]);

    const before = gl.requests.length;
    const second = await applyPushMirrors({ pushMirrors: declared }, port(), { env: env() });
    expect(second.changes).toBe(0);
    expect(mutations(before)).toEqual([]);
  });

  it("never sends only_protected_branches and mirror_branch_regex together", async () => {
    gl.addProject("acme", "pair");
    gl.addRemoteMirror("acme/pair", {
      url: "https://h.example.com/a.git",
      enabled: true,
      onlyProtectedBranches: true,
    });
    gl.addRemoteMirror("acme/pair", {
      url: "https://h.example.com/b.git",
      enabled: true,
      mirrorBranchRegex: "^x",
    });
    const result = await applyPushMirrors(
      {
        pushMirrors: [
          { ...decl("https://h.example.com/a.git", { mirrorBranchRegex: "^main$" }), project: "acme/pair" },
          { ...decl("https://h.example.com/b.git", { onlyProtectedBranches: true }), project: "acme/pair" },
        ],
      },
      port(),
      { env: env() },
    );
    expect(result.outcomes.map((o) => o.status)).toEqual(["done", "done"]);
    const shown = await port().listRemoteMirrors("acme/pair");
    expect(shown.map((m) => [m.onlyProtectedBranches, m.mirrorBranchRegex])).toEqual([
      [false, "^main$"],
      [true, null],
    ]);
    const refused = await cli([
      "update",
      "-p",
      "acme/pair",
      "--id",
      String(shown[0]?.id),
      "--only-protected-branches",
      "--mirror-branch-regex",
      "^x",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("mutually exclusive");
  });
});
