/** What every route handler gets, and the lookups most of them start with. */
import type { IncomingHttpHeaders } from "node:http";
import type { Caller, ScopeRule } from "./auth.ts";
import type { EntityContext } from "./entities.ts";
import { notFound } from "./errors.ts";
import type { Reply } from "./errors.ts";
import type { Project, RemoteMirror } from "./model.ts";
import type { Params } from "./params.ts";
import { canRead, findProject } from "./store.ts";
import type { ResolveHost } from "./url-validate.ts";

export interface SandboxContext extends EntityContext {
  /** GitLab's `allow_local_requests_from_web_hooks_and_services`; off by default, as in GitLab. */
  allowLocalRequests: boolean;
  /** How mirror hosts resolve, for UrlBlocker's checks of the addresses behind a name. */
  resolveHost: ResolveHost;
  /** RemoteMirror#sync: enqueues the update; returns the delay before it runs, in ms. */
  syncMirror?: (project: Project, mirror: RemoteMirror) => number;
}

export interface RouteContext {
  sandbox: SandboxContext;
  caller: Caller;
  params: Params;
  /** Decoded route parameters (`:id` arrives as `group%2Fapp` and is decoded here). */
  path: Record<string, string>;
  /** Route parameters as sent, for the pagination Link. */
  rawPath: Record<string, string>;
  method: string;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  /** Absolute URL of the endpoint without query, for the pagination Link. */
  endpoint: string;
  now: Date;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  /** Matched against the raw path after `/api/v4`; named groups become route params. */
  pattern: RegExp;
  scopes: ScopeRule;
  /** Routes that need an EE feature are absent from CE and fall through to the catch-all. */
  edition?: "ee";
  handle(rc: RouteContext): Reply | Promise<Reply>;
}

/** `user_project`: missing and unreadable projects are both "404 Project Not Found". */
export function userProject(rc: RouteContext): Project {
  const project = findProject(rc.sandbox.store, rc.path.id ?? "");
  if (project == null || !canRead(rc.sandbox.store, rc.caller.user, project)) throw notFound("Project");
  return project;
}

export function json(status: number, body: Reply["body"], headers?: Record<string, string>): Reply {
  return { status, body, headers };
}
