import type { ConfigIssue } from "../errors/tool-error.ts";
import { sortIssues } from "./issue-order.ts";

/**
 * One line per issue, `file:line:column  path  message`, in file order: the `file:line:column`
 * prefix is what editors and GitLab's job log turn into links.
 */
export function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  return sortIssues(issues)
    .map((issue) => issueLine(file, issue, []))
    .join("\n");
}

/**
 * The config's warnings, as every command prints them: one line each, like an issue's with
 * `warning` after the location, in file order.
 */
export function formatWarnings(file: string, warnings: readonly ConfigIssue[]): string[] {
  return sortIssues(warnings).map((warning) => issueLine(file, warning, ["warning"]));
}

function issueLine(file: string, issue: ConfigIssue, kind: string[]): string {
  return [location(file, issue), ...kind, issue.path, issue.message].filter((part) => part !== "").join("  ");
}

function location(file: string, issue: ConfigIssue): string {
  if (issue.line === undefined) return file;
  return issue.column === undefined ? `${file}:${issue.line}` : `${file}:${issue.line}:${issue.column}`;
}
