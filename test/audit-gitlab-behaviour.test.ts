/**
 * The audit against GitLab as it really behaves (all through the real client and the sandbox):
 * projects shared into an audited group, a resync that GitLab only enqueues, and stuck mirrors
 * that GitLab marks failed with `last_update_at: now`.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer } from "./helpers/sandbox.ts";
import type { GitServer } from "./helpers/sandbox.ts";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox, ManualClock } from "./helpers/sandbox.ts";
import { HERMETIC_GIT_ENV } from "./helpers/sandbox.ts";
import { runCli } from "./helpers/cli.ts";

const run = promisify(execFile);
const HOUR = 3_600_000;
const TARGET_TOKEN = "audit-target-token-1234";

let gl: GitLabSandbox;
let clock: ManualClock;
let target: GitServer;
let token: string;
let dir: string;

beforeAll(async () => {
  clock = manualClock();
  gl = await startGitLabSandbox({ clock, allowLocalRequests: true });
  target = await startGitServer({ tokens: { [TARGET_TOKEN]: "write" } });
  dir = await mkdtemp(join(tmpdir(), "audit-behaviour-"));
  const bot = gl.addUser("bot");
  token = gl.addToken(bot, { scopes: ["api"], name: "audit-bot" });
  gl.addGroup("apps");
  gl.addMember("apps", "bot", 40);
  // A project of another group, shared into apps with Developer access: the bot sees it, but
  // cannot manage its mirrors (GitLab answers 401 on the mirror routes).
  gl.addProject("elsewhere", "lib");
  gl.shareProject("elsewhere/lib", "apps", 30);
});

afterAll(async () => {
  await gl.close();
  await target.close();
  await rm(dir, { recursive: true, force: true });
});

async function audit(auditSection: string[], ...flags: string[]) {
  await writeFile(
    join(dir, "mirrors.yml"),
    ["version: 1", "gitlab:", `  url: ${gl.url}`, "audit:", ...auditSection, ""].join("\n"),
  );
  return runCli(["audit", "--json", ...flags], { cwd: dir, env: { GITLAB_TOKEN: token } });
}

interface Report {
  ok: boolean;
  projects: {
    project: string;
    verdict: string;
    notes: string[];
    mirrors: { verdict: string; reasons: string[]; resync?: { requested: boolean } }[];
  }[];
}

function withAuth(url: string): string {
  const parsed = new URL(url);
  parsed.username = "oauth2";
  parsed.password = TARGET_TOKEN;
  return parsed.toString();
}

describe("projects shared into an audited group", () => {
  it("are left out by default: GitLab's with_shared is not the group's own projects", async () => {
    gl.addProject("apps", "web");
    const result = await audit(["  groups: [apps]"]);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.projects.map((p) => p.project)).not.toContain("elsewhere/lib");
    expect(result.code).toBe(0);
  });

  it("with include_shared: one line for a project the token cannot manage, not a failed group", async () => {
    const result = await audit(["  groups: [apps]", "  include_shared: true"]);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.projects.find((p) => p.project === "elsewhere/lib")).toMatchObject({
      verdict: "warn",
      notes: ["not audited: the token cannot manage this project's push mirrors (it needs Maintainer)"],
    });
    expect(result.code).toBe(0);
    const table = await audit(["  groups: [apps]", "  include_shared: true"]).then(() =>
      runCli(["audit"], { cwd: dir, env: { GITLAB_TOKEN: token } }),
    );
    expect(table.stdout.split("\n").filter((line) => line.includes("elsewhere/lib"))).toHaveLength(1);
  });
});

describe("audit --resync-failed and GitLab's asynchronous updates", () => {
  it("says resync requested, claims nothing more, and judges the mirror on the next run", async () => {
    gl.addProject("apps", "svc");
    await gl.commitFiles("apps/svc", "main", { "a.txt": "a\n" });
    await target.createRepo("copies/svc");
    const mirror = gl.addRemoteMirror("apps/svc", {
      url: withAuth(target.repoUrl("copies/svc")),
      enabled: true,
    });
    gl.setMirrorState("apps/svc", mirror.id, {
      updateStatus: "failed",
      lastError: "push to mirror: git push: exit status 128",
      lastUpdateAt: new Date(clock.now().getTime() - 2 * HOUR),
      lastUpdateStartedAt: new Date(clock.now().getTime() - 2 * HOUR),
    });
    const first = await audit(["  projects: [apps/svc]"], "--resync-failed");
    expect(first.code).toBe(1);
    const entry = (JSON.parse(first.stdout) as Report).projects.find((p) => p.project === "apps/svc");
    expect(entry?.mirrors[0]).toMatchObject({ verdict: "fail", resync: { requested: true } });
    // GitLab only enqueued the update: nothing has run when the audit is over.
    expect(gl.readMirror("apps/svc", mirror.id).updateStatus).toBe("failed");

    const table = await runCli(["audit", "--resync-failed"], { cwd: dir, env: { GITLAB_TOKEN: token } });
    expect(table.stdout).toContain(
      "resync requested (GitLab pushes in the background; the next audit judges the result)",
    );
    await gl.waitForMirror("apps/svc", mirror.id);
    const next = await audit(["  projects: [apps/svc]"]);
    expect(next.code).toBe(0);
  });
});

describe("stuck mirrors", () => {
  it("GitLab marks them failed with last_update_at: now; the audit calls them stuck", async () => {
    gl.addProject("apps", "stuck");
    await gl.commitFiles("apps/stuck", "main", { "a.txt": "a\n" });
    await target.createRepo("copies/stuck");
    const mirror = gl.addRemoteMirror("apps/stuck", {
      url: withAuth(target.repoUrl("copies/stuck")),
      enabled: true,
    });
    const at = clock.now().getTime();
    gl.setMirrorState("apps/stuck", mirror.id, {
      updateStatus: "started",
      lastUpdateStartedAt: new Date(at - 2 * HOUR),
      lastUpdateAt: new Date(at - 3 * HOUR),
      lastSuccessfulUpdateAt: new Date(at - 3 * HOUR),
    });
    // A push to the project: post-receive marks stuck mirrors failed before syncing them.
    const work = await mkdtemp(join(dir, "work-"));
    const git = (...args: string[]) =>
      run("git", args, { cwd: work, env: { ...process.env, ...HERMETIC_GIT_ENV } });
    await git("init", "--quiet", "-b", "topic");
    await git(
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.com",
      "commit",
      "--quiet",
      "--allow-empty",
      "-m",
      "x",
    );
    const url = new URL(`${gl.url}/apps/stuck.git`);
    url.username = "bot";
    url.password = token;
    await git("push", "--quiet", url.toString(), "HEAD:refs/heads/topic");

    // Post-receive work runs once the push has been answered, as in GitLab (Sidekiq).
    await expect.poll(() => gl.readMirror("apps/stuck", mirror.id).updateStatus).toBe("failed");
    const marked = gl.readMirror("apps/stuck", mirror.id);
    expect(marked).toMatchObject({
      updateStatus: "failed",
      lastError: "The remote mirror took to long to complete.",
      lastUpdateAt: clock.now(),
    });
    const result = await audit(["  projects: [apps/stuck]"]);
    const reasons = (JSON.parse(result.stdout) as Report).projects[0]?.mirrors[0]?.reasons ?? [];
    expect(result.code).toBe(1);
    expect(reasons[0]).toMatch(/^stuck: GitLab gave up on an update that ran too long/);
  });
});
