import type { Plan, PlannedRef } from "./plan.ts";
import type { RefReport } from "./result.ts";

/** How each planned ref is reported: what would happen (dry run), or what a plan kept as is. */
export function plannedReport(ref: PlannedRef, dryRun: boolean): RefReport {
  const base = { ref: ref.ref, from: ref.from, to: ref.to };
  switch (ref.kind) {
    case "keep-diverged":
      return { ...base, outcome: "kept-diverged", reason: "the target has commits the upstream lacks" };
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
