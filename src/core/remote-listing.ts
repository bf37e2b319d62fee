import { listRemoteRefs, remoteDefaultBranch, type RefMap } from "../git/ls-remote.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { errorText, retryGitStep } from "./retry-git.ts";

export async function listWithRetry(
  git: MirrorGit,
  url: string,
  env: MirrorGit["sourceEnv"],
  settings: SyncSettings,
  world: SyncWorld,
): Promise<RefMap> {
  return retryGitStep("listing refs", settings, world, () =>
    listRemoteRefs(outsideCache(git, settings), url, env),
  );
}

export async function defaultBranchOf(
  git: MirrorGit,
  url: string,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<string | undefined> {
  try {
    return await remoteDefaultBranch(outsideCache(git, settings), url, git.sourceEnv);
  } catch (error) {
    // It orders the first push, names create_target's default branch and feeds a warning:
    // not worth failing the mirror over.
    world.log(`could not read the upstream's default branch (${errorText(error)})`);
    return undefined;
  }
}

/**
 * Remote questions asked before the cache repository necessarily exists (a no-op run never
 * creates it; create_target asks before the first fetch) run in the cache dir itself.
 */
function outsideCache(git: MirrorGit, settings: SyncSettings): MirrorGit["cache"] {
  return { ...git.cache, cwd: settings.cacheDir };
}
