/**
 * What tests make the sandbox's API do that GitLab would not do on its own: fail (a 500 from
 * Rails, a 502/503 from the proxy in front of it), lie (hostile.ts: redirects, headers), or lag.
 * Kept apart from the routes, which follow GitLab; these are laid over their answers.
 */
import type { Reply } from "./errors.ts";
import { createHostileTable, redirectReply, withHostileHeaders } from "./hostile.ts";
import type { HostileAnswer } from "./hostile.ts";

export interface InjectedFailure {
  method?: string;
  pathPattern?: RegExp;
  status: 500 | 502 | 503;
  times: number;
}

export interface ApiFaults {
  injectFailure(failure: InjectedFailure): void;
  injectHostile(answer: HostileAnswer): void;
  clearHostile(): void;
  latency(ms: number): void;
  /** The delay every request waits before it is answered. */
  readonly delayMs: number;
  /** GitLab's answer (`real`), unless a fault stands in for it or is laid over it. */
  answer(method: string, url: URL, real: () => Promise<Reply>): Promise<Reply>;
}

export function createApiFaults(): ApiFaults {
  const failures: InjectedFailure[] = [];
  const hostileAnswers = createHostileTable();
  let delayMs = 0;

  function takeFailure(method: string, path: string): InjectedFailure | undefined {
    const failure = failures.find(
      (f) => f.times > 0 && (f.method == null || f.method === method) && (f.pathPattern?.test(path) ?? true),
    );
    if (failure != null) failure.times -= 1;
    return failure;
  }

  return {
    injectFailure(failure) {
      failures.push({ ...failure });
    },
    injectHostile: (hostile) => hostileAnswers.inject(hostile),
    clearHostile: () => hostileAnswers.clear(),
    latency(ms) {
      delayMs = ms;
    },
    get delayMs() {
      return delayMs;
    },
    async answer(method, url, real) {
      const hostile = hostileAnswers.take(method, url);
      if (hostile?.redirect != null) return redirectReply(hostile.redirect);
      const failure = takeFailure(method, url.pathname);
      const reply = failure != null ? injected(failure.status) : await real();
      return hostile == null ? reply : withHostileHeaders(reply, hostile, url.searchParams);
    },
  };
}

// A 500 is Rails' JSON; 502/503 come from the proxy in front of Rails, as HTML.
function injected(status: 500 | 502 | 503): Reply {
  if (status === 500) return { status, body: { message: "500 Internal Server Error" } };
  const text = `<html><body><h1>${status === 502 ? "502 Bad Gateway" : "503 Service Unavailable"}</h1></body></html>\n`;
  return { status, text: { content: text, contentType: "text/html" } };
}
