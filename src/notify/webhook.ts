import { withRetry } from "../util/retry.ts";
import type { AuditNotification } from "./audit-notification.ts";

export interface WebhookOptions {
  timeoutMs?: number;
  /** Extra attempts after the first; default 1. */
  retries?: number;
  /** The first wait before another attempt (the one retry policy, util/retry.ts); default 1 s. */
  retryDelayMs?: number;
  /** Applied to the JSON body as sent: the second pass over an already redacted notification. */
  redact?: ((text: string) => string) | undefined;
}

export type SendResult = { ok: true } | { ok: false; reason: string };

/**
 * POST the notification as JSON. A webhook URL is a secret (whoever holds it can post to the
 * channel), so no message built here ever contains it: failures are described by status code
 * or error code only. Never throws: a notification that did not go out must not hide the
 * audit's own result.
 */
export async function sendWebhook(
  url: string,
  notification: AuditNotification,
  options: WebhookOptions = {},
): Promise<SendResult> {
  const policy = {
    attempts: 1 + Math.max(0, options.retries ?? 1),
    baseDelayMs: options.retryDelayMs ?? 1_000,
  };
  let made = 0;
  try {
    await withRetry(
      policy,
      async (attempt) => {
        made = attempt;
        await post(url, notification, options);
      },
      // A 4xx will not change on a second try (bad URL, revoked hook); a 5xx, a 429 or a
      // network failure might.
      { retryable: (error) => !(error instanceof WebhookRefusal) || error.retryable },
    );
    return { ok: true };
  } catch (error) {
    const reason = error instanceof WebhookRefusal ? error.reason : describeFetchError(error);
    return { ok: false, reason: `${reason} (after ${made} attempt${made === 1 ? "" : "s"})` };
  }
}

/** The webhook answered, and not with a success. */
class WebhookRefusal extends Error {
  readonly reason: string;
  readonly retryable: boolean;

  constructor(reason: string, retryable: boolean) {
    super(reason);
    this.reason = reason;
    this.retryable = retryable;
  }
}

async function post(url: string, notification: AuditNotification, options: WebhookOptions): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: (options.redact ?? String)(JSON.stringify(notification)),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    // The URL is the secret, and the notification goes only there: a redirect (even to
    // https on the same host) is reported, never followed with the body.
    redirect: "manual",
  });
  // Drain the body so the connection is released; its content is of no use to us.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const reason =
    response.status >= 300 && response.status < 400
      ? `the webhook answered ${response.status}, a redirect to ${originOf(response.headers.get("location"), url)}, which ci-mirror does not follow; put the final URL in the variable`
      : `the webhook answered ${response.status}`;
  throw new WebhookRefusal(reason, response.status >= 500 || response.status === 429);
}

/** Only the origin: a webhook's path is its secret, and a redirect's path may be the same one. */
function originOf(location: string | null, base: string): string {
  try {
    return location == null ? "nowhere" : new URL(location, base).origin;
  } catch {
    return "an unreadable location";
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "the webhook did not answer in time";
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    cause != null && typeof cause === "object" && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : undefined;
  // fetch's own messages can quote the URL (e.g. "Failed to parse URL from …"): use codes only.
  return code != null ? `cannot reach the webhook (${code})` : "cannot reach the webhook";
}
