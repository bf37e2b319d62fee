import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
  | { op: "latency"; ms: number }
  | { op: "close" };

export type AuditHostRequest = AuditHostCall & { id: number };

export type AuditHostMessage =
  | { kind: "ready"; url: string }
  | { kind: "reply"; id: number; value: unknown }
  | { kind: "failed"; id: number; message: string };

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
  // tsx as an import hook, resolved from the project, so the host runs the sandbox's TypeScript as is.
  const child = fork(HOST, [], {
    cwd: projectDir,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const url = await new Promise<string>((resolveReady, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`GitLab sandbox process exited early (${code ?? "signal"})`)),
    );
    child.on("message", (message: AuditHostMessage) => {
      if (message.kind === "ready") resolveReady(message.url);
      else if (message.kind === "reply") pending.get(message.id)?.resolve(message.value);
      else pending.get(message.id)?.reject(new Error(`GitLab sandbox: ${message.message}`));
      if (message.kind !== "ready") pending.delete(message.id);
    });
  });
  child.removeAllListeners("exit");
  child.on("exit", () => {
    for (const waiter of pending.values()) waiter.reject(new Error("GitLab sandbox process exited"));
    pending.clear();
  });

  function call(request: AuditHostCall): Promise<unknown> {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const message: AuditHostRequest = { ...request, id };
      child.send(message);
    });
  }

  return {
    url,
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
    close: () => closeHost(child, call),
  };
}

async function closeHost(
  child: ChildProcess,
  call: (request: AuditHostCall) => Promise<unknown>,
): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  await call({ op: "close" });
  await exited;
}
