import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitServer, type GitServer } from "./helpers/sandbox.ts";
import { expectNoCanary, filesUnder, findCanary, runTexts } from "./helpers/canary.ts";
import { buildRepo, tempDir } from "./helpers/fixtures.ts";
import { runCli, writeConfig } from "./helpers/cli.ts";

// Tokens with every character an escaper rewrites: JSON (`"` `\` and control characters) and
// XML (`&` `<` `>` `"`, control characters dropped).
const UPSTREAM = 'up"st\\ream&<tok>\u0007en-4d1';
const TARGET = 'tar"get\\&<tok>\u0001en-9c2';

/**
 * A target whose pre-receive hook prints the token it was pushed with, as a hostile or careless
 * server may: git shows that text, and ci-mirror must not carry it into any output, escaped or not.
 */
describe("a target that echoes the token", () => {
  let server: GitServer;
  let hookDir: string;
  beforeAll(async () => {
    server = await startGitServer({ tokens: { [UPSTREAM]: "read", [TARGET]: "write" } });
    hookDir = (await tempDir("echo-hook")).path;
  });
  afterAll(async () => {
    await server.close();
  });

  it("is masked in the log, the JSON report and the JUnit XML", async () => {
    await buildRepo(await server.createRepo("up/echo"), { commits: 2, branches: 1 });
    const said = join(hookDir, "said.txt");
    await writeFile(said, `token ${TARGET} may not push here\n`);
    await server.createRepo("mirror/echo", { preReceiveHook: `#!/bin/sh\ncat '${said}' >&2\nexit 1\n` });
    const { path: dir } = await tempDir("echo");
    await writeConfig(dir, [
      { name: "echo", source: server.repoUrl("up/echo"), target: server.repoUrl("mirror/echo") },
    ]);

    const run = await runCli(["sync", "--all", "--report", "report.json", "--junit", "junit.xml"], {
      cwd: dir,
      env: { UPSTREAM_TOKEN: UPSTREAM, TARGET_TOKEN: TARGET },
    });

    expect(run.code).toBe(1);
    // The hook's words did reach the outputs (so the scan below is not vacuous), masked.
    expect(await readFile(join(dir, "report.json"), "utf8")).toContain("[MASKED] may not push here");
    expect(await readFile(join(dir, "junit.xml"), "utf8")).toContain("[MASKED] may not push here");
    expect(run.stdout).toContain("[MASKED] may not push here");
    expect(findCanary(TARGET, [{ where: "log", text: run.stdout + run.stderr }])).toEqual([]);
    expectNoCanary([UPSTREAM, TARGET], [...runTexts("sync", run), ...(await filesUnder(dir))]);
  });
});
