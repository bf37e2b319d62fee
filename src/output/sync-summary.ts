import type { MirrorReport, RefOutcome, RefReport } from "../core/result.ts";

/**
 * The human summary of one mirror: a headline, then what changed, then what needs attention.
 * Up-to-date refs are counted, not listed, and long lists are cut short: a scheduled run's log
 * should be short.
 */
const ORDER: readonly RefOutcome[] = [
  "created",
  "updated",
  "forced",
  "deleted",
  "would-create",
  "would-update",
  "would-force",
  "would-delete",
  "rejected",
  "diverged",
  "kept-diverged",
  "kept-target-only",
  "up-to-date",
];

const MARKS: Record<MirrorReport["status"], string> = {
  "up-to-date": "OK",
  synced: "OK",
  planned: "PLANNED",
  failed: "FAILED",
  cancelled: "CANCELLED",
  empty: "OK",
};

// A first mirror creates every ref (a thousand for a large project): the log shows how many, and
// the first few of each kind; the --report JSON has every ref.
const SHOWN_PER_KIND = 5;
// What needs someone's attention is always listed in full.
const ALWAYS_LISTED: ReadonlySet<RefOutcome> = new Set([
  "rejected",
  "diverged",
  "kept-diverged",
  "kept-target-only",
]);

export function headline(report: MirrorReport): string {
  const counts = ORDER.filter((outcome) => (report.counts[outcome] ?? 0) > 0)
    .map((outcome) => `${report.counts[outcome]} ${outcome}`)
    .join(", ");
  const seconds = (report.timings.totalMs / 1000).toFixed(1);
  if (report.status === "empty") {
    return `${MARKS.empty.padEnd(7)} ${report.name}: nothing to mirror yet (the upstream has no branches or tags yet) in ${seconds}s`;
  }
  // A cancelled mirror says when it was stopped: its error message is that line.
  const status = report.status === "cancelled" ? (report.error?.message ?? "cancelled") : report.status;
  return `${MARKS[report.status].padEnd(7)} ${report.name}: ${status}${counts ? ` (${counts})` : ""} in ${seconds}s`;
}

/** Warnings, or refs left as they are that someone should look at. */
export function needsAttention(report: MirrorReport): boolean {
  return report.warnings.length > 0 || report.refs.some((ref) => ref.outcome !== "up-to-date");
}

export function details(report: MirrorReport): string[] {
  const out = [`  ${report.source} -> ${report.target}`];
  if (report.createdTarget != null) out.push(`  created the target project ${report.createdTarget}`);
  for (const outcome of ORDER) {
    if (outcome === "up-to-date") continue;
    const refs = report.refs.filter((ref) => ref.outcome === outcome);
    const shown = ALWAYS_LISTED.has(outcome) ? refs : refs.slice(0, SHOWN_PER_KIND);
    for (const ref of shown) out.push(`  ${refLine(ref)}`);
    if (refs.length > shown.length) {
      out.push(`  … and ${refs.length - shown.length} more ${outcome} (see --report)`);
    }
  }
  for (const warning of report.warnings) out.push(`  warning: ${warning}`);
  if (report.error != null) {
    out.push(`  error ${report.error.code}: ${report.error.message}`);
    for (const line of report.error.detail ?? []) out.push(`    ${line}`);
    out.push(`  fix: ${report.error.fix}`);
  }
  return out;
}

function refLine(ref: RefReport): string {
  const change =
    ref.from != null && ref.to != null
      ? `${short(ref.from)}..${short(ref.to)}`
      : short(ref.to ?? ref.from ?? "");
  const reason = ref.reason != null ? `  (${ref.reason})` : "";
  return `${ref.outcome.padEnd(16)} ${ref.ref}  ${change}${reason}`;
}

function short(sha: string): string {
  return sha.slice(0, 10);
}
