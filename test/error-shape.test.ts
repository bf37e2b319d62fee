/**
 * One shape for an error in every output: `{ code, message, fix }`, the code one of the catalog's,
 * in the sync's `--report` JSON, the `push-mirrors apply --json` output, the audit's `--json` and
 * `--report`, and as the `type` of every JUnit failure. Read from the files and streams a user
 * gets, not from the functions that build them.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS } from "../src/errors/catalog.ts";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";
import { uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const HOUR = 3_600_000;

/** An error as every output gives one: exactly these keys (and git's `detail` in the sync report). */
function expectErrorShape(value: unknown, extraKeys: readonly string[] = []): void {
  expect(value).toBeTypeOf("object");
  const error = value as Record<string, unknown>;
  expect(
    Object.keys(error)
      .filter((key) => !extraKeys.includes(key))
      .sort(),
  ).toEqual(["code", "fix", "message"]);
  expect(Object.keys(ERRORS)).toContain(error.code);
  expect(error.message).toBeTypeOf("string");
  expect(error.message).not.toBe("");
  expect(error.fix).toBeTypeOf("string");
  expect(error.fix).not.toBe("");
}

/** The `type` of every `<failure>` and `<error>` of a JUnit document. */
function junitTypes(xml: string): string[] {
  return [...xml.matchAll(/<(?:failure|error) message="[^"]*" type="([^"]*)"/g)].map((m) => m[1] ?? "");
}

describe("sync", () => {
  const server = useGitServer();

  it("a failed mirror's error in --report is { code, message, fix }, and its JUnit failure's type is the code", async () => {
    const name = uniqueName("shape");
    const { path } = await tempDir("gone");
    await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    const ws = await workspace();
    await ws.configure([
      { name, source: join(path, "no-such-repo.git"), target: server().repoUrl(`mirror/${name}`) },
    ]);

    const run = await ws.sync("--all", "--report", "r.json", "--junit", "j.xml");

    expect(run.code).toBe(1);
    const report = JSON.parse(await readFile(join(ws.dir, "r.json"), "utf8")) as {
      mirrors: { error?: { code: string } }[];
    };
    expectErrorShape(report.mirrors[0]?.error, ["detail"]);
    expect(junitTypes(await readFile(join(ws.dir, "j.xml"), "utf8"))).toEqual([
      report.mirrors[0]?.error?.code,
    ]);
  });
});

describe("push-mirrors apply and audit", () => {
  let gl: GitLabSandbox;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    gl = await startGitLabSandbox();
    const maint = gl.addUser("maint");
    gl.addProject("acme", "app");
    gl.addProject("acme", "broken");
    gl.addProject("acme", "full");
    for (let i = 0; i < 10; i += 1) {
      gl.addRemoteMirror("acme/full", { url: `https://h${i}.example.com/x.git`, enabled: true });
    }
    gl.addMember("acme", "maint", 40);
    token = gl.addToken(maint, { scopes: ["api"] });
    const broken = gl.addRemoteMirror("acme/broken", {
      url: "https://b.example/org/broken.git",
      enabled: true,
    });
    gl.setMirrorState("acme/broken", broken.id, {
      updateStatus: "failed",
      lastError: "fatal: Authentication failed",
      lastSuccessfulUpdateAt: new Date(Date.now() - 72 * HOUR),
    });
    dir = await mkdtemp(join(tmpdir(), "error-shape-"));
  });

  afterAll(async () => {
    await gl.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function config(lines: string[]): Promise<string> {
    const file = join(dir, `${uniqueName("config")}.yml`);
    await writeFile(file, ["version: 1", "gitlab:", `  url: ${gl.url}`, ...lines, ""].join("\n"));
    return file;
  }

  it("apply --json: a refused action's error and a project that cannot be read are { code, message, fix }", async () => {
    const file = await config([
      "push_mirrors:",
      // GitLab refuses an 11th enabled mirror.
      "  - { project: acme/full, url: 'https://github.example.com/org/eleventh.git' }",
      "  - { project: acme/nope, url: 'https://github.example.com/org/nope.git' }",
    ]);
    const run = await runCli(["push-mirrors", "apply", "-c", file, "--json"], {
      cwd: dir,
      env: { GITLAB_TOKEN: token },
    });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as {
      actions: { status: string; error: unknown }[];
      failures: { project: string; error: unknown }[];
    };
    const failed = json.actions.filter((action) => action.status === "failed");
    expect(failed).toHaveLength(1);
    expectErrorShape(failed[0]?.error);
    expect(json.failures.map((failure) => failure.project)).toEqual(["acme/nope"]);
    expectErrorShape(json.failures[0]?.error);
  });

  it("audit: a project that cannot be read and a failed mirror carry { code, message, fix }, and JUnit types are codes", async () => {
    const file = await config(["audit:", "  projects: [acme/broken, acme/nope]"]);
    const run = await runCli(["audit", "-c", file, "--report", "audit.json", "--junit", "audit.xml"], {
      cwd: dir,
      env: { GITLAB_TOKEN: token },
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(await readFile(join(dir, "audit.json"), "utf8")) as {
      projects: { project: string; error?: { code: string }; mirrors: { error?: { code: string } }[] }[];
    };
    const nope = report.projects.find((project) => project.project === "acme/nope");
    expectErrorShape(nope?.error);
    expect(nope?.error?.code).toBe("EGITLABNOTFOUND");
    const broken = report.projects.find((project) => project.project === "acme/broken")?.mirrors[0];
    expectErrorShape(broken?.error);
    const types = junitTypes(await readFile(join(dir, "audit.xml"), "utf8"));
    expect(types.sort()).toEqual([broken?.error?.code, "EGITLABNOTFOUND"].sort());
    for (const type of types) expect(Object.keys(ERRORS)).toContain(type);
  });
});
