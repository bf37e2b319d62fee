import { afterAll, beforeAll } from "vitest";
import { startGitServer, type GitServer } from "./sandbox.ts";
import { buildRepo, tempDir, type BuiltRepo, type RepoSpec } from "./fixtures.ts";
import { expectNoCanary, filesUnder, runTexts } from "./canary.ts";
import { runCli, writeConfig, type CliRun, type MirrorEntry } from "./cli.ts";

export const UPSTREAM_TOKEN = "upstream-secret-7f3a9c2e";
export const TARGET_TOKEN = "target-secret-b81d44f0";

/**
 * One git server per test file, with a read token for upstreams and a write token for targets,
 * and a per-test workspace holding the config, the cache and the reports.
 */
export function useGitServer(): () => GitServer {
  let server: GitServer | undefined;
  beforeAll(async () => {
    server = await startGitServer({ tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } });
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (server == null) throw new Error("git server not started");
    return server;
  };
}

/** How many pushes (receive-pack POSTs) a repository of the server has taken since its last reset. */
export function receivePacks(server: GitServer, repo: string): number {
  return server.requests.filter(
    (request) => request.repo === repo && request.method === "POST" && request.service === "git-receive-pack",
  ).length;
}

/** Repositories for one mirror: an upstream built to `spec`, and an empty GitLab-like target. */
export interface MirrorPair {
  name: string;
  /** The bare repositories' paths on disk. */
  upstream: string;
  target: string;
  built: BuiltRepo;
  /** Their URLs on the server. */
  source: string;
  targetUrl: string;
}

export async function mirrorPair(
  server: GitServer,
  label: string,
  spec: RepoSpec,
  upstreamFlavor?: "github",
): Promise<MirrorPair> {
  const name = uniqueName(label);
  const upstream = await server.createRepo(
    `up/${name}`,
    upstreamFlavor == null ? {} : { flavor: upstreamFlavor },
  );
  const built = await buildRepo(upstream, spec);
  const target = await server.createRepo(`mirror/${name}`, { flavor: "gitlab" });
  return {
    name,
    upstream,
    target,
    built,
    source: server.repoUrl(`up/${name}`),
    targetUrl: server.repoUrl(`mirror/${name}`),
  };
}

let counter = 0;

/** A unique repo name prefix, so tests sharing a server never touch each other's repos. */
export function uniqueName(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

export interface Workspace {
  dir: string;
  configure(mirrors: MirrorEntry[], defaults?: string[]): Promise<string>;
  sync(...args: string[]): Promise<CliRun>;
}

export async function workspace(env: Record<string, string> = {}): Promise<Workspace> {
  const { path: dir } = await tempDir("ws");
  return {
    dir,
    configure: (mirrors, defaults) => writeConfig(dir, mirrors, defaults),
    sync: async (...args) => {
      const tokens = { UPSTREAM_TOKEN, TARGET_TOKEN, ...env };
      const run = await runCli(["sync", ...args], { cwd: dir, env: tokens });
      // Every sync of every test is a canary run: its output, its reports and the cache's files
      // (but the objects, which are compressed) hold no form of either token.
      const files = (await filesUnder(dir)).filter(({ where }) => !/(^|\/)objects\//.test(where));
      expectNoCanary(
        [tokens.UPSTREAM_TOKEN, tokens.TARGET_TOKEN].filter((token) => token.length >= 8),
        [...runTexts(`sync ${args.join(" ")}`, run), ...files],
      );
      return run;
    },
  };
}
