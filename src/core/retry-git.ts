import { GitError } from "../errors/git-error.ts";
import { withRetry } from "../util/retry.ts";
import type { SyncSettings, SyncWorld } from "./sync-context.ts";

/**
 * Run a networked git step under the mirror's retry policy: transient failures (network,
 * timeouts) are retried with backoff and said in the log; anything else fails at once.
 */
export function retryGitStep<T>(
  step: string,
  settings: SyncSettings,
  world: SyncWorld,
  action: (attempt: number) => Promise<T>,
): Promise<T> {
  return withRetry(
    settings.retry,
    (error) => error instanceof GitError && error.retryable,
    action,
    (error, attempt, delay) =>
      world.log(`${step} failed (${errorText(error)}); retry ${attempt} in ${Math.round(delay / 1000)}s`),
    world.signal,
  );
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
