/**
 * A local GitLab REST API (only the endpoints ci-mirror calls) that answers the way GitLab does,
 * status codes and error bodies included, so client code is tested against GitLab's behaviour
 * rather than against our own assumptions. Node only, like the git sandbox next to it.
 *
 * This file puts the parts together: the API's routes (api-routes.ts) behind GitLab's throttle,
 * the faults tests lay over them (api-faults.ts), git over HTTP (git-front.ts), push-mirror
 * updates (mirror-runner.ts), and the handle tests and the `sandbox` command seed it through.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createApiFaults, type ApiFaults, type InjectedFailure } from "./api-faults.ts";
import { routeApi } from "./api-routes.ts";
import { authHeaderKind } from "./auth.ts";
import type { AuthHeader } from "./auth.ts";
import type { Reply } from "./errors.ts";
import { startGitFront, type GitFront } from "./git-front.ts";
import { createMirrorRunner, type MirrorRunner } from "./mirror-runner.ts";
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
import type { SandboxContext } from "./route.ts";
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
import { createStore, findGroup, type Store } from "./store.ts";
import { realClock } from "./clock.ts";
import type { SandboxClock } from "./clock.ts";
import { resolveWithDns } from "./url-validate.ts";
import type { ResolveHost } from "./url-validate.ts";
import type { Env } from "../../util/env.ts";
import { createThrottle } from "./throttle.ts";
import type { RateLimitConfig, Throttle } from "./throttle.ts";

export interface GitLabSandboxOptions {
  /**
   * The environment of whoever starts the sandbox: its git finds its programs on its PATH.
   * Nothing else of it is used; the sandbox reads no environment itself.
   */
  env?: Env;
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

export async function startGitLabSandbox(options: GitLabSandboxOptions = {}): Promise<GitLabSandbox> {
  const clock = options.clock ?? realClock(options.now);
  const now = (): Date => clock.now();
  const store = createStore();
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
  const api = createApi(context);
  const git = await startGitFront({
    env: options.env,
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
  const http = await listenOnLoopback((req, res) => {
    if (git.handles(req)) git.serve(req, res);
    else api.serve(req, res);
  });
  context.webUrl = http.url;
  context.gitUrl = options.gitUrl ?? http.url;
  return sandboxHandle({ store, now, api, git, mirrors }, http.url, async () => {
    await mirrors.close();
    await http.close();
    await git.close();
  });
}

/** The REST API's side of the server: GitLab's throttle and routes, the faults over them. */
interface Api {
  serve(req: IncomingMessage, res: ServerResponse): void;
  readonly requests: RecordedApiRequest[];
  readonly faults: ApiFaults;
  rateLimit(config: RateLimitConfig | undefined): void;
}

function createApi(context: SandboxContext): Api {
  const requests: RecordedApiRequest[] = [];
  const faults = createApiFaults();
  let throttle: Throttle | undefined;

  async function answer(
    req: IncomingMessage,
  ): Promise<{ reply: Reply; authHeader: AuthHeader; path: string }> {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const method = req.method ?? "GET";
    const authHeader = authHeaderKind(req.headers);
    const raw = await readBody(req);
    const path = url.pathname;
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    const at = context.now();
    const reply = (): Promise<Reply> =>
      faults.answer(method, url, () => routeApi(context, { req, url, method, raw, at }));
    if (throttle == null) return { reply: await reply(), authHeader, path };
    const caller =
      req.headers["private-token"] ?? req.headers.authorization ?? req.socket.remoteAddress ?? "";
    const verdict = throttle.check(String(caller), authHeader !== "none", at);
    if (verdict.reply != null) return { reply: verdict.reply, authHeader, path };
    const answered = await reply();
    return { reply: { ...answered, headers: { ...verdict.headers, ...answered.headers } }, authHeader, path };
  }

  return {
    serve(req, res) {
      answer(req).then(
        ({ reply, authHeader, path }) => {
          requests.push({ method: req.method ?? "GET", path, status: reply.status, authHeader });
          send(res, reply);
        },
        (error: unknown) => {
          res.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    },
    requests,
    faults,
    rateLimit(config) {
      throttle = config == null ? undefined : createThrottle(config);
    },
  };
}

/** An HTTP server on 127.0.0.1 and a free port; closing it drops the connections still open. */
async function listenOnLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

/** The parts the handle reaches into. */
interface SandboxParts {
  store: Store;
  now: () => Date;
  api: Api;
  git: GitFront;
  mirrors: MirrorRunner;
}

/** What tests, the demo and the `sandbox` command see: seeding, inspection and the faults. */
function sandboxHandle(parts: SandboxParts, url: string, close: () => Promise<void>): GitLabSandbox {
  const { store, now, api, git, mirrors } = parts;

  function mirrorOrThrow(projectPath: string, mirrorId: number): RemoteMirror {
    const mirror = projectOrThrow(store, projectPath).remoteMirrors.find((m) => m.id === mirrorId);
    if (mirror == null) throw new Error(`no mirror ${mirrorId} in ${projectPath}`);
    return mirror;
  }

  return {
    url,
    requests: api.requests,
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
    rateLimit: (config) => api.rateLimit(config),
    injectFailure: (failure) => api.faults.injectFailure(failure),
    injectHostile: (hostile) => api.faults.injectHostile(hostile),
    clearHostile: () => api.faults.clearHostile(),
    latency: (ms) => api.faults.latency(ms),
    close,
  };
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
