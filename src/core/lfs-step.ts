import type { MirrorConfig } from "../config/types.ts";
import { GitError } from "../errors/git-error.ts";
import { ToolError } from "../errors/tool-error.ts";
import { UPSTREAM_NS } from "../git/cache-repo.ts";
import { lfsFetch, lfsInstalled, lfsPush, usesLfs } from "../git/lfs.ts";
import type { PlannedRef } from "./ref-plan.ts";
import type { MirrorGit, SyncWorld } from "./sync-context.ts";

/**
 * LFS objects go before the refs that point at them. A repository that uses LFS but is mirrored
 * without it gets a loud warning, not silence: its target would hold pointers to nothing.
 */
export async function mirrorLfs(
  git: MirrorGit,
  mirror: MirrorConfig,
  urls: { source: string; target: string },
  toChange: readonly PlannedRef[],
  world: SyncWorld,
): Promise<{ warnings: string[] }> {
  const commits = toChange.flatMap((ref) => (ref.to != null ? [ref.to] : []));
  if (commits.length === 0 || !(await usesLfs(git.cache, commits))) return { warnings: [] };
  if (mirror.lfs === "off") {
    return {
      warnings: ["the repository uses Git LFS but lfs is off for this mirror: LFS objects were not mirrored"],
    };
  }
  if (!(await lfsInstalled(git.cache))) {
    if (mirror.lfs === "on") {
      throw new ToolError("ELFSMISSING", "lfs: true but git-lfs is not installed");
    }
    return {
      warnings: ["the repository uses Git LFS but git-lfs is not installed: LFS objects were not mirrored"],
    };
  }
  world.log("mirroring Git LFS objects");
  try {
    const refs = toChange
      .filter((ref) => ref.to != null)
      .map((ref) => `${UPSTREAM_NS}${ref.ref.slice("refs/".length)}`);
    await lfsFetch(git.cache, urls.source, refs, git.sourceEnv);
    await lfsPush(git.cache, urls.target, refs, git.targetEnv);
  } catch (error) {
    if (error instanceof GitError) {
      throw new ToolError("ELFS", `Git LFS transfer failed: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return { warnings: [] };
}
