import type { RunReport } from "../core/result.ts";
import { details } from "./summary.ts";

/**
 * JUnit XML with one test case per mirror, so a failed mirror shows by name in GitLab's
 * pipeline Tests tab (artifacts:reports:junit).
 */
export function toJUnit(report: RunReport, suiteName = "ci-mirror sync"): string {
  const failures = report.mirrors.filter((mirror) => mirror.status === "failed").length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = report.mirrors.reduce((sum, mirror) => sum + mirror.timings.totalMs, 0);
  const cases = report.mirrors.map((mirror) => {
    const open = `  <testcase classname="ci-mirror" name="${xml(mirror.name)}" time="${seconds(mirror.timings.totalMs)}"`;
    const body = details(mirror).join("\n");
    if (mirror.status !== "failed")
      return `${open}>\n    <system-out>${xml(body)}</system-out>\n  </testcase>`;
    const message = mirror.error != null ? `${mirror.error.code}: ${mirror.error.message}` : "failed";
    return `${open}>\n    <failure message="${xml(message)}" type="${xml(mirror.error?.code ?? "failed")}">${xml(body)}</failure>\n  </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(suiteName)}" tests="${report.mirrors.length}" failures="${failures}" time="${seconds(total)}">`,
    `<testsuite name="${xml(suiteName)}" tests="${report.mirrors.length}" failures="${failures}" time="${seconds(total)}" timestamp="${report.startedAt}">`,
    ...cases,
    `</testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

function xml(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // Control characters other than tab and newline are not allowed in XML 1.0.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}
