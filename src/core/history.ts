import { isAncestor, isContainedIn, presentObjects } from "../git/cache-repo.ts";
import type { RefMap } from "../git/ls-remote.ts";
import type { GitContext } from "../git/runner.ts";
import { isBranch } from "./ref-selection.ts";

/**
 * The history questions the plan needs answered, asked of the cache after the fetch.
 * A target sha the cache does not have cannot be in the upstream's (fully fetched) history,
 * so it is diverged without asking git.
 */
export async function fastForwardRefs(
  ctx: GitContext,
  upstream: RefMap,
  target: RefMap,
): Promise<Set<string>> {
  const candidates = [...upstream].filter(([ref, sha]) => {
    const from = target.get(ref);
    // Tags are not fast-forwarded: a tag that moved is a rewrite, whatever the history says.
    return from != null && from !== sha && isBranch(ref);
  });
  const present = await presentObjects(
    ctx,
    candidates.map(([ref]) => target.get(ref) ?? ""),
  );
  const result = new Set<string>();
  for (const [ref, to] of candidates) {
    const from = target.get(ref) ?? "";
    if (present.has(from) && (await isAncestor(ctx, from, to))) result.add(ref);
  }
  return result;
}

export async function refsContainedInUpstream(
  ctx: GitContext,
  upstream: RefMap,
  target: RefMap,
): Promise<Set<string>> {
  const targetOnly = [...target].filter(([ref]) => !upstream.has(ref));
  if (targetOnly.length === 0) return new Set();
  const present = await presentObjects(
    ctx,
    targetOnly.map(([, sha]) => sha),
  );
  const tips = [...new Set(upstream.values())];
  const result = new Set<string>();
  for (const [ref, sha] of targetOnly) {
    if (present.has(sha) && (await isContainedIn(ctx, sha, tips))) result.add(ref);
  }
  return result;
}
