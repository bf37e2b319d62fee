/**
 * How the sandbox runs git of its own (creating repositories, seeding content, push mirrors, the
 * demo's history): one runner and one environment for all of it. The CGI (git-http/cgi.ts) is the
 * one git started otherwise, since it streams; it gets the same environment.
 */
import { spawn } from "node:child_process";
import type { Env } from "../util/env.ts";
import { HERMETIC_GIT_ENV, gitIdentity } from "./hermetic-git-env.ts";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitRun {
  cwd?: string | undefined;
  env: Env;
  input?: string | undefined;
}

/** Where git and the hooks' tools are when the caller gives no PATH. */
const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * The environment of every git the sandbox runs: the caller's PATH (the sandbox reads no
 * environment of its own), a throwaway HOME, no user or system config, no prompts, and messages
 * in English, since the sandbox reads some of them.
 */
export function sandboxGitEnv(
  host: Env | undefined,
  home: string,
  identity?: { name: string; email: string },
): Env {
  return {
    PATH: host?.PATH ?? DEFAULT_PATH,
    HOME: home,
    LC_ALL: "C",
    ...HERMETIC_GIT_ENV,
    ...(identity == null ? {} : gitIdentity(identity.name, identity.email)),
  };
}

export function runGit(args: string[], options: GitRun): Promise<GitResult> {
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

/** git's trimmed output; a failure is an error with git's own words. */
export async function gitOk(args: string[], options: GitRun): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw new Error(`git ${args[0] ?? ""} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}
