import type { AuditReport, MirrorAudit, ProjectAudit } from "../core/audit/types.ts";
import { formatAge } from "../util/duration.ts";
import { formatColumns } from "./columns.ts";

const HEADERS = ["PROJECT", "MIRROR", "STATUS", "LAST SUCCESS", "VERDICT", "DETAILS"];

/**
 * The audit as a plain-text table, one row per mirror (and per project that failed or has a
 * note), failures first so they are on screen when the job log opens. Not redacted here: the
 * caller prints through a Printer.
 */
function auditTable(report: AuditReport, now: Date): string[] {
  const rows = report.projects.flatMap((project) => projectRows(project, now));
  const order = { fail: 0, warn: 1, ok: 2 } satisfies Record<string, number>;
  rows.sort((a, b) => order[a.verdict] - order[b.verdict]);
  return formatColumns([HEADERS, ...rows.map((row) => row.cells)]);
}

interface Row {
  verdict: "ok" | "warn" | "fail";
  cells: string[];
}

function projectRows(project: ProjectAudit, now: Date): Row[] {
  const rows: Row[] = project.mirrors.map((mirror) => mirrorRow(mirror, now));
  if (project.error != null) {
    const { code, message } = project.error;
    rows.push({ verdict: "fail", cells: [project.project, "-", "-", "-", "FAIL", `${code}: ${message}`] });
  }
  for (const note of project.notes) {
    rows.push({ verdict: "warn", cells: [project.project, "-", "-", "-", "WARN", note] });
  }
  return rows;
}

function mirrorRow(mirror: MirrorAudit, now: Date): Row {
  const status =
    mirror.enabled || mirror.id == null ? mirror.updateStatus : `disabled (${mirror.updateStatus})`;
  // A failed mirror's details open with its code, as every error in every output does.
  const details =
    mirror.error == null ? [...mirror.reasons] : [`${mirror.error.code}: ${mirror.reasons.join("; ")}`];
  if (mirror.resync != null) details.push(resyncLine(mirror.resync));
  return {
    verdict: mirror.verdict,
    cells: [
      mirror.project,
      mirror.url,
      status,
      formatAge(mirror.lastSuccessfulUpdateAt, now),
      mirror.verdict.toUpperCase(),
      details.join("; ").replace(/\s*\n\s*/g, " "),
    ],
  };
}

/**
 * What the audit says of a mirror it asked GitLab to push again. GitLab only enqueues the update
 * (RemoteMirror#sync), after up to 5 minutes when the mirror ran recently, so this run cannot know
 * the outcome: the next one judges it.
 */
const RESYNC_REQUESTED =
  "resync requested (GitLab pushes in the background; the next audit judges the result)";

/** What came of `--resync-failed` for one mirror. */
export function resyncLine(resync: NonNullable<MirrorAudit["resync"]>): string {
  if (resync.requested) return RESYNC_REQUESTED;
  return resync.error == null
    ? "resync failed"
    : `resync failed: ${resync.error.code}: ${resync.error.message}`;
}

/** The audit as `--json` prints it and `--report` writes it. */
export function auditJson(report: AuditReport): string {
  return JSON.stringify(report, null, 2);
}

/** The audit as the job log shows it: the table, then the closing line. */
export function auditText(report: AuditReport, now: Date): string {
  return [...auditTable(report, now), auditSummaryLine(report)].join("\n");
}

/** One closing line: the counts and whether the job fails. */
function auditSummaryLine(report: AuditReport): string {
  const { counts } = report;
  const resynced = counts.resynced > 0 ? `, ${counts.resynced} resync requested` : "";
  return `audit: ${counts.mirrors} mirror${counts.mirrors === 1 ? "" : "s"} in ${counts.projects} project${counts.projects === 1 ? "" : "s"}: ${counts.fail} failed, ${counts.warn} warning${counts.warn === 1 ? "" : "s"}, ${counts.ok} ok${resynced}`;
}
