import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { buildRepo, git, listRefs, tempDir } from "./helpers/fixtures.ts";
import { runCli } from "./helpers/cli.ts";
import { UPSTREAM_TOKEN, receivePacks, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

// An empty target's default branch is the target's decision (its HEAD), not the push order's:
// ci-mirror pushes everything at once, then says so when the two default branches differ.

const server = useGitServer();

async function upstreamWith(defaultBranch: string, branches: string[]) {
  const name = uniqueName("db");
  const upstream = await server().createRepo(`up/${name}`, { flavor: "github" });
  await buildRepo(upstream, { commits: 3, branches, tags: 2, defaultBranch });
  return { name, upstream, source: server().repoUrl(`up/${name}`) };
}

/** Mirror `up` into a new empty target whose HEAD names `targetHead`, the first sync with a report. */
async function firstSync(up: { name: string; source: string }, targetHead: string) {
  const target = await server().createRepo(`mirror/${up.name}`, {
    flavor: "gitlab",
    defaultBranch: targetHead,
  });
  const ws = await workspace();
  await ws.configure([{ name: up.name, source: up.source, target: server().repoUrl(`mirror/${up.name}`) }]);
  server().resetStats();
  const run = await ws.sync("--all", "--report", "report.json");
  const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
  return {
    target,
    run,
    warnings: report.mirrors[0]?.warnings,
    pushes: receivePacks(server(), `mirror/${up.name}`),
  };
}

async function headOf(barePath: string): Promise<string> {
  return (await git(["symbolic-ref", "HEAD"], { cwd: barePath })).trim();
}

describe("the default branch of an empty target", () => {
  it("is pushed with everything else in one push when the target's HEAD already names it", async () => {
    const up = await upstreamWith("trunk", ["main", "feature/x"]);

    const { target, run, warnings, pushes } = await firstSync(up, "trunk");

    expect(run.code).toBe(0);
    expect(pushes).toBe(1);
    expect(await headOf(target)).toBe("refs/heads/trunk");
    expect(warnings).toEqual([]);
  });

  it("is reported by name when the target's HEAD names another branch the upstream has", async () => {
    const up = await upstreamWith("trunk", ["main", "feature/x"]);

    const { run, warnings } = await firstSync(up, "main");

    expect(run.code).toBe(0);
    expect(warnings).toEqual([
      expect.stringMatching(/^the target's default branch is main, the upstream's is trunk: set it in/),
    ]);
    expect(run.stderr + run.stdout).toContain("the target's default branch is main, the upstream's is trunk");
  });

  it("names the branch GitLab falls back to when the target's HEAD names a branch the upstream lacks", async () => {
    const up = await upstreamWith("develop", ["master", "feature/x"]);

    const { run, warnings } = await firstSync(up, "main");

    expect(run.code).toBe(0);
    expect(warnings).toEqual([
      expect.stringContaining("so GitLab takes master as the default branch; the upstream's is develop"),
    ]);
  });

  it("says nothing when GitLab's fallback lands on the upstream's default branch", async () => {
    const up = await upstreamWith("master", ["feature/x"]);

    const { run, warnings } = await firstSync(up, "main");

    expect(run.code).toBe(0);
    expect(warnings).toEqual([]);
  });
});

describe("the default branch on the GitLab sandbox", () => {
  let gitlab: GitLabSandbox;
  let apiToken: string;

  beforeAll(async () => {
    gitlab = await startGitLabSandbox({ allowLocalRequests: true });
    const bot = gitlab.addUser("mirror-bot");
    gitlab.addGroup("mirror");
    gitlab.addMember("mirror", "mirror-bot", 40);
    apiToken = gitlab.addToken(bot, { scopes: ["api"] });
  });

  afterAll(async () => {
    await gitlab.close();
  });

  async function syncInto(up: { name: string; source: string }, createTarget: boolean) {
    const { path: dir } = await tempDir("db");
    await writeFile(
      join(dir, "mirrors.yml"),
      [
        "version: 1",
        "gitlab:",
        `  url: ${gitlab.url}`,
        "mirrors:",
        `  - name: ${up.name}`,
        `    source: ${up.source}`,
        "    source_token: UPSTREAM_TOKEN",
        `    target: { url: ${gitlab.url}/mirror/${up.name}.git, token: GITLAB_TOKEN }`,
        `    create_target: ${String(createTarget)}`,
        "",
      ].join("\n"),
    );
    const run = await runCli(["sync", "--all", "--report", "report.json"], {
      cwd: dir,
      env: { UPSTREAM_TOKEN, GITLAB_TOKEN: apiToken },
    });
    const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as RunReport;
    return { run, report };
  }

  async function projectDefaultBranch(path: string): Promise<string> {
    const response = await fetch(`${gitlab.url}/api/v4/projects/${encodeURIComponent(path)}`, {
      headers: { "PRIVATE-TOKEN": apiToken },
    });
    return ((await response.json()) as { default_branch: string }).default_branch;
  }

  it("create_target creates the project with the upstream's default branch", async () => {
    const up = await upstreamWith("trunk", ["main", "release/1"]);

    const { run, report } = await syncInto(up, true);

    expect(run.code).toBe(0);
    expect(report.mirrors[0]?.warnings).toEqual([]);
    expect(await projectDefaultBranch(`mirror/${up.name}`)).toBe("trunk");
    expect(await headOf(await gitlab.repoPath(`mirror/${up.name}`))).toBe("refs/heads/trunk");
    const target = await listRefs(await gitlab.repoPath(`mirror/${up.name}`));
    expect(target.get("refs/heads/trunk")).toBe((await listRefs(up.upstream)).get("refs/heads/trunk"));
  });

  it("an existing empty project settles on GitLab's fallback, as the warning said", async () => {
    const up = await upstreamWith("develop", ["master", "feature/x"]);
    gitlab.addProject("mirror", up.name);

    const { run, report } = await syncInto(up, false);

    expect(run.code).toBe(0);
    expect(report.mirrors[0]?.warnings).toEqual([expect.stringContaining("master")]);
    // GitLab moves HEAD after the push has been answered; wait for it as a client would.
    let branch = "";
    for (let i = 0; i < 50 && branch !== "master"; i++) {
      branch = await projectDefaultBranch(`mirror/${up.name}`);
      if (branch !== "master") await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(branch).toBe("master");
  });
});
