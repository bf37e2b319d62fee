/**
 * Child-process side of audit-sandbox.ts: starts the GitLab sandbox, seeds it and answers the
 * bench's requests over the IPC channel. Started by `startAuditSandbox`, never by hand.
 */
import { startGitLabSandbox } from "../../test/helpers/sandbox.ts";
import type { GitLabSandbox, MirrorStatePatch, RecordedApiRequest } from "../../test/helpers/sandbox.ts";
import type {
  AuditHostCall,
  MirrorState,
  RequestLog,
  SeedPlan,
  Seeded,
  SeededMirror,
} from "./audit-sandbox.ts";
import { serveParent } from "./serve-parent.ts";

const HOUR = 3_600_000;
const USER = "audit-bot";

/** How many hours before the seeding each timestamp of a mirror lies; absent ones stay unset. */
interface StateShape {
  updateStatus: NonNullable<MirrorStatePatch["updateStatus"]>;
  lastError?: string;
  lastUpdateAt?: number;
  lastUpdateStartedAt?: number;
  lastSuccessfulUpdateAt: number;
}

/**
 * The mirror's fields for each state. The ages sit far from the audit's default limits (24h max
 * age, 1h stuck after) so that a run a few minutes later judges alike.
 */
const STATE_SHAPES: Record<MirrorState, StateShape> = {
  finished: { updateStatus: "finished", lastUpdateAt: 1, lastUpdateStartedAt: 1, lastSuccessfulUpdateAt: 1 },
  failed: {
    updateStatus: "failed",
    lastError: "fatal: could not read Username for 'https://backup.example': terminal prompts disabled",
    lastUpdateAt: 1,
    lastUpdateStartedAt: 1,
    lastSuccessfulUpdateAt: 72,
  },
  stale: { updateStatus: "finished", lastUpdateAt: 72, lastUpdateStartedAt: 72, lastSuccessfulUpdateAt: 72 },
  stuck: { updateStatus: "started", lastUpdateStartedAt: 3, lastUpdateAt: 4, lastSuccessfulUpdateAt: 4 },
  to_retry: {
    updateStatus: "to_retry",
    lastError: "remote: 503 Service Unavailable",
    lastUpdateAt: 1,
    lastUpdateStartedAt: 1,
    lastSuccessfulUpdateAt: 1,
  },
  disabled: { updateStatus: "finished", lastSuccessfulUpdateAt: 72 },
};

/** The state's fields as dates relative to `now`. */
function statePatch(state: MirrorState, now: number): MirrorStatePatch {
  const shape = STATE_SHAPES[state];
  const ago = (hours: number): Date => new Date(now - hours * HOUR);
  const patch: MirrorStatePatch = {
    updateStatus: shape.updateStatus,
    lastSuccessfulUpdateAt: ago(shape.lastSuccessfulUpdateAt),
  };
  if (shape.lastError != null) patch.lastError = shape.lastError;
  if (shape.lastUpdateAt != null) patch.lastUpdateAt = ago(shape.lastUpdateAt);
  if (shape.lastUpdateStartedAt != null) patch.lastUpdateStartedAt = ago(shape.lastUpdateStartedAt);
  return patch;
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

  function answer(request: AuditHostCall): unknown {
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
    }
  }

  serveParent<AuditHostCall>(sandbox.url, answer, () => sandbox.close());
}

await host();
