import type { GitLabPort } from "../../gitlab/port.ts";
import { apiErrorReport } from "./api-error.ts";
import type { TokenCheck } from "./types.ts";

const DAY_MS = 86_400_000;
/** Two weeks leaves time to rotate the token through a change request before jobs break. */
const TOKEN_WARN_DAYS = 14;

/** Expired or inactive → fail; expiring within TOKEN_WARN_DAYS → warn. */
export async function checkToken(port: GitLabPort, now: Date): Promise<TokenCheck> {
  let token;
  try {
    token = await port.tokenSelf();
  } catch (error) {
    // Not every credential is a personal access token (GitLab answers 400 for OAuth tokens),
    // and the mirrors can still be audited, so an unreadable token is a warning.
    return { verdict: "warn", message: `could not check the API token: ${apiErrorReport(error).message}` };
  }
  const base = { name: token.name, expiresAt: token.expiresAt };
  // `expires_at` is a date and the token works through that day, so count whole days.
  const today = Date.parse(now.toISOString().slice(0, 10));
  const daysLeft =
    token.expiresAt == null ? null : Math.round((Date.parse(token.expiresAt.slice(0, 10)) - today) / DAY_MS);
  if (!token.active) {
    return {
      ...base,
      daysLeft,
      verdict: "fail",
      message: `API token "${token.name}" is not active (revoked or expired)`,
    };
  }
  if (daysLeft != null && daysLeft < 0) {
    return {
      ...base,
      daysLeft,
      verdict: "fail",
      message: `API token "${token.name}" expired on ${token.expiresAt}`,
    };
  }
  if (daysLeft != null && daysLeft <= TOKEN_WARN_DAYS) {
    return {
      ...base,
      daysLeft,
      verdict: "warn",
      message: `API token "${token.name}" expires on ${token.expiresAt} (in ${daysLeft} day${daysLeft === 1 ? "" : "s"}); rotate it`,
    };
  }
  return {
    ...base,
    daysLeft,
    verdict: "ok",
    message:
      token.expiresAt == null
        ? `API token "${token.name}" does not expire`
        : `API token "${token.name}" expires on ${token.expiresAt}`,
  };
}
