/**
 * A real git smart-HTTP server for tests and for `ci-mirror demo`.
 *
 * It runs git's own `git http-backend` CGI instead of imitating the protocol, so what clients see
 * (protocol v2, gzip request bodies, hidden refs, hook rejections over the sideband) is what a real
 * forge would send. On top of that it adds the parts of a forge that matter to a mirroring tool:
 * GitLab-style token auth, GitLab/GitHub hidden ref namespaces, protected branches, a Git LFS
 * endpoint, per-repository traffic counters, and injectable network faults.
 *
 * It deliberately depends on nothing but Node itself so the shipped CLI can start it.
 */
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from "node:fs";
import { appendFile, chmod, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Transform } from "node:stream";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";

export type RepoFlavor = "plain" | "gitlab" | "github";

export interface RepoOptions {
  /** Hide the forge's read-only ref namespaces from pushes, as the forge does. */
  flavor?: RepoFlavor;
  /** Extra `receive.hideRefs` entries. */
  hideRefs?: string[];
  /** GitLab-style protected branch names or globs (`*` also matches `/`). */
  protectedBranches?: string[];
  /** Allow anonymous fetches (default false, like a private GitLab project). */
  publicRead?: boolean;
  /** Branch the bare repository's HEAD points at (default "main"). */
  defaultBranch?: string;
  /** A pre-receive hook script to install instead of the built-in protected-branch one. */
  preReceiveHook?: string;
}

/** What an `authorize` hook is asked: who presents which credentials for what. */
export interface GitAuthRequest {
  repo: string;
  need: "read" | "write";
  kind: RequestKind | undefined;
  /** From Basic auth; undefined when no credentials were sent. */
  username: string | undefined;
  password: string | undefined;
}

/**
 * Either the caller's access (a push by a "read" caller gets 403 with `writeDeniedMessage`), with
 * extra environment for the CGI and its hooks, or a refusal with the forge's message.
 */
export type GitAuthDecision =
  | { access: "read" | "write"; user?: string; env?: Record<string, string>; writeDeniedMessage?: string }
  | { deny: 401 | 403 | 404; message?: string };

export interface GitServerOptions {
  root?: string;
  tokens?: Record<string, Access>;
  /** Replaces the token table: a forge decides per request (the GitLab sandbox uses this). */
  authorize?: (request: GitAuthRequest) => GitAuthDecision | Promise<GitAuthDecision>;
}

export interface Fault {
  /** Repository name; undefined matches any repository. */
  repo?: string;
  /** Kind of request; undefined matches any request. */
  on?: "info-refs" | "upload-pack" | "receive-pack" | "lfs";
  kind: "drop" | "status-500" | "latency";
  /**
   * For "drop": cut the connection once the response has sent this many body bytes (0 = right after
   * the headers). A response that ends before that is left alone and does not use up the fault, so
   * a fault meant for the pack is not spent on a tiny ls-refs answer that precedes it.
   */
  afterBytes?: number;
  /** For "latency": delay before the request is served. */
  ms?: number;
  /** How many matching requests this fault affects (default 1; Infinity allowed). */
  times?: number;
}

export interface RepoStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
  uploadPackBytesSent: number;
}

export interface RecordedRequest {
  repo: string | undefined;
  method: string;
  path: string;
  /** `git-upload-pack` / `git-receive-pack` for git requests, `lfs` for LFS requests. */
  service: string | undefined;
  authorization: string | undefined;
  status: number;
  /** What `git http-backend` wrote to stderr, when it wrote anything: the only trace of a CGI failure. */
  cgiStderr?: string;
}

export interface LfsObjectInfo {
  oid: string;
  size: number;
}

export interface GitServer {
  readonly url: string;
  readonly root: string;
  repoUrl(name: string): string;
  repoPath(name: string): string;
  createRepo(name: string, options?: RepoOptions): Promise<string>;
  setProtectedBranches(name: string, patterns: string[]): Promise<void>;
  /** Allow or forbid anonymous reads of a repository (also for repos built outside `createRepo`). */
  setPublicRead(name: string, publicRead: boolean): void;
  addToken(token: string, access?: "read" | "write"): void;
  stats(name: string): RepoStats;
  /** Zero every counter and forget the recorded requests. */
  resetStats(): void;
  readonly requests: RecordedRequest[];
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Store an LFS object directly, as if it had been uploaded. */
  putLfsObject(name: string, content: Buffer): Promise<LfsObjectInfo>;
  hasLfsObject(name: string, oid: string): boolean;
  lfsObjectCount(name: string): number;
  close(): Promise<void>;
}

type Access = "read" | "write";
export type RequestKind = NonNullable<Fault["on"]>;

interface Route {
  repo: string | undefined;
  /** Path after `<name>.git`, e.g. `/info/refs`. */
  rest: string;
  kind: RequestKind | undefined;
  service: string | undefined;
  need: Access;
}

interface ArmedFault extends Fault {
  remaining: number;
}

/** Response writer that every handler goes through, so byte counts and "drop" faults apply to all. */
interface ResponseSink {
  start(status: number, headers: OutgoingHttpHeaders): void;
  /** False means the socket is backed up: wait for the response's "drain" before writing more. */
  write(chunk: Buffer): boolean;
  end(): void;
  readonly started: boolean;
}

interface Caller {
  access: Access | "anonymous" | "unknown-token";
  user: string | undefined;
  env?: Record<string, string>;
  /** Set by an `authorize` hook: the status and message to refuse with. */
  denied?: { status: 401 | 403 | 404; message: string | undefined };
  writeDeniedMessage?: string;
}

const ZERO_STATS: RepoStats = { requests: 0, bytesSent: 0, bytesReceived: 0, uploadPackBytesSent: 0 };

// The namespaces each forge manages itself and so refuses pushes into.
const FLAVOR_HIDDEN_REFS: Record<RepoFlavor, string[]> = {
  plain: [],
  gitlab: [
    "refs/merge-requests",
    "refs/pipelines",
    "refs/environments",
    "refs/keep-around",
    "refs/tmp",
    "refs/remotes",
  ],
  github: ["refs/pull", "refs/github-services"],
};

const PROTECTED_FILE = "ci-mirror-protected-branches";
const LFS_DIR = "lfs-store";
const LFS_MEDIA_TYPE = "application/vnd.git-lfs+json";
const REALM = 'Basic realm="ci-mirror sandbox"';
// Repo names are path segments of a URL and of the disk layout: keep them boring so neither needs escaping.
const REPO_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const OID = /^[0-9a-f]{64}$/;

// One pre-receive check that decides the whole push, like GitLab's: exit 1 declines every ref.
const PRE_RECEIVE_HOOK = `#!/bin/sh
# Written by the ci-mirror sandbox server: GitLab-style protected branches.
# The pattern list is a file so the test can change it between pushes.
list="\${GIT_DIR:-.}/${PROTECTED_FILE}"
zero=0000000000000000000000000000000000000000
[ -s "$list" ] || exit 0
while read -r old new ref; do
  case "$ref" in
    refs/heads/*) branch=\${ref#refs/heads/} ;;
    *) continue ;;
  esac
  protected=no
  while IFS= read -r pattern; do
    [ -n "$pattern" ] || continue
    # Unquoted on purpose: the pattern is a glob, and in \`case\` a * also matches '/'.
    case "$branch" in
      $pattern) protected=yes ;;
    esac
  done < "$list"
  [ "$protected" = yes ] || continue
  if [ "$new" = "$zero" ]; then
    echo "GitLab: You can only delete protected branches using the web interface." >&2
    exit 1
  fi
  if [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new"; then
    echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
    exit 1
  fi
done
exit 0
`;

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const ownRoot = options.root == null;
  const root = resolve(options.root ?? (await mkdtemp(join(tmpdir(), "ci-mirror-git-root-"))));
  await mkdir(root, { recursive: true });
  // The CGI and its hooks get a throwaway HOME so no user config (credential helpers,
  // url rewrites, hooksPath) of whoever runs the tests can change what the server does.
  const home = await mkdtemp(join(tmpdir(), "ci-mirror-git-home-"));
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  const backend = join(await gitOutput(["--exec-path"], baseEnv), "git-http-backend");

  const tokens = new Map<string, Access>(Object.entries(options.tokens ?? {}));
  const publicRepos = new Set<string>();
  const counters = new Map<string, RepoStats>();
  const requests: RecordedRequest[] = [];
  let faults: ArmedFault[] = [];
  const children = new Set<ChildProcess>();
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  let url = "";

  function repoPath(name: string): string {
    return join(root, `${normalizeName(name)}.git`);
  }

  function statsOf(repo: string): RepoStats {
    let s = counters.get(repo);
    if (s == null) {
      s = { ...ZERO_STATS };
      counters.set(repo, s);
    }
    return s;
  }

  function findFault(route: Route, kind: Fault["kind"]): ArmedFault | undefined {
    faults = faults.filter((f) => f.remaining > 0);
    return faults.find(
      (f) =>
        f.kind === kind && (f.repo == null || f.repo === route.repo) && (f.on == null || f.on === route.kind),
    );
  }

  function takeFault(route: Route, kind: Fault["kind"]): ArmedFault | undefined {
    const fault = findFault(route, kind);
    if (fault != null) fault.remaining -= 1;
    return fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? "/", "http://sandbox");
    const route = classify(req.method ?? "GET", parsed);
    const authorization = req.headers.authorization;
    const record: RecordedRequest = {
      repo: route.repo,
      method: req.method ?? "GET",
      path: parsed.pathname,
      service: route.service,
      authorization,
      status: 0,
    };
    requests.push(record);
    const stats = route.repo == null ? undefined : statsOf(route.repo);
    if (stats != null) stats.requests += 1;
    const isUploadPack = route.kind === "upload-pack";

    let killChild: () => void = () => undefined;
    // Filled in once auth has passed; the sink reads it lazily.
    const armed: { drop?: ArmedFault | undefined } = {};
    const sink = createSink(res, {
      onStatus: (status) => (record.status = status),
      onBytes: (n) => {
        if (stats == null) return;
        stats.bytesSent += n;
        if (isUploadPack) stats.uploadPackBytesSent += n;
      },
      dropAfter: () =>
        armed.drop != null && armed.drop.remaining > 0 ? Math.max(0, armed.drop.afterBytes ?? 0) : undefined,
      onDrop: () => {
        if (armed.drop != null) armed.drop.remaining -= 1;
        killChild();
      },
    });
    const countIn = (n: number): void => {
      if (stats != null) stats.bytesReceived += n;
    };
    const lfs = route.kind === "lfs";

    if (route.repo == null) {
      sendText(sink, 404, "Not Found\n");
      return;
    }
    const caller =
      options.authorize == null
        ? identify(authorization, tokens)
        : fromDecision(
            await options.authorize({
              repo: route.repo,
              need: route.need,
              kind: route.kind,
              ...parseAuthorization(authorization),
            }),
          );
    const denied = caller.denied?.status ?? authorize(caller, route.need, publicRepos.has(route.repo));
    if (denied != null) {
      sendError(sink, denied, lfs, caller.denied?.message ?? caller.writeDeniedMessage);
      return;
    }

    // Faults hit only requests that would otherwise be served: a 401 probe that precedes the
    // authenticated retry must not use up a fault aimed at the real request.
    const latency = takeFault(route, "latency");
    if (latency != null) {
      try {
        await sleep(latency.ms ?? 0, undefined, { signal: closing.signal });
      } catch {
        return;
      }
      if (res.destroyed) return;
    }
    if (takeFault(route, "status-500") != null) {
      sendText(sink, 500, "Internal Server Error (injected fault)\n");
      return;
    }
    // Armed now, used up only when it fires (see Fault.afterBytes).
    armed.drop = findFault(route, "drop");

    if (lfs) {
      await handleLfs({
        req,
        res,
        sink,
        countIn,
        caller,
        repo: route.repo,
        rest: route.rest,
        dir: repoPath(route.repo),
        baseUrl: url,
      });
      return;
    }
    const child = runBackend(req, res, sink, route, caller, record, countIn);
    killChild = () => child.kill("SIGKILL");
  }

  function runBackend(
    req: IncomingMessage,
    res: ServerResponse,
    sink: ResponseSink,
    route: Route,
    caller: Caller,
    record: RecordedRequest,
    countIn: (n: number) => void,
  ): ChildProcess {
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: `/${route.repo ?? ""}.git${route.rest}`,
      QUERY_STRING: (req.url ?? "").split("?")[1] ?? "",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    };
    setIf(env, "CONTENT_TYPE", req.headers["content-type"]);
    // Without CONTENT_LENGTH (chunked uploads) http-backend reads the body to EOF, which is what we want.
    setIf(env, "CONTENT_LENGTH", req.headers["content-length"]);
    // git gzips large request bodies; http-backend inflates them itself when told the encoding.
    setIf(env, "HTTP_CONTENT_ENCODING", req.headers["content-encoding"]);
    // Protocol v2 is negotiated through this header; http-backend hands it on to upload-pack.
    setIf(env, "GIT_PROTOCOL", header(req, "git-protocol"));
    if (caller.access === "read" || caller.access === "write") env.REMOTE_USER = caller.user ?? "token";
    Object.assign(env, caller.env);

    const child = spawn(backend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    child.on("error", () => undefined);

    // Request body: forwarded with backpressure, counted as it goes. The CGI may exit without
    // reading all of it (a refused push); the rest is then read and discarded so the keep-alive
    // connection stays usable instead of stalling on a paused request.
    let forwarding = true;
    function stopForwarding(): void {
      forwarding = false;
      req.resume();
    }
    child.stdin.on("error", stopForwarding);
    req.on("data", (chunk: Buffer) => {
      countIn(chunk.length);
      if (forwarding && !child.stdin.write(chunk)) {
        req.pause();
        child.stdin.once("drain", () => req.resume());
      }
    });
    req.on("end", () => child.stdin.end());

    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 16_384) stderr += chunk.toString("utf8");
    });

    // Response: a CGI header block ("Status: 200 OK", headers, blank line), then the body.
    let head: Buffer | undefined = Buffer.alloc(0);
    child.stdout.on("data", (chunk: Buffer) => {
      let body = chunk;
      if (head != null) {
        head = Buffer.concat([head, chunk]);
        const parsed = parseCgiHead(head);
        if (parsed == null) {
          if (head.length > 65_536) child.kill("SIGKILL");
          return;
        }
        head = undefined;
        sink.start(parsed.status, parsed.headers);
        body = parsed.rest;
      }
      if (body.length > 0 && !sink.write(body)) {
        child.stdout.pause();
        res.once("drain", () => child.stdout.resume());
      }
    });
    child.on("close", () => {
      children.delete(child);
      stopForwarding();
      if (stderr.length > 0) record.cgiStderr = stderr;
      if (!sink.started) sendText(sink, 502, "Bad Gateway: git http-backend sent no response\n");
      else sink.end();
    });
    res.on("close", () => {
      // The client went away (or a fault dropped it): nobody will read what the CGI produces.
      if (child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
    });
    return child;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`sandbox server error: ${String(error)}\n`);
      } else {
        res.destroy();
      }
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const address = server.address();
  if (address == null || typeof address === "string") throw new Error("git server did not get a TCP port");
  url = `http://127.0.0.1:${address.port}`;

  async function createRepo(name: string, repoOptions: RepoOptions = {}): Promise<string> {
    const clean = normalizeName(name);
    const path = repoPath(clean);
    if (existsSync(path)) throw new Error(`repository ${clean} already exists`);
    await mkdir(dirname(path), { recursive: true });
    const branch = repoOptions.defaultBranch ?? "main";
    // An empty template: no sample hooks or description files, only what git needs.
    await gitOutput(
      ["init", "--bare", "--quiet", "--template=", `--initial-branch=${branch}`, path],
      baseEnv,
    );
    const hidden = [...FLAVOR_HIDDEN_REFS[repoOptions.flavor ?? "plain"], ...(repoOptions.hideRefs ?? [])];
    const config = [
      // Smart-HTTP pushes are off unless the server authenticated someone; we do our own auth.
      "[http]",
      "\treceivepack = true",
      // No background gc or auto-packing: pack layout and timing must be the same on every run.
      "[gc]",
      "\tauto = 0",
      "[receive]",
      "\tautogc = false",
      ...hidden.map((ref) => `\thideRefs = ${quoteConfigValue(ref)}`),
      "[uploadpack]",
      "\tallowFilter = true",
      "",
    ].join("\n");
    await appendFile(join(path, "config"), config);
    await mkdir(join(path, "hooks"), { recursive: true });
    const hook = join(path, "hooks", "pre-receive");
    await writeFile(hook, repoOptions.preReceiveHook ?? PRE_RECEIVE_HOOK);
    await chmod(hook, 0o755);
    await writeProtected(path, repoOptions.protectedBranches ?? []);
    if (repoOptions.publicRead === true) publicRepos.add(clean);
    return path;
  }

  async function putLfsObject(name: string, content: Buffer): Promise<LfsObjectInfo> {
    const oid = createHash("sha256").update(content).digest("hex");
    const dir = join(repoPath(name), LFS_DIR);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, oid), content);
    return { oid, size: content.length };
  }

  async function close(): Promise<void> {
    closing.abort();
    for (const child of children) child.kill("SIGKILL");
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolveExit) => {
            if (child.exitCode != null || child.signalCode != null) resolveExit();
            else child.once("close", () => resolveExit());
          }),
      ),
    );
    await rm(home, { recursive: true, force: true });
    if (ownRoot) await rm(root, { recursive: true, force: true });
  }

  return {
    get url() {
      return url;
    },
    root,
    repoUrl: (name) => `${url}/${normalizeName(name)}.git`,
    repoPath,
    createRepo,
    setProtectedBranches: (name, patterns) => writeProtected(repoPath(name), patterns),
    setPublicRead: (name, publicRead) => {
      if (publicRead) publicRepos.add(normalizeName(name));
      else publicRepos.delete(normalizeName(name));
    },
    addToken: (token, access = "write") => {
      tokens.set(token, access);
    },
    stats: (name) => ({ ...(counters.get(normalizeName(name)) ?? ZERO_STATS) }),
    resetStats: () => {
      counters.clear();
      requests.length = 0;
    },
    requests,
    inject: (fault) => {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults = [];
    },
    putLfsObject,
    hasLfsObject: (name, oid) => existsSync(join(repoPath(name), LFS_DIR, oid)),
    lfsObjectCount: (name) => {
      const dir = join(repoPath(name), LFS_DIR);
      return existsSync(dir) ? readdirSync(dir).filter((f) => OID.test(f)).length : 0;
    },
    close,
  };
}

function normalizeName(name: string): string {
  const clean = name.replace(/^\/+/, "").replace(/\.git$/, "");
  if (!REPO_NAME.test(clean) || clean.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`invalid repository name: ${JSON.stringify(name)}`);
  }
  return clean;
}

function classify(method: string, url: URL): Route {
  const match = /^\/(.+?)\.git(\/.*)?$/.exec(url.pathname);
  const name = match?.[1];
  if (match == null || name == null || !REPO_NAME.test(name)) {
    return { repo: undefined, rest: url.pathname, kind: undefined, service: undefined, need: "read" };
  }
  const rest = match[2] ?? "/";
  const route: Route = { repo: name, rest, kind: undefined, service: undefined, need: "read" };
  if (rest === "/info/refs") {
    route.kind = "info-refs";
    route.service = url.searchParams.get("service") ?? undefined;
  } else if (rest === "/git-upload-pack") {
    route.kind = "upload-pack";
    route.service = "git-upload-pack";
  } else if (rest === "/git-receive-pack") {
    route.kind = "receive-pack";
    route.service = "git-receive-pack";
  } else if (rest.startsWith("/info/lfs/")) {
    route.kind = "lfs";
    route.service = "lfs";
    // Batch uploads also need write access; the LFS handler checks that once it has read the body.
    if (method === "PUT" || rest.startsWith("/info/lfs/locks")) route.need = "write";
  }
  if (route.service === "git-receive-pack") route.need = "write";
  return route;
}

function parseAuthorization(authorization: string | undefined): {
  username: string | undefined;
  password: string | undefined;
} {
  if (authorization == null) return { username: undefined, password: undefined };
  const [scheme = "", value = ""] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return {
      username: colon < 0 ? decoded : decoded.slice(0, colon),
      password: colon < 0 ? decoded : decoded.slice(colon + 1),
    };
  }
  if (scheme.toLowerCase() === "bearer") return { username: "token", password: value };
  return { username: undefined, password: undefined };
}

/** GitLab accepts any username with a token as the password; we also take `Bearer <token>`. */
function identify(authorization: string | undefined, tokens: Map<string, Access>): Caller {
  if (authorization == null) return { access: "anonymous", user: undefined };
  const { username: user, password: token } = parseAuthorization(authorization);
  const access = token == null ? "unknown-token" : (tokens.get(token) ?? "unknown-token");
  return { access, user: user === "" ? "token" : user };
}

function fromDecision(decision: GitAuthDecision): Caller {
  if ("deny" in decision) {
    return {
      access: "anonymous",
      user: undefined,
      denied: { status: decision.deny, message: decision.message },
    };
  }
  return {
    access: decision.access,
    user: decision.user,
    env: decision.env,
    writeDeniedMessage: decision.writeDeniedMessage,
  };
}

function authorize(caller: Caller, need: Access, publicRead: boolean): 401 | 403 | undefined {
  // A wrong token is refused even on a public repo, as GitLab does: the client asked to be someone.
  if (caller.access === "unknown-token") return 401;
  if (caller.access === "anonymous") return need === "read" && publicRead ? undefined : 401;
  if (need === "write" && caller.access !== "write") return 403;
  return undefined;
}

function createSink(
  res: ServerResponse,
  hooks: {
    onStatus: (status: number) => void;
    onBytes: (n: number) => void;
    dropAfter: () => number | undefined;
    onDrop: () => void;
  },
): ResponseSink {
  let started = false;
  let dropped = false;
  let sent = 0;

  function drop(): void {
    dropped = true;
    hooks.onDrop();
    // Let what was written reach the client, then close mid-body: the client sees a truncated
    // response, like a proxy or load balancer cutting the connection.
    res.socket?.destroySoon();
  }

  return {
    get started() {
      return started;
    },
    start(status, headers) {
      started = true;
      hooks.onStatus(status);
      res.writeHead(status, headers);
      if (hooks.dropAfter() === 0) {
        res.flushHeaders();
        drop();
      }
    },
    write(chunk) {
      if (dropped || res.destroyed) return true;
      const limit = hooks.dropAfter();
      if (limit != null && sent + chunk.length >= limit) {
        const part = chunk.subarray(0, limit - sent);
        if (part.length > 0) res.write(part);
        sent += part.length;
        hooks.onBytes(part.length);
        drop();
        return true;
      }
      sent += chunk.length;
      hooks.onBytes(chunk.length);
      return res.write(chunk);
    },
    end() {
      if (!dropped && !res.destroyed) res.end();
    },
  };
}

function sendText(sink: ResponseSink, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  sendBody(sink, status, Buffer.from(text), { "content-type": "text/plain; charset=utf-8", ...headers });
}

function sendJson(
  sink: ResponseSink,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  sendBody(sink, status, Buffer.from(`${JSON.stringify(value)}\n`), {
    "content-type": LFS_MEDIA_TYPE,
    ...headers,
  });
}

function sendBody(sink: ResponseSink, status: number, body: Buffer, headers: OutgoingHttpHeaders): void {
  sink.start(status, { ...headers, "content-length": body.length });
  sink.write(body);
  sink.end();
}

function sendError(sink: ResponseSink, status: 401 | 403 | 404, lfs: boolean, custom?: string): void {
  const headers: OutgoingHttpHeaders = status === 401 ? { "www-authenticate": REALM } : {};
  const message =
    custom ??
    (status === 401 ? "HTTP Basic: Access denied" : "You are not allowed to push code to this project.");
  if (lfs) sendJson(sink, status, { message }, headers);
  else sendText(sink, status, `${message}\n`, headers);
}

interface LfsContext {
  req: IncomingMessage;
  res: ServerResponse;
  sink: ResponseSink;
  countIn: (n: number) => void;
  caller: Caller;
  repo: string;
  rest: string;
  dir: string;
  baseUrl: string;
}

interface BatchObject {
  oid: string;
  size: number;
}

/** The Git LFS batch API with the "basic" transfer adapter, objects kept inside the bare repo. */
async function handleLfs(ctx: LfsContext): Promise<void> {
  const { req, sink, rest, dir } = ctx;
  if (!existsSync(dir)) {
    sendJson(sink, 404, { message: "Repository not found" });
    return;
  }
  const store = join(dir, LFS_DIR);
  const method = req.method ?? "GET";
  if (rest === "/info/lfs/objects/batch" && method === "POST") {
    await lfsBatch(ctx, store);
    return;
  }
  if (rest === "/info/lfs/locks/verify" && method === "POST") {
    // `git lfs push` asks this first; without an answer it warns that the remote cannot lock files.
    await readBody(req, ctx.countIn, 1 << 20);
    sendJson(sink, 200, { ours: [], theirs: [] });
    return;
  }
  const oid = /^\/info\/lfs\/objects\/([0-9a-f]{64})$/.exec(rest)?.[1];
  if (oid != null && method === "GET") {
    const file = join(store, oid);
    if (!existsSync(file)) {
      sendJson(sink, 404, { message: "Object does not exist" });
      return;
    }
    sink.start(200, { "content-type": "application/octet-stream", "content-length": statSync(file).size });
    await streamToSink(createReadStream(file), sink, ctx.res);
    sink.end();
    return;
  }
  if (oid != null && method === "PUT") {
    await lfsUpload(ctx, store, oid);
    return;
  }
  sendJson(sink, 404, { message: "Not found" });
}

async function lfsBatch(ctx: LfsContext, store: string): Promise<void> {
  const { sink, caller } = ctx;
  let request: { operation?: unknown; objects?: unknown; transfers?: unknown };
  try {
    request = JSON.parse((await readBody(ctx.req, ctx.countIn, 16 << 20)).toString("utf8")) as typeof request;
  } catch {
    sendJson(sink, 422, { message: "Invalid JSON in batch request" });
    return;
  }
  const operation = request.operation;
  if (operation !== "download" && operation !== "upload") {
    sendJson(sink, 422, { message: `Unknown operation ${JSON.stringify(operation)}` });
    return;
  }
  if (operation === "upload" && caller.access !== "write") {
    sendError(sink, caller.access === "read" ? 403 : 401, true);
    return;
  }
  if (Array.isArray(request.transfers) && !request.transfers.includes("basic")) {
    sendJson(sink, 422, { message: "Only the basic transfer adapter is supported" });
    return;
  }
  const objects: unknown[] = Array.isArray(request.objects) ? (request.objects as unknown[]) : [];
  const href = (oid: string): string => `${ctx.baseUrl}/${ctx.repo}.git/info/lfs/objects/${oid}`;
  // Hand the caller's own credentials back with each action, as GitLab does, so the transfer
  // works even if the client would not send them to the object URL on its own.
  const authorization = ctx.req.headers.authorization;
  const header = authorization == null ? undefined : { Authorization: authorization };
  const answers = objects.map((raw) => {
    const { oid, size } = asBatchObject(raw);
    if (!OID.test(oid) || !Number.isInteger(size) || size < 0) {
      return { oid, size, error: { code: 422, message: "Invalid object id or size" } };
    }
    const file = join(store, oid);
    const stored = existsSync(file) ? statSync(file).size : undefined;
    if (operation === "download") {
      if (stored == null) return { oid, size, error: { code: 404, message: "Object does not exist" } };
      return {
        oid,
        size: stored,
        authenticated: true,
        actions: { download: { href: href(oid), header, expires_in: 3600 } },
      };
    }
    // An object the server already has needs no upload action: that is how clients skip it.
    if (stored === size) return { oid, size, authenticated: true };
    return {
      oid,
      size,
      authenticated: true,
      actions: { upload: { href: href(oid), header, expires_in: 3600 } },
    };
  });
  sendJson(sink, 200, { transfer: "basic", objects: answers, hash_algo: "sha256" });
}

async function lfsUpload(ctx: LfsContext, store: string, oid: string): Promise<void> {
  await mkdir(store, { recursive: true });
  const temp = join(store, `incoming-${randomBytes(8).toString("hex")}`);
  const hash = createHash("sha256");
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      ctx.countIn(chunk.length);
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(ctx.req, hasher, createWriteStream(temp));
  } catch {
    await rm(temp, { force: true });
    return; // the client went away mid-upload; there is nobody to answer
  }
  if (hash.digest("hex") !== oid) {
    await rm(temp, { force: true });
    sendJson(ctx.sink, 422, { message: "Object content does not match its oid" });
    return;
  }
  await rename(temp, join(store, oid));
  ctx.sink.start(200, { "content-length": 0 });
  ctx.sink.end();
}

function asBatchObject(raw: unknown): BatchObject {
  const value = (typeof raw === "object" && raw != null ? raw : {}) as { oid?: unknown; size?: unknown };
  return {
    oid: typeof value.oid === "string" ? value.oid : "",
    size: typeof value.size === "number" ? value.size : -1,
  };
}

async function readBody(req: IncomingMessage, countIn: (n: number) => void, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    countIn(chunk.length);
    total += chunk.length;
    if (total > limit) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function streamToSink(source: Readable, sink: ResponseSink, res: ServerResponse): Promise<void> {
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (res.destroyed) break;
    if (!sink.write(chunk)) {
      await new Promise<void>((resolveDrain) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          resolveDrain();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  source.destroy();
}

function parseCgiHead(
  buffer: Buffer,
): { status: number; headers: Record<string, string | string[]>; rest: Buffer } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  let end: number;
  let skip: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    end = crlf;
    skip = 4;
  } else if (lf >= 0) {
    end = lf;
    skip = 2;
  } else {
    return undefined;
  }
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of buffer.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") {
      status = Number.parseInt(value, 10) || 500;
      continue;
    }
    const previous = headers[name];
    if (previous == null) headers[name] = value;
    else headers[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return { status, headers, rest: buffer.subarray(end + skip) };
}

async function writeProtected(repoDir: string, patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    if (pattern.trim() === "" || /[\r\n]/.test(pattern)) {
      throw new Error(`invalid protected branch pattern: ${JSON.stringify(pattern)}`);
    }
  }
  await writeFile(join(repoDir, PROTECTED_FILE), patterns.map((p) => `${p}\n`).join(""));
}

function quoteConfigValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`invalid config value: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function setIf(env: NodeJS.ProcessEnv, key: string, value: string | undefined): void {
  if (value != null && value !== "") env[key] = value;
}

function gitOutput(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile("git", args, { env }, (error, stdout, stderr) => {
      if (error != null) reject(new Error(`git ${args[0] ?? ""} failed: ${stderr || error.message}`));
      else resolveRun(stdout.trim());
    });
  });
}
