import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer, type GitServer } from "./helpers/sandbox.ts";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { expectNoCanary, filesUnder, runTexts } from "./helpers/canary.ts";
import { runCli, writeConfig, type CliRun } from "./helpers/cli.ts";
import { buildRepo, tempDir } from "./helpers/fixtures.ts";

// Shorter than GitLab's masking minimum of 8 characters, and a substring of ordinary output
// ("b4" would be garbled in `refs/heads/b4` by a 2-character secret; this one by a ref name).
const SHORT = "ead-1";
const GOOD = "upstream-secret-51d0c2";

let gl: GitLabSandbox;
let apiToken: string;
let dir: string;

beforeAll(async () => {
  gl = await startGitLabSandbox();
  const maint = gl.addUser("maint");
  gl.addProject("acme", "app");
  gl.addMember("acme", "maint", 40);
  apiToken = gl.addToken(maint, { scopes: ["api"] });
  dir = (await tempDir("secret-input")).path;
  await writeFile(
    join(dir, "mirrors.yml"),
    [
      "version: 1",
      "gitlab:",
      `  url: ${gl.url}`,
      "audit:",
      "  projects: [acme/app]",
      "push_mirrors:",
      "  - project: acme/app",
      "    url: https://github.example.com/org/app.git",
      "    token: PUSH_TOKEN",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  await gl.close();
});

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runCli(args, { cwd: dir, env: { GITLAB_TOKEN: apiToken, PUSH_TOKEN: "push-token-8c1f0e", ...env } });

/** A usage error (exit 2) that says `words` and never repeats `value`, in any form. */
function expectRefusedWithout(run: CliRun, words: string | RegExp, value: string): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(words);
  expectNoCanary(value, runTexts("run", run));
}

describe("a secret pasted into a flag that takes a variable NAME", () => {
  const PASTED_TOKEN = "glpat-Zx81kQ2mN4pR7sT0vW3y";
  const PASTED_HOOK = "https://hooks.slack.com/services/T0001/B0002/XyZsecretPart123";

  it("--token-var is refused without the value", async () => {
    const run = await cli([
      "push-mirrors",
      "create",
      "--project",
      "acme/app",
      "--url",
      "https://github.example.com/org/app.git",
      "--token-var",
      PASTED_TOKEN,
    ]);

    expectRefusedWithout(
      run,
      /error EUSAGE: --token-var: expected the NAME of a CI\/CD variable, not its value/,
      PASTED_TOKEN,
    );
    expect(gl.requests.filter((request) => request.method === "POST")).toEqual([]);
  });

  it("--notify-webhook is refused without the value, before anything runs", async () => {
    const before = gl.requests.length;

    const run = await cli(["audit", "--notify-webhook", PASTED_HOOK]);

    expectRefusedWithout(
      run,
      /error EUSAGE: --notify-webhook: expected the NAME of a CI\/CD variable/,
      PASTED_HOOK,
    );
    expectNoCanary("XyZsecretPart123", runTexts("audit", run));
    expect(gl.requests.length).toBe(before);
  });

  it("`$NAME` gets the config's hint, and an empty value means the flag is not given", async () => {
    const dollar = await cli(["audit", "--notify-webhook", "$SLACK_HOOK"]);
    expect(dollar.code).toBe(2);
    expect(dollar.stderr).toMatch(/--notify-webhook: write the variable name without `\$`: `SLACK_HOOK`/);

    // The audit component passes the flag empty when its input is empty.
    const empty = await cli(["audit", "--notify-webhook", ""]);
    expect(empty.stderr).not.toContain("EUSAGE");
    expect(empty.stdout).toContain("acme/app");
  });

  it("--gitlab-url holding a token is refused without echoing it", async () => {
    const run = await cli(["push-mirrors", "list", "--project", "acme/app", "--gitlab-url", PASTED_TOKEN]);

    expectRefusedWithout(
      run,
      /error EGITLABCONFIG: the GitLab URL is not a URL \(not shown: it looks like a token\)/,
      PASTED_TOKEN,
    );
  });
});

describe("a credential shorter than GitLab's masking minimum (8 characters)", () => {
  let git: GitServer;
  beforeAll(async () => {
    // The server accepts the short token: only ci-mirror's own rule stops it.
    git = await startGitServer({ tokens: { [SHORT]: "read", [GOOD]: "write" } });
  });
  afterAll(async () => {
    await git.close();
  });

  it("sync refuses it, naming the variable and not the value, and never sends it", async () => {
    await buildRepo(await git.createRepo("up/short"), { commits: 2, branches: 2 });
    await git.createRepo("mirror/short");
    const { path: ws } = await tempDir("short");
    await writeConfig(ws, [
      { name: "short", source: git.repoUrl("up/short"), target: git.repoUrl("mirror/short") },
    ]);

    const run = await runCli(["sync", "--all", "--report", "report.json"], {
      cwd: ws,
      env: { UPSTREAM_TOKEN: SHORT, TARGET_TOKEN: GOOD },
    });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "error ESECRETSHORT: variable UPSTREAM_TOKEN holds a credential shorter than 8 characters",
    );
    expect(run.stdout + run.stderr).not.toContain("[MASKED]");
    const sentShort = git.requests.some(
      (request) => request.authorization === `Basic ${Buffer.from(`oauth2:${SHORT}`).toString("base64")}`,
    );
    expect(sentShort).toBe(false);
    const report = await readFile(join(ws, "report.json"), "utf8");
    expect(report).toContain("ESECRETSHORT");
    expect(report).not.toContain(`"${SHORT}"`);
    expectNoCanary(GOOD, [...runTexts("sync", run), ...(await filesUnder(ws))]);
  });

  it("audit refuses a short GitLab token before any request", async () => {
    const before = gl.requests.length;

    const run = await cli(["audit"], { GITLAB_TOKEN: SHORT });

    expectRefusedWithout(
      run,
      "error ESECRETSHORT: variable GITLAB_TOKEN holds a credential shorter than 8 characters",
      SHORT,
    );
    expect(gl.requests.length).toBe(before);
  });

  it("push-mirrors refuses a short mirror token, from --token-var or from push_mirrors:", async () => {
    const create = await cli(
      [
        "push-mirrors",
        "create",
        "-p",
        "acme/app",
        "--url",
        "https://github.example.com/org/x.git",
        "--token-var",
        "SHORTY",
      ],
      { SHORTY: SHORT },
    );
    expectRefusedWithout(
      create,
      "error ESECRETSHORT: variable SHORTY holds a credential shorter than 8 characters",
      SHORT,
    );

    const apply = await cli(["push-mirrors", "apply"], { PUSH_TOKEN: SHORT });
    expectRefusedWithout(
      apply,
      "error ESECRETSHORT: variable PUSH_TOKEN holds a credential shorter than 8 characters",
      SHORT,
    );
    expect(gl.requests.filter((request) => request.method === "POST")).toEqual([]);
  });
});
