import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RepoOptions, RepoStats } from "../../src/sandbox/git-http-server.ts";

/**
 * The sandbox git server, run in a child process of its own. In the bench process it would share
 * one event loop with the harness that spawns the baselines' git processes: every such spawn
 * blocks that loop while it forks, stalling the server for all requests in flight, which made
 * a hundred bare `git ls-remote` calls look slower than ci-mirror doing the same hundred listings
 * from its own process. A forge is another machine; here it is at least another process.
 */
export interface BenchServer {
  readonly url: string;
  readonly root: string;
  repoUrl(name: string): string;
  repoPath(name: string): string;
  createRepo(name: string, options?: RepoOptions): Promise<string>;
  stats(name: string): Promise<RepoStats>;
  /** Zero every counter. */
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export interface HostOptions {
  root: string;
  tokens: Record<string, "read" | "write">;
}

export type HostCall =
  | { op: "createRepo"; name: string; options: RepoOptions }
  | { op: "stats"; name: string }
  | { op: "resetStats" }
  | { op: "close" };

export type HostRequest = HostCall & { id: number };

export type HostMessage =
  | { kind: "ready"; url: string }
  | { kind: "reply"; id: number; value: unknown }
  | { kind: "failed"; id: number; message: string };

const HOST = join(fileURLToPath(new URL(".", import.meta.url)), "server-host.ts");

export async function startServerProcess(options: HostOptions, projectDir: string): Promise<BenchServer> {
  // tsx as an import hook, resolved from the project, so the host runs the server's TypeScript as is.
  const child = fork(HOST, [JSON.stringify(options)], {
    cwd: projectDir,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const url = await new Promise<string>((resolveReady, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`git server process exited early (${code ?? "signal"})`)));
    child.on("message", (message: HostMessage) => {
      if (message.kind === "ready") resolveReady(message.url);
      else if (message.kind === "reply") pending.get(message.id)?.resolve(message.value);
      else pending.get(message.id)?.reject(new Error(`git server: ${message.message}`));
      if (message.kind !== "ready") pending.delete(message.id);
    });
  });
  child.removeAllListeners("exit");
  child.on("exit", () => {
    for (const waiter of pending.values()) waiter.reject(new Error("git server process exited"));
    pending.clear();
  });

  function call(request: HostCall): Promise<unknown> {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const message: HostRequest = { ...request, id };
      child.send(message);
    });
  }

  return {
    url,
    root: options.root,
    repoUrl: (name) => `${url}/${name}.git`,
    repoPath: (name) => join(options.root, `${name}.git`),
    createRepo: async (name, repoOptions = {}) =>
      String(await call({ op: "createRepo", name, options: repoOptions })),
    // The host sends back exactly what GitServer.stats returned.
    stats: async (name) => (await call({ op: "stats", name })) as RepoStats,
    resetStats: async () => {
      await call({ op: "resetStats" });
    },
    close: () => closeHost(child, call),
  };
}

async function closeHost(child: ChildProcess, call: (request: HostCall) => Promise<unknown>): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  await call({ op: "close" });
  await exited;
}
