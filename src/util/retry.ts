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
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
      const delay = Math.min(policy.maxDelayMs ?? 60_000, exponential * (1 + Math.random() * 0.5));
      onRetry?.(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
