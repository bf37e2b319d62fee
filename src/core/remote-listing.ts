import { GitError } from "../errors/git-error.ts";
import { listRemoteRefs, remoteDefaultBranch, type RefMap } from "../git/ls-remote.ts";
import { withRetry } from "../util/retry.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { errorText } from "./update-cache.ts";

export async function listWithRetry(
  git: MirrorGit,
  url: string,
  env: MirrorGit["sourceEnv"],
  settings: SyncSettings,
  world: SyncWorld,
): Promise<RefMap> {
  const scratch = { ...git.cache, cwd: settings.cacheDir };
  return withRetry(
    settings.retry,
    (error) => error instanceof GitError && error.retryable,
    () => listRemoteRefs(scratch, url, env),
    (error, attempt, delay) =>
      world.log(
        `listing refs failed (${errorText(error)}); retry ${attempt} in ${Math.round(delay / 1000)}s`,
      ),
  );
}

export async function defaultBranchOf(
  git: MirrorGit,
  url: string,
  world: SyncWorld,
): Promise<string | undefined> {
  try {
    return await remoteDefaultBranch(git.cache, url, git.sourceEnv);
  } catch (error) {
    // Only the push order depends on it; not worth failing the mirror.
    world.log(`could not read the upstream's default branch (${errorText(error)})`);
    return undefined;
  }
}
