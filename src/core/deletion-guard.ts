import type { DeletionLimit } from "../config/types.ts";
import { ToolError } from "../errors/tool-error.ts";
import type { PlannedRef } from "./plan.ts";

/**
 * The guard against "too perfect a mirror": an upstream that comes back empty or truncated must
 * not wipe the target. Past the limit nothing is pushed at all, and the error lists what would
 * have been deleted and how to allow it.
 */
export function deletionLimit(limit: DeletionLimit, managedTargetRefs: number): number {
  if (limit.kind === "count") return limit.value;
  // At least one: otherwise a repository with three branches could never lose one.
  return Math.max(1, Math.floor((limit.value / 100) * managedTargetRefs));
}

export function checkDeletions(
  planned: readonly PlannedRef[],
  limit: DeletionLimit,
  managedTargetRefs: number,
  allowMassDelete: boolean,
): void {
  const deletions = planned.filter((ref) => ref.kind === "delete").map((ref) => ref.ref);
  const allowed = deletionLimit(limit, managedTargetRefs);
  if (allowMassDelete || deletions.length <= allowed) return;
  const shown = deletions.slice(0, 20).join(", ");
  const more = deletions.length > 20 ? ` and ${deletions.length - 20} more` : "";
  const written = limit.kind === "count" ? String(limit.value) : `${limit.value}%`;
  throw new ToolError(
    "EMASSDELETE",
    `refusing to delete ${deletions.length} of ${managedTargetRefs} refs on the target (max_deletions: ${written} allows ${allowed}): ${shown}${more}`,
    {
      fix: "Nothing was pushed. If the upstream really deleted these refs, run again with --allow-mass-delete, or raise max_deletions for this mirror.",
    },
  );
}

export function emptyUpstreamError(targetRefs: number): ToolError {
  return new ToolError(
    "EUPSTREAMEMPTY",
    `the upstream answered with no branches or tags (the target has ${targetRefs})`,
    {
      fix: "Nothing was pushed. Check the source URL and token; if the upstream really is empty and the target should be emptied too, run again with --allow-mass-delete.",
    },
  );
}
