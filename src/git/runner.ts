import { execa } from "execa";
import { classifyGitFailure } from "./errors.ts";
import type { Env } from "./environment.ts";

/**
 * The one place that starts git. Every call is array-form (no shell), non-interactive,
 * locale-stable (we parse stderr) and time-bounded; failures come back as GitError.
 */
export interface GitContext {
  /** Working directory: the bare cache repo, or any dir for remote-only verbs. */
  cwd: string;
  /** The environment git runs with, already hardened and holding the credentials it needs. */
  env: Env;
  /** Milliseconds before a network verb is killed. */
  networkTimeoutMs: number;
}

export interface RunOptions {
  /** Network verbs get `networkTimeoutMs`; local ones a short fixed limit. */
  network?: boolean;
  input?: string;
  /** Env for this call only (e.g. one endpoint's credentials), laid over the context's. */
  env?: Env;
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  okExitCodes?: readonly number[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// Local verbs (rev-parse, for-each-ref, update-ref) finish in milliseconds; a minute means a hang.
const LOCAL_TIMEOUT_MS = 60_000;

export async function runGit(
  ctx: GitContext,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const verb = args.find((arg) => !arg.startsWith("-")) ?? "git";
  try {
    const result = await execa("git", args, {
      cwd: ctx.cwd,
      env: definedOnly({ ...ctx.env, ...options.env }),
      extendEnv: false,
      input: options.input ?? "",
      timeout: options.network === true ? ctx.networkTimeoutMs : LOCAL_TIMEOUT_MS,
      forceKillAfterDelay: 5_000,
      stripFinalNewline: false,
      reject: false,
      maxBuffer: 512 * 1024 * 1024,
    });
    const exitCode = result.exitCode ?? -1;
    if (result.failed && !(exitCode > 0 && options.okExitCodes?.includes(exitCode) === true)) {
      throw classifyGitFailure(verb, result);
    }
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode };
  } catch (error) {
    if (error instanceof Error && error.name === "GitError") throw error;
    throw classifyGitFailure(verb, error);
  }
}

/** Split command output into non-empty lines. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}

// child_process turns an undefined value into the string "undefined"; drop such keys instead.
function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value != null) out[key] = value;
  return out;
}
