import { remoteDefaultBranch } from "../git/ls-remote.ts";
import type { MirrorGit, SyncWorld } from "./sync-context.ts";
import { errorText } from "./retry-git.ts";

/**
 * After the first push into an empty target: does the target's default branch match the
 * upstream's? git cannot set a remote's HEAD, so the target decides. GitLab creates a project's
 * repository with HEAD naming the project's default branch (the `default_branch` given at
 * creation, else the group's or instance's setting, `main` unless changed). When that branch
 * was not pushed, GitLab takes `main`, then `master`, then the first branch by name
 * (Gitaly's GetDefaultBranch). create_target passes the upstream's default branch when it
 * creates a project, so this only speaks up for targets made some other way.
 *
 * Returns a warning to report, or undefined when the default branches agree or cannot be told.
 */
export async function targetHeadWarning(
  git: MirrorGit,
  targetUrl: string,
  upstreamDefault: string,
  pushedBranches: readonly string[],
  world: SyncWorld,
): Promise<string | undefined> {
  let head: string | undefined;
  try {
    head = await remoteDefaultBranch(git.remote, targetUrl, git.targetEnv);
  } catch (error) {
    world.log(`could not read the target's default branch (${errorText(error)})`);
    return undefined;
  }
  const wanted = branchName(upstreamDefault);
  const fix =
    "set it in the target project's settings (GitLab: Settings > Repository > Branch defaults), or let create_target create target projects: it sets the upstream's default branch";
  if (head != null) {
    return head === upstreamDefault
      ? undefined
      : `the target's default branch is ${branchName(head)}, the upstream's is ${wanted}: ${fix}`;
  }
  // HEAD names a branch that was not pushed; ls-remote does not show such a HEAD.
  const fallback = gitlabFallbackBranch(pushedBranches);
  if (fallback == null || fallback === upstreamDefault) return undefined;
  return `the target's HEAD names a branch the upstream does not have, so GitLab takes ${branchName(fallback)} as the default branch; the upstream's is ${wanted}: ${fix}`;
}

/** The branch GitLab makes the default when HEAD names none of the branches present. */
function gitlabFallbackBranch(branches: readonly string[]): string | undefined {
  for (const name of ["refs/heads/main", "refs/heads/master"]) if (branches.includes(name)) return name;
  // for-each-ref order: bytewise, not locale order.
  return [...branches].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0];
}

function branchName(ref: string): string {
  return ref.replace(/^refs\/heads\//, "");
}
