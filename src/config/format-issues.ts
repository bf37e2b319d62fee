import type { ConfigIssue } from "../errors/tool-error.ts";
import { sortIssues } from "./issue-order.ts";

/**
 * One line per issue, `file:line:column  path  message`, in file order: the `file:line:column`
 * prefix is what editors and GitLab's job log turn into links.
 */
export function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  return sortIssues(issues)
    .map((issue) =>
      [location(file, issue), issue.path, issue.message].filter((part) => part !== "").join("  "),
    )
    .join("\n");
}

function location(file: string, issue: ConfigIssue): string {
  if (issue.line === undefined) return file;
  return issue.column === undefined ? `${file}:${issue.line}` : `${file}:${issue.line}:${issue.column}`;
}
