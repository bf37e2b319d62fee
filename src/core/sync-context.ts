import type { Env } from "../util/env.ts";
import type { GitContext, GitObserver } from "../git/runner.ts";
import type { Redactor } from "../util/redact.ts";
import type { TargetCreator } from "./create-target.ts";
import type { RetryPolicy } from "../util/retry.ts";

/** Everything one mirror's sync needs from the outside world, passed in rather than reached for. */
export interface SyncSettings {
  cacheDir: string;
  dryRun: boolean;
  allowMassDelete: boolean;
  /** Lifts `max_rewrites` for this run; from the command line only. */
  allowMassRewrite: boolean;
  /** Refs per `git push`; the default branch always goes alone, first. */
  batchSize: number;
  networkTimeoutMs: number;
  retry: RetryPolicy;
}

export interface SyncWorld {
  /** The caller's environment: token variables are read from here; git gets an allow-listed part of it. */
  env: Env;
  redactor: Redactor;
  /** A progress line for this mirror's log (already redacted by the caller's output). */
  log: (line: string) => void;
  /** Creates a missing target project (`create_target`); absent when no mirror asks for it. */
  createTarget?: TargetCreator | undefined;
  /** Aborted when the run is cancelled: git is stopped, retries end, nothing new starts. */
  signal?: AbortSignal | undefined;
  /** Watches this mirror's git processes: progress meters, and git's commands with --debug. */
  gitObserver?: GitObserver | undefined;
}

export interface MirrorGit {
  /** Context for the mirror's bare cache repo. */
  cache: GitContext;
  /** Context for remote verbs that need no repository (listing), in none. */
  remote: GitContext;
  /** Credentialed env for talking to the upstream and to the target. */
  sourceEnv: Env;
  targetEnv: Env;
}
