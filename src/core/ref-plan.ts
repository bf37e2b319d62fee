import type { DivergencePolicy } from "../config/types.ts";
import type { RefMap } from "../git/ls-remote.ts";

/**
 * The ref plan: what a sync would do to each managed ref on the target. Pure, so every
 * combination of policy, prune and history shape is table-tested without git.
 */
type PlannedKind =
  | "create"
  | "update" // fast-forward
  | "force" // the target loses commits the upstream does not have
  | "delete"
  | "up-to-date"
  | "keep-diverged" // divergence: keep; the target's commits stay, the ref is not updated
  | "keep-target-only"; // divergence: keep; a ref only the target has, not from the upstream

export interface PlannedRef {
  ref: string;
  kind: PlannedKind;
  /** Target's sha before the sync, when the target has the ref. */
  from?: string | undefined;
  /** Upstream's sha, when the upstream has the ref. */
  to?: string | undefined;
}

export interface PlanInput {
  upstream: RefMap;
  target: RefMap;
  divergence: DivergencePolicy;
  prune: boolean;
  /** Target refs whose current value is an ancestor of the upstream value (a fast-forward). */
  fastForward: ReadonlySet<string>;
  /** Target-only refs whose commits are all in the upstream's history (nothing would be lost). */
  containedInUpstream: ReadonlySet<string>;
}

export interface Plan {
  refs: PlannedRef[];
  /** Refs where the target has commits the upstream lacks. */
  diverged: string[];
}

export function planRefs(input: PlanInput): Plan {
  const refs: PlannedRef[] = [];
  const diverged: string[] = [];
  for (const [ref, to] of input.upstream) {
    const from = input.target.get(ref);
    if (from == null) refs.push({ ref, kind: "create", to });
    else if (from === to) refs.push({ ref, kind: "up-to-date", from, to });
    else if (input.fastForward.has(ref)) refs.push({ ref, kind: "update", from, to });
    else {
      diverged.push(ref);
      refs.push({ ref, kind: input.divergence === "keep" ? "keep-diverged" : "force", from, to });
    }
  }
  for (const [ref, from] of input.target) {
    if (input.upstream.has(ref) || !input.prune) continue;
    // Under `keep`, only a ref whose commits the upstream still has is "gone upstream";
    // anything else was made on the target and is kept.
    const contained = input.containedInUpstream.has(ref);
    if (input.divergence === "keep" && !contained) {
      refs.push({ ref, kind: "keep-target-only", from });
    } else {
      // Under `fail`, deleting commits only the target has is a divergence like any other.
      if (input.divergence === "fail" && !contained) diverged.push(ref);
      refs.push({ ref, kind: "delete", from });
    }
  }
  return { refs, diverged };
}

/** Refs the plan would change on the target. */
export function changes(plan: Plan): PlannedRef[] {
  return plan.refs.filter((ref) => CHANGING.has(ref.kind));
}

const CHANGING: ReadonlySet<PlannedKind> = new Set(["create", "update", "force", "delete"]);
