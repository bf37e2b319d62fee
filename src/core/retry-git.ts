import { GitError } from "../errors/git-error.ts";
import { onSide, type RemoteSide } from "../git/errors.ts";
import { withRetry } from "../util/retry.ts";
import type { SyncSettings, SyncWorld } from "./sync-context.ts";

/** The side a networked step talks to, so that its failure can say which side failed. */
export interface Remote {
  side: RemoteSide;
  url: string;
}

/**
 * Run a networked git step under the mirror's retry policy: transient failures (network,
 * timeouts) are retried with backoff and said in the log; anything else fails at once. A git
 * failure that ends the step is told as the failure of `remote`'s side.
 */
export async function retryGitStep<T>(
  step: string,
  settings: SyncSettings,
  world: SyncWorld,
  action: (attempt: number) => Promise<T>,
  remote?: Remote,
): Promise<T> {
  const where = remote != null ? `${remote.side}: ` : "";
  try {
    return await withRetry(settings.retry, action, {
      retryable: (error) => error instanceof GitError && error.retryable,
      onRetry: (error, attempt, delay) =>
        world.log(
          `${step} failed (${where}${errorText(error)}); retry ${attempt} in ${Math.round(delay / 1000)}s`,
        ),
      signal: world.signal,
    });
  } catch (error) {
    if (remote != null && error instanceof GitError) throw onSide(error, remote.side, remote.url);
    throw error;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
