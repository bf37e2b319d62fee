/**
 * Repository URLs as git accepts them, narrowed to what a CI mirror needs. URLs are kept as
 * written (git and the hosting service understand them best that way); only scp-style
 * `user@host:path` is rewritten to `ssh://user@host/path`, so later code sees one SSH form.
 * Nothing here ever repeats a URL in a problem, because a malformed URL may carry a password.
 */
type RepoUrlScheme = "https" | "http" | "ssh" | "git" | "file";

export type RepoUrlProblem =
  "empty" | "credentials" | "unsupported-scheme" | "no-host" | "invalid" | "windows-path" | "relative-path";

export interface RepoUrl {
  /** The normalised URL. */
  url: string;
  scheme: RepoUrlScheme;
  /** Lower-cased host name; empty for local repositories. */
  host: string;
  /** The port the URL names, or its scheme's default; undefined for local repositories. */
  port?: number | undefined;
  path: string;
}

export type RepoUrlResult =
  { ok: true; value: RepoUrl } | { ok: false; problem: RepoUrlProblem; scheme?: string | undefined };

const SCHEME_PREFIX = /^(?<scheme>[a-z][a-z0-9+.-]*):\/\//i;
const SUPPORTED_SCHEMES: readonly RepoUrlScheme[] = ["https", "http", "ssh", "git", "file"];
// A single letter before the colon is a drive (`C:\repo`, `C:repo`), not a host called `C`.
const WINDOWS_DRIVE = /^[a-z]:/i;
// `user:password@host:path`: a colon, then an `@` before any `/`. Git would read `user` as the host.
const SCP_WITH_PASSWORD = /^[^/@]*:[^/@]*@/;
// git's rule: scp-style when a `:` comes before any `/`; an IPv6 host is written in brackets.
const SCP_STYLE = /^(?:(?<user>[^@/:[\]\s]+)@)?(?<host>\[[0-9a-f:.]+\]|[^@/:[\]\s]+):(?<path>.+)$/i;

export function parseRepoUrl(written: string): RepoUrlResult {
  const text = written.trim();
  if (text === "") return { ok: false, problem: "empty" };
  const scheme = SCHEME_PREFIX.exec(text)?.groups?.["scheme"];
  if (scheme !== undefined) return parseSchemeUrl(text, scheme.toLowerCase());
  // Absolute local paths are for trying ci-mirror out locally and for tests; git takes them as is.
  if (text.startsWith("/")) return { ok: true, value: { url: text, scheme: "file", host: "", path: text } };
  if (WINDOWS_DRIVE.test(text)) return { ok: false, problem: "windows-path" };
  if (SCP_WITH_PASSWORD.test(text)) return { ok: false, problem: "credentials" };
  return parseScpStyle(text);
}

function isSupportedScheme(scheme: string): scheme is RepoUrlScheme {
  return SUPPORTED_SCHEMES.some((supported) => supported === scheme);
}

function parseSchemeUrl(text: string, scheme: string): RepoUrlResult {
  if (!isSupportedScheme(scheme)) return { ok: false, problem: "unsupported-scheme", scheme };
  const authority = text.slice(scheme.length + 3).split(/[/?#]/, 1)[0] ?? "";
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    // An SSH login name is not a secret; anything else before `@` is a token or a password.
    if (scheme !== "ssh" || userinfo.includes(":")) return { ok: false, problem: "credentials" };
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { ok: false, problem: "invalid" };
  }
  if (scheme !== "file" && parsed.hostname === "") return { ok: false, problem: "no-host" };
  const port = parsed.port !== "" ? Number(parsed.port) : DEFAULT_PORTS[scheme];
  return {
    ok: true,
    value: {
      url: text,
      scheme,
      host: parsed.hostname.toLowerCase(),
      port,
      path: decodePath(parsed.pathname),
    },
  };
}

function parseScpStyle(text: string): RepoUrlResult {
  const groups = SCP_STYLE.exec(text)?.groups;
  if (groups === undefined) return { ok: false, problem: "relative-path" };
  const user = groups["user"];
  const host = groups["host"] ?? "";
  const path = (groups["path"] ?? "").replace(/^\/+/, "");
  if (path === "") return { ok: false, problem: "invalid" };
  const url = `ssh://${user === undefined ? "" : `${user}@`}${host}/${path}`;
  const result = parseSchemeUrl(url, "ssh");
  return result.ok ? result : { ok: false, problem: "invalid" };
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

// Scp-style `user@host:path` is ssh, so it has port 22 too.
const DEFAULT_PORTS: Partial<Record<RepoUrlScheme, number>> = { https: 443, http: 80, ssh: 22, git: 9418 };
// http and https are one service family: the same port cannot serve both.
const FAMILY: Record<RepoUrlScheme, string> = {
  https: "web",
  http: "web",
  ssh: "ssh",
  git: "git",
  file: "file",
};

/**
 * What two URLs must share to be the same repository: host, path and service, ignoring user and a
 * trailing `.git` or `/`. A forge serves one repository over https and ssh on their default ports
 * (`https://host/a/b` and `git@host:a/b.git` are one repository), but a service on another port
 * is another service, even on the same host: there the scheme family and the port count too.
 */
export function repoIdentity(url: RepoUrl): string {
  const path = url.path.replace(/\/+$/, "").replace(/\.git$/, "");
  const service =
    url.port === undefined || url.port === DEFAULT_PORTS[url.scheme]
      ? ""
      : `:${FAMILY[url.scheme]}:${url.port}`;
  return `${url.host}${service}${path.startsWith("/") ? "" : "/"}${path}`;
}

const LOOPBACK_HOSTS = new Set(["localhost", "::1", "[::1]"]);

/** Traffic to these hosts never leaves the machine, so plain HTTP there exposes nothing. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(host);
}
