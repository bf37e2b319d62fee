/**
 * The REST API as Grape routes it: `/api/v4` only (v3 is gone), the edition's routes, each
 * authenticated for its scopes, and the catch-all 404 for everything else.
 */
import type { IncomingMessage } from "node:http";
import { authenticate } from "./auth.ts";
import { ApiError, routeNotFound } from "./errors.ts";
import type { Reply } from "./errors.ts";
import { mergeParams, parseBody } from "./params.ts";
import type { Route, SandboxContext } from "./route.ts";
import { groupRoutes } from "./routes/groups.ts";
import { projectRoutes } from "./routes/projects.ts";
import { protectedBranchRoutes } from "./routes/protected-branches.ts";
import { pullMirrorRoutes } from "./routes/pull-mirror.ts";
import { remoteMirrorRoutes } from "./routes/remote-mirrors.ts";
import { tokenRoutes } from "./routes/tokens.ts";

const ROUTES: Route[] = [
  ...tokenRoutes,
  ...projectRoutes,
  ...groupRoutes,
  ...protectedBranchRoutes,
  ...remoteMirrorRoutes,
  ...pullMirrorRoutes,
];

/** One API request, its body already read, answered at time `at`. */
export interface ApiRequest {
  req: IncomingMessage;
  url: URL;
  method: string;
  raw: string;
  at: Date;
}

export async function routeApi(context: SandboxContext, request: ApiRequest): Promise<Reply> {
  const { req, url, method, raw, at } = request;
  if (url.pathname.startsWith("/api/v3/")) {
    return { status: 410, body: { error: "API V3 is no longer supported. Use API V4 instead." } };
  }
  if (!url.pathname.startsWith("/api/v4/")) return routeNotFound();
  const apiPath = url.pathname.slice("/api/v4".length);
  for (const candidate of ROUTES) {
    if (candidate.method !== method || (candidate.edition === "ee" && context.edition !== "ee")) continue;
    const match = candidate.pattern.exec(apiPath);
    if (match == null) continue;
    const rawPath = { ...match.groups };
    const path = Object.fromEntries(Object.entries(rawPath).map(([k, v]) => [k, safeDecode(v)]));
    const body = parseBody(req.headers["content-type"], raw);
    // The notes do not give GitLab's answer to a malformed JSON body; this wording is the sandbox's own.
    if (body === "invalid")
      return { status: 400, body: { error: "The provided content-type is not supported." } };
    try {
      const caller = authenticate(
        context.store,
        { headers: req.headers, query: url.searchParams, method },
        candidate.scopes,
        at,
      );
      return await candidate.handle({
        sandbox: context,
        caller,
        params: mergeParams(url.searchParams, body),
        path,
        rawPath,
        method,
        headers: req.headers,
        query: url.searchParams,
        endpoint: `${context.webUrl}/api/v4${apiPath}`,
        now: at,
      });
    } catch (error) {
      if (error instanceof ApiError) return error.reply;
      return { status: 500, body: { message: "500 Internal Server Error" } };
    }
  }
  // Unknown paths and known paths with another method both reach Grape's catch-all.
  return routeNotFound();
}

function safeDecode(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    return value ?? "";
  }
}
