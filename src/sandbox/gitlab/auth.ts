/**
 * Who is calling, from the headers GitLab reads (gitlab-org/gitlab:lib/gitlab/auth/auth_finders.rb,
 * lib/api/api_guard.rb): `PRIVATE-TOKEN`, `?private_token=`, or `Authorization: Bearer` (OAuth
 * lookup falls back to personal access tokens). None of the routes served here has
 * `job_token_allowed`, so a `JOB-TOKEN` header is ignored and the call is anonymous.
 */
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "./errors.ts";
import type { AccessToken, User } from "./model.ts";
import type { Store } from "./store.ts";

export type AuthHeader = "private-token" | "job-token" | "bearer" | "none";

/** `api`: writes need `api`, reads also accept `read_api`; `any`: every scope (tokens/self). */
export type ScopeRule = "api" | "any";

export interface Caller {
  user: User | undefined;
  token: AccessToken | undefined;
}

export function authHeaderKind(headers: IncomingHttpHeaders): AuthHeader {
  if (headers["private-token"] != null) return "private-token";
  if (/^bearer\s/i.test(headers.authorization ?? "")) return "bearer";
  if (headers["job-token"] != null) return "job-token";
  return "none";
}

function presentedToken(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = headers["private-token"];
  if (typeof header === "string") return header;
  const bearer = /^bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  if (bearer != null) return bearer[1];
  return query.get("private_token") ?? query.get("access_token") ?? undefined;
}

export function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

// Expired and revoked tokens get api_guard's OAuth-style 401, not the plain one.
function invalidToken(description: string): ApiError {
  return new ApiError({
    status: 401,
    body: { error: "invalid_token", error_description: description },
    headers: {
      "www-authenticate": `Bearer realm="GitLab", error="invalid_token", error_description="${description}"`,
    },
  });
}

/** Throws the 401/403 GitLab would send; otherwise returns the (possibly anonymous) caller. */
export function authenticate(
  store: Store,
  request: { headers: IncomingHttpHeaders; query: URLSearchParams; method: string },
  rule: ScopeRule,
  now: Date,
): Caller {
  const secret = presentedToken(request.headers, request.query);
  if (secret == null) return { user: undefined, token: undefined };
  const token = store.tokens.find((t) => t.token === secret);
  const user = token == null ? undefined : store.users.find((u) => u.id === token.userId);
  if (token == null || user == null)
    throw new ApiError({ status: 401, body: { message: "401 Unauthorized" } });
  if (token.revoked) throw invalidToken("Token was revoked. You have to re-authorize from the user.");
  if (token.expiresAt != null && token.expiresAt < today(now)) {
    throw invalidToken("Token is expired. You can either do re-authorization or token refresh.");
  }
  if (rule === "api") checkApiScope(token, request.method);
  token.lastUsedAt = now;
  return { user, token };
}

// lib/gitlab/auth.rb: REST needs `api`; `read_api` only for GET/HEAD (lib/api/api.rb).
// read_repository/write_repository give no REST access at all.
function checkApiScope(token: AccessToken, method: string): void {
  const read = method === "GET" || method === "HEAD";
  if (token.scopes.includes("api") || (read && token.scopes.includes("read_api"))) return;
  const scope = read ? "api read_api" : "api";
  const description = "The request requires higher privileges than provided by the access token.";
  throw new ApiError({
    status: 403,
    body: { error: "insufficient_scope", error_description: description, scope },
    headers: {
      "www-authenticate": `Bearer realm="GitLab", error="insufficient_scope", error_description="${description}", scope="${scope}"`,
    },
  });
}

/** `authenticate!`: routes that need a user answer 401 to anonymous callers. */
export function requireUser(caller: Caller): User {
  if (caller.user == null) throw new ApiError({ status: 401, body: { message: "401 Unauthorized" } });
  return caller.user;
}
