import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushMirrorDecl } from "../src/config/types.ts";
import { auditPushMirrors } from "../src/core/audit/audit.ts";
import { formatAge } from "../src/util/duration.ts";
import { judgeMirror } from "../src/core/audit/verdict.ts";
import { createGitLabClient } from "../src/gitlab/client.ts";
import type { RemoteMirror } from "../src/gitlab/port.ts";
import { startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";
import { expectNoCanary, filesUnder, runTexts } from "./helpers/canary.ts";
import { runCli, type CliRun } from "./helpers/cli.ts";
import { remoteMirror } from "./helpers/remote-mirror.ts";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const HOUR = 3_600_000;
const OPTIONS = { now: NOW, maxAgeMs: 24 * HOUR, stuckAfterMs: HOUR };

function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

function mirror(patch: Partial<RemoteMirror>): RemoteMirror {
  // Last synced an hour ago, cleanly: a healthy mirror unless the patch says otherwise.
  return remoteMirror({
    lastUpdateAt: ago(HOUR),
    lastUpdateStartedAt: ago(HOUR + 60_000),
    lastSuccessfulUpdateAt: ago(HOUR),
    ...patch,
  });
}

function decl(patch: Partial<PushMirrorDecl>): PushMirrorDecl {
  return {
    project: "acme/app",
    url: "https://github.example/org/app.git",
    enabled: true,
    onlyProtectedBranches: false,
    keepDivergentRefs: false,
    mirrorBranchRegex: null,
    authMethod: "password",
    ...patch,
  };
}

describe("verdict per mirror", () => {
  const cases: [string, RemoteMirror, PushMirrorDecl | undefined, "ok" | "warn" | "fail", RegExp | null][] = [
    ["finished recently", mirror({}), undefined, "ok", null],
    [
      "failed",
      mirror({ updateStatus: "failed", lastError: "push rejected" }),
      undefined,
      "fail",
      /update failed: push rejected/,
    ],
    [
      "finished with a last_error",
      mirror({ lastError: "some refs diverged" }),
      undefined,
      "fail",
      /last error: some refs diverged/,
    ],
    [
      "started 2h ago, stuck after 1h",
      mirror({ updateStatus: "started", lastUpdateStartedAt: ago(2 * HOUR) }),
      undefined,
      "fail",
      /stuck: started 2h ago/,
    ],
    [
      "started 10m ago",
      mirror({ updateStatus: "started", lastUpdateStartedAt: ago(600_000) }),
      undefined,
      "ok",
      null,
    ],
    [
      "stale beyond max_age",
      mirror({ lastSuccessfulUpdateAt: ago(30 * HOUR) }),
      undefined,
      "fail",
      /no success within 1d \(last 1d ago\)/,
    ],
    ["never succeeded", mirror({ lastSuccessfulUpdateAt: null }), undefined, "fail", /never succeeded/],
    [
      "to_retry",
      mirror({ updateStatus: "to_retry", lastError: "timeout" }),
      undefined,
      "warn",
      /GitLab is retrying: timeout/,
    ],
    ["disabled, declared enabled", mirror({ enabled: false }), decl({}), "fail", /declares it enabled/],
    ["disabled, not declared", mirror({ enabled: false }), undefined, "warn", /disabled/],
    ["disabled, declared disabled", mirror({ enabled: false }), decl({ enabled: false }), "ok", null],
  ];
  it.each(cases)("%s", (_name, input, declared, verdict, reason) => {
    const judged = judgeMirror(input, declared, OPTIONS);
    expect(judged.verdict).toBe(verdict);
    if (reason == null) expect(judged.reasons).toEqual([]);
    else expect(judged.reasons.join("; ")).toMatch(reason);
  });

  it("offers failed mirrors for a resync, but not stuck or disabled ones", () => {
    expect(
      judgeMirror(mirror({ updateStatus: "failed", lastError: "x" }), undefined, OPTIONS).resyncable,
    ).toBe(true);
    const stuck = mirror({ updateStatus: "started", lastUpdateStartedAt: ago(2 * HOUR) });
    expect(judgeMirror(stuck, undefined, OPTIONS).resyncable).toBe(false);
    expect(judgeMirror(mirror({ enabled: false }), decl({}), OPTIONS).resyncable).toBe(false);
  });

  it("formats ages coarsely", () => {
    expect(formatAge(ago(3 * HOUR + 5), NOW)).toBe("3h ago");
    expect(formatAge(ago(90_000), NOW)).toBe("1m ago");
    expect(formatAge(null, NOW)).toBe("never");
  });
});

describe("audit against the GitLab sandbox", () => {
  let gl: GitLabSandbox;
  let token: string;
  let shortToken: string;
  let dir: string;
  const ids: Record<string, number> = {};
  const now = (): number => Date.now();
  const date = (days: number): string => new Date(now() + days * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    gl = await startGitLabSandbox();
    dir = await mkdtemp(join(tmpdir(), "ci-mirror-audit-"));
    const bot = gl.addUser("bot");
    token = gl.addToken(bot, { scopes: ["api"], name: "audit-bot", expiresAt: date(300) });
    shortToken = gl.addToken(bot, { scopes: ["api"], name: "short-lived", expiresAt: date(5) });
    for (const name of ["healthy", "broken", "stuck", "retrying", "switched-off", "empty"]) {
      gl.addProject("fleet", name);
    }
    gl.addProject("fleet/sub", "deep");
    gl.addMember("fleet", "bot", 40);
    const add = (project: string, host: string, enabled = true): number => {
      const m = gl.addRemoteMirror(`fleet/${project}`, {
        url: `https://u:s3cret-pass@${host}/org/${project}.git`,
        enabled,
      });
      ids[project] = m.id;
      return m.id;
    };
    const recent = new Date(now() - HOUR);
    gl.setMirrorState("fleet/healthy", add("healthy", "a.example"), {
      updateStatus: "finished",
      lastSuccessfulUpdateAt: recent,
      lastUpdateStartedAt: recent,
    });
    gl.setMirrorState("fleet/broken", add("broken", "b.example"), {
      updateStatus: "failed",
      lastError: "fatal: Authentication failed for 'https://u:s3cret-pass@b.example/org/broken.git'",
      lastSuccessfulUpdateAt: new Date(now() - 72 * HOUR),
    });
    gl.setMirrorState("fleet/stuck", add("stuck", "c.example"), {
      updateStatus: "started",
      lastUpdateStartedAt: new Date(now() - 2 * HOUR),
      lastSuccessfulUpdateAt: recent,
    });
    gl.setMirrorState("fleet/retrying", add("retrying", "d.example"), {
      updateStatus: "to_retry",
      lastSuccessfulUpdateAt: recent,
    });
    add("switched-off", "e.example", false);
    gl.setMirrorState(
      "fleet/sub/deep",
      gl.addRemoteMirror("fleet/sub/deep", { url: "https://f.example/org/deep.git", enabled: true }).id,
      {
        updateStatus: "finished",
        lastSuccessfulUpdateAt: recent,
      },
    );
    // Pagination: more projects than one page holds.
    for (let i = 0; i < 105; i += 1) gl.addProject("many", `p${i}`);
    gl.addMember("many", "bot", 40);
  });

  afterAll(async () => {
    await gl.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The CLI, as a canary run: no form of a token or of the mirrors' password in what it prints. */
  async function auditCli(args: string[], world: Parameters<typeof runCli>[1]): Promise<CliRun> {
    const run = await runCli(args, world);
    expectNoCanary([token, shortToken, "s3cret-pass"], runTexts(args.join(" "), run), { users: ["u"] });
    return run;
  }

  async function writeMirrorsYml(lines: string[]): Promise<string> {
    const file = join(dir, "mirrors.yml");
    await writeFile(
      file,
      [`version: 1`, `gitlab:`, `  url: ${gl.url}`, `  token: AUDIT_TOKEN`, ...lines, ""].join("\n"),
    );
    return file;
  }

  it("audits a group through the real client, continuing past a missing project", async () => {
    const port = createGitLabClient({
      url: gl.url,
      token,
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    const report = await auditPushMirrors(
      port,
      {
        projects: ["fleet/empty", "fleet/nope"],
        groups: ["fleet"],
        pushMirrors: [decl({ project: "fleet/switched-off", url: "https://e.example/org/switched-off.git" })],
      },
      { now: new Date(), maxAgeMs: 24 * HOUR, stuckAfterMs: HOUR, resyncFailed: false, concurrency: 4 },
    );
    const verdicts = Object.fromEntries(report.projects.map((p) => [p.project, p.verdict]));
    expect(verdicts).toEqual({
      "fleet/broken": "fail",
      "fleet/empty": "warn",
      "fleet/healthy": "ok",
      "fleet/nope": "fail",
      "fleet/retrying": "warn",
      "fleet/stuck": "fail",
      "fleet/sub/deep": "ok",
      "fleet/switched-off": "fail",
    });
    expect(report.projects.find((p) => p.project === "fleet/nope")?.error).toMatchObject({
      code: "EGITLABNOTFOUND",
      message: expect.stringMatching(/not found/i) as unknown,
    });
    expect(report.projects.find((p) => p.project === "fleet/empty")?.notes).toEqual(["no push mirrors"]);
    expect(report.ok).toBe(false);
    expect(report.token.verdict).toBe("ok");
    expect(JSON.stringify(report)).not.toContain("s3cret-pass");
  });

  it("fails the job, lists every mirror, writes JUnit failures for exactly the failed ones and resyncs", async () => {
    const config = await writeMirrorsYml(["audit:", "  groups: [fleet]", "  projects: [fleet/empty]"]);
    const junit = join(dir, "audit.xml");
    const reportFile = join(dir, "audit.json");
    const before = gl.syncRequests.length;
    const run = await runCli(
      ["audit", "--config", config, "--junit", junit, "--report", reportFile, "--resync-failed"],
      { cwd: dir, env: { AUDIT_TOKEN: token } },
    );
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code).toBe(1);
    for (const project of ["healthy", "broken", "stuck", "retrying", "switched-off", "sub/deep"]) {
      expect(run.stdout).toContain(`fleet/${project}`);
    }
    expect(run.stdout).toMatch(
      /fleet\/broken\s+https:\/\/\*\*\*\*\*:\*\*\*\*\*@b\.example\/org\/broken\.git\s+failed\s+3d ago\s+FAIL/,
    );
    expect(run.stdout).toMatch(/fleet\/empty .*WARN\s+no push mirrors/);
    expect(run.stdout).toContain("resync requested");
    expect(run.stdout + run.stderr).not.toContain("s3cret-pass");
    const xml = await readFile(junit, "utf8");
    const failed = [...xml.matchAll(/<testcase classname="([^"]+)" name="[^"]*">\n\s*<failure/g)].map(
      (m) => m[1],
    );
    expect(failed.sort()).toEqual(["fleet/broken", "fleet/stuck"]);
    expect(xml).not.toContain("s3cret-pass");
    // Only the failed mirror is pushed again: GitLab ignores a sync of a `started` (stuck) one.
    const synced = gl.syncRequests.slice(before).map((request) => request.mirrorId);
    expect(synced).toEqual([ids.broken]);
    const report = JSON.parse(await readFile(reportFile, "utf8")) as {
      counts: { resynced: number; fail: number };
    };
    expect(report.counts).toMatchObject({ resynced: 1, fail: 2 });
    expectNoCanary(
      ["s3cret-pass", token],
      [...runTexts("audit", run), { where: "junit", text: xml }, ...(await filesUnder(dir))],
      { users: ["u"] },
    );
  });

  it("exits 0 on warnings only, and warns about a token expiring in 5 days", async () => {
    const config = await writeMirrorsYml(["audit:", "  projects: [fleet/healthy, fleet/retrying]"]);
    const run = await auditCli(["audit", "--config", config], { cwd: dir, env: { AUDIT_TOKEN: shortToken } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: API token "short-lived" expires on \d{4}-\d\d-\d\d \(in 5 days\)/);
    const json = await auditCli(["audit", "--config", config, "--json"], {
      cwd: dir,
      env: { AUDIT_TOKEN: shortToken },
    });
    const report = JSON.parse(json.stdout) as { token: { verdict: string; daysLeft: number }; ok: boolean };
    expect(report.token).toMatchObject({ verdict: "warn", daysLeft: 5 });
    expect(report.ok).toBe(true);
  });

  it("keeps the exit code when the webhook answers 500, and never prints its URL", async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    try {
      const config = await writeMirrorsYml(["audit:", "  projects: [fleet/broken]"]);
      const hook = `http://127.0.0.1:${port}/hooks/secret-hook-path`;
      const run = await auditCli(["audit", "--config", config, "--notify-webhook", "HOOK"], {
        cwd: dir,
        env: { AUDIT_TOKEN: token, HOOK: hook },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/warning: webhook not sent: the webhook answered 500/);
      expect(run.stdout + run.stderr).not.toContain("secret-hook-path");
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it("audits every project of a group larger than one page", async () => {
    const port = createGitLabClient({ url: gl.url, token });
    const report = await auditPushMirrors(
      port,
      { projects: [], groups: ["many"], pushMirrors: [] },
      { now: new Date(), maxAgeMs: 24 * HOUR, stuckAfterMs: HOUR, resyncFailed: false, concurrency: 8 },
    );
    expect(report.projects).toHaveLength(105);
    expect(report.ok).toBe(true);
  });

  it("exits 2 on a bad flag", async () => {
    const config = await writeMirrorsYml(["audit:", "  projects: [fleet/healthy]"]);
    const run = await auditCli(["audit", "--config", config, "--max-age", "soon"], {
      cwd: dir,
      env: { AUDIT_TOKEN: token },
    });
    expect(run.code).toBe(2);
  });
});
