import type { RefLimit } from "../config/types.ts";
import { ToolError } from "../errors/tool-error.ts";
import type { PlannedRef } from "./ref-plan.ts";
import { plural } from "../util/plural.ts";

/**
 * The guards against "too perfect a mirror": an upstream that comes back empty, truncated or
 * rewritten must not wipe the target's refs or history in one run. Each guard counts one kind of
 * planned change against its limit. Past a limit nothing is pushed at all, and one error lists
 * what would have happened and how to allow it: a flag on the command line, or a higher limit in
 * the reviewed config. Never an environment variable: a pipeline or trigger variable could set it.
 *
 * What the guards let through on purpose: creations and fast-forwards. A fast-forward keeps every
 * commit the target had (even one to a commit that deletes every file), so nothing is lost that a
 * revert cannot bring back.
 */
export interface GuardLimits {
  maxDeletions: RefLimit;
  maxRewrites: RefLimit;
}

export interface GuardOverrides {
  allowMassDelete: boolean;
  allowMassRewrite: boolean;
}

interface Guard {
  kind: "delete" | "force";
  code: "EMASSDELETE" | "EMASSREWRITE";
  /** Config key of the limit. */
  key: string;
  limit: (limits: GuardLimits) => RefLimit;
  /** The command-line flag that lifts the limit for one run (the catalog's fix names it). */
  allowed: (overrides: GuardOverrides) => boolean;
}

const GUARDS: readonly Guard[] = [
  {
    kind: "delete",
    code: "EMASSDELETE",
    key: "max_deletions",
    limit: (limits) => limits.maxDeletions,
    allowed: (overrides) => overrides.allowMassDelete,
  },
  {
    kind: "force",
    code: "EMASSREWRITE",
    key: "max_rewrites",
    limit: (limits) => limits.maxRewrites,
    allowed: (overrides) => overrides.allowMassRewrite,
  },
];

/** How many refs a limit allows, out of the target's managed refs. */
export function refLimitCount(limit: RefLimit, managedTargetRefs: number): number {
  if (limit.kind === "count") return limit.value;
  // At least one: otherwise a repository with three branches could never lose or rewrite one.
  return Math.max(1, Math.floor((limit.value / 100) * managedTargetRefs));
}

/** Throws one error naming every guard the plan breaks; returns when none is broken. */
export function checkGuards(
  planned: readonly PlannedRef[],
  limits: GuardLimits,
  managedTargetRefs: number,
  overrides: GuardOverrides,
): void {
  const broken = GUARDS.flatMap((guard) => {
    const refs = planned.filter((ref) => ref.kind === guard.kind).map((ref) => ref.ref);
    const limit = guard.limit(limits);
    const allowed = refLimitCount(limit, managedTargetRefs);
    if (guard.allowed(overrides) || refs.length <= allowed) return [];
    const written = limit.kind === "count" ? String(limit.value) : `${limit.value}%`;
    return [
      {
        guard,
        text: `refusing to ${guard.kind} ${refs.length} of ${plural(managedTargetRefs, "ref")} on the target (${guard.key}: ${written} allows ${allowed}): ${listed(refs)}`,
      },
    ];
  });
  const [first] = broken;
  if (first == null) return;
  // One code for scripts (the first guard broken); the message and the fix name every guard.
  throw new ToolError(first.guard.code, broken.map((entry) => entry.text).join("; "), {
    fix: broken.length > 1 ? "andRewrites" : undefined,
  });
}

export function emptyUpstreamError(targetRefs: number): ToolError {
  return new ToolError(
    "EUPSTREAMEMPTY",
    `the upstream answered with no branches or tags (the target has ${targetRefs})`,
  );
}

function listed(refs: readonly string[]): string {
  const more = refs.length > 20 ? ` and ${refs.length - 20} more` : "";
  return `${refs.slice(0, 20).join(", ")}${more}`;
}
