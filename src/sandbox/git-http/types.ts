/** The public shapes of the sandbox git server; `../index.ts` re-exports them unchanged. */
import type { Env } from "../../util/env.ts";

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
  | {
      access: "read" | "write";
      user?: string | undefined;
      env?: Record<string, string> | undefined;
      writeDeniedMessage?: string | undefined;
    }
  | { deny: 401 | 403 | 404; message?: string };

export interface GitServerOptions {
  /**
   * The environment of whoever starts the server: its git, the CGI and the hooks find their
   * programs on its PATH. Nothing else of it is used; the server reads no environment itself.
   */
  env?: Env;
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
  /**
   * "stall" accepts the request and never answers (no status, no bytes) until the client goes away
   * or the server closes: a host that hangs rather than fails. "corrupt" inverts the bits of the
   * body byte at `afterBytes`: a host that sends a damaged pack. "redirect" answers with a redirect
   * to the same path and query under `location`, before any authentication, as a moved repository
   * (or a hostile server) does.
   */
  kind: "drop" | "status-500" | "latency" | "stall" | "redirect" | "corrupt";
  /** Service of the request (`info/refs?service=…` or the service's POST); undefined matches both. */
  service?: "git-upload-pack" | "git-receive-pack";
  /** For "redirect": the base URL to send the client to, e.g. another server's `url`. */
  location?: string;
  /** For "redirect": the status code (default 302). */
  status?: 301 | 302 | 303 | 307 | 308;
  /**
   * Matching requests served normally before the fault takes effect (default 0), to aim it at a
   * later request: the fetch's `info/refs` after the listing's. Not for "drop" or "corrupt".
   */
  skip?: number;
  /**
   * For "drop": cut the connection once the response has sent this many body bytes (0 = right after
   * the headers). A response that ends before that is left alone and does not use up the fault, so
   * a fault meant for the pack is not spent on a tiny ls-refs answer that precedes it. For
   * "corrupt": the offset of the byte to damage, used up the same way.
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

/** Not part of the public API: what a token grants. */
export type Access = "read" | "write";
export type RequestKind = NonNullable<Fault["on"]>;
