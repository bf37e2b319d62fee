import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The layer boundaries and the "only bin.ts touches the process" rule live in eslint.config.js.
 * These run the project's own config over small snippets, placed (by path only: nothing is
 * written) where the rule must bite or must let go. Type-aware rules are switched off: the
 * boundaries are syntax rules, and a snippet at a path that does not exist has no program.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });
});

/** The rule ids and messages ESLint reports for `code` as if it were the file at `path`. */
async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "fatal"}: ${m.message}`);
}

describe("import boundaries", () => {
  it("src/core may not import the sandbox", async () => {
    const found = await problems(
      "src/core/lint-probe.ts",
      'import { startGitServer } from "../sandbox/index.ts";\nexport const start = startGitServer;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/core must not import/)]);
  });

  it("src/core may not load the sandbox lazily either, nor from deeper down", async () => {
    const found = await problems(
      "src/core/audit/lint-probe.ts",
      'export const load = () => import("../../sandbox/index.ts");\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-syntax: src\/core must not load/)]);
  });

  it("src/core may import git/, gitlab/ and util/", async () => {
    const found = await problems(
      "src/core/lint-probe.ts",
      [
        'import type { Env } from "../util/env.ts";',
        'import { listRemoteRefs } from "../git/ls-remote.ts";',
        'import { createGitLabClient } from "../gitlab/client.ts";',
        "export const parts: [Env, unknown, unknown] = [{}, listRemoteRefs, createGitLabClient];",
        "",
      ].join("\n"),
    );
    expect(found).toEqual([]);
  });

  it("src/core may not import output/: core returns reports, output/ renders them", async () => {
    const found = await problems(
      "src/core/lint-probe.ts",
      'import { syncJUnit } from "../output/sync-report.ts";\nexport const render = syncJUnit;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/core must not import/)]);
  });

  it("git/ does not reach up into core/", async () => {
    const found = await problems(
      "src/git/lint-probe.ts",
      'import { syncAll } from "../core/sync-all.ts";\nexport const run = syncAll;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/git must not import/)]);
  });

  it("config/ is pure: no network", async () => {
    const found = await problems(
      "src/config/lint-probe.ts",
      'import { request } from "node:https";\nexport const get = request;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/config is pure/)]);
  });

  it("product code never imports test code", async () => {
    const found = await problems(
      "src/output/lint-probe.ts",
      'import { tempDir } from "../../test/helpers/fixtures.ts";\nexport const dir = tempDir;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*never imports test/)]);
  });

  it("tests start the sandbox through their helper, not its files", async () => {
    const found = await problems(
      "test/lint-probe.test.ts",
      'import { startGitServer } from "../src/sandbox/git-http/server.ts";\nexport const start = startGitServer;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*test\/helpers\/sandbox\.ts/)]);
  });
});

describe("the process is the CLI's", () => {
  it("process.env in src/core is an error", async () => {
    const found = await problems("src/core/lint-probe.ts", "export const home = process.env.HOME;\n");
    expect(found).toEqual([expect.stringMatching(/^no-restricted-properties: .*Only src\/cli\/bin\.ts/)]);
  });

  it("process.argv, process.cwd() and process.stdout below bin.ts are errors", async () => {
    const found = await problems(
      "src/git/lint-probe.ts",
      "export const world = [process.argv, process.cwd(), process.stdout];\n",
    );
    expect(found).toHaveLength(3);
    for (const problem of found) expect(problem).toMatch(/^no-restricted-properties: /);
  });

  it("importing node:process does not get around it", async () => {
    const found = await problems(
      "src/core/lint-probe.ts",
      'import { env } from "node:process";\nexport const home = env.HOME;\n',
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*Only src\/cli\/bin\.ts/)]);
  });

  it("src/cli/bin.ts reads the process", async () => {
    const found = await problems(
      "src/cli/bin.ts",
      "export const world = { env: process.env, argv: process.argv, cwd: process.cwd() };\n",
    );
    expect(found).toEqual([]);
  });
});
