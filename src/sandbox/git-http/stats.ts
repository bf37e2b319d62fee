import type { RecordedRequest, RepoStats } from "./types.ts";

const ZERO_STATS: RepoStats = { requests: 0, bytesSent: 0, bytesReceived: 0, uploadPackBytesSent: 0 };

/** Per-repository traffic counters and the log of every request, for tests to assert on. */
export interface StatsBook {
  /** The same array for the server's whole life: `reset` empties it in place. */
  readonly requests: RecordedRequest[];
  /** The live counters of a repository, created on first use. */
  of(repo: string): RepoStats;
  /** A copy of a repository's counters; zeros for one never seen. */
  snapshot(repo: string): RepoStats;
  reset(): void;
}

export function createStatsBook(): StatsBook {
  const counters = new Map<string, RepoStats>();
  const requests: RecordedRequest[] = [];
  return {
    requests,
    of(repo) {
      let s = counters.get(repo);
      if (s == null) {
        s = { ...ZERO_STATS };
        counters.set(repo, s);
      }
      return s;
    },
    snapshot: (repo) => ({ ...(counters.get(repo) ?? ZERO_STATS) }),
    reset: () => {
      counters.clear();
      requests.length = 0;
    },
  };
}
