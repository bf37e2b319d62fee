/**
 * Flags every command reads the same way (src/cli/flags.ts): a bad value is refused before
 * anything runs, with the same words whichever command or CI_MIRROR_* variable gave it.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TWO_MIRRORS_CONFIG, runCli, type CliRun } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun & { dir: string }> {
  const { path } = await tempDir("cli-flags");
  await writeFile(join(path, "mirrors.yml"), `${TWO_MIRRORS_CONFIG}\n`);
  return { ...(await runCli(args, { cwd: path, env })), dir: path };
}

function expectRefused(run: CliRun, message: string): void {
  expect(run.code).toBe(2);
  expect(run.stderr.split("\n")[0]).toBe(`error EUSAGE: ${message}`);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).toBe("");
}

const SYNC = ["sync", "--all"];
const PLAN = ["plan", "--out", "child.yml"];
const AUDIT = ["audit"];
const PUSH_MIRRORS = [
  "push-mirrors",
  "show",
  "--project",
  "group/app",
  "--gitlab-url",
  "https://gitlab.invalid",
];

describe("counts: a whole number of at least 1", () => {
  const cases: [string[], string][] = [
    [SYNC, "--concurrency"],
    [SYNC, "--batch-size"],
    [SYNC, "--retries"],
    [PLAN, "--concurrency"],
    [PLAN, "--max-jobs"],
    [AUDIT, "--concurrency"],
    [PUSH_MIRRORS, "--id"],
  ];
  for (const [command, flag] of cases) {
    it.each(["0", "-1", "2.5", "many"])(`${command[0]} ${flag} %s is refused`, async (value) => {
      const run = await cli([...command, `${flag}=${value}`]);

      expectRefused(run, `${flag} must be a whole number of at least 1`);
    });
  }

  it("names the flag for a value from a CI_MIRROR_* variable too", async () => {
    for (const command of [SYNC, PLAN, AUDIT]) {
      expectRefused(
        await cli(command, { CI_MIRROR_CONCURRENCY: "0" }),
        "--concurrency must be a whole number of at least 1",
      );
    }
  });

  it("keeps the fix that says what --max-jobs is", async () => {
    const run = await cli([...PLAN, "--max-jobs", "0"]);

    expect(run.stderr).toMatch(/^fix: It is the most jobs the child pipeline may have \(default \d+\)/m);
  });
});

describe("times: a positive number of the flag's unit", () => {
  it.each([
    [SYNC, "minutes"],
    [PUSH_MIRRORS, "seconds"],
  ])("%s --timeout 0 is refused", async (command, unit) => {
    expectRefused(
      await cli([...command, "--timeout", "0"]),
      `--timeout must be a positive number of ${unit}`,
    );
    expectRefused(await cli([...command, "--timeout=-5"]), `--timeout must be a positive number of ${unit}`);
  });
});

describe("lists of names: repeatable and comma-separated", () => {
  it("sync --mirror and plan --only read `a, b` and `--flag a --flag b` alike", async () => {
    const sync = await cli(["sync", "--mirror", "alpha, ,gamma", "--mirror", "delta"]);
    const plan = await cli(["plan", "--out", "child.yml", "--only", "alpha, ,gamma", "--only", "delta"]);

    // Both got the names trimmed, the empty one dropped, and say which of them do not exist.
    expect(sync.code).toBe(2);
    expect(sync.stderr).toMatch(/no mirrors? named gamma, delta in mirrors\.yml/);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/no mirror named "gamma", "delta" in the config/);
  });
});

describe("variable names", () => {
  it.each([
    [["audit", "--notify-webhook"], "--notify-webhook"],
    [["push-mirrors", "list", "--project", "group/app", "--token-var"], "--token-var"],
  ])("%s refuses a pasted secret without repeating it", async (command, flag) => {
    const secret = "https://hooks.example.com/services/T0000/B0000/XXXXXXXXXXXXXXXX";
    const run = await cli([...command, secret]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error EUSAGE: ${flag}: `, "m"));
    expect(run.stderr).toContain(
      `fix: Store the value in a masked CI/CD variable and pass its name, e.g. ${flag} MY_VARIABLE.`,
    );
    expect(run.stderr + run.stdout).not.toContain("XXXXXXXXXXXXXXXX");
  });
});
