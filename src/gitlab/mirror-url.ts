/**
 * Mirror URLs in their three forms: with credentials (what we send on create), scrubbed (what
 * GitLab shows and what we print), and the comparison key we match declared mirrors on.
 */
import { scrubUrlCredentials } from "../util/redact.ts";

/**
 * `https://user:token@host/path`. Both parts are percent-encoded: a token may contain `@`, `/`
 * or `:`, which would otherwise end the userinfo early and send the rest of it as the host.
 */
export function mirrorUrlWithCredentials(url: string, username: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(username);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** For display: credentials masked the way GitLab masks them. */
export function scrubMirrorUrl(url: string): string {
  return scrubUrlCredentials(url);
}

/**
 * What identifies a mirror: scheme, host (lower-case, default port dropped) and path. GitLab
 * stores the URL as given apart from the credentials it splits out, so a trailing `.git` or a
 * trailing slash is significant to GitLab; we still treat `x` and `x.git` as the same target,
 * since git servers answer both, and a declared `x.git` must not duplicate an existing `x`.
 */
export function mirrorUrlKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.trim();
  }
  // `ssh://git@host` keeps its user: it is a login name, not a credential, and part of the target.
  const user = parsed.protocol === "ssh:" && parsed.password === "" ? parsed.username : "";
  const path = parsed.pathname.replace(/\/+$/, "").replace(/\.git$/, "");
  return `${parsed.protocol}//${user === "" ? "" : `${user}@`}${parsed.host.toLowerCase()}${path}`;
}

export function sameMirrorTarget(declared: string, existing: string): boolean {
  return mirrorUrlKey(declared) === mirrorUrlKey(existing);
}

/** Credentials someone wrote into a declared URL: refused, they belong in a named variable. */
export function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== "" || (parsed.username !== "" && parsed.protocol !== "ssh:");
  } catch {
    return false;
  }
}
