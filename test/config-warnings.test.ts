/**
 * Config warnings, as every command that reads the config prints them: one way, on stderr, and
 * through the run's redactor like everything else it prints.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

// A token pasted where the GitLab host goes: the plain-http warning names the host, token and all.
const LEAKED = "leakedtoken1234";
const CONFIG = [
  "version: 1",
  "gitlab:",
  `  url: http://${LEAKED}.example.com`,
  "defaults:",
  "  target:",
  "    url: https://gitlab.example.com/mirrors/{name}.git",
  "    token: TARGET_TOKEN",
  "mirrors:",
  "  - name: alpha",
  "    source: https://github.com/example/alpha.git",
].join("\n");

// Each command reads the config, warns, then stops on something that needs no network.
const COMMANDS: Record<string, string[]> = {
  validate: ["validate"],
  plan: ["plan", "--out", "child.yml"],
  sync: ["sync", "--mirror", "nonexistent"],
  audit: ["audit"],
  "push-mirrors": ["push-mirrors", "list", "--config", "mirrors.yml"],
};

async function stderrOf(args: string[]): Promise<string> {
  const { path } = await tempDir("config-warnings");
  await writeFile(join(path, "mirrors.yml"), `${CONFIG}\n`);
  const run = await runCli(args, {
    cwd: path,
    env: { GITLAB_TOKEN: LEAKED, TARGET_TOKEN: "target-token-1" },
  });
  return run.stderr;
}

describe("config warnings", () => {
  it.each(Object.entries(COMMANDS))("%s prints them through the redactor", async (_name, args) => {
    const stderr = await stderrOf(args);

    expect(stderr).toMatch(/warning.*gitlab\.url.*\[MASKED\]\.example\.com/);
    expect(stderr).not.toContain(LEAKED);
  });

  it("look the same whichever command prints them", async () => {
    const lines = await Promise.all(
      Object.values(COMMANDS).map(async (args) =>
        (await stderrOf(args)).split("\n").filter((line) => line.includes("gitlab.url")),
      ),
    );

    expect(lines[0]).toEqual([
      "mirrors.yml:3:8  warning  gitlab.url  the GitLab API token would be sent unencrypted over http:// to `[MASKED].example.com`; use https://",
    ]);
    for (const other of lines.slice(1)) expect(other).toEqual(lines[0]);
  });
});
