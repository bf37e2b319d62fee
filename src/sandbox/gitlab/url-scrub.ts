/**
 * Credentials in mirror URLs. GitLab splits the userinfo out on write (RemoteMirror#url=), keeps it
 * in an encrypted column, and only ever shows `safe_url`: user and password become `*****`,
 * except the user `git` (gitlab-org/gitlab:app/models/concerns/safe_url.rb, allowed_usernames: %w[git]).
 */

const WITH_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*)@(.*)$/s;
const MASK = "*****";

export interface SplitUrl {
  /** The URL without userinfo, as GitLab's `url` column stores it. */
  url: string;
  user: string | null;
  password: string | null;
}

export function splitCredentials(raw: string): SplitUrl {
  const match = WITH_USERINFO.exec(raw);
  if (match == null) return { url: raw, user: null, password: null };
  const [, scheme = "", userinfo = "", rest = ""] = match;
  const colon = userinfo.indexOf(":");
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const password = colon === -1 ? null : userinfo.slice(colon + 1);
  return { url: `${scheme}${rest}`, user: user === "" ? null : user, password };
}

function joinCredentials(url: string, user: string | null, password: string | null): string {
  if (user == null && password == null) return url;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)$/s.exec(url);
  if (match == null) return url;
  const userinfo = password == null ? (user ?? "") : `${user ?? ""}:${password}`;
  return `${match[1] ?? ""}${userinfo}@${match[2] ?? ""}`;
}

/** What the API exposes as `url`. */
export function safeUrl(url: string, user: string | null, password: string | null): string {
  const shownUser = user == null ? null : user === "git" ? "git" : MASK;
  return joinCredentials(url, shownUser, password == null ? null : MASK);
}

/**
 * `Gitlab::UrlSanitizer.sanitize`, applied to every `last_error`: any URL userinfo in free text
 * becomes `*****:*****` (gitlab-org/gitlab:lib/gitlab/url_sanitizer.rb).
 */
export function sanitizeMessage(text: string): string {
  return text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^@\s/'"]+@/g, `$1${MASK}:${MASK}@`);
}
