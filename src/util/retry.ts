/**
 * The one retry policy: exponential backoff with jitter, for git's network steps, the GitLab
 * API and webhooks alike. Which failures are worth another attempt is the caller's to say: an
 * auth failure repeated three times is still an auth failure, and a POST that GitLab may have
 * acted on must not be sent twice.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  /** Delay before the second attempt; doubled each time, with up to a quarter of jitter. */
  baseDelayMs: number;
  /** Longest wait between attempts (default a minute); a server asking for longer ends them. */
  maxDelayMs?: number | undefined;
}

/** Time as a retry sees it: what a server's `Retry-After` date counts from, and how it waits. */
export interface RetryClock {
  now(): number;
  /** Resolves after `ms`, or rejects as soon as `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time. Tests give their own clock, so a retry or a `Retry-After` wait takes no time. */
export const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

const DEFAULT_MAX_DELAY_MS = 60_000;

export interface RetryOptions {
  /** Whether this failure may go away on its own (a dropped connection, a 503). */
  retryable: (error: unknown) => boolean;
  /** The wait the failure itself asks for (`Retry-After`), in place of the backoff. */
  askedDelayMs?: ((error: unknown) => number | undefined) | undefined;
  /** Told before each wait, e.g. to say it in the log. */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
  /** A cancelled run does not sit out the backoff: the error it had stands. */
  signal?: AbortSignal | undefined;
  clock?: RetryClock | undefined;
}

/**
 * Run `action` until it succeeds, fails in a way that is not retryable, or has had the policy's
 * attempts; the last error is thrown as it was.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  action: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const clock = options.clock ?? REAL_CLOCK;
  const maxDelayMs = policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !options.retryable(error) || options.signal?.aborted === true)
        throw error;
      const asked = options.askedDelayMs?.(error);
      // A server that asks for a longer wait than we would make is not asked again early.
      if (asked != null && asked > maxDelayMs) throw error;
      const delay = asked ?? backoffDelay(policy, attempt);
      options.onRetry?.(error, attempt, delay);
      if (!(await waited(clock, delay, options.signal))) throw error;
    }
  }
}

/** The wait after failed attempt `attempt` (1 for the first). */
function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  // Jitter, so parallel jobs that hit the same limit do not retry in step.
  return Math.min(policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, exponential * (1 + Math.random() * 0.25));
}

/** False when the signal fired first. */
async function waited(clock: RetryClock, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) return false;
  try {
    await clock.sleep(ms, signal);
  } catch (error) {
    if (aborted()) return false;
    throw error;
  }
  return !aborted();
}
