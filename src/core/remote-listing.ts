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
  const scratch = { ...git.cache, cwd: settings.cacheDir };
  return retryGitStep("listing refs", settings, world, () => listRemoteRefs(scratch, url, env));
}

export async function defaultBranchOf(
  git: MirrorGit,
  url: string,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<string | undefined> {
  try {
    // Like the listing, asked before the cache repo necessarily exists (create_target).
    return await remoteDefaultBranch({ ...git.cache, cwd: settings.cacheDir }, url, git.sourceEnv);
  } catch (error) {
    // Only the push order depends on it; not worth failing the mirror.
    world.log(`could not read the upstream's default branch (${errorText(error)})`);
    return undefined;
  }
}
