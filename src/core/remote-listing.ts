import { listRemoteRefs, remoteDefaultBranch, type RefMap } from "../git/ls-remote.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { errorText, retryGitStep, type Remote } from "./retry-git.ts";

export async function listWithRetry(
  git: MirrorGit,
  remote: Remote,
  env: MirrorGit["sourceEnv"],
  settings: SyncSettings,
  world: SyncWorld,
): Promise<RefMap> {
  return retryGitStep(
    "listing refs",
    settings,
    world,
    () => listRemoteRefs(git.remote, remote.url, env),
    remote,
  );
}

export async function defaultBranchOf(
  git: MirrorGit,
  url: string,
  world: SyncWorld,
): Promise<string | undefined> {
  try {
    return await remoteDefaultBranch(git.remote, url, git.sourceEnv);
  } catch (error) {
    // It orders the first push, names create_target's default branch and feeds a warning:
    // not worth failing the mirror over.
    world.log(`could not read the upstream's default branch (${errorText(error)})`);
    return undefined;
  }
}
