/**
 * Projects and groups as `ci-mirror` names them to GitLab's API: a project by its numeric id or
 * its full path (`group/subgroup/app`), a group by its full path. Messages never quote the value:
 * it is whatever was typed, which now and then is a pasted token.
 */
const SEGMENT = "[A-Za-z0-9_][A-Za-z0-9_.-]*";
const FULL_PATH = new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`);
const DIGITS = /^\d+$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/|@/i;
const BAD_ID = "a project id is a whole number greater than 0";

/** Why `value` names no project, or undefined when it does. */
export function projectRefProblem(value: number | string): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? undefined : BAD_ID;
  if (value.trim() === "") return "empty: expected a project id or full path (e.g. `group/app`)";
  if (DIGITS.test(value)) return Number(value) > 0 ? undefined : BAD_ID;
  const problem = pathProblem(value, "project");
  if (problem !== undefined) return problem;
  if (!value.includes("/")) {
    return "a project path includes its group (`group/app`, not `app`); or give the project's numeric id";
  }
  return undefined;
}

/** Why `value` is not a group's full path, or undefined when it is. */
export function groupPathProblem(value: string): string | undefined {
  if (value.trim() === "") return "empty: expected a group path (e.g. `group` or `group/subgroup`)";
  return pathProblem(value, "group");
}

/** The text two references to the same project or group share: GitLab ignores case in paths. */
export function pathIdentity(value: string): string {
  return value.toLowerCase();
}

function pathProblem(value: string, kind: "project" | "group"): string | undefined {
  const example = kind === "project" ? "`group/app`" : "`group/subgroup`";
  if (URL_LIKE.test(value)) return `expected the ${kind}'s full path (${example}), not a URL`;
  if (value.startsWith("/") || value.endsWith("/")) {
    return "write the path without a leading or trailing `/`";
  }
  if (kind === "project" && value.endsWith(".git")) return "write the project's path without `.git`";
  if (!FULL_PATH.test(value)) {
    return `not a GitLab path: names of letters, digits, \`_\`, \`-\` and \`.\`, separated by \`/\` (${example})`;
  }
  return undefined;
}
