/**
 * A local GitLab REST API (only the endpoints ci-mirror calls) that answers the way GitLab does,
 * status codes and error bodies included, so client code is tested against GitLab's behaviour
 * rather than against our own assumptions. Node only, like the git sandbox next to it.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticate, authHeaderKind } from "./auth.ts";
import type { AuthHeader } from "./auth.ts";
import { ApiError, routeNotFound } from "./errors.ts";
import { startGitFront } from "./git-front.ts";
import { createMirrorRunner } from "./mirror-runner.ts";
import type { Reply } from "./errors.ts";
import { createHostileTable, redirectReply, withHostileHeaders } from "./hostile.ts";
import type { HostileAnswer } from "./hostile.ts";
import type {
  AccessLevel,
  Group,
  Project,
  ProtectedBranch,
  RemoteMirror,
  SyncRequest,
  User,
} from "./model.ts";
import { mergeParams, parseBody } from "./params.ts";
import type { Route, SandboxContext } from "./route.ts";
import { groupRoutes } from "./routes/groups.ts";
import { projectRoutes } from "./routes/projects.ts";
import { protectedBranchRoutes } from "./routes/protected-branches.ts";
import { pullMirrorRoutes } from "./routes/pull-mirror.ts";
import { remoteMirrorRoutes } from "./routes/remote-mirrors.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { commitFiles, setRef } from "./repo-content.ts";
import {
  patchMirrorState,
  projectOrThrow,
  seedJobToken,
  seedGroup,
  seedMember,
  seedProject,
  seedProtectedBranch,
  seedRemoteMirror,
  seedToken,
  seedUser,
} from "./seed.ts";
import type { MirrorAttributes, MirrorStatePatch, ProjectOptions, TokenOptions } from "./seed.ts";
import { createStore, findGroup } from "./store.ts";
import { realClock } from "./clock.ts";
import type { SandboxClock } from "./clock.ts";
import { resolveWithDns } from "./url-validate.ts";
import type { ResolveHost } from "./url-validate.ts";
import { createThrottle } from "./throttle.ts";
import type { RateLimitConfig, Throttle } from "./throttle.ts";

export interface GitLabSandboxOptions {
  /** "ee" (default) serves the Premium-only pull-mirror routes and `mirror_branch_regex`. */
  edition?: "ce" | "ee";
  /** GitLab's `allow_local_requests_from_web_hooks_and_services`; default false, as in GitLab. */
  allowLocalRequests?: boolean;
  /** The instance setting `mirror_available`; default true. */
  mirrorAvailable?: boolean;
  /** Base URL for `http_url_to_repo`; defaults to the sandbox's own URL. */
  gitUrl?: string;
  /** Wall-clock time with another origin, for tests of token expiry. */
  now?: () => Date;
  /**
   * The sandbox's time and job queue. Push-mirror updates run as GitLab runs them, after the
   * delays GitLab waits (the 1 or 5 minute backoff, the retry ladder): give a `manualClock()` and
   * move it on to see each step without waiting. Default: real time (`now` if given).
   */
  clock?: SandboxClock;
  /** How host names resolve for the URL blocker; default DNS. Tests map names to addresses. */
  resolveHost?: ResolveHost;
}

export interface InjectedFailure {
  method?: string;
  pathPattern?: RegExp;
  status: 500 | 502 | 503;
  times: number;
}

export interface RecordedApiRequest {
  method: string;
  path: string;
  status: number;
  authHeader: AuthHeader;
}

export interface GitLabSandbox {
  /** `http://127.0.0.1:PORT`; the API is at `${url}/api/v4`. */
  readonly url: string;
  addUser(username: string, options?: { admin?: boolean }): User;
  addToken(user: User, options: TokenOptions): string;
  addGroup(path: string, options?: { visibility?: Group["visibility"] }): Group;
  addProject(namespacePath: string, path: string, options?: ProjectOptions): Project;
  addMember(groupOrProjectPath: string, username: string, accessLevel: AccessLevel): void;
  /** Shares a project with a group (Project > Members > Invite group), up to `accessLevel`. */
  shareProject(projectPath: string, groupPath: string, accessLevel: AccessLevel): void;
  setProtectedBranch(
    projectPath: string,
    name: string,
    options?: { allowForcePush?: boolean },
  ): ProtectedBranch;
  addRemoteMirror(projectPath: string, attrs: MirrorAttributes): RemoteMirror;
  setMirrorState(projectPath: string, mirrorId: number, patch: MirrorStatePatch): RemoteMirror;
  rateLimit(config: RateLimitConfig | undefined): void;
  injectFailure(failure: InjectedFailure): void;
  /** Answers GitLab never gives (a redirect, lying headers), for the requests they match. */
  injectHostile(answer: HostileAnswer): void;
  clearHostile(): void;
  latency(ms: number): void;
  readonly requests: RecordedApiRequest[];
  /** Syncs the API accepted, oldest first; the next step runs real pushes for them. */
  readonly syncRequests: SyncRequest[];
  /** A CI_JOB_TOKEN for a job of `projectPath` triggered by `username`. */
  addJobToken(projectPath: string, username: string): string;
  /** The project's bare repository on disk (created on first use). */
  repoPath(projectPath: string): Promise<string>;
  /** Commits files on `branch` directly in the repository (no push, so no mirror update). */
  commitFiles(
    projectPath: string,
    branch: string,
    files: Record<string, string>,
    message?: string,
  ): Promise<string>;
  /** Points `ref` (a tag, or any ref) at the commit `target` names, directly in the repository. */
  setRef(projectPath: string, ref: string, target: string): Promise<void>;
  /** Resolves once the mirror's update, retries included, is over; returns the mirror. */
  waitForMirror(projectPath: string, mirrorId: number): Promise<RemoteMirror>;
  /** The mirror as stored now; unlike waitForMirror, nothing is run or waited for. */
  readMirror(projectPath: string, mirrorId: number): RemoteMirror;
  /** Moves the mirror's timestamps `ageMs` into the past. */
  makeStale(projectPath: string, mirrorId: number, ageMs: number): RemoteMirror;
  /** The next `times` update attempts (default 4: the whole retry ladder) fail with `message`. */
  injectMirrorFailure(projectPath: string, mirrorId: number, message: string, times?: number): void;
  close(): Promise<void>;
}

const ROUTES: Route[] = [
  ...tokenRoutes,
  ...projectRoutes,
  ...groupRoutes,
  ...protectedBranchRoutes,
  ...remoteMirrorRoutes,
  ...pullMirrorRoutes,
];

export async function startGitLabSandbox(options: GitLabSandboxOptions = {}): Promise<GitLabSandbox> {
  const clock = options.clock ?? realClock(options.now);
  const now = (): Date => clock.now();
  const store = createStore();
  const requests: RecordedApiRequest[] = [];
  const failures: InjectedFailure[] = [];
  const hostileAnswers = createHostileTable();
  const sockets = new Set<Socket>();
  let throttle: Throttle | undefined;
  let delayMs = 0;
  const context: SandboxContext = {
    store,
    webUrl: "",
    gitUrl: "",
    edition: options.edition ?? "ee",
    mirrorAvailable: options.mirrorAvailable ?? true,
    allowLocalRequests: options.allowLocalRequests ?? false,
    resolveHost: options.resolveHost ?? resolveWithDns,
    now,
  };

  async function serve(
    req: IncomingMessage,
  ): Promise<{ reply: Reply; authHeader: AuthHeader; path: string }> {
    const parsed = new URL(req.url ?? "/", "http://sandbox");
    const method = req.method ?? "GET";
    const authHeader = authHeaderKind(req.headers);
    const raw = await readBody(req);
    const path = parsed.pathname;
    if (delayMs > 0) await sleep(delayMs);

    const at = now();
    if (throttle != null) {
      const caller =
        req.headers["private-token"] ?? req.headers.authorization ?? req.socket.remoteAddress ?? "";
      const verdict = throttle.check(String(caller), authHeader !== "none", at);
      if (verdict.reply != null) return { reply: verdict.reply, authHeader, path };
      const reply = await answer(req, parsed, method, raw, at);
      return { reply: { ...reply, headers: { ...verdict.headers, ...reply.headers } }, authHeader, path };
    }
    return { reply: await answer(req, parsed, method, raw, at), authHeader, path };
  }

  // Hostile answers (hostile.ts) are laid over whatever GitLab would have said.
  async function answer(
    req: IncomingMessage,
    parsed: URL,
    method: string,
    raw: string,
    at: Date,
  ): Promise<Reply> {
    const hostile = hostileAnswers.take(method, parsed);
    if (hostile?.redirect != null) return redirectReply(hostile.redirect);
    const reply = await route(req, parsed, method, raw, at);
    return hostile == null ? reply : withHostileHeaders(reply, hostile, parsed.searchParams);
  }

  async function route(
    req: IncomingMessage,
    parsed: URL,
    method: string,
    raw: string,
    at: Date,
  ): Promise<Reply> {
    const failure = failures.find(
      (f) =>
        f.times > 0 &&
        (f.method == null || f.method === method) &&
        (f.pathPattern?.test(parsed.pathname) ?? true),
    );
    if (failure != null) {
      failure.times -= 1;
      return injected(failure.status);
    }
    if (parsed.pathname.startsWith("/api/v3/")) {
      return { status: 410, body: { error: "API V3 is no longer supported. Use API V4 instead." } };
    }
    if (!parsed.pathname.startsWith("/api/v4/")) return routeNotFound();
    const apiPath = parsed.pathname.slice("/api/v4".length);
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
          store,
          { headers: req.headers, query: parsed.searchParams, method },
          candidate.scopes,
          at,
        );
        return await candidate.handle({
          sandbox: context,
          caller,
          params: mergeParams(parsed.searchParams, body),
          path,
          rawPath,
          method,
          headers: req.headers,
          query: parsed.searchParams,
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

  const git = await startGitFront({
    store,
    now,
    onRefsChanged: (project) => {
      project.emptyRepo = false;
      mirrors.afterPush(project);
    },
  });
  const mirrors = createMirrorRunner({
    context,
    clock,
    repoDir: (project) => git.repoDir(project),
    gitEnv: git.gitEnv,
  });
  context.syncMirror = (project, mirror) => mirrors.sync(project, mirror);

  function mirrorOrThrow(projectPath: string, mirrorId: number): RemoteMirror {
    const mirror = projectOrThrow(store, projectPath).remoteMirrors.find((m) => m.id === mirrorId);
    if (mirror == null) throw new Error(`no mirror ${mirrorId} in ${projectPath}`);
    return mirror;
  }

  const server = createServer((req, res) => {
    if (git.handles(req)) {
      git.serve(req, res);
      return;
    }
    serve(req).then(
      ({ reply, authHeader, path }) => {
        requests.push({ method: req.method ?? "GET", path, status: reply.status, authHeader });
        send(res, reply);
      },
      (error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  context.webUrl = url;
  context.gitUrl = options.gitUrl ?? url;

  return {
    url,
    requests,
    syncRequests: store.syncRequests,
    addUser: (username, opts) => seedUser(store, username, opts),
    addToken: (user, opts) => seedToken(store, user, opts, now()),
    addGroup: (path, opts) => seedGroup(store, path, opts),
    // The repository is created on first use (a clone, a push, repoPath, a mirror update), so
    // seeding thousands of projects for API tests spawns no git at all.
    addProject: (ns, path, opts = {}) => seedProject(store, ns, path, opts, now()),
    addJobToken: (projectPath, username) => seedJobToken(store, projectPath, username),
    repoPath: (projectPath) => git.repoDir(projectOrThrow(store, projectPath)),
    async commitFiles(projectPath, branch, files, message = "sandbox commit") {
      const project = projectOrThrow(store, projectPath);
      project.emptyRepo = false;
      return commitFiles(await git.repoDir(project), git.gitEnv, branch, files, message);
    },
    async setRef(projectPath, ref, target) {
      await setRef(await git.repoDir(projectOrThrow(store, projectPath)), git.gitEnv, ref, target);
    },
    async waitForMirror(projectPath, mirrorId) {
      const mirror = mirrorOrThrow(projectPath, mirrorId);
      await mirrors.settle(mirrorId);
      return mirror;
    },
    readMirror: (projectPath, mirrorId) => mirrorOrThrow(projectPath, mirrorId),
    makeStale(projectPath, mirrorId, ageMs) {
      const mirror = mirrorOrThrow(projectPath, mirrorId);
      const shift = (d: Date | null): Date | null => (d == null ? null : new Date(d.getTime() - ageMs));
      mirror.lastUpdateAt = shift(mirror.lastUpdateAt);
      mirror.lastUpdateStartedAt = shift(mirror.lastUpdateStartedAt);
      mirror.lastSuccessfulUpdateAt = shift(mirror.lastSuccessfulUpdateAt);
      return mirror;
    },
    injectMirrorFailure(projectPath, mirrorId, message, times = 4) {
      mirrorOrThrow(projectPath, mirrorId);
      mirrors.injectFailure(mirrorId, message, times);
    },
    addMember: (path, username, level) => seedMember(store, path, username, level),
    shareProject(projectPath, groupPath, level) {
      const project = projectOrThrow(store, projectPath);
      const group = findGroup(store, groupPath);
      if (group == null) throw new Error(`no group ${groupPath}`);
      project.sharedWith = new Map([...(project.sharedWith ?? []), [group.id, level]]);
    },
    setProtectedBranch: (projectPath, name, opts = {}) => seedProtectedBranch(store, projectPath, name, opts),
    addRemoteMirror: (projectPath, attrs) => seedRemoteMirror(store, projectPath, attrs, now()),
    setMirrorState: (projectPath, mirrorId, patch) => patchMirrorState(store, projectPath, mirrorId, patch),
    rateLimit(config) {
      throttle = config == null ? undefined : createThrottle(config);
    },
    injectFailure(failure) {
      failures.push({ ...failure });
    },
    injectHostile: (hostile) => hostileAnswers.inject(hostile),
    clearHostile: () => hostileAnswers.clear(),
    latency(ms) {
      delayMs = ms;
    },
    async close() {
      await mirrors.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      await git.close();
    },
  };
}

// A 500 is Rails' JSON; 502/503 come from the proxy in front of Rails, as HTML.
function injected(status: 500 | 502 | 503): Reply {
  if (status === 500) return { status, body: { message: "500 Internal Server Error" } };
  const text = `<html><body><h1>${status === 502 ? "502 Bad Gateway" : "503 Service Unavailable"}</h1></body></html>\n`;
  return { status, text: { content: text, contentType: "text/html" } };
}

function safeDecode(value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    return value ?? "";
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = "";
  if (reply.text != null) {
    headers["content-type"] = reply.text.contentType;
    payload = reply.text.content;
  } else if (reply.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(reply.body);
  }
  headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}
