import { execa } from "execa";
import { GitError } from "../errors/git-error.ts";
import { onAbruptExit } from "../util/exit-cleanup.ts";
import { classifyGitFailure } from "./errors.ts";
import type { Env } from "../util/env.ts";

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
  /** Aborted when the run is cancelled: a running git is stopped, and no new one starts. */
  signal?: AbortSignal | undefined;
  /** Who watches git run: `--debug` and progress meters. */
  observer?: GitObserver | undefined;
}

/** Watches git as it runs. Everything it gets is redacted by the caller's output before printing. */
export interface GitObserver {
  /** `--debug`: each command (argv holds no secret by design), then how it ended and what it said. */
  trace?: ((line: string) => void) | undefined;
  /** git's progress meters of a long transfer, one line at a time, as git writes them. */
  progress?: ((verb: string, line: string) => void) | undefined;
}

/** Whether a transfer should ask git for progress meters (`--progress`) rather than `--quiet`. */
export function wantsProgress(ctx: GitContext): boolean {
  return ctx.observer?.progress != null;
}

export interface RunOptions {
  /** Network verbs get `networkTimeoutMs`; local ones a short fixed limit. */
  network?: boolean;
  input?: string;
  /** Env for this call only (e.g. one endpoint's credentials), laid over the context's. */
  env?: Env;
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  okExitCodes?: readonly number[];
  /** The command writes progress meters (`--progress`): pass them on as they come. */
  progress?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// Local verbs (rev-parse, for-each-ref, update-ref) finish in milliseconds; a minute means a hang.
const LOCAL_TIMEOUT_MS = 60_000;
// git removes its lock files and temporary packs on SIGTERM and exits; whatever of its process
// group is still there after this gets SIGKILL.
const KILL_AFTER_MS = 2_000;
// Killing the group closes the pipes with the last process that holds them. One that left the
// group (a new session) could hold them for ever: past this, the pipes are no longer read.
const PIPE_GRACE_MS = 1_000;

/** Process groups of the git processes running now (each git leads its own group). */
const running = new Set<number>();

// A process that exits at once (a second signal, a crash) cannot wait for the calls to end: git
// runs in groups of its own, which nothing else would stop.
onAbruptExit(() => {
  for (const group of running) killGroup(group, "SIGKILL");
});

export async function runGit(
  ctx: GitContext,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const verb = args.find((arg) => !arg.startsWith("-")) ?? "git";
  if (ctx.signal?.aborted === true) throw cancelled(verb);
  const trace = ctx.observer?.trace;
  const started = performance.now();
  trace?.(`$ git ${args.join(" ")}`);
  // git runs as the leader of its own process group, so that stopping it also stops what it
  // started: `git-remote-https`, `ssh`, `index-pack`, `pack-objects`, `git-lfs`. Killing git alone
  // would orphan them, and an orphan that keeps the stderr pipe open keeps this call waiting.
  const subprocess = execa("git", args, {
    cwd: ctx.cwd,
    env: definedOnly({ ...ctx.env, ...options.env }),
    extendEnv: false,
    input: options.input ?? "",
    detached: true,
    stripFinalNewline: false,
    reject: false,
    maxBuffer: 512 * 1024 * 1024,
  });
  const onProgress = ctx.observer?.progress;
  if (options.progress === true && onProgress != null) followMeters(subprocess.stderr, verb, onProgress);
  const group = subprocess.pid;
  if (group != null) running.add(group);
  let stopped: "timeout" | "cancelled" | undefined;
  let pipesAbandoned = false;
  const timers: NodeJS.Timeout[] = [];
  const stop = (reason: "timeout" | "cancelled"): void => {
    if (stopped != null) return;
    stopped = reason;
    if (group != null) killGroup(group, "SIGTERM");
    timers.push(
      setTimeout(() => {
        if (group != null) killGroup(group, "SIGKILL");
      }, KILL_AFTER_MS),
      setTimeout(() => {
        pipesAbandoned = true;
        subprocess.stdout?.destroy();
        subprocess.stderr?.destroy();
      }, KILL_AFTER_MS + PIPE_GRACE_MS),
    );
  };
  timers.push(
    setTimeout(() => stop("timeout"), options.network === true ? ctx.networkTimeoutMs : LOCAL_TIMEOUT_MS),
  );
  const onAbort = (): void => stop("cancelled");
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await subprocess;
    if (trace != null) traceResult(trace, verb, result, performance.now() - started);
    if (stopped === "cancelled") throw cancelled(verb, result);
    if (stopped === "timeout") throw classifyGitFailure(verb, { ...result, timedOut: true });
    const exitCode = result.exitCode ?? -1;
    if (result.failed && !(exitCode > 0 && options.okExitCodes?.includes(exitCode) === true)) {
      throw classifyGitFailure(verb, result);
    }
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode };
  } catch (error) {
    if (error instanceof GitError) throw error;
    throw classifyGitFailure(verb, error);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
    if (group != null) {
      running.delete(group);
      // Something of the group still held the pipes after SIGKILL: try once more. Only then: a
      // group that ended on its own may have its number reused already.
      if (pipesAbandoned) killGroup(group, "SIGKILL");
    }
  }
}

function cancelled(verb: string, cause?: unknown): GitError {
  return new GitError("cancelled", verb, `git ${verb} was stopped: the run was cancelled`, { cause });
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/** git rewrites a meter's line with CR: each state is passed on as a line of its own. */
function followMeters(
  stream: NodeJS.ReadableStream | null,
  verb: string,
  report: (verb: string, line: string) => void,
): void {
  let pending = "";
  stream?.on("data", (chunk: Buffer | string) => {
    const parts = (pending + String(chunk)).split(/\r|\n/);
    pending = parts.pop() ?? "";
    for (const part of parts) if (part.trim() !== "") report(verb, part.trim());
  });
}

// --debug shows what git said, not megabytes of it.
const TRACED_STDOUT_LINES = 20;

function traceResult(
  trace: (line: string) => void,
  verb: string,
  result: { exitCode?: number | undefined; stdout: unknown; stderr: unknown },
  ms: number,
): void {
  trace(`git ${verb} exited ${result.exitCode ?? "by a signal"} in ${Math.round(ms)}ms`);
  const out = lines(String(result.stdout));
  for (const line of out.slice(0, TRACED_STDOUT_LINES)) trace(`  | ${line}`);
  if (out.length > TRACED_STDOUT_LINES) trace(`  | … ${out.length - TRACED_STDOUT_LINES} more lines`);
  // A meter's intermediate states are noise here: only the last state of each line.
  for (const line of String(result.stderr).split("\n")) {
    const last = line.split("\r").findLast((part) => part.trim() !== "");
    if (last != null) trace(`  ! ${last.trim()}`);
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
