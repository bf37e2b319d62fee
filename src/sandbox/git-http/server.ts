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
import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sandboxGitEnv } from "../git.ts";
import { findBackend } from "./cgi.ts";
import { createFaultTable } from "./faults.ts";
import { handleRequest } from "./handler.ts";
import type { ServerState } from "./handler.ts";
import { writeProtected } from "./hooks.ts";
import { countStoredLfsObjects, hasStoredLfsObject, storeLfsObject } from "./lfs-store.ts";
import { initRepo } from "./repos.ts";
import { normalizeName } from "./routes.ts";
import { createStatsBook } from "./stats.ts";
import type { Access, GitServer, GitServerOptions, LfsObjectInfo, RepoOptions } from "./types.ts";

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const ownRoot = options.root == null;
  const root = resolve(options.root ?? (await mkdtemp(join(tmpdir(), "ci-mirror-git-root-"))));
  await mkdir(root, { recursive: true });
  // The CGI and its hooks get a throwaway HOME so no user config (credential helpers,
  // url rewrites, hooksPath) of whoever runs the tests can change what the server does.
  const home = await mkdtemp(join(tmpdir(), "ci-mirror-git-home-"));
  const baseEnv = sandboxGitEnv(options.env, home);
  const backend = await findBackend(baseEnv);

  const children = new Set<ChildProcess>();
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  let url = "";

  function repoPath(name: string): string {
    return join(root, `${normalizeName(name)}.git`);
  }

  const state: ServerState = {
    options,
    tokens: new Map<string, Access>(Object.entries(options.tokens ?? {})),
    publicRepos: new Set<string>(),
    stats: createStatsBook(),
    faults: createFaultTable(),
    closing: closing.signal,
    cgi: { backend, root, baseEnv, children },
    url: () => url,
    repoPath,
  };
  const { tokens, publicRepos, stats, faults } = state;

  const server = createServer((req, res) => {
    handleRequest(state, req, res).catch((error: unknown) => {
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
    await initRepo(clean, path, repoOptions, baseEnv);
    if (repoOptions.publicRead === true) publicRepos.add(clean);
    return path;
  }

  async function putLfsObject(name: string, content: Buffer): Promise<LfsObjectInfo> {
    return storeLfsObject(repoPath(name), content);
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
    stats: (name) => stats.snapshot(normalizeName(name)),
    resetStats: () => stats.reset(),
    requests: stats.requests,
    inject: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    putLfsObject,
    hasLfsObject: (name, oid) => hasStoredLfsObject(repoPath(name), oid),
    lfsObjectCount: (name) => countStoredLfsObjects(repoPath(name)),
    close,
  };
}
