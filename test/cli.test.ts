import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../src/version.ts";
import { TWO_MIRRORS_CONFIG, runCli, type CliRun } from "./helpers/cli.ts";
import { buildRepo, tempDir } from "./helpers/fixtures.ts";
import { uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

/** A node stack frame; usage and config errors must never print one unless asked to. */
const STACK_FRAME = /^\s+at .+/m;

// Line numbers matter: the tests below expect the problems on lines 5, 9 and 13.
const BAD_CONFIG = [
  "version: 1",
  "defaults:",
  "  target:",
  "    url: https://gitlab.example.com/mirrors/{name}.git",
  "    tokne: TARGET_TOKEN",
  "mirrors:",
  "  - name: alpha",
  "    source: https://github.com/example/alpha.git",
  "    divergence: sometimes",
  "  - name: beta",
  "    source: https://github.com/example/beta.git",
  "    target:",
  "      token: glpat-AbCdEf1234567890xyzXYZ",
].join("\n");

/** A fresh directory holding the given files, as the CLI's working directory. */
async function dirWith(files: Record<string, string> = {}): Promise<string> {
  const { path } = await tempDir("cli");
  for (const [name, content] of Object.entries(files)) await writeFile(join(path, name), `${content}\n`);
  return path;
}

async function cliIn(files: Record<string, string>, args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: await dirWith(files), env });
}

function expectUsageError(run: CliRun, message: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  // Errors go to stderr only, so a script reading stdout never mistakes one for output.
  expect(run.stdout).toBe("");
}

describe("usage errors exit 2 with a message and no stack trace", () => {
  it("rejects a missing command", async () => {
    const run = await cliIn({}, []);

    expectUsageError(run, /error EUSAGE: Say which command to run/);
    expect(run.stderr).toContain("ci-mirror --help");
  });

  it("rejects an unknown command, suggesting the closest one", async () => {
    const unknown = await cliIn({}, ["frobnicate"]);
    const typo = await cliIn({}, ["synk"]);

    expectUsageError(unknown, /Unknown argument: frobnicate/);
    expectUsageError(typo, /Did you mean sync\?/);
  });

  it("rejects an unknown option", async () => {
    const run = await cliIn({ "mirrors.yml": TWO_MIRRORS_CONFIG }, ["validate", "--frobnicate"]);

    expectUsageError(run, /Unknown argument: frobnicate/);
  });

  it("asks which mirrors to sync when neither --mirror nor --all is given", async () => {
    const run = await cliIn({ "mirrors.yml": TWO_MIRRORS_CONFIG }, ["sync"]);

    expectUsageError(run, /say which mirrors to sync/);
    expect(run.stderr).toMatch(/--mirror NAME .* or --all/);
  });

  it("rejects --mirror together with --all", async () => {
    const run = await cliIn({ "mirrors.yml": TWO_MIRRORS_CONFIG }, ["sync", "--mirror", "alpha", "--all"]);

    expectUsageError(run, /--mirror and --all exclude each other/);
  });

  it("rejects --concurrency 0", async () => {
    const run = await cliIn({ "mirrors.yml": TWO_MIRRORS_CONFIG }, ["sync", "--all", "--concurrency", "0"]);

    expectUsageError(run, /--concurrency must be a whole number of at least 1/);
  });

  it("names the known mirrors when asked for one that does not exist", async () => {
    const run = await cliIn({ "mirrors.yml": TWO_MIRRORS_CONFIG }, ["sync", "--mirror", "nonexistent"]);

    expectUsageError(run, /no mirror named nonexistent in mirrors\.yml/);
    expect(run.stderr).toContain("Known mirrors: alpha, beta.");
  });

  it("says where it looked for a missing config file", async () => {
    const dir = await dirWith();

    const run = await runCli(["sync", "--all"], { cwd: dir });

    expectUsageError(run, /config file not found: .*mirrors\.yml/);
    expect(run.stderr).toContain(join(dir, "mirrors.yml"));
    expect(run.stderr).toContain("error ECONFIG");
  });

  it("gives a fix for a missing config file that fits a missing file", async () => {
    const dir = await dirWith();

    const run = await runCli(["validate"], { cwd: dir });

    expectUsageError(run, /error ECONFIG: mirrors\.yml: the config file cannot be read/);
    expect(run.stderr).not.toContain("Correct the keys");
    expect(run.stderr).toMatch(/fix: Create mirrors\.yml .*--config FILE/);
  });

  it("suggests --gitlab-url only to the command that has it", async () => {
    const run = await cliIn({}, ["push-mirrors", "list", "--project", "g/app"], { GITLAB_TOKEN: "x" });

    expectUsageError(run, /error EGITLABCONFIG: no GitLab URL/);
    expect(run.stderr).toContain("pass --gitlab-url");
  });

  it("prints every problem of a config at once, each with file:line:col, in file order", async () => {
    const run = await cliIn({ "bad.yml": BAD_CONFIG }, ["sync", "--all", "--config", "bad.yml"]);

    expectUsageError(run, /error ECONFIG: bad\.yml: 3 problems in the config/);
    const unknownKey = run.stderr.search(/^bad\.yml:5:\d+ +defaults\.target\.tokne +unknown key `tokne`/m);
    const divergence = run.stderr.search(/^bad\.yml:9:\d+ +mirrors\[0\]\.divergence +expected `overwrite`/m);
    const token = run.stderr.search(/^bad\.yml:13:\d+ +mirrors\[1\]\.target\.token +expected the NAME/m);
    expect(unknownKey).toBeGreaterThanOrEqual(0);
    expect(divergence).toBeGreaterThan(unknownKey);
    expect(token).toBeGreaterThan(divergence);
    expect(run.stderr).toContain("did you mean `token`?");
  });
});

describe("--debug", () => {
  // main.ts prints the stack of a tool error only when debugging; config problems are the user's
  // to fix, so they stay a list of issues even then.
  it("adds the stack trace to a usage error, from the flag or from CI_MIRROR_DEBUG", async () => {
    const files = { "mirrors.yml": TWO_MIRRORS_CONFIG };

    const plain = await cliIn(files, ["sync"]);
    const flag = await cliIn(files, ["sync", "--debug"]);
    const env = await cliIn(files, ["sync"], { CI_MIRROR_DEBUG: "true" });

    expect(plain.stderr).not.toMatch(STACK_FRAME);
    for (const run of [flag, env]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("error EUSAGE: say which mirrors to sync");
      expect(run.stderr).toContain("UsageError: say which mirrors to sync");
      expect(run.stderr).toMatch(STACK_FRAME);
    }
  });

  it("does not add a stack trace to config problems", async () => {
    const run = await cliIn({ "bad.yml": BAD_CONFIG }, ["validate", "--config", "bad.yml", "--debug"]);

    expectUsageError(run, /^bad\.yml:5:\d+ /m);
  });
});

describe("validate", () => {
  it("says OK and counts the mirrors of a good config", async () => {
    const run = await cliIn({ "mirrors.yml": TWO_MIRRORS_CONFIG }, ["validate"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe("mirrors.yml: OK, 2 mirrors (alpha, beta)\n");
    expect(run.stderr).toBe("");
  });

  it("exits 2 and lists the problems of a bad config", async () => {
    const run = await cliIn({ "bad.yml": BAD_CONFIG }, ["validate", "-c", "bad.yml"]);

    expectUsageError(run, /^bad\.yml:5:\d+ .*\n^bad\.yml:9:\d+ .*\n^bad\.yml:13:\d+ /m);
  });

  it("reports a token pasted into a token field without echoing it", async () => {
    const run = await cliIn({ "bad.yml": BAD_CONFIG }, ["validate", "-c", "bad.yml"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^bad\.yml:13:\d+ +mirrors\[1\]\.target\.token +expected the NAME .*not its value/m,
    );
    const output = run.stdout + run.stderr;
    expect(output).not.toContain("glpat-");
    expect(output).not.toContain("AbCdEf1234567890xyzXYZ");
  });
});

describe("--help and --version", () => {
  it("prints the commands and exits 0", async () => {
    const run = await cliIn({}, ["--help"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^ci-mirror <command> \[options\]/);
    expect(run.stdout).toMatch(/ci-mirror sync +Mirror upstreams/);
    expect(run.stdout).toMatch(/ci-mirror validate +Check a config file/);
  });

  it("prints a command's own options", async () => {
    const run = await cliIn({}, ["sync", "--help"]);

    // Help is the whole job: no sync ran (there is no config here to run it with).
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    for (const option of ["--mirror", "--all", "--concurrency", "--config", "--dry-run"]) {
      expect(run.stdout).toContain(option);
    }
  });

  it("prints the version and exits 0", async () => {
    const run = await cliIn({}, ["--version"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${VERSION}\n`);
  });
});

describe("CI_MIRROR_* variables", () => {
  const files = {
    "mirrors.yml": TWO_MIRRORS_CONFIG,
    "other.yml": TWO_MIRRORS_CONFIG.replace("name: alpha", "name: gamma"),
  };

  it("never choose the config: it decides where tokens go, so it comes from the command line", async () => {
    const run = await cliIn(files, ["validate"], { CI_MIRROR_CONFIG: "other.yml" });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe("mirrors.yml: OK, 2 mirrors (alpha, beta)\n");
  });

  it("set sync options, and lose to the command line", async () => {
    const env = { CI_MIRROR_CONCURRENCY: "0" };

    const fromEnv = await cliIn(files, ["sync", "--all"], env);
    const overridden = await cliIn(files, ["sync", "--mirror", "nonexistent", "--concurrency", "2"], env);

    expectUsageError(fromEnv, /--concurrency must be a whole number of at least 1/);
    // Past the concurrency check: the next thing it trips over is the unknown mirror.
    expectUsageError(overridden, /no mirror named nonexistent/);
  });

  it("that name no option are ignored, not an error", async () => {
    const run = await cliIn(files, ["validate"], { CI_MIRROR_SOMETHING: "1", CI_MIRROR_TOKEN: "x" });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe("mirrors.yml: OK, 2 mirrors (alpha, beta)\n");
    expect(run.stderr).toBe("");
  });
});

describe("sync in CI", () => {
  const server = useGitServer();

  async function mirrorEntry(label: string, extra: string[] = []) {
    const name = uniqueName(label);
    await buildRepo(await server().createRepo(`up/${name}`), { commits: 2, branches: 1 });
    await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    return {
      name,
      source: server().repoUrl(`up/${name}`),
      target: server().repoUrl(`mirror/${name}`),
      extra,
    };
  }

  /** The lines of `text` from the start marker of `name`'s section to its end marker. */
  function section(text: string, name: string): string[] | undefined {
    const lines = text.split("\n");
    const start = lines.findIndex(
      (line) => line.includes(`section_start:`) && line.includes(`:mirror_${name}`),
    );
    const end = lines.findIndex(
      (line) => line.includes(`section_end:`) && line.includes(`:mirror_${name}\r`),
    );
    return start < 0 || end < start ? undefined : lines.slice(start, end + 1);
  }

  it("wraps each mirror in a GitLab section, collapsed only when the mirror is healthy", async () => {
    const healthy = await mirrorEntry("ok");
    // Rules that select nothing fail the mirror at run time, after the config has passed.
    const broken = await mirrorEntry("bad", ["refs: { branches: [nope], tags: [nope] }"]);
    const ws = await workspace({ CI: "true" });
    await ws.configure([healthy, broken]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(1);
    const ok = section(run.stdout, healthy.name);
    const failed = section(run.stdout, broken.name);
    expect(ok?.[0]).toMatch(
      new RegExp(
        `\\u001b\\[0Ksection_start:\\d+:mirror_${healthy.name}\\[collapsed=true\\]\\r\\u001b\\[0KOK `,
      ),
    );
    expect(failed?.[0]).toMatch(
      new RegExp(`\\u001b\\[0Ksection_start:\\d+:mirror_${broken.name}\\r\\u001b\\[0KFAILED `),
    );
    expect(ok?.join("\n")).toContain(`-> ${healthy.target}`);
    expect(failed?.join("\n")).toContain("EREFSEMPTY");
    expect(run.stdout).toContain("1 of 2 mirrors ok, 1 failed");
  });

  it("prints no section markers outside CI", async () => {
    const healthy = await mirrorEntry("plain");
    const ws = await workspace({ CI: "false" });
    await ws.configure([healthy]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^OK +${healthy.name}: synced`, "m"));
    expect(run.stdout).not.toContain("section_");
  });
});

describe("options from the environment", () => {
  it("never takes --help or --version from CI_MIRROR_* variables", async () => {
    const { path: dir } = await tempDir("cli-env-help");
    await writeFile(join(dir, "mirrors.yml"), "version: 1\nmirrors: []\n");

    const helped = await runCli(["validate"], {
      cwd: dir,
      env: { CI_MIRROR_HELP: "true", CI_MIRROR_VERSION: "true" },
    });

    expect(helped.code).toBe(2);
    expect(helped.stderr).toContain("nothing to do");
  });
});
