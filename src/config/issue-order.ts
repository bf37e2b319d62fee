import type { ConfigIssue } from "../errors/tool-error.ts";

/**
 * Issues in file order, so the list reads top to bottom like the file. Issues without a position
 * (the file as a whole) come first; equal positions keep the order they were found in.
 */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** The same problem found twice (e.g. once per mirror that inherits it) is reported once. */
export function dedupeIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
