import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { expectNoCanary, runTexts, type ScannedText } from "./helpers/canary.ts";
import { runCli, type CliRun } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

const MIRROR_TOKEN = "push-credential-3e8a77";

/** A second origin that records everything it is sent, and answers 200 to all of it. */
interface Recorder {
  url: string;
  received: { method: string; path: string; headers: IncomingMessage["headers"]; body: string }[];
  texts(): ScannedText[];
  close(): Promise<void>;
}

async function recorder(): Promise<Recorder> {
  const received: Recorder["received"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.setHeader("content-type", "application/json");
      res.end("[]");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    texts: () =>
      received.map((request, index) => ({
        where: `request ${index} to the other origin`,
        text: `${request.method} ${request.path}\n${JSON.stringify(request.headers)}\n${request.body}`,
      })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * GitLab's API does not redirect API calls. A redirect is a moved instance, a proxy or an attacker,
 * and fetch, when it follows one across origins, drops `Authorization` but keeps `PRIVATE-TOKEN`
 * and, on a 307/308, the body: the API token and a push mirror's credential would go along.
 */
describe("the GitLab API answers with a redirect", () => {
  let gl: GitLabSandbox;
  let other: Recorder;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    gl = await startGitLabSandbox();
    const maint = gl.addUser("maint");
    gl.addProject("acme", "app");
    gl.addMember("acme", "maint", 40);
    token = gl.addToken(maint, { scopes: ["api"] });
    other = await recorder();
    dir = (await tempDir("redirects")).path;
    await writeFile(
      join(dir, "mirrors.yml"),
      `version: 1\ngitlab:\n  url: ${gl.url}\naudit:\n  projects: [acme/app]\n`,
    );
  });
  afterEach(() => {
    gl.clearHostile();
    other.received.length = 0;
  });
  afterAll(async () => {
    await other.close();
    await gl.close();
  });

  const cli = (...args: string[]): Promise<CliRun> =>
    runCli(args, { cwd: dir, env: { GITLAB_TOKEN: token, MIRROR_TOKEN } });

  it("a 302 on a GET is an error naming where it pointed; the other origin receives nothing", async () => {
    gl.injectHostile({
      method: "GET",
      pathPattern: /remote_mirrors$/,
      redirect: { status: 302, location: `${other.url}/api/v4/projects/1/remote_mirrors?page=1` },
    });
    const before = gl.requests.length;

    const run = await cli("push-mirrors", "list", "--project", "acme/app");

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error EGITLABREDIRECT: ${new URL(gl.url).host} answered GET /api/v4/projects/acme%2Fapp/remote_mirrors with a redirect (302) to ${other.url}/api/v4/projects/1/remote_mirrors`,
    );
    expect(run.stderr).not.toContain("?page=1");
    expect(other.received).toEqual([]);
    // Not retried either: one request, and the error.
    expect(gl.requests.length - before).toBe(1);
    expectNoCanary(token, runTexts("list", run));
  });

  it("a 307 on the POST that creates a mirror sends neither the token nor the credential on", async () => {
    gl.injectHostile({
      method: "POST",
      pathPattern: /remote_mirrors$/,
      redirect: { status: 307, location: `${other.url}/collect` },
    });

    const run = await cli(
      "push-mirrors",
      "create",
      "--project",
      "acme/app",
      "--url",
      "https://github.example.com/org/app.git",
      "--token-var",
      "MIRROR_TOKEN",
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`with a redirect (307) to ${other.url}/collect`);
    expect(other.received).toEqual([]);
    expectNoCanary([token, MIRROR_TOKEN], [...runTexts("create", run), ...other.texts()]);
  });

  it("a same-origin redirect is refused too, and audit fails that project in one line", async () => {
    gl.injectHostile({
      method: "GET",
      pathPattern: /\/projects\/acme%2Fapp$/,
      redirect: { status: 301, location: `${gl.url}/api/v4/projects/999` },
    });

    const run = await cli("audit", "--json");

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      projects: { project: string; error?: { code: string; message: string } }[];
    };
    expect(report.projects.map((project) => project.project)).toEqual(["acme/app"]);
    expect(report.projects[0]?.error?.code).toBe("EGITLABREDIRECT");
    expect(report.projects[0]?.error?.message).toMatch(
      /with a redirect \(301\) to http:\/\/127\.0\.0\.1:\d+\/api\/v4\/projects\/999;/,
    );
    expect(gl.requests.some((request) => request.path === "/api/v4/projects/999")).toBe(false);
  });

  it("names a redirect's target without its credentials or query", async () => {
    const where = new URL(other.url);
    gl.injectHostile({
      method: "GET",
      redirect: {
        status: 302,
        location: `http://joe:hunter2-pass@${where.host}/x?private_token=${token}#frag`,
      },
    });

    const run = await cli("push-mirrors", "list", "--project", "acme/app");

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`to http://${where.host}/x;`);
    expect(run.stderr).not.toMatch(/hunter2|private_token|frag/);
    expect(other.received).toEqual([]);
    expectNoCanary(token, runTexts("list", run));
  });
});
