/**
 * A Rack::Attack-style throttle (gitlab-org/gitlab:lib/gitlab/rack_attack.rb, lib/gitlab/throttle.rb):
 * fixed windows aligned to the period, 429 `text/plain` "Retry later\n" with `Retry-After` and the
 * RateLimit-* headers; successful responses carry the RateLimit-* headers without the reset time.
 */
import type { Reply } from "./errors.ts";

export interface RateLimitConfig {
  requests: number;
  perSeconds: number;
}

export interface Throttle {
  /** A 429 reply when the caller is over the limit, else the headers for a normal reply. */
  check(key: string, authenticated: boolean, now: Date): { reply?: Reply; headers: Record<string, string> };
}

export function createThrottle(config: RateLimitConfig): Throttle {
  const counts = new Map<string, number>();
  return {
    check(key, authenticated, now) {
      const seconds = now.getTime() / 1000;
      const window = Math.floor(seconds / config.perSeconds);
      const slot = `${key}:${window}`;
      const observed = (counts.get(slot) ?? 0) + 1;
      counts.set(slot, observed);
      const resetAt = (window + 1) * config.perSeconds;
      const headers: Record<string, string> = {
        "ratelimit-name": authenticated ? "throttle_authenticated_api" : "throttle_unauthenticated_api",
        // "per-minute equivalent, rounded up".
        "ratelimit-limit": String(Math.ceil((config.requests * 60) / config.perSeconds)),
        "ratelimit-observed": String(observed),
        "ratelimit-remaining": String(Math.max(0, config.requests - observed)),
        "ratelimit-reset": String(Math.ceil(resetAt)),
      };
      if (observed <= config.requests) return { headers };
      return {
        headers,
        reply: {
          status: 429,
          text: { content: "Retry later\n", contentType: "text/plain" },
          headers: {
            ...headers,
            "ratelimit-resettime": new Date(resetAt * 1000).toUTCString(),
            "retry-after": String(Math.max(1, Math.ceil(resetAt - seconds))),
          },
        },
      };
    },
  };
}
