import type { Plan, PlannedRef } from "./ref-plan.ts";
import type { RefReport } from "./result.ts";

/** How each planned ref is reported: what would happen (dry run), or what a plan kept as is. */
export function plannedReport(ref: PlannedRef, dryRun: boolean): RefReport {
  const base = { ref: ref.ref, from: ref.from, to: ref.to };
  switch (ref.kind) {
    case "keep-diverged":
      return {
        ...base,
        outcome: "kept-diverged",
        reason: isTag(ref.ref)
          ? "tag moved upstream; the target keeps its own"
          : "the target has commits the upstream lacks",
      };
    case "keep-target-only":
      return {
        ...base,
        outcome: "kept-target-only",
        reason: "only on the target, with commits the upstream lacks",
      };
    case "up-to-date":
      return { ...base, outcome: "up-to-date" };
    case "create":
      return { ...base, outcome: dryRun ? "would-create" : "created" };
    case "update":
      return { ...base, outcome: dryRun ? "would-update" : "updated" };
    case "force":
      return { ...base, outcome: dryRun ? "would-force" : "forced" };
    case "delete":
      return { ...base, outcome: dryRun ? "would-delete" : "deleted" };
  }
}

/** The push results where refs were pushed; the plan's own verdict for the rest. */
export function mergeReports(plan: Plan, pushed: readonly RefReport[]): RefReport[] {
  const byRef = new Map(pushed.map((ref) => [ref.ref, ref]));
  return plan.refs.map((ref) => byRef.get(ref.ref) ?? plannedReport(ref, false));
}

/**
 * The refs of a mirror that failed after planning (divergence under `fail`, a guard, a failed
 * push): what git confirmed for the refs it pushed (`landed`); for every other planned change,
 * what would have happened (`would-…`) with `why` as the reason; and, when `divergence: fail`
 * stopped the mirror, `diverged` for the refs it stopped at. Never a change that did not happen.
 */
export function unpushedReports(
  plan: Plan,
  landed: readonly RefReport[],
  why: string,
  stoppedByDivergence: boolean,
): RefReport[] {
  const byRef = new Map(landed.map((ref) => [ref.ref, ref]));
  const diverged = new Set(stoppedByDivergence ? plan.diverged : []);
  return plan.refs.map((ref) => {
    const pushed = byRef.get(ref.ref);
    if (pushed != null) return pushed;
    const planned = plannedReport(ref, false);
    if (!CHANGES.has(ref.kind)) return planned;
    const base = { ref: ref.ref, from: ref.from, to: ref.to };
    if (diverged.has(ref.ref)) return { ...base, outcome: "diverged", reason: divergedReason(ref) };
    return { ...plannedReport(ref, true), reason: why };
  });
}

/** Why a ref counts as diverged, in the words that fit it. */
function divergedReason(ref: PlannedRef): string {
  if (ref.to == null) return "only on the target, with commits the upstream lacks";
  if (isTag(ref.ref)) return "tag moved: the upstream's tag points elsewhere than the target's";
  return "the target has commits the upstream lacks";
}

const CHANGES: ReadonlySet<PlannedRef["kind"]> = new Set(["create", "update", "force", "delete"]);

function isTag(ref: string): boolean {
  return ref.startsWith("refs/tags/");
}
