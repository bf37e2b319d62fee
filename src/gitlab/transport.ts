/**
 * The HTTP layer under @gitbeaker/rest, plugged in through its `requesterFn` option.
 *
 * Why our own: gitbeaker 43.8's built-in request handler retries 429 and 502 ten times with a
 * delay of 2**i * 0.25 ms (the whole burst takes about 0.3 s), ignores `Retry-After`, and then
 * throws a GitbeakerRetryError that no longer carries the response. It has no switch to turn
 * that off: `rateLimits` only throttles requests on our side, and the handler calls the global
 * `fetch`, so wrapping fetch would mean patching a global. `requesterFn` is the supported seam:
 * gitbeaker's resources (endpoints, path encoding, pagination) stay in charge, and so does its
 * `defaultOptionsHandler` (headers, JSON body, query string, the same as its own requester's).
 * What this file adds is what gitbeaker's lacks: retries under the one retry policy
 * (util/retry.ts) that honour `Retry-After`, the refusal of redirects, a timeout per HTTP
 * request, a bound on response size, and request counting.
 */
import { GitbeakerRequestError, GitbeakerTimeoutError } from "@gitbeaker/rest";
import type { Gitlab } from "@gitbeaker/rest";
import { defaultOptionsHandler } from "@gitbeaker/requester-utils";
import { ToolError } from "../errors/tool-error.ts";
import { withRetry, type RetryClock, type RetryPolicy } from "../util/retry.ts";

type GitlabOptions = ConstructorParameters<typeof Gitlab>[0];
export type RequesterFn = NonNullable<GitlabOptions["requesterFn"]>;
type ResourceOptions = Parameters<RequesterFn>[0];
type Requester = ReturnType<RequesterFn>;
type RequestOptions = NonNullable<Parameters<Requester["get"]>[1]>;
type Formatted = Awaited<ReturnType<Requester["get"]>>;
type Prepared = Awaited<ReturnType<typeof defaultOptionsHandler>>;

export interface TransportOptions {
  timeoutMs: number;
  /** A `Retry-After` longer than the policy's longest wait ends the retries instead. */
  retry: RetryPolicy;
  /** Called once per HTTP request sent, retries included. */
  onRequest: () => void;
  clock: RetryClock;
}

// 429 and 503 mean GitLab did not act on the request, so even a POST may be sent again.
const RETRY_ALWAYS = new Set([429, 503]);
// A 500/502/504 or a dropped connection may come after GitLab acted: only idempotent methods
// are sent again, so a create never runs twice.
const RETRY_IDEMPOTENT = new Set([500, 502, 504]);
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);
// What one response may make us hold in memory: a page of 100 projects is well under 1 MiB.
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createRequesterFn(options: TransportOptions): RequesterFn {
  return (resource: ResourceOptions) => {
    const send = (method: string) => (endpoint: string, request?: RequestOptions) =>
      sendWithRetries(resource, method, endpoint, request ?? {}, options);
    // gitbeaker's types promise a body of the caller's choosing; what arrives is whatever
    // GitLab sent, and client.ts parses it with zod before use.
    return {
      get: send("GET"),
      post: send("POST"),
      put: send("PUT"),
      patch: send("PATCH"),
      delete: send("DELETE"),
    } as Requester;
  };
}

/** A failed answer that may be different next time, and the wait the server asked for. */
class TransientAnswer extends Error {
  readonly error: GitbeakerRequestError;
  readonly retryAfterMs: number | undefined;

  constructor(error: GitbeakerRequestError, retryAfterMs: number | undefined) {
    super(error.message);
    this.error = error;
    this.retryAfterMs = retryAfterMs;
  }
}

async function sendWithRetries(
  resource: ResourceOptions,
  method: string,
  endpoint: string,
  request: RequestOptions,
  options: TransportOptions,
): Promise<Formatted> {
  const prepared = await defaultOptionsHandler(resource, { ...request, method });
  const base = resource.url.endsWith("/") ? resource.url : `${resource.url}/`;
  const url = new URL(endpoint, base);
  url.search = prepared.searchParams ?? "";
  try {
    return await withRetry(options.retry, () => sendOnce(url, method, prepared, options), {
      retryable: (error) =>
        error instanceof TransientAnswer || (IDEMPOTENT.has(method) && isNetworkError(error)),
      // GitLab's Retry-After is the end of its throttle window: asking earlier is refused again.
      askedDelayMs: (error) => (error instanceof TransientAnswer ? error.retryAfterMs : undefined),
      clock: options.clock,
    });
  } catch (error) {
    throw error instanceof TransientAnswer ? error.error : error;
  }
}

async function sendOnce(
  url: URL,
  method: string,
  prepared: Prepared,
  options: TransportOptions,
): Promise<Formatted> {
  const headers = prepared.headers ?? {};
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = prepared.signal == null ? timeout : AbortSignal.any([timeout, prepared.signal]);
  options.onRequest();
  let response: Response;
  try {
    // GitLab's API answers API calls itself and never redirects them: a redirect comes from a
    // moved instance, a proxy or an attacker. Followed, it would carry PRIVATE-TOKEN (which
    // fetch keeps across origins, unlike Authorization) and, on a 307/308, the body (a push
    // mirror's credential) to wherever it points. So none is followed, and it is an error.
    response = await fetch(url, {
      method,
      headers,
      ...(prepared.body == null ? {} : { body: prepared.body }),
      signal,
      redirect: "manual",
    });
    if (isRedirect(response)) {
      await response.body?.cancel();
      throw redirectError(url, method, response);
    }
    if (response.ok) return await parseResponse(response, url);
  } catch (error) {
    if (timeout.aborted) throw new GitbeakerTimeoutError("Query timeout was reached", { cause: error });
    throw error;
  }
  const error = await requestError(new Request(url, { method, headers }), response, url);
  const transient =
    RETRY_ALWAYS.has(response.status) || (RETRY_IDEMPOTENT.has(response.status) && IDEMPOTENT.has(method));
  if (!transient) throw error;
  throw new TransientAnswer(error, retryAfterMs(response.headers.get("retry-after"), options.clock.now()));
}

/** `Retry-After` is seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value == null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isNetworkError(error: unknown): boolean {
  // undici reports refused/reset connections and DNS failures as `TypeError: fetch failed`.
  return error instanceof TypeError;
}

function isRedirect(response: Response): boolean {
  return response.status >= 300 && response.status < 400 && response.status !== 304;
}

function redirectError(url: URL, method: string, response: Response): ToolError {
  return new ToolError(
    "EGITLABREDIRECT",
    `${url.host} answered ${method} ${url.pathname} with a redirect (${response.status}) to ${redirectTarget(response.headers.get("location"), url)}; ci-mirror follows no redirect from the GitLab API, so neither the token nor the request went there`,
  );
}

/** Where a redirect pointed, as origin and path: a query or userinfo may carry secrets. */
function redirectTarget(location: string | null, base: URL): string {
  if (location == null || location.trim() === "") return "no location";
  try {
    const target = new URL(location, base);
    return `${target.origin}${target.pathname}`;
  } catch {
    return "an unreadable location";
  }
}

/**
 * The body as text, refusing one larger than MAX_BODY_BYTES: a server's `Content-Length`, or the
 * bytes it actually streams, must not decide how much memory the client takes.
 */
async function readText(response: Response, url: URL): Promise<string> {
  const tooLarge = (): ToolError =>
    new ToolError(
      "EGITLABUNEXPECTED",
      `${url.host} sent more than ${MAX_BODY_BYTES / 1024 / 1024} MiB for ${url.pathname}; ci-mirror reads no API response that large`,
      { fix: "tooLarge" },
    );
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body == null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function parseResponse(response: Response, url: URL): Promise<Formatted> {
  const headers = Object.fromEntries(response.headers.entries());
  if (response.status === 204) return { body: null, headers, status: response.status };
  const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  const text = await readText(response, url);
  let body: Formatted["body"] = text;
  if (type === "application/json") body = text === "" ? {} : ((JSON.parse(text) as Formatted["body"]) ?? {});
  return { body, headers, status: response.status };
}

/** The same error gitbeaker throws, so callers see one error type whatever path a call took. */
async function requestError(request: Request, response: Response, url: URL): Promise<GitbeakerRequestError> {
  const text = await readText(response, url);
  let description = text;
  if ((response.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown } | null;
      const content = parsed?.error ?? parsed?.message ?? "";
      description = typeof content === "string" ? content : JSON.stringify(content);
    } catch {
      // A proxy may label an empty or HTML page as JSON; keep the raw text.
    }
  }
  return new GitbeakerRequestError(description, { cause: { description, request, response } });
}
