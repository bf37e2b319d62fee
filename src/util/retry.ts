/**
 * Retry transient failures with exponential backoff and jitter. Only errors the caller marks
 * retryable are retried: an auth failure repeated three times is still an auth failure.
 */
export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  /** Delay before the second attempt; doubled each time, with up to 50% jitter. */
  baseDelayMs: number;
  maxDelayMs?: number;
}

export async function withRetry<T>(
  policy: RetryPolicy,
  isRetryable: (error: unknown) => boolean,
  action: (attempt: number) => Promise<T>,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error) || signal?.aborted === true) throw error;
      const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
      const delay = Math.min(policy.maxDelayMs ?? 60_000, exponential * (1 + Math.random() * 0.5));
      onRetry?.(error, attempt, delay);
      // A cancelled run does not sit out the backoff: the error it had stands.
      const slept = await sleep(delay, signal).then(
        () => true,
        () => false,
      );
      if (!slept) throw error;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new Error("aborted"));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
