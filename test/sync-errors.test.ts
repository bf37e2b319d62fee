import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { buildRepo, tempDir } from "./helpers/fixtures.ts";
import { TARGET_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

/** Every git failure names its side and its URL, keeps git's own words, and fits its fix to that side. */
const server = useGitServer();

async function report(dir: string): Promise<RunReport> {
  return JSON.parse(await readFile(join(dir, "r.json"), "utf8")) as RunReport;
}

describe("git errors say which side failed", () => {
  it("a missing upstream path: the upstream is named, git's own line is kept, and the fix is about the source", async () => {
    const name = uniqueName("e");
    const { path } = await tempDir("gone");
    const source = join(path, "no-such-repo.git");
    await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    const ws = await workspace();
    await ws.configure([{ name, source, target: server().repoUrl(`mirror/${name}`) }]);

    const run = await ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`upstream ${source}`);
    expect(run.stdout).toContain("does not appear to be a git repository");
    expect(run.stdout).toContain("Could not read from remote repository");
    expect(run.stdout).not.toContain("create the project first");
    const error = (await report(ws.dir)).mirrors[0]!.error!;
    expect(error.code).toBe("EGITNOTFOUND");
    expect(error.fix).toContain("source");
    expect(error.detail?.join("\n")).toContain("does not appear to be a git repository");
  });

  it("a missing target project: the target is named, with a fix for the target", async () => {
    const name = uniqueName("e");
    const upstream = await server().createRepo(`up/${name}`);
    await buildRepo(upstream, { commits: 1 });
    const ws = await workspace();
    const targetUrl = server().repoUrl(`mirror/${name}-missing`);
    await ws.configure([{ name, source: server().repoUrl(`up/${name}`), target: targetUrl }]);

    const run = await ws.sync("--all", "--report", "r.json");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`target ${targetUrl}`);
    expect(run.stdout).toMatch(/fix: .*create the project first/);
    expect((await report(ws.dir)).mirrors[0]!.error?.detail?.join("\n")).toMatch(/not found/);
  });

  it("a token the target refuses: the target is named and the fix names target.token, never the token", async () => {
    const name = uniqueName("e");
    const upstream = await server().createRepo(`up/${name}`);
    await buildRepo(upstream, { commits: 1 });
    await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    const ws = await workspace({ TARGET_TOKEN: "refused-token-9f8e7d" });
    const targetUrl = server().repoUrl(`mirror/${name}`);
    await ws.configure([{ name, source: server().repoUrl(`up/${name}`), target: targetUrl }]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`target ${targetUrl}`);
    expect(run.stdout).toMatch(/fix: .*target\.token/);
    expect(run.stdout + run.stderr).not.toContain("refused-token-9f8e7d");
    expect(run.stdout + run.stderr).not.toContain(TARGET_TOKEN);
  });
});
