/**
 * The sandbox's time: what `now` is, and when Sidekiq-style jobs run (`perform_async` now,
 * `perform_in(delay)` later). GitLab's push-mirror updates wait minutes (the 1 and 5 minute
 * backoffs, the retry ladder, the stuck thresholds), so tests drive a manual clock instead of
 * sleeping; `ci-mirror sandbox` runs on the real one.
 */
export interface SandboxClock {
  now(): Date;
  /** Runs `job` once the clock reaches `at` (at once when `at` is not in the future). */
  schedule(at: Date, job: () => Promise<void>): void;
  /** The time of the earliest job still waiting, if any. */
  nextAt(): Date | undefined;
  /**
   * Manual clocks only: moves time on to the next waiting job and runs every job due then, waiting
   * for them. Returns false when no job is waiting. A real clock waits instead (returns true).
   */
  step(): Promise<boolean>;
  close(): void;
}

export interface ManualClock extends SandboxClock {
  /** Moves time forward by `ms`, running (and waiting for) every job that falls due on the way. */
  advance(ms: number): Promise<void>;
}

interface Waiting {
  at: number;
  seq: number;
  job: () => Promise<void>;
}

/** Time stands still at `start` except when a test moves it with `advance()` or `step()`. */
export function manualClock(start: Date = new Date()): ManualClock {
  let time = start.getTime();
  let seq = 0;
  let waiting: Waiting[] = [];

  async function runDue(): Promise<void> {
    for (;;) {
      const due = waiting.filter((w) => w.at <= time).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due == null) return;
      waiting = waiting.filter((w) => w !== due);
      await due.job();
    }
  }

  const clock: ManualClock = {
    now: () => new Date(time),
    schedule(at, job) {
      waiting.push({ at: at.getTime(), seq: seq++, job });
    },
    nextAt() {
      const next = Math.min(...waiting.map((w) => w.at));
      return Number.isFinite(next) ? new Date(next) : undefined;
    },
    async step() {
      const next = clock.nextAt();
      if (next == null) return false;
      time = Math.max(time, next.getTime());
      await runDue();
      return true;
    },
    async advance(ms) {
      const end = time + ms;
      for (let next = clock.nextAt(); next != null && next.getTime() <= end; next = clock.nextAt()) {
        time = Math.max(time, next.getTime());
        await runDue();
      }
      time = end;
    },
    close() {
      waiting = [];
    },
  };
  return clock;
}

/** Wall-clock time (or the given `now`), with jobs on real timers. */
export function realClock(now: () => Date = () => new Date()): SandboxClock {
  const timers = new Map<NodeJS.Timeout, number>();
  return {
    now,
    schedule(at, job) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          void job();
        },
        Math.max(0, at.getTime() - now().getTime()),
      );
      timers.set(timer, at.getTime());
    },
    nextAt() {
      const next = Math.min(...timers.values());
      return Number.isFinite(next) ? new Date(next) : undefined;
    },
    async step() {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return timers.size > 0;
    },
    close() {
      for (const timer of timers.keys()) clearTimeout(timer);
      timers.clear();
    },
  };
}
