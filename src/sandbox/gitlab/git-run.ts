/** Running git for the sandbox itself (seeding content, push mirrors), isolated from user config. */
import { spawn } from "node:child_process";
import { HERMETIC_GIT_ENV } from "../hermetic-git-env.ts";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** No user or system config, no prompts: what runs must not depend on who runs the tests. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LC_ALL: "C",
    ...HERMETIC_GIT_ENV,
    GIT_AUTHOR_NAME: "GitLab Sandbox",
    GIT_AUTHOR_EMAIL: "sandbox@example.com",
    GIT_COMMITTER_NAME: "GitLab Sandbox",
    GIT_COMMITTER_EMAIL: "sandbox@example.com",
  };
}

export function runGit(
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<GitResult> {
  return new Promise((resolveRun, reject) => {
    const stdin = options.input == null ? "ignore" : "pipe";
    const child = spawn("git", args, { cwd: options.cwd, env: options.env, stdio: [stdin, "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code: code ?? 1, stdout, stderr }));
    // A git that exits without reading its input must not take the sandbox down with EPIPE.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input);
  });
}

export async function gitOk(
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw new Error(`git ${args[0] ?? ""} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}
