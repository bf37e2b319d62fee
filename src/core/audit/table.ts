import { formatAge } from "../../util/duration.ts";
import { RESYNC_REQUESTED } from "./types.ts";
import type { AuditReport, MirrorAudit, ProjectAudit } from "./types.ts";

const HEADERS = ["PROJECT", "MIRROR", "STATUS", "LAST SUCCESS", "VERDICT", "DETAILS"];

/**
 * The audit as a plain-text table, one row per mirror (and per project that failed or has a
 * note), failures first so they are on screen when the job log opens. Not redacted here: the
 * caller prints through a Printer.
 */
export function auditTable(report: AuditReport, now: Date): string[] {
  const rows = report.projects.flatMap((project) => projectRows(project, now));
  const order = { fail: 0, warn: 1, ok: 2 } satisfies Record<string, number>;
  rows.sort((a, b) => order[a.verdict] - order[b.verdict]);
  const cells = [HEADERS, ...rows.map((row) => row.cells)];
  const widths = HEADERS.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? "").length)));
  return cells.map((line) =>
    line
      .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
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

/** What came of `--resync-failed` for one mirror. */
export function resyncLine(resync: NonNullable<MirrorAudit["resync"]>): string {
  if (resync.requested) return RESYNC_REQUESTED;
  return resync.error == null
    ? "resync failed"
    : `resync failed: ${resync.error.code}: ${resync.error.message}`;
}

/** One closing line: the counts and whether the job fails. */
export function auditSummaryLine(report: AuditReport): string {
  const { counts } = report;
  const resynced = counts.resynced > 0 ? `, ${counts.resynced} resync requested` : "";
  return `audit: ${counts.mirrors} mirror${counts.mirrors === 1 ? "" : "s"} in ${counts.projects} project${counts.projects === 1 ? "" : "s"}: ${counts.fail} failed, ${counts.warn} warning${counts.warn === 1 ? "" : "s"}, ${counts.ok} ok${resynced}`;
}
