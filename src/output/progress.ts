/**
 * git's progress meters, for a person watching a long first mirror: in a CI log, at most one
 * line every few seconds per mirror; on a terminal, one live line rewritten in place. git's own
 * words are kept (objects, bytes, throughput): `Receiving objects:  45% (450/1000), 1.20 MiB |
 * 2.40 MiB/s`. A transfer shorter than the interval shows nothing at all.
 */
export interface ProgressSettings {
  /** Least time between two lines of one mirror; 0 shows every change of a meter. */
  intervalMs: number;
  /** Clock, injected by tests. */
  now?: () => number;
}

/** The default interval in a CI log, and on a terminal (where the line is rewritten in place). */
export const LOG_INTERVAL_MS = 5_000;
export const LIVE_INTERVAL_MS = 250;

// `Receiving objects:  45% (450/1000), 1.20 MiB | 2.40 MiB/s`; `remote: Counting objects: 3% (1/30)`.
const METER = /^(?:remote: )?[A-Z][a-z]+(?: [a-z]+)*: +\d+% \(\d+\/\d+\)/;

/**
 * A sink for one mirror's meters (`verb`: `clone`, `fetch`, `push`) that passes on a line
 * (`push: Writing objects: 40% (2/5), 1.2 MiB | 3.0 MiB/s`) no more often than the interval.
 */
export function throttledMeters(
  show: (line: string) => void,
  settings: ProgressSettings,
): (verb: string, line: string) => void {
  const now = settings.now ?? Date.now;
  // When the last line was shown; the first meter seen starts the clock.
  let shownAt: number | undefined;
  let shown = "";
  return (verb, line) => {
    if (!METER.test(line)) return;
    const time = now();
    if (shownAt === undefined) {
      shownAt = time;
      if (settings.intervalMs > 0) return;
    }
    const text = `${verb}: ${line.replace(/^remote: /, "remote ")}`;
    if (time - shownAt < settings.intervalMs || text === shown) return;
    shownAt = time;
    shown = text;
    show(text);
  };
}
