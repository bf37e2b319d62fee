import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ToolError } from "../src/errors/tool-error.ts";
import { createGitLabClient } from "../src/gitlab/client.ts";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { expectNoCanary, filesUnder, runTexts } from "./helpers/canary.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

const FAST = { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 };

async function rejection(promise: Promise<unknown>): Promise<ToolError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ToolError)) throw new Error(`expected a ToolError, got ${String(error)}`);
  return error;
}

/**
 * What a server says about a listing's size must not decide what the client allocates or how
 * many requests it sends, and a listing it fails to deliver must not pass as an empty one.
 */
describe("a GitLab whose pagination headers lie", () => {
  let gl: GitLabSandbox;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    gl = await startGitLabSandbox();
    const bot = gl.addUser("bot");
    token = gl.addToken(bot, { scopes: ["api"] });
    for (const group of ["liar", "hollow", "fleet", "wide"]) gl.addGroup(group);
    gl.addProject("fleet", "app");
    const mirror = gl.addRemoteMirror("fleet/app", {
      url: "https://github.example/org/app.git",
      enabled: true,
    });
    const recent = new Date(Date.now() - 60_000);
    gl.setMirrorState("fleet/app", mirror.id, {
      updateStatus: "finished",
      lastSuccessfulUpdateAt: recent,
      lastUpdateStartedAt: recent,
    });
    for (let i = 0; i < 420; i += 1) gl.addProject("wide", `w${i}`);
    for (const group of ["liar", "hollow", "fleet", "wide"]) gl.addMember(group, "bot", 40);
    dir = (await tempDir("pages")).path;
  });
  afterEach(() => {
    gl.clearHostile();
  });
  afterAll(async () => {
    await gl.close();
  });

  const client = (maxPages?: number) =>
    createGitLabClient({ url: gl.url, token, retry: FAST, ...(maxPages == null ? {} : { maxPages }) });

  it("an absurd x-total-pages fails that group in one line; the audit reports, notifies and exits 1", async () => {
    gl.injectHostile({ pathPattern: /\/groups\/liar\/projects$/, headers: { "x-total-pages": "20000000" } });
    // An empty group that claims 250 projects on 3 pages.
    gl.injectHostile({
      pathPattern: /\/groups\/hollow\/projects$/,
      headers: { "x-total": "250", "x-total-pages": "3" },
    });
    const hook = await recorder();
    await writeFile(
      join(dir, "mirrors.yml"),
      `version: 1\ngitlab:\n  url: ${gl.url}\naudit:\n  groups: [liar, hollow, fleet]\n`,
    );
    const before = gl.requests.length;

    const run = await runCli(["audit", "--report", "audit.json", "--notify-webhook", "HOOK"], {
      cwd: dir,
      env: { GITLAB_TOKEN: token, HOOK: hook.url },
    });
    await hook.close();

    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/heap|internal error/i);
    const host = new URL(gl.url).host;
    expect(run.stdout).toMatch(/group liar\s+-\s+-\s+-\s+FAIL\s+EGITLABPAGES: (\S+) claimed 20000000 pages/);
    expect(run.stdout).toContain(
      `${host} claimed 20000000 pages (at most 100 for 10,000 rows, where GitLab stops counting) while listing the projects of group liar`,
    );
    expect(run.stdout).toMatch(/group hollow .*FAIL .*claimed 3 pages, but page 1 was empty/);
    expect(run.stdout).toMatch(/fleet\/app .*OK/);
    const report = JSON.parse(await readFile(join(dir, "audit.json"), "utf8")) as {
      ok: boolean;
      counts: { fail: number; ok: number };
    };
    expect(report).toMatchObject({ ok: false, counts: { fail: 2, ok: 1 } });
    expect(hook.bodies).toHaveLength(1);
    // Page 1 of each liar, pages 1-3 of the hollow group, and the rest of the audit: bounded.
    expect(gl.requests.length - before).toBeLessThan(20);
    expectNoCanary(token, [...runTexts("audit", run), ...(await filesUnder(dir))]);
  });

  it("pages that name a next page forever are refused at the first empty one", async () => {
    gl.injectHostile({
      pathPattern: /\/groups\/hollow\/projects$/,
      headers: (query) => {
        const page = Number(query.get("page") ?? "1");
        const next = `${gl.url}/api/v4/groups/hollow/projects?page=${page + 1}&per_page=100`;
        return {
          "x-total": "",
          "x-total-pages": "",
          "x-next-page": String(page + 1),
          link: `<${next}>; rel="next"`,
        };
      },
    });

    const error = await rejection(client().listGroupProjects("hollow"));

    expect(error.code).toBe("EGITLABPAGES");
    expect(error.message).toContain("sent an empty page 1 that names a next page");
  });

  it("a next page that does not move on is refused", async () => {
    gl.injectHostile({
      pathPattern: /\/groups\/wide\/projects$/,
      headers: { "x-total": "", "x-total-pages": "", "x-next-page": "1" },
    });

    const error = await rejection(client().listGroupProjects("wide"));

    expect(error.message).toContain("named page 1 as the one after page 1");
  });

  it("more pages than the client reads is an error, not a silently shortened list", async () => {
    // Uncounted, as GitLab answers above 10,000 rows: the pages are followed one by one.
    gl.injectHostile({
      pathPattern: /\/groups\/wide\/projects$/,
      headers: { "x-total": "", "x-total-pages": "" },
    });

    const error = await rejection(client(3).listGroupProjects("wide"));

    expect(error.message).toContain("had more than 3 pages (300 rows), more than ci-mirror reads");
    expect(await client(5).listGroupProjects("wide")).toHaveLength(420);
  });
});

describe("a response body larger than the client reads", () => {
  it("is refused, whether the server says so up front or just streams it", async () => {
    const huge = 33 * 1024 * 1024;
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.includes("declared") === true) {
        res.setHeader("content-length", String(10 * 1024 ** 3));
        res.write("[");
        return;
      }
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      res.write("[");
      for (let sent = 0; sent < huge; sent += chunk.length) res.write(chunk);
      res.end("]");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const api = createGitLabClient({ url, token: "glpat-body-size-test", retry: FAST });
      for (const project of ["streamed", "declared"]) {
        const error = await rejection(api.getProject(project));
        expect(error.message).toMatch(
          /sent more than 32 MiB for \/api\/v4\/projects\/\w+; ci-mirror reads no API response that large/,
        );
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

async function recorder(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
