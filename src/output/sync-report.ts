import type { RunReport } from "../core/result.ts";
import { junitDocument } from "./junit-xml.ts";
import { details } from "./sync-summary.ts";

/** The sync's `--report` JSON: the report as it is (its shapes are the JSON's). */
export function syncJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The sync's `--junit` report: one test case per mirror, so a failed mirror shows by name. A
 * cancelled mirror is an `<error>`: it reached no verdict, yet it is not in sync, and GitLab's
 * Tests tab counts errors with the failures; `<skipped>` would show it as a deliberate skip.
 */
export function syncJUnit(report: RunReport, suiteName = "ci-mirror sync"): string {
  return junitDocument(
    suiteName,
    report.startedAt,
    report.mirrors.map((mirror) => ({
      classname: "ci-mirror",
      name: mirror.name,
      text: details(mirror).join("\n"),
      timeMs: mirror.timings.totalMs,
      failure:
        mirror.status === "failed"
          ? {
              message: mirror.error != null ? `${mirror.error.code}: ${mirror.error.message}` : "failed",
              // Always a code: a failed mirror without its error would be a bug of ours.
              type: mirror.error?.code ?? "EINTERNAL",
            }
          : undefined,
      error:
        mirror.status === "cancelled"
          ? {
              message: `${mirror.error?.code ?? "ECANCELLED"}: ${mirror.error?.message ?? "cancelled"}`,
              type: mirror.error?.code ?? "ECANCELLED",
            }
          : undefined,
    })),
  );
}
