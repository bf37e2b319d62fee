import { runGit, type GitContext } from "./runner.ts";

/**
 * `git --version`, e.g. "git version 2.47.2". A missing git comes back as the GitError of kind
 * `missing-tool`, as from every other git call.
 */
export async function gitVersion(ctx: GitContext): Promise<string> {
  const { stdout } = await runGit(ctx, ["--version"]);
  return stdout.trim();
}
