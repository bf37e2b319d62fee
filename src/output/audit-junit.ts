import type { AuditReport, MirrorAudit, ProjectAudit } from "../core/audit/types.ts";
import { resyncLine } from "./audit-table.ts";
import { junitDocument, type JUnitCase } from "./junit-xml.ts";

/**
 * JUnit XML with one test case per mirror (classname = project path), so GitLab's Tests tab
 * lists the broken mirrors by project. A project the API would not show, or a listed project
 * without mirrors, gets a case of its own. Warnings pass: they must not turn the tab red.
 */
export function auditJUnit(report: AuditReport): string {
  return junitDocument("ci-mirror audit", report.checkedAt, report.projects.flatMap(projectCases));
}

function projectCases(project: ProjectAudit): JUnitCase[] {
  const cases = project.mirrors.map(mirrorCase);
  const { error } = project;
  if (error != null) {
    cases.push({
      classname: project.project,
      name: "project",
      text: [`error ${error.code}: ${error.message}`, `fix: ${error.fix}`].join("\n"),
      failure: { message: `${error.code}: ${error.message}`, type: error.code },
    });
  }
  for (const note of project.notes)
    cases.push({ classname: project.project, name: "project", text: `warning: ${note}` });
  return cases;
}

function mirrorCase(mirror: MirrorAudit): JUnitCase {
  const lines = [
    `status: ${mirror.updateStatus}${mirror.enabled ? "" : " (disabled)"}`,
    `last success: ${mirror.lastSuccessfulUpdateAt ?? "never"}`,
    ...mirror.reasons.map((reason) => `${mirror.verdict === "fail" ? "failure" : "warning"}: ${reason}`),
  ];
  const { error } = mirror;
  if (error != null) lines.push(`fix: ${error.fix}`);
  if (mirror.resync != null) lines.push(resyncLine(mirror.resync));
  return {
    classname: mirror.project,
    name: mirror.url,
    text: lines.join("\n"),
    // The failure's type is the code, as in every JUnit report of ci-mirror.
    failure: error == null ? undefined : { message: `${error.code}: ${error.message}`, type: error.code },
  };
}
