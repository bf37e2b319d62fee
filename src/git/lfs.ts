import { runGit, type GitContext } from "./runner.ts";
import type { Env } from "../util/env.ts";
import { withConfigEntries } from "./environment.ts";

/**
 * Git LFS: objects live outside git, so a ref push without them leaves pointers the target
 * cannot resolve (GitLab then declines the push: "LFS objects are missing"). We fetch every LFS
 * object the refs need from the upstream and push them to the target before the ref push,
 * which is the order GitLab's own push mirror uses.
 */
export async function lfsInstalled(ctx: GitContext): Promise<boolean> {
  try {
    const { exitCode } = await runGit(ctx, ["lfs", "version"], { okExitCodes: [1, 128] });
    return exitCode === 0;
  } catch {
    return false;
  }
}

/**
 * Whether any of these commits declares LFS-tracked paths in its top-level `.gitattributes`.
 * One `cat-file --batch` for all of them: a few hundred refs cost one process, not hundreds.
 */
export async function usesLfs(ctx: GitContext, commits: Iterable<string>): Promise<boolean> {
  const specs = [...new Set(commits)].map((sha) => `${sha}:.gitattributes`);
  if (specs.length === 0) return false;
  const { stdout } = await runGit(ctx, ["cat-file", "--batch"], { input: `${specs.join("\n")}\n` });
  return /filter=lfs/.test(stdout);
}

/**
 * Fetch every LFS object in the history of these local refs. Refs are named explicitly: our
 * refs live under `refs/upstream/*`, which git-lfs' `--all` scan alone would not push from.
 */
export function lfsFetch(ctx: GitContext, url: string, refs: readonly string[], env: Env): Promise<void> {
  return lfsPerChunk(ctx, ["fetch", "--all", url], refs, env);
}

/** Push the LFS objects of these refs' history; the server's batch answer skips what it has. */
export function lfsPush(ctx: GitContext, url: string, refs: readonly string[], env: Env): Promise<void> {
  return lfsPerChunk(ctx, ["push", url], refs, env);
}

async function lfsPerChunk(
  ctx: GitContext,
  verb: string[],
  refs: readonly string[],
  env: Env,
): Promise<void> {
  for (const chunk of chunks(refs)) {
    await runGit(ctx, ["lfs", ...verb, ...chunk], { network: true, env: lfsEnv(env) });
  }
}

// Ref names go in argv; keep each command line well under the OS limit.
function chunks(refs: readonly string[], size = 100): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < refs.length; i += size) out.push(refs.slice(i, i + size));
  return out;
}

// A mirror never holds LFS locks; without this git-lfs asks the server to verify them on push.
function lfsEnv(env: Env): Env {
  return withConfigEntries(env, [["lfs.locksverify", "false"]]);
}
