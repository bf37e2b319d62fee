import { parseRepoUrl, type RepoUrlResult } from "./repo-url.ts";

/**
 * What is wrong with a `source`, target `url`, push mirror `url` or `gitlab.url` as written, in
 * words that say how to fix it. Messages never quote the URL: a malformed one may still hold a
 * password.
 */
type UrlSide = "source" | "target" | "push_mirror";

const NAME_PLACEHOLDER = "{name}";
const PLACEHOLDER = /\{(?<inner>[^{}]*)\}/g;
const SUPPORTED_FORMS =
  "https://…, http://…, ssh://…, git://…, file://…, `git@host:path`, or an absolute path";
// GitLab takes these for push mirrors, and refuses scp-style `git@host:path`.
const PUSH_MIRROR_FORMS = "https://…, http://…, ssh://… or git://…";
const PUSH_MIRROR_SCHEMES: readonly string[] = ["https", "http", "ssh", "git"];
const SCHEME_PREFIX = /^[a-z][a-z0-9+.-]*:\/\//i;
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

export function pushMirrorUrlProblem(url: string): string | undefined {
  if (url.includes(NAME_PLACEHOLDER)) {
    return "`{name}` is only replaced in the target URLs of `mirrors`; write the push mirror URL in full";
  }
  const result = parseRepoUrl(url);
  const problem = describeProblem(result, "push_mirror");
  if (problem !== undefined || !result.ok) return problem;
  if (!SCHEME_PREFIX.test(url.trim())) {
    return result.value.scheme === "ssh"
      ? "GitLab does not accept scp-style `user@host:path` for push mirrors; write it as `ssh://user@host/path`"
      : `a push mirror URL must be one of ${PUSH_MIRROR_FORMS}`;
  }
  if (!PUSH_MIRROR_SCHEMES.includes(result.value.scheme)) {
    return `unsupported URL scheme \`${result.value.scheme}://\` for a push mirror; use ${PUSH_MIRROR_FORMS}`;
  }
  return undefined;
}

const GITLAB_EXAMPLE = "`https://gitlab.example.com`, or `https://example.com/gitlab` with a relative root";

/** `gitlab.url`: an http(s) base URL, with at most one path segment (GitLab's relative root). */
export function gitlabUrlProblem(url: string): string | undefined {
  const text = url.trim();
  if (text === "") return "the URL is empty";
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return `not a valid URL; expected GitLab's base URL, e.g. ${GITLAB_EXAMPLE}`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `expected an https:// (or http://) URL, e.g. ${GITLAB_EXAMPLE}`;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return "the URL contains credentials: put the token in a CI/CD variable and name it in `gitlab.token`";
  }
  if (parsed.search !== "" || parsed.hash !== "" || text.endsWith("?") || text.endsWith("#")) {
    return `expected GitLab's base URL without a query or fragment, e.g. ${GITLAB_EXAMPLE}`;
  }
  const segments = parsed.pathname.split("/").filter((segment) => segment !== "");
  if (segments.includes("api")) {
    return "expected GitLab's base URL without `/api/v4`: ci-mirror adds the API path itself";
  }
  if (segments.length > 1 || segments.some((segment) => segment.endsWith(".git"))) {
    return `expected GitLab's base URL, not the URL of a project or group: ${GITLAB_EXAMPLE}`;
  }
  return undefined;
}

const SIDE_WORDS: Record<UrlSide, { tokenKey: string; userKey: string; forms: string }> = {
  source: { tokenKey: "source_token", userKey: "source_username", forms: SUPPORTED_FORMS },
  target: { tokenKey: "token", userKey: "username", forms: SUPPORTED_FORMS },
  push_mirror: { tokenKey: "token", userKey: "username", forms: PUSH_MIRROR_FORMS },
};

function describeProblem(result: RepoUrlResult, side: UrlSide): string | undefined {
  if (result.ok) return undefined;
  const { tokenKey, userKey, forms } = SIDE_WORDS[side];
  switch (result.problem) {
    case "empty":
      return "the URL is empty";
    case "credentials":
      return `the URL contains credentials: put the token in a CI/CD variable and name it in \`${tokenKey}\` (and the user in \`${userKey}\`)`;
    case "unsupported-scheme":
      return `unsupported URL scheme \`${result.scheme ?? ""}://\`; use ${forms}`;
    case "no-host":
      return "the URL has no host";
    case "invalid":
      return `not a valid repository URL; use ${forms}`;
    case "windows-path":
      if (side === "push_mirror") return `not a URL; use ${forms}`;
      return "Windows paths are not supported; use an absolute path or a file:// URL";
    case "relative-path":
      return side === "push_mirror"
        ? `not a URL; use ${forms}`
        : `not a URL or an absolute path; use ${forms}`;
  }
}
