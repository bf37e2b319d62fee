import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CLI_CHECK } from "../src/child-pipeline/pipeline.ts";
import { COMPONENTS, templateUrl } from "../scripts/inputs-table-lib.ts";
import { LOCK_FILE } from "../src/util/cache-lock.ts";
import { startGitLabSandbox } from "./helpers/sandbox.ts";
import { runCli } from "./helpers/cli.ts";
import { buildRepo, listRefs, tempDir } from "./helpers/fixtures.ts";
import { UPSTREAM_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

/**
 * One test per row of the README's exit-code table, each running the CLI the way a job does;
 * the last test holds the table to these rows.
 */
const server = useGitServer();

async function mirrorPair() {
  const name = uniqueName("x");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 2, branches: 1, tags: 1 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const ws = await workspace();
  const entry = { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) };
  await ws.configure([entry]);
  return { name, upstream, target, ws, entry };
}

describe("exit codes, as the README's table says", () => {
  it("0: every mirror is in sync, or planned with --dry-run", async () => {
    const p = await mirrorPair();

    const planned = await p.ws.sync("--all", "--dry-run");
    const synced = await p.ws.sync("--all");
    const again = await p.ws.sync("--all");

    expect([planned.code, synced.code, again.code]).toEqual([0, 0, 0]);
    expect(await listRefs(p.target)).toEqual(await listRefs(p.upstream));
  });

  it("1: a mirror failed, for instance a token that is set but refused", async () => {
    const p = await mirrorPair();

    const refused = await p.ws.sync("--all");
    const run = await runCli(["sync", "--all"], {
      cwd: p.ws.dir,
      env: { UPSTREAM_TOKEN, TARGET_TOKEN: "not-the-right-token" },
    });

    expect(refused.code).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("EGITAUTH");
  });

  it("1: audit finds a token that is set but refused", async () => {
    const gitlab = await startGitLabSandbox();
    try {
      gitlab.addProject("fleet", "app");
      const { path: dir } = await tempDir("exit");
      await writeFile(
        join(dir, "mirrors.yml"),
        ["version: 1", "gitlab:", `  url: ${gitlab.url}`, "audit:", "  projects: [fleet/app]", ""].join("\n"),
      );

      const run = await runCli(["audit"], { cwd: dir, env: { GITLAB_TOKEN: "glpat-revoked-or-mistyped" } });

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL\s+EGITLABAUTH: token rejected by .* \(401\)/);
    } finally {
      await gitlab.close();
    }
  });

  it("2: a usage or config error, found before anything runs; every unset variable is named at once", async () => {
    const p = await mirrorPair();
    // No `target` of its own: the one in `extra` is the whole of it.
    const second = {
      name: `${p.name}-b`,
      source: p.entry.source,
      extra: ["target: { url: https://example.org/b.git, token: OTHER }"],
    };
    await p.ws.configure([p.entry, second]);
    // A lock held by another run: a missing variable is reported before the lock is even tried.
    const cache = join(p.ws.dir, ".ci-mirror", "cache");
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, LOCK_FILE), JSON.stringify({ pid: 4242, host: "elsewhere" }));

    const missing = await runCli(["sync", "--all"], { cwd: p.ws.dir, env: {} });
    const badFlag = await p.ws.sync("--all", "--concurrency", "0");

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("EENVMISSING");
    expect(missing.stderr).toContain(
      `UPSTREAM_TOKEN (\`source_token\` of ${p.name}, \`source_token\` of ${p.name}-b)`,
    );
    expect(missing.stderr).toContain(`TARGET_TOKEN (\`target.token\` of ${p.name})`);
    expect(missing.stderr).toContain(`OTHER (\`target.token\` of ${p.name}-b)`);
    expect(missing.stderr).not.toContain("ELOCKED");
    expect(missing.stdout).toBe("");
    expect(badFlag.code).toBe(2);
    expect(await listRefs(p.target)).toEqual(new Map());
  });

  it("3: another run holds the cache dir; nothing was run, and the holder is named in words", async () => {
    const p = await mirrorPair();
    const cache = join(p.ws.dir, ".ci-mirror", "cache");
    await mkdir(cache, { recursive: true });
    await writeFile(
      join(cache, LOCK_FILE),
      JSON.stringify({ pid: 4242, host: "runner-7", since: "2026-01-02T03:04:05.000Z" }),
    );

    const run = await p.ws.sync("--all");

    expect(run.code).toBe(3);
    expect(run.stderr).toContain("ELOCKED");
    expect(run.stderr).toContain("held by pid 4242 on host runner-7 since 2026-01-02T03:04:05.000Z");
    expect(run.stderr).not.toContain("{");
    expect(await listRefs(p.target)).toEqual(new Map());
  });

  it("127: a component's job image has no ci-mirror; its script says so, as a shell would", async () => {
    const checks = [CLI_CHECK];
    for (const component of COMPONENTS) {
      const text = await readFile(templateUrl(component), "utf8");
      const jobs = parseAllDocuments(text)[1]?.toJS() as Record<string, { before_script?: string[] }>;
      for (const job of Object.values(jobs))
        checks.push(...(job.before_script ?? []).filter((line) => line.includes("command -v ci-mirror")));
    }
    const { path: empty } = await tempDir("no-ci-mirror");

    expect(checks.length).toBeGreaterThan(COMPONENTS.length);
    for (const check of checks) {
      // `command`, `echo` and `exit` are the shell's own: a PATH with nothing on it is an image without ci-mirror.
      const run = await execa("/bin/sh", ["-c", check], {
        env: { PATH: empty },
        extendEnv: false,
        reject: false,
      });
      expect(run.exitCode, check).toBe(127);
      expect(run.stderr, check).toMatch(/^error ENOCIMIRROR: ci-mirror is not installed in this job's image/);
    }
  });
});

describe("the README's exit-code table", () => {
  it("has the rows tested above: 0 to 3 and 127 (and the cancellation rows, tested with cancellation)", async () => {
    const readme = await readFile(join(import.meta.dirname, "..", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Exit codes"), readme.indexOf("#### Cancellation"));
    const rows = [...table.matchAll(/^\| (\d+)\s+\|/gm)].map((match) => Number(match[1]));
    expect(rows.filter((code) => code !== 130 && code !== 143)).toEqual([0, 1, 2, 3, 127]);
  });
});
