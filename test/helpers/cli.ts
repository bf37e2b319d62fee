import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import type { Env } from "../../src/util/env.ts";
import { HERMETIC_GIT_ENV } from "./sandbox.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with a world of our choosing; output is captured, never printed. */
export async function runCli(args: string[], world: { cwd: string; env?: Env }): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd: world.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...HERMETIC_GIT_ENV, ...testPacing, ...world.env },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { code, stdout, stderr };
}

const testPacing: Env = {
  // Retries in tests wait milliseconds, not seconds.
  CI_MIRROR_RETRY_DELAY: "10",
};

export interface MirrorEntry {
  name: string;
  source: string;
  target?: string;
  extra?: string[];
}

/** Write a mirrors.yml whose tokens are named UPSTREAM_TOKEN and TARGET_TOKEN. */
export async function writeConfig(
  dir: string,
  mirrors: MirrorEntry[],
  defaults: string[] = [],
): Promise<string> {
  const lines = [
    "version: 1",
    "defaults:",
    "  target:",
    "    token: TARGET_TOKEN",
    ...defaults.map((line) => `  ${line}`),
    "mirrors:",
  ];
  for (const mirror of mirrors) {
    lines.push(
      `  - name: ${mirror.name}`,
      `    source: ${mirror.source}`,
      "    source_token: UPSTREAM_TOKEN",
    );
    if (mirror.target != null) lines.push(`    target: { url: ${mirror.target} }`);
    for (const line of mirror.extra ?? []) lines.push(`    ${line}`);
  }
  const file = join(dir, "mirrors.yml");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

/** A valid config with two mirrors (alpha, beta) and nothing that needs a network. */
export const TWO_MIRRORS_CONFIG = [
  "version: 1",
  "defaults:",
  "  target:",
  "    url: https://gitlab.example.com/mirrors/{name}.git",
  "    token: TARGET_TOKEN",
  "mirrors:",
  "  - name: alpha",
  "    source: https://github.com/example/alpha.git",
  "  - name: beta",
  "    source: https://github.com/example/beta.git",
].join("\n");
