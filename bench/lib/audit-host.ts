/**
 * Child-process side of audit-sandbox.ts: starts the GitLab sandbox, seeds it and answers the
 * bench's requests over the IPC channel. Started by `startAuditSandbox`, never by hand.
 */
import { startGitLabSandbox } from "../../src/sandbox/gitlab/index.ts";
import type { GitLabSandbox, MirrorStatePatch, RecordedApiRequest } from "../../src/sandbox/gitlab/index.ts";
import type {
  AuditHostMessage,
  AuditHostRequest,
  MirrorState,
  RequestLog,
  SeedPlan,
  Seeded,
  SeededMirror,
} from "./audit-sandbox.ts";

const HOUR = 3_600_000;
const USER = "audit-bot";

function send(message: AuditHostMessage): void {
  process.send?.(message);
}

/**
 * The mirror's fields for each state, relative to `now`. The ages sit far from the audit's
 * default limits (24h max age, 1h stuck after) so that a run a few minutes later judges alike.
 */
function statePatch(state: MirrorState, now: number): MirrorStatePatch {
  const recent = new Date(now - HOUR);
  switch (state) {
    case "finished":
      return {
        updateStatus: "finished",
        lastUpdateAt: recent,
        lastUpdateStartedAt: recent,
        lastSuccessfulUpdateAt: recent,
      };
    case "failed":
      return {
        updateStatus: "failed",
        lastError: "fatal: could not read Username for 'https://backup.example': terminal prompts disabled",
        lastUpdateAt: recent,
        lastUpdateStartedAt: recent,
        lastSuccessfulUpdateAt: new Date(now - 72 * HOUR),
      };
    case "stale":
      return {
        updateStatus: "finished",
        lastUpdateAt: new Date(now - 72 * HOUR),
        lastUpdateStartedAt: new Date(now - 72 * HOUR),
        lastSuccessfulUpdateAt: new Date(now - 72 * HOUR),
      };
    case "stuck":
      return {
        updateStatus: "started",
        lastUpdateStartedAt: new Date(now - 3 * HOUR),
        lastUpdateAt: new Date(now - 4 * HOUR),
        lastSuccessfulUpdateAt: new Date(now - 4 * HOUR),
      };
    case "to_retry":
      return {
        updateStatus: "to_retry",
        lastError: "remote: 503 Service Unavailable",
        lastUpdateAt: recent,
        lastUpdateStartedAt: recent,
        lastSuccessfulUpdateAt: recent,
      };
    case "disabled":
      return { updateStatus: "finished", lastSuccessfulUpdateAt: new Date(now - 72 * HOUR) };
  }
}

function seed(sandbox: GitLabSandbox, plan: SeedPlan): Seeded {
  const user = sandbox.addUser(USER);
  const token = sandbox.addToken(user, { scopes: ["api"], name: "bench-audit" });
  sandbox.addGroup(plan.group);
  sandbox.addMember(plan.group, USER, 40);
  const now = Date.now();
  const mirrors: SeededMirror[] = [];
  for (const planned of plan.projects) {
    sandbox.addProject(planned.namespace, planned.path);
    const project = `${planned.namespace}/${planned.path}`;
    for (const wanted of planned.mirrors) {
      const mirror = sandbox.addRemoteMirror(project, {
        url: wanted.url,
        enabled: wanted.state !== "disabled",
      });
      sandbox.setMirrorState(project, mirror.id, statePatch(wanted.state, now));
      mirrors.push({ id: mirror.id, project, state: wanted.state });
    }
  }
  return { token, mirrors };
}

/**
 * The sandbox logs each request without a time; the bench wants the times of the 429s to show
 * how closely ci-mirror follows Retry-After. Wrapping the log's `push` stamps each entry as the
 * sandbox records it, without touching the sandbox.
 */
function stampRequests(sandbox: GitLabSandbox): number[] {
  const stamps: number[] = [];
  const log = sandbox.requests;
  const push = log.push.bind(log);
  log.push = (...entries: RecordedApiRequest[]): number => {
    for (let i = 0; i < entries.length; i++) stamps.push(Date.now());
    return push(...entries);
  };
  return stamps;
}

function requestLog(sandbox: GitLabSandbox, stamps: readonly number[]): RequestLog {
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, number> = {};
  const spans: Record<string, { first: number; last: number }> = {};
  const times429: number[] = [];
  const timesOther: number[] = [];
  sandbox.requests.forEach((request, index) => {
    const at = stamps[index] ?? 0;
    byStatus[String(request.status)] = (byStatus[String(request.status)] ?? 0) + 1;
    const route = `${request.method} ${foldIds(request.path)}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    const span = spans[route];
    if (span == null) spans[route] = { first: at, last: at };
    else span.last = at;
    (request.status === 429 ? times429 : timesOther).push(at);
  });
  return {
    total: sandbox.requests.length,
    byStatus,
    byRoute,
    spans,
    times429,
    timesOther,
    lastAt: stamps.at(-1) ?? null,
  };
}

// Project and group ids (numbers or URL-encoded paths) differ per call; the route is what counts.
function foldIds(path: string): string {
  return path
    .replace(/^\/api\/v4/, "")
    .replace(/\/(projects|groups)\/[^/]+/, "/$1/:id")
    .replace(/\/remote_mirrors\/\d+/, "/remote_mirrors/:mirror");
}

async function host(): Promise<void> {
  const sandbox = await startGitLabSandbox();
  const stamps = stampRequests(sandbox);
  let closed = false;

  async function answer(request: AuditHostRequest): Promise<unknown> {
    switch (request.op) {
      case "seed":
        return seed(sandbox, request.plan);
      case "requestLog":
        return requestLog(sandbox, stamps);
      case "resetRequests":
        sandbox.requests.length = 0;
        stamps.length = 0;
        return null;
      case "rateLimit":
        sandbox.rateLimit(request.limit ?? undefined);
        return null;
      case "latency":
        sandbox.latency(request.ms);
        return null;
      case "close":
        await sandbox.close();
        return null;
    }
  }

  process.on("message", (request: AuditHostRequest) => {
    answer(request).then(
      (value) => {
        send({ kind: "reply", id: request.id, value });
        if (request.op === "close") {
          closed = true;
          // With the sandbox closed and the channel gone, nothing keeps the process alive.
          process.disconnect();
        }
      },
      (error: unknown) => send({ kind: "failed", id: request.id, message: String(error) }),
    );
  });
  // The bench died without closing us: do not linger holding a port.
  process.on("disconnect", () => {
    if (!closed) void sandbox.close();
  });
  send({ kind: "ready", url: sandbox.url });
}

await host();
