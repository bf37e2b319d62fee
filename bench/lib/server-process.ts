import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RepoOptions, RepoStats } from "../../test/helpers/sandbox.ts";
import { startChildHost } from "./child-host.ts";

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
  | { op: "resetStats" };

const HOST = join(fileURLToPath(new URL(".", import.meta.url)), "server-host.ts");

export async function startServerProcess(options: HostOptions, projectDir: string): Promise<BenchServer> {
  const host = await startChildHost<HostCall>({
    script: HOST,
    args: [JSON.stringify(options)],
    projectDir,
    name: "git server",
  });
  const { url, call } = host;
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
    close: () => host.close(),
  };
}
