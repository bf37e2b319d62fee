/**
 * What `push-mirrors create` and `apply` say when GitLab refuses a mirror: one plain line naming
 * the mirror, GitLab's reason, and the fix, with exit code 1. Driven through the real client
 * against the sandbox, which refuses what GitLab refuses (see gitlab-spec-*.test.ts).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";
import { runCli } from "./helpers/cli.ts";

let gl: GitLabSandbox;
let token: string;
let dir: string;

beforeAll(async () => {
  gl = await startGitLabSandbox({
    clock: manualClock(),
    // A public-looking name whose address is on the local network, as a split-horizon DNS gives.
    resolveHost: (host) =>
      Promise.resolve(host === "git.internal.example.com" ? ["10.20.30.40"] : ["93.184.216.34"]),
  });
  const maint = gl.addUser("maint");
  gl.addProject("acme", "app");
  gl.addProject("acme", "full");
  gl.addMember("acme", "maint", 40);
  token = gl.addToken(maint, { scopes: ["api"] });
  dir = await mkdtemp(join(tmpdir(), "refusals-"));
});

afterAll(async () => {
  await gl.close();
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runCli(["push-mirrors", ...args], { cwd: dir, env: { CI_SERVER_URL: gl.url, GITLAB_TOKEN: token } });
}

describe("push-mirrors create: GitLab's refusals in one line", () => {
  it.each([
    [
      "a mirror to the project's own repository",
      ["--url", "OWN"],
      "GitLab refused it: You cannot mirror a repository to itself.",
      "fix: Point the mirror at another repository",
    ],
    [
      "a branch regex that is not RE2",
      ["--url", "https://github.example.com/org/re2.git", "--mirror-branch-regex", "^(?!wip/)"],
      "GitLab refused it: mirror_branch_regex not valid RE2 syntax: invalid perl operator: (?!",
      "fix: GitLab matches branch names with RE2",
    ],
    [
      "a host that resolves to a local address",
      ["--url", "https://git.internal.example.com/org/app.git"],
      "GitLab refused it: url is blocked: Requests to the local network are not allowed",
      "fix: The host is, or resolves to, a local address",
    ],
  ])("%s", async (_case, args, reason, fix) => {
    const own = `${gl.url}/acme/app.git`;
    const run = await cli(["create", "-p", "acme/app", ...args.map((a) => (a === "OWN" ? own : a))]);
    expect(run.code).toBe(1);
    const url = args[1] === "OWN" ? own : args[1];
    expect(run.stderr).toContain(
      `error EGITLABREFUSED: push mirror ${url ?? ""} of acme/app: GitLab refused it:`,
    );
    expect(run.stderr).toContain(reason.replace("GitLab refused it: ", ""));
    expect(run.stderr).toContain(fix);
    expect(run.stderr.trim().split("\n")).toHaveLength(2);
  });
});

describe("push-mirrors apply: GitLab's refusals in one line", () => {
  it("enabling an 11th mirror: names the mirror and the limit, exits 1", async () => {
    for (let i = 0; i < 10; i += 1) {
      gl.addRemoteMirror("acme/full", { url: `https://h${i}.example.com/x.git`, enabled: true });
    }
    gl.addRemoteMirror("acme/full", { url: "https://github.example.com/org/off.git", enabled: false });
    await writeFile(
      join(dir, "mirrors.yml"),
      [
        "version: 1",
        "push_mirrors:",
        ...Array.from(
          { length: 10 },
          (_, i) => `  - { project: acme/full, url: 'https://h${i}.example.com/x.git' }`,
        ),
        "  - { project: acme/full, url: 'https://github.example.com/org/off.git' }",
        "",
      ].join("\n"),
    );
    const run = await cli(["apply"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "error EGITLABREFUSED: push mirror https://github.example.com/org/off.git of acme/full: GitLab refused it: Maximum number of push mirrors (10) exceeded for this project. (fix: GitLab allows 10 enabled push mirrors per project",
    );
  });
});
