import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirrorUrlWithCredentials } from "../src/gitlab/mirror-url.ts";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { expectNoCanary, filesUnder, runTexts, type ScannedText } from "./helpers/canary.ts";
import { runCli, type CliRun } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

// A push-mirror credential with every character an escaper rewrites (JSON: `"` `\` control
// characters; XML: `&` `<` `>` `"`), and one other secret the config names but this run never uses.
const PUSH = 'pm"tok\\&<en>\u0002-7e1f';
const UNUSED_SOURCE = "src-secret-never-used-5b9";

/**
 * A push mirror whose `last_error` quotes the credential it pushes with (a remote's refusal can
 * carry it, raw): every command that shows mirrors must mask it, in every output and encoding.
 */
describe("a push mirror whose last_error echoes its token", () => {
  let gl: GitLabSandbox;
  let apiToken: string;
  let dir: string;
  let hook: { url: string; bodies: string[]; close(): Promise<void> };

  beforeAll(async () => {
    gl = await startGitLabSandbox();
    const bot = gl.addUser("bot");
    apiToken = gl.addToken(bot, { scopes: ["api"] });
    gl.addProject("fleet", "app");
    gl.addMember("fleet", "bot", 40);
    const url = mirrorUrlWithCredentials("https://github.example/org/app.git", "oauth2", PUSH);
    const mirror = gl.addRemoteMirror("fleet/app", { url, enabled: true });
    gl.setMirrorState("fleet/app", mirror.id, {
      updateStatus: "failed",
      lastError: `remote: credential ${PUSH} was revoked\nfatal: push failed`,
    });
    dir = (await tempDir("gl-echo")).path;
    await writeFile(
      join(dir, "mirrors.yml"),
      [
        "version: 1",
        "gitlab:",
        `  url: ${gl.url}`,
        "mirrors:",
        "  - name: tool",
        "    source: https://git.example.org/team/tool.git",
        "    source_token: SOURCE_TOKEN",
        "    target: { url: https://gitlab.example.com/mirror/tool.git, token: TARGET_TOKEN }",
        "push_mirrors:",
        "  - project: fleet/app",
        "    url: https://github.example/org/app.git",
        "    token: PUSH_TOKEN",
        "",
      ].join("\n"),
    );
    hook = await recordingServer();
  });

  afterAll(async () => {
    await hook.close();
    await gl.close();
  });

  const env = (): Record<string, string> => ({
    GITLAB_TOKEN: apiToken,
    PUSH_TOKEN: PUSH,
    SOURCE_TOKEN: UNUSED_SOURCE,
    HOOK_URL: hook.url,
  });

  it("is masked by audit: table, JSON, report, JUnit and the webhook's body", async () => {
    const table = await runCli(["audit", "--notify-webhook", "HOOK_URL"], { cwd: dir, env: env() });
    const json = await runCli(["audit", "--json", "--report", "audit.json", "--junit", "audit.xml"], {
      cwd: dir,
      env: env(),
    });

    expect(table.code).toBe(1);
    expect(json.code).toBe(1);
    expect(table.stdout).toContain("credential [MASKED] was revoked");
    expect(json.stdout).toContain("credential [MASKED] was revoked");
    expect(await readFile(join(dir, "audit.xml"), "utf8")).toContain("credential [MASKED] was revoked");
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toContain("credential [MASKED] was revoked");
    expectNoCanary(
      [PUSH, apiToken, UNUSED_SOURCE],
      [
        ...runTexts("audit", table),
        ...runTexts("audit --json", json),
        ...(await filesUnder(dir)),
        ...hook.bodies.map((text) => ({ where: "webhook body", text })),
      ],
    );
  });

  it("is masked by push-mirrors list, show and apply, as text and as JSON", async () => {
    const runs: ScannedText[] = [];
    const run = async (...args: string[]): Promise<CliRun> => {
      const result = await runCli(["push-mirrors", ...args, "--config", "mirrors.yml"], {
        cwd: dir,
        env: env(),
      });
      runs.push(...runTexts(args.join(" "), result));
      return result;
    };
    const list = await run("list", "--project", "fleet/app");
    const listJson = await run("list", "--project", "fleet/app", "--json");
    const id = (JSON.parse(listJson.stdout) as { id: number }[])[0]?.id;
    await run("show", "--project", "fleet/app", "--id", String(id));
    await run("show", "--project", "fleet/app", "--id", String(id), "--json");
    await run("apply", "--dry-run", "--json");

    expect(list.code).toBe(0);
    expect(list.stdout).toContain("credential [MASKED] was revoked");
    expect(listJson.stdout).toContain("credential [MASKED] was revoked");
    expectNoCanary([PUSH, apiToken, UNUSED_SOURCE], runs);
  });

  it("is masked by push-mirrors list without a config file, CI_JOB_TOKEN and the SMTP password too", async () => {
    // With no mirrors.yml, the secrets that come from fixed variables are still registered.
    const job = "job-token-echoed-3c8e1a";
    const smtp = "smtp-password-echoed-9d27";
    gl.addProject("fleet", "lone");
    const mirror = gl.addRemoteMirror("fleet/lone", {
      url: "https://github.example/org/lone.git",
      enabled: true,
    });
    gl.setMirrorState("fleet/lone", mirror.id, {
      updateStatus: "failed",
      lastError: `remote: ${job} and ${smtp} were refused`,
    });
    const { path: empty } = await tempDir("gl-echo-noconfig");
    const args = ["push-mirrors", "list", "--project", "fleet/lone", "--gitlab-url", gl.url];

    const text = await runCli(args, {
      cwd: empty,
      env: { GITLAB_TOKEN: apiToken, CI_JOB_TOKEN: job, CI_MIRROR_SMTP_PASSWORD: smtp },
    });
    const json = await runCli([...args, "--json"], {
      cwd: empty,
      env: { GITLAB_TOKEN: apiToken, CI_JOB_TOKEN: job, CI_MIRROR_SMTP_PASSWORD: smtp },
    });

    expect(text.code).toBe(0);
    expect(text.stdout).toContain("remote: [MASKED] and [MASKED] were refused");
    expect(json.stdout).toContain("remote: [MASKED] and [MASKED] were refused");
    expectNoCanary([job, smtp, apiToken], [...runTexts("list", text), ...runTexts("list --json", json)]);
  });
});

async function recordingServer(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      bodies.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000-secret-path`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
