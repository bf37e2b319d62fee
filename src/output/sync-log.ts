import type { GitObserver } from "../git/runner.ts";
import type { MirrorReport, RunReport } from "../core/result.ts";
import type { SyncObserver } from "../core/sync-all.ts";
import { sectionEnd, sectionStart } from "./gitlab-sections.ts";
import type { Printer } from "./printer.ts";
import { LIVE_INTERVAL_MS, LOG_INTERVAL_MS, throttledMeters } from "./progress.ts";
import { details, headline, needsAttention } from "./sync-summary.ts";

export interface SyncLogOptions {
  /** In a CI job: each mirror's summary in a collapsible section of GitLab's job log. */
  inCi: boolean;
  /** `--debug`: show git's commands and their output. */
  debug: boolean;
  /** Least time between two progress lines of a mirror; default: a few seconds in a log. */
  progressIntervalMs?: number | undefined;
}

/** What the sync's log shows as the run goes, and the lines that end it. */
export interface SyncLog extends Omit<SyncObserver, "runDone"> {
  /** The cancelled mirrors' lines and the tally, once the report is complete. */
  end(report: RunReport): void;
}

/**
 * The sync as its log shows it: each mirror's summary printed whole when it finishes, so parallel
 * mirrors never interleave; progress and git's commands on stderr; a closing tally.
 */
export function syncLog(printer: Printer, options: SyncLogOptions): SyncLog {
  return {
    log: (mirror, line) => printer.err(`[${mirror}] ${line}`),
    git: (mirror) => gitObserver(mirror, printer, options),
    mirrorDone: (report) => printMirror(report, printer, options.inCi),
    end: (report) => {
      // Cancelled mirrors get their one line here, together.
      for (const mirror of report.mirrors.filter((candidate) => candidate.status === "cancelled"))
        printer.out(headline(mirror));
      printer.out(tally(report));
    },
  };
}

function printMirror(report: MirrorReport, printer: Printer, inCi: boolean): void {
  const lines = details(report);
  if (inCi) {
    // Failed mirrors stay open in the log; the healthy majority folds away.
    printer.out(sectionStart(report.name, headline(report), report.status !== "failed"));
    for (const line of lines) printer.out(line);
    printer.out(sectionEnd(report.name));
  } else {
    printer.out(headline(report));
    // An up-to-date mirror still names what needs attention: kept refs, warnings.
    if (report.status !== "up-to-date" || needsAttention(report)) for (const line of lines) printer.out(line);
  }
}

function tally(report: RunReport): string {
  const count = (status: MirrorReport["status"]): number =>
    report.mirrors.filter((mirror) => mirror.status === status).length;
  const failed = count("failed");
  const cancelled = count("cancelled");
  const ok = report.mirrors.length - failed - cancelled;
  return [
    `${ok} of ${report.mirrors.length} mirrors ok`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(cancelled > 0 ? [`${cancelled} cancelled (${report.cancelled ?? "SIGTERM"})`] : []),
  ].join(", ");
}

/** One mirror's view of its git processes: progress meters, and with --debug every command. */
function gitObserver(name: string, printer: Printer, options: SyncLogOptions): GitObserver {
  const live = printer.canShowLive;
  const show = (line: string): void => {
    if (live) printer.live(`[${name}] ${line}`);
    else printer.err(`[${name}] ${line}`);
  };
  const intervalMs = options.progressIntervalMs ?? (live ? LIVE_INTERVAL_MS : LOG_INTERVAL_MS);
  return {
    trace: options.debug ? (line) => printer.err(`[${name}] ${line}`) : undefined,
    progress: throttledMeters(show, { intervalMs }),
  };
}
