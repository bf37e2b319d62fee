import { parseRepoUrl, type RepoUrlResult } from "./repo-url.ts";

/**
 * What is wrong with a `source` or target `url` as written, in words that say how to fix it.
 * Messages never quote the URL: a malformed one may still hold a password.
 */
export type UrlSide = "source" | "target";

const NAME_PLACEHOLDER = "{name}";
const PLACEHOLDER = /\{(?<inner>[^{}]*)\}/g;
const SUPPORTED_FORMS =
  "https://…, http://…, ssh://…, git://…, file://…, `git@host:path`, or an absolute path";
// Stands in for placeholders while checking the syntax: any valid mirror name is valid in a URL.
const SAMPLE_NAME = "mirror";

export function sourceUrlProblem(url: string): string | undefined {
  if (url.includes(NAME_PLACEHOLDER)) {
    return "`{name}` is only replaced in target URLs; write the source URL in full";
  }
  return describeProblem(parseRepoUrl(url), "source");
}

export function targetUrlProblem(url: string): string | undefined {
  // The URL itself first: credentials in it matter more than a mistyped placeholder.
  const problem = describeProblem(parseRepoUrl(url.replace(PLACEHOLDER, SAMPLE_NAME)), "target");
  if (problem !== undefined) return problem;
  for (const match of url.matchAll(PLACEHOLDER)) {
    const inner = match.groups?.["inner"] ?? "";
    if (inner !== "name") {
      const shown = /^[a-z_]{1,20}$/i.test(inner) ? `\`{${inner}}\`` : "placeholder";
      return `unknown ${shown} in the URL: the only placeholder is \`{name}\`, the mirror's name`;
    }
  }
  return undefined;
}

function describeProblem(result: RepoUrlResult, side: UrlSide): string | undefined {
  if (result.ok) return undefined;
  const tokenKey = side === "source" ? "source_token" : "token";
  const userKey = side === "source" ? "source_username" : "username";
  switch (result.problem) {
    case "empty":
      return "the URL is empty";
    case "credentials":
      return `the URL contains credentials: put the token in a CI/CD variable and name it in \`${tokenKey}\` (and the user in \`${userKey}\`)`;
    case "unsupported-scheme":
      return `unsupported URL scheme \`${result.scheme ?? ""}://\`; use ${SUPPORTED_FORMS}`;
    case "no-host":
      return "the URL has no host";
    case "invalid":
      return `not a valid repository URL; use ${SUPPORTED_FORMS}`;
    case "windows-path":
      return "Windows paths are not supported; use an absolute path or a file:// URL";
    case "relative-path":
      return `not a URL or an absolute path; use ${SUPPORTED_FORMS}`;
  }
}
