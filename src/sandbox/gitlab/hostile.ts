/**
 * Answers GitLab never gives, switched on by tests: a proxy, a moved instance or an attacker in
 * front of GitLab can give them, and ci-mirror must stay safe when one does. Like
 * `injectFailure`, these are faults laid over the sandbox's faithful answers, not GitLab rules.
 */
import type { Reply } from "./errors.ts";

type RedirectStatus = 301 | 302 | 303 | 307 | 308;

export interface HostileAnswer {
  method?: string;
  pathPattern?: RegExp;
  /** How many matching requests get it; default every one until `clear`. */
  times?: number;
  /** Answer with this redirect instead of GitLab's reply (the request is not acted on). */
  redirect?: { status: RedirectStatus; location: string };
  /** Headers laid over GitLab's reply: a function sees the request's query, to lie per page. */
  headers?: Record<string, string> | ((query: URLSearchParams) => Record<string, string>);
}

export interface HostileTable {
  inject(answer: HostileAnswer): void;
  clear(): void;
  /** The first live answer for this request, counted against its `times`. */
  take(method: string, url: URL): HostileAnswer | undefined;
}

export function createHostileTable(): HostileTable {
  let answers: { answer: HostileAnswer; remaining: number }[] = [];
  return {
    inject(answer) {
      answers.push({ answer, remaining: answer.times ?? Infinity });
    },
    clear() {
      answers = [];
    },
    take(method, url) {
      answers = answers.filter((entry) => entry.remaining > 0);
      const entry = answers.find(
        ({ answer }) =>
          (answer.method == null || answer.method === method) &&
          (answer.pathPattern?.test(url.pathname) ?? true),
      );
      if (entry == null) return undefined;
      entry.remaining -= 1;
      return entry.answer;
    },
  };
}

/** The redirect itself: a Location and a short HTML body, as a web server writes one. */
export function redirectReply(redirect: NonNullable<HostileAnswer["redirect"]>): Reply {
  return {
    status: redirect.status,
    headers: { location: redirect.location },
    text: { content: `<html><body>moved</body></html>\n`, contentType: "text/html" },
  };
}

/** GitLab's reply with the hostile headers laid over it. */
export function withHostileHeaders(reply: Reply, answer: HostileAnswer, query: URLSearchParams): Reply {
  if (answer.headers == null) return reply;
  const headers = typeof answer.headers === "function" ? answer.headers(query) : answer.headers;
  return { ...reply, headers: { ...reply.headers, ...headers } };
}
