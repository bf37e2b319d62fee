import type { AuditReport, MirrorAudit, ProjectAudit } from "./types.ts";

/**
 * JUnit XML with one test case per mirror (classname = project path), so GitLab's Tests tab
 * lists the broken mirrors by project. A project the API would not show, or a listed project
 * without mirrors, gets a case of its own. Warnings pass: they must not turn the tab red.
 */
export function auditJUnit(report: AuditReport): string {
  const cases = report.projects.flatMap(projectCases);
  const failures = cases.filter((c) => c.failure != null).length;
  const suite = "ci-mirror audit";
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(suite)}" tests="${cases.length}" failures="${failures}">`,
    `<testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" timestamp="${report.checkedAt}">`,
    ...cases.map(renderCase),
    `</testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

interface Case {
  classname: string;
  name: string;
  out: string;
  failure?: string | undefined;
}

function projectCases(project: ProjectAudit): Case[] {
  const cases = project.mirrors.map(mirrorCase);
  if (project.error != null) {
    cases.push({ classname: project.project, name: "project", out: project.error, failure: project.error });
  }
  for (const note of project.notes)
    cases.push({ classname: project.project, name: "project", out: `warning: ${note}` });
  return cases;
}

function mirrorCase(mirror: MirrorAudit): Case {
  const lines = [
    `status: ${mirror.updateStatus}${mirror.enabled ? "" : " (disabled)"}`,
    `last success: ${mirror.lastSuccessfulUpdateAt ?? "never"}`,
    ...mirror.reasons.map((reason) => `${mirror.verdict === "fail" ? "failure" : "warning"}: ${reason}`),
  ];
  if (mirror.resync != null) {
    lines.push(mirror.resync.requested ? "resync requested" : `resync failed: ${mirror.resync.error ?? ""}`);
  }
  return {
    classname: mirror.project,
    name: mirror.url,
    out: lines.join("\n"),
    failure: mirror.verdict === "fail" ? mirror.reasons.join("; ") : undefined,
  };
}

function renderCase(c: Case): string {
  const open = `  <testcase classname="${xml(c.classname)}" name="${xml(c.name)}">`;
  if (c.failure == null) return `${open}\n    <system-out>${xml(c.out)}</system-out>\n  </testcase>`;
  return `${open}\n    <failure message="${xml(c.failure)}" type="mirror">${xml(c.out)}</failure>\n  </testcase>`;
}

function xml(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // XML 1.0 forbids control characters other than tab and newline.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}
