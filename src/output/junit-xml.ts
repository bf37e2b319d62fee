import { stripXmlControls } from "../util/redact.ts";

/**
 * JUnit XML as GitLab's pipeline Tests tab reads it (artifacts:reports:junit): one suite, one
 * test case per thing that can fail, with the failure's message and the details as text.
 */
export interface JUnitCase {
  classname: string;
  name: string;
  /** Details shown for the case: the failure's body, or system-out when it passed. */
  text: string;
  failure?: { message: string; type: string } | undefined;
  /** The case could not reach a verdict (a cancelled run): JUnit's `<error>`, not `<failure>`. */
  error?: { message: string; type: string } | undefined;
  timeMs?: number | undefined;
}

export function junitDocument(suite: string, timestamp: string, cases: readonly JUnitCase[]): string {
  const failures = cases.filter((testCase) => testCase.failure != null).length;
  const errors = cases.filter((testCase) => testCase.failure == null && testCase.error != null).length;
  const timed = cases.some((testCase) => testCase.timeMs != null);
  const total = cases.reduce((sum, testCase) => sum + (testCase.timeMs ?? 0), 0);
  const time = timed ? ` time="${seconds(total)}"` : "";
  const counts = `tests="${cases.length}" failures="${failures}"${errors > 0 ? ` errors="${errors}"` : ""}${time}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xml(suite)}" ${counts}>`,
    `<testsuite name="${xml(suite)}" ${counts} timestamp="${xml(timestamp)}">`,
    ...cases.map(renderCase),
    `</testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

function renderCase(testCase: JUnitCase): string {
  const time = testCase.timeMs != null ? ` time="${seconds(testCase.timeMs)}"` : "";
  const open = `  <testcase classname="${xml(testCase.classname)}" name="${xml(testCase.name)}"${time}>`;
  const [element, verdict] =
    testCase.failure != null ? ["failure", testCase.failure] : ["error", testCase.error];
  if (verdict == null) return `${open}\n    <system-out>${xml(testCase.text)}</system-out>\n  </testcase>`;
  const { message, type } = verdict;
  return `${open}\n    <${element} message="${xml(message)}" type="${xml(type)}">${xml(testCase.text)}</${element}>\n  </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function xml(text: string): string {
  return stripXmlControls(
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"),
  );
}
