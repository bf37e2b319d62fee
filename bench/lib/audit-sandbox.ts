import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startChildHost } from "./child-host.ts";

/**
 * The GitLab REST sandbox, seeded and run in a child process of its own, for the same reason as
 * the git server in server-process.ts: sharing the bench's event loop would bill the harness's
 * own work (spawning, reading reports) to ci-mirror's API calls. The measured CLI then competes
 * with the sandbox for CPU the way a real job competes with a remote GitLab: not at all in-loop.
 */

/** One push mirror to seed, in one of the states the audit has to tell apart. */
export type MirrorState = "finished" | "failed" | "stale" | "stuck" | "to_retry" | "disabled";

export interface PlannedProject {
  namespace: string;
  path: string;
  mirrors: Array<{ url: string; state: MirrorState }>;
}

export interface SeedPlan {
  /** The group the token's user is Maintainer of; every planned namespace lies under it. */
  group: string;
  projects: PlannedProject[];
}

export interface SeededMirror {
  id: number;
  project: string;
  state: MirrorState;
}

export interface Seeded {
  token: string;
  mirrors: SeededMirror[];
}

/** What the sandbox itself logged since the last reset: the count ci-mirror's own figure is checked against. */
export interface RequestLog {
  total: number;
  byStatus: Record<string, number>;
  /** Method and path with ids folded, e.g. `GET /projects/:id/remote_mirrors`. */
  byRoute: Record<string, number>;
  /** Epoch milliseconds of each route's first and last answer: the phases of the audit. */
  spans: Record<string, { first: number; last: number }>;
  /** Epoch milliseconds at which each 429 was sent, oldest first. */
  times429: number[];
  /** Epoch milliseconds of every other answer, oldest first. */
  timesOther: number[];
  lastAt: number | null;
}

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export type AuditHostCall =
  | { op: "seed"; plan: SeedPlan }
  | { op: "requestLog" }
  | { op: "resetRequests" }
  | { op: "rateLimit"; limit: RateLimit | null }
  | { op: "latency"; ms: number };

export interface AuditSandbox {
  readonly url: string;
  seed(plan: SeedPlan): Promise<Seeded>;
  requestLog(): Promise<RequestLog>;
  resetRequests(): Promise<void>;
  /** null lifts the limit; a new limit starts with fresh counters. */
  rateLimit(limit: RateLimit | null): Promise<void>;
  /** Delay every API answer by `ms`, as a network round trip would. */
  latency(ms: number): Promise<void>;
  close(): Promise<void>;
}

const HOST = join(fileURLToPath(new URL(".", import.meta.url)), "audit-host.ts");

export async function startAuditSandbox(projectDir: string): Promise<AuditSandbox> {
  const host = await startChildHost<AuditHostCall>({
    script: HOST,
    args: [],
    projectDir,
    name: "GitLab sandbox",
  });
  const { call } = host;
  return {
    url: host.url,
    // The host sends back exactly the shapes declared above.
    seed: async (plan) => (await call({ op: "seed", plan })) as Seeded,
    requestLog: async () => (await call({ op: "requestLog" })) as RequestLog,
    resetRequests: async () => {
      await call({ op: "resetRequests" });
    },
    rateLimit: async (limit) => {
      await call({ op: "rateLimit", limit });
    },
    latency: async (ms) => {
      await call({ op: "latency", ms });
    },
    close: () => host.close(),
  };
}
