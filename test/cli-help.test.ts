/**
 * Every help screen, byte for byte. They were captured from the command line as it was before the
 * commands became typed yargs modules, and any change to them (wording, order, wrapping, defaults)
 * must be a deliberate one: update a file with `npx vitest run test/cli-help.test.ts -u` and read
 * the diff. In CI a missing or different file fails.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

const ACTIONS = ["list", "show", "create", "update", "delete", "sync", "public-key", "apply"];
const COMMANDS = ["sync", "validate", "demo", "push-mirrors", "audit", "plan", "sandbox"];

const SCREENS: { name: string; args: string[]; env?: Record<string, string> }[] = [
  { name: "help", args: ["--help"] },
  { name: "help-short-flag", args: ["-h"] },
  { name: "no-command", args: [] },
  { name: "unknown-command", args: ["frobnicate"] },
  { name: "help-narrow", args: ["--help"], env: { COLUMNS: "60" } },
  ...COMMANDS.map((command) => ({ name: `${command}`, args: [command, "--help"] })),
  ...ACTIONS.map((action) => ({ name: `push-mirrors-${action}`, args: ["push-mirrors", action, "--help"] })),
  { name: "sync-narrow", args: ["sync", "--help"], env: { COLUMNS: "60" } },
  // CI_MIRROR_* variables are read into the parser as config: help must not change with them.
  {
    name: "sync-with-env",
    args: ["sync", "--help"],
    env: { CI_MIRROR_CONCURRENCY: "8", CI_MIRROR_MIRROR: "a,b" },
  },
];

describe("help screens", () => {
  it.each(SCREENS)("ci-mirror $args is unchanged", async ({ name, args, env }) => {
    const { path } = await tempDir("cli-help");
    const run = await runCli(args, { cwd: path, env: env ?? {} });

    const screen = [`exit ${run.code}`, "--- stdout", run.stdout, "--- stderr", run.stderr].join("\n");
    await expect(screen).toMatchFileSnapshot(`fixtures/help/${name}.txt`);
  });
});
