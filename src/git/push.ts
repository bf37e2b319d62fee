import { classifyGitFailure } from "./errors.ts";
import { namingRedirects } from "./redirect.ts";
import { lines, runGit, wantsProgress, type GitContext } from "./runner.ts";
import type { Env } from "../util/env.ts";

export interface RefUpdate {
  /** Local source ref or object (`refs/upstream/heads/main`); undefined deletes the target ref. */
  source: string | undefined;
  /** Target ref name. */
  ref: string;
  /**
   * What the target must hold for the update to go ahead (compare-and-swap through
   * `--force-with-lease`): its current sha, or "" for "must not exist yet".
   */
  expect: string;
}

type PushStatus = "created" | "updated" | "forced" | "deleted" | "up-to-date" | "rejected";

export interface PushResult {
  ref: string;
  status: PushStatus;
  /** Plain-words reason for a rejection, e.g. "protected branch: force push not allowed". */
  reason?: string | undefined;
  /** git's own summary (`[remote rejected] (pre-receive hook declined)`). */
  summary: string;
}

/**
 * Push one batch, non-atomically so each ref succeeds or fails on its own, and report every ref.
 * Every update carries a lease, so a ref someone changed on the target after we listed it is
 * rejected ("stale info") instead of overwritten.
 */
export async function pushRefs(
  ctx: GitContext,
  url: string,
  updates: readonly RefUpdate[],
  env: Env,
): Promise<PushResult[]> {
  if (updates.length === 0) return [];
  const args = ["push", "--porcelain", "--no-verify", ...meters(ctx)];
  for (const update of updates) args.push(`--force-with-lease=${update.ref}:${update.expect}`);
  args.push("--", url);
  for (const update of updates) args.push(`${update.source ?? ""}:${update.ref}`);
  return namingRedirects(url, "git-receive-pack", () => runPorcelainPush(ctx, args, env));
}

/**
 * Push every branch and tag under a cache namespace (`refs/upstream/heads/*` → `refs/heads/*`)
 * without force: creations and fast-forwards land, anything else is refused by git before it is
 * sent. One glob costs git far less than hundreds of named refspecs.
 */
export async function pushNamespace(
  ctx: GitContext,
  url: string,
  namespace: string,
  env: Env,
): Promise<PushResult[]> {
  const args = [
    "push",
    "--porcelain",
    "--no-verify",
    ...meters(ctx),
    "--",
    url,
    `${namespace}heads/*:refs/heads/*`,
    `${namespace}tags/*:refs/tags/*`,
  ];
  return namingRedirects(url, "git-receive-pack", () => runPorcelainPush(ctx, args, env));
}

/** Progress meters when someone watches; they go to stderr, the porcelain lines to stdout. */
function meters(ctx: GitContext): string[] {
  return wantsProgress(ctx) ? ["--progress"] : [];
}

async function runPorcelainPush(ctx: GitContext, args: string[], env: Env): Promise<PushResult[]> {
  // Exit code 1 with porcelain lines is "some refs were rejected": an answer, parsed below.
  const result = await runGit(ctx, args, { network: true, env, okExitCodes: [1], progress: true });
  const parsed = parsePorcelain(result.stdout, result.stderr);
  if (result.exitCode !== 0 && parsed.length === 0) {
    throw classifyGitFailure("push", { stderr: result.stderr, exitCode: result.exitCode });
  }
  return parsed;
}

/**
 * `git push --porcelain` prints one line per ref:
 *
 *   To http://host/repo.git
 *   *\trefs/upstream/heads/new:refs/heads/new\t[new branch]
 *    \trefs/upstream/heads/main:refs/heads/main\t1a2b3c4..5d6e7f8
 *   +\trefs/upstream/heads/dev:refs/heads/dev\t1a2b3c4...5d6e7f8 (forced update)
 *   -\t:refs/heads/gone\t[deleted]
 *   =\trefs/upstream/tags/v1:refs/tags/v1\t[up to date]
 *   !\trefs/upstream/heads/x:refs/heads/x\t[remote rejected] (pre-receive hook declined)
 *   Done
 *
 * The server's own words for a hook rejection come on stderr as `remote: …` lines.
 */
export function parsePorcelain(stdout: string, stderr: string): PushResult[] {
  const remoteMessage = remoteLines(stderr);
  const results: PushResult[] = [];
  for (const line of lines(stdout)) {
    const match = /^(?<flag>[ +\-*=!])\t(?<refspec>[^\t]*)\t(?<summary>.*)$/.exec(line);
    if (match?.groups == null) continue;
    const { flag, refspec, summary } = match.groups as { flag: string; refspec: string; summary: string };
    const ref = refspec.slice(refspec.lastIndexOf(":") + 1);
    const status = STATUS_BY_FLAG[flag] ?? "rejected";
    results.push({
      ref,
      status,
      summary,
      reason: status === "rejected" ? rejectionReason(summary, remoteMessage) : undefined,
    });
  }
  return results;
}

const STATUS_BY_FLAG: Record<string, PushStatus> = {
  " ": "updated",
  "+": "forced",
  "-": "deleted",
  "*": "created",
  "=": "up-to-date",
  "!": "rejected",
};

/** Translate git's and GitLab's rejection wording into something a person can act on. */
export function rejectionReason(summary: string, remoteMessage: string): string {
  const detail = /\((?<why>[^)]*)\)\s*$/.exec(summary)?.groups?.why ?? summary;
  const remote = remoteMessage.toLowerCase();
  if (/hidden ref/.test(detail)) return "hidden ref: the target does not accept pushes to this namespace";
  if (/stale info/.test(detail)) return "target changed during the sync (lease failed); the next run retries";
  if (/non-fast-forward|fetch first/.test(detail))
    return "non-fast-forward: the target has commits the upstream lacks";
  if (/already exists/.test(detail)) return "tag already exists on the target with another value";
  if (/shallow update not allowed/.test(detail)) return "shallow update not allowed";
  if (/hook declined/.test(detail)) {
    if (/protected branch/.test(remote) && /force push/.test(remote)) {
      return "protected branch: the target does not allow force pushes";
    }
    if (/protected branch/.test(remote) && /delete/.test(remote)) {
      return "protected branch: the target does not allow deleting it";
    }
    if (/lfs objects are missing/.test(remote)) return "LFS objects are missing on the target";
    const said = remoteMessage.split("\n").find((line) => line.trim().length > 0);
    return said != null ? `hook declined: ${said.trim()}` : "hook declined by the target";
  }
  return detail;
}

/** `remote: GitLab: You are not allowed …` → `GitLab: You are not allowed …` */
function remoteLines(stderr: string): string {
  return lines(stderr)
    .filter((line) => line.startsWith("remote: "))
    .map((line) => line.slice("remote: ".length).trim())
    .filter(
      (line) => line.length > 0 && !/^(Resolving deltas|Counting|Compressing|Total|Processing)/.test(line),
    )
    .join("\n");
}
