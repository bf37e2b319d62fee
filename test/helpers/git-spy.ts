import { chmod, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { tempDir } from "./fixtures.ts";

interface GitCall {
  /** The arguments, space-joined. */
  argv: string;
  /** The environment git was started with. */
  env: Map<string, string>;
}

export interface GitSpy {
  /** Put first on PATH. */
  bin: string;
  calls(): Promise<GitCall[]>;
}

/**
 * A `git` on PATH that writes down its argv and its environment before running the real git:
 * what every git process ci-mirror starts really received.
 */
export async function gitSpy(): Promise<GitSpy> {
  const { path: bin } = await tempDir("git-spy");
  const { path: log } = await tempDir("git-spy-log");
  const realGit = (await execa("sh", ["-c", "command -v git"])).stdout.trim();
  await writeFile(
    join(bin, "git"),
    [
      "#!/bin/sh",
      `f=$(mktemp '${log}/call.XXXXXX')`,
      `printf '%s\\n' "$*" > "$f.argv"`,
      `env -0 > "$f.env"`,
      `exec '${realGit}' "$@"`,
      "",
    ].join("\n"),
  );
  await chmod(join(bin, "git"), 0o755);
  return {
    bin,
    calls: async () => {
      const names = (await readdir(log)).filter((name) => name.endsWith(".argv"));
      return Promise.all(
        names.map(async (name) => {
          const base = join(log, name.slice(0, -".argv".length));
          const env = new Map<string, string>();
          for (const entry of (await readFile(`${base}.env`, "utf8")).split("\0")) {
            const eq = entry.indexOf("=");
            if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
          }
          return { argv: (await readFile(`${base}.argv`, "utf8")).trim(), env };
        }),
      );
    },
  };
}
