import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { buildRepo, listRefs } from "./helpers/fixtures.ts";
import { runCli } from "./helpers/cli.ts";
import { UPSTREAM_TOKEN, uniqueName, useGitServer } from "./helpers/sync-env.ts";
import { tempDir } from "./helpers/fixtures.ts";

const server = useGitServer();
let gitlab: GitLabSandbox;
let apiToken: string;

beforeAll(async () => {
  gitlab = await startGitLabSandbox({ allowLocalRequests: true });
  const bot = gitlab.addUser("mirror-bot");
  // Internal, so that `create_target: { visibility: internal }` is allowed in it (GitLab refuses
  // a project more open than its group).
  gitlab.addGroup("mirror/tools", { visibility: "internal" });
  gitlab.addMember("mirror", "mirror-bot", 40);
  apiToken = gitlab.addToken(bot, { scopes: ["api"] });
});

afterAll(async () => {
  await gitlab.close();
});

async function setup(createTarget: string, options: { emptyUpstream?: boolean } = {}) {
  const name = uniqueName("ct");
  const upstream = await server().createRepo(`up/${name}`);
  if (options.emptyUpstream !== true) await buildRepo(upstream, { commits: 3, branches: 2, tags: 1 });
  const { path: dir } = await tempDir("ct");
  await writeFile(
    join(dir, "mirrors.yml"),
    [
      "version: 1",
      "gitlab:",
      `  url: ${gitlab.url}`,
      "defaults:",
      "  target:",
      `    url: ${gitlab.url}/mirror/tools/{name}.git`,
      "    token: GITLAB_TOKEN",
      `  create_target: ${createTarget}`,
      "mirrors:",
      `  - name: ${name}`,
      `    source: ${server().repoUrl(`up/${name}`)}`,
      "    source_token: UPSTREAM_TOKEN",
      "",
    ].join("\n"),
  );
  const sync = (...args: string[]) =>
    runCli(["sync", "--all", ...args], { cwd: dir, env: { UPSTREAM_TOKEN, GITLAB_TOKEN: apiToken } });
  return { name, upstream, sync };
}

describe("create_target", () => {
  it("creates the missing target project in its group, then mirrors into it", async () => {
    const s = await setup("{ visibility: internal, description: Upstream tool }");

    const run = await s.sync();

    expect(run.stderr).toContain(`created the target project mirror/tools/${s.name}`);
    expect(run.code).toBe(0);
    const target = await gitlab.repoPath(`mirror/tools/${s.name}`);
    const upstreamRefs = [...(await listRefs(s.upstream))].filter(([ref]) =>
      /^refs\/(heads|tags)\//.test(ref),
    );
    expect(await listRefs(target)).toEqual(new Map(upstreamRefs));
    const created = gitlab.requests.filter(
      (request) => request.method === "POST" && request.path.endsWith("/projects"),
    );
    expect(created.map((request) => request.status)).toEqual([201]);

    const again = await s.sync();

    expect(again.code).toBe(0);
    expect(again.stdout).toContain("up-to-date");
    expect(
      gitlab.requests.filter((request) => request.method === "POST" && request.path.endsWith("/projects")),
    ).toHaveLength(1);
  });

  it("only says it would create the project on a dry run", async () => {
    const s = await setup("true");

    const run = await s.sync("--dry-run");

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("a real run creates it (create_target)");
    expect(run.stdout).toMatch(/would-create\s+refs\/heads\/main/);
    const lookup = await fetch(
      `${gitlab.url}/api/v4/projects/${encodeURIComponent(`mirror/tools/${s.name}`)}`,
      {
        headers: { "PRIVATE-TOKEN": apiToken },
      },
    );
    expect(lookup.status).toBe(404);
  });

  it("says plainly that GitLab refuses a project more open than its group", async () => {
    const s = await setup("{ visibility: public }");

    const run = await s.sync();

    expect(run.code).toBe(1);
    const output = run.stdout + run.stderr;
    expect(output).toContain(
      `cannot create mirror/tools/${s.name}: GitLab refused it: public is not allowed in a internal group.`,
    );
    expect(output).toContain("A project cannot be more open than its group");
  });

  it("creates nothing for an empty upstream, says so plainly, and does not fail", async () => {
    const s = await setup("true", { emptyUpstream: true });
    const creations = () =>
      gitlab.requests.filter((request) => request.method === "POST" && request.path.endsWith("/projects"))
        .length;
    const before = creations();

    for (const run of [await s.sync("--report", "r.json"), await s.sync()]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("nothing to mirror yet");
      expect(run.stdout).toContain("the upstream has no branches or tags yet");
      expect(run.stdout + run.stderr).not.toContain("--allow-mass-delete");
    }
    expect(creations()).toBe(before);
    const lookup = await fetch(
      `${gitlab.url}/api/v4/projects/${encodeURIComponent(`mirror/tools/${s.name}`)}`,
      { headers: { "PRIVATE-TOKEN": apiToken } },
    );
    expect(lookup.status).toBe(404);
  });

  it("without a GitLab URL, suggests only what sync accepts (no --gitlab-url flag)", async () => {
    const name = uniqueName("ct");
    const upstream = await server().createRepo(`up/${name}`);
    await buildRepo(upstream, { commits: 1 });
    const { path: dir } = await tempDir("ct");
    await writeFile(
      join(dir, "mirrors.yml"),
      [
        "version: 1",
        "mirrors:",
        `  - name: ${name}`,
        `    source: ${server().repoUrl(`up/${name}`)}`,
        "    source_token: UPSTREAM_TOKEN",
        `    target: { url: "${gitlab.url}/mirror/tools/${name}.git", token: GITLAB_TOKEN }`,
        "    create_target: true",
        "",
      ].join("\n"),
    );

    const run = await runCli(["sync", "--all"], {
      cwd: dir,
      env: { UPSTREAM_TOKEN, GITLAB_TOKEN: apiToken },
    });

    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("EGITLABCONFIG");
    expect(run.stdout + run.stderr).not.toContain("--gitlab-url");
    expect(run.stdout + run.stderr).toContain("CI_SERVER_URL");
  });

  it("fails without creating anything when the target is missing and create_target is off", async () => {
    const s = await setup("false");

    const run = await s.sync();

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EGITNOTFOUND");
  });
});
