import type { AuditCounts, AuditReport } from "../core/audit/types.ts";
import type { ErrorReport } from "../errors/catalog.ts";

/** One failure in a notification: which mirror, and why, in plain words and as the error. */
interface NotifiedFailure {
  project: string;
  mirrorId: number | null;
  /** Scrubbed as GitLab shows it. */
  url: string | null;
  reasons: string[];
  error?: ErrorReport | undefined;
}

/**
 * What a notification says. `text` is the whole message for Slack-compatible webhooks (and the
 * e-mail body); the other fields are for receivers that want structure.
 */
export interface AuditNotification {
  text: string;
  subject: string;
  tool: "ci-mirror";
  checkedAt: string;
  ok: boolean;
  counts: AuditCounts;
  failures: NotifiedFailure[];
  token: { verdict: string; message: string };
  /** `$CI_JOB_URL` when run in GitLab CI, so a reader can open the job. */
  jobUrl?: string | undefined;
}

/** Long lists make chat unreadable; the job log and report hold the rest. */
const MAX_LISTED = 20;

export function buildNotification(report: AuditReport, jobUrl?: string): AuditNotification {
  const failures: NotifiedFailure[] = report.projects.flatMap((project) => {
    const mirrors = project.mirrors
      .filter((mirror) => mirror.verdict === "fail")
      .map((mirror) => ({
        project: project.project,
        mirrorId: mirror.id,
        url: mirror.url,
        reasons: mirror.reasons,
        error: mirror.error,
      }));
    const { error } = project;
    return error != null
      ? [{ project: project.project, mirrorId: null, url: null, reasons: [error.message], error }, ...mirrors]
      : mirrors;
  });
  const { counts } = report;
  const subject = `ci-mirror audit: ${failures.length} push mirror problem${failures.length === 1 ? "" : "s"} (${counts.mirrors} mirrors in ${counts.projects} projects)`;
  const lines = [subject];
  for (const failure of failures.slice(0, MAX_LISTED)) {
    const what = failure.url == null ? failure.project : `${failure.project} → ${failure.url}`;
    lines.push(`• ${what}: ${failure.reasons.join("; ").replace(/\s*\n\s*/g, " ")}`);
  }
  if (failures.length > MAX_LISTED) lines.push(`… and ${failures.length - MAX_LISTED} more`);
  if (report.token.verdict !== "ok") lines.push(`Token: ${report.token.message}`);
  if (jobUrl != null && jobUrl !== "") lines.push(`Job: ${jobUrl}`);
  return {
    text: lines.join("\n"),
    subject,
    tool: "ci-mirror",
    checkedAt: report.checkedAt,
    ok: report.ok,
    counts,
    failures,
    token: { verdict: report.token.verdict, message: report.token.message },
    jobUrl: jobUrl === "" ? undefined : jobUrl,
  };
}
