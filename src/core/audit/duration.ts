/** Durations for messages and the audit table; parsing lives in the config module. */
const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } satisfies Record<
  string,
  number
>;
/** In the largest unit that divides it evenly: 86_400_000 → "1d", 5_400_000 → "90m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", UNITS.d],
    ["h", UNITS.h],
    ["m", UNITS.m],
    ["s", UNITS.s],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= UNITS.m ? `${Math.round(ms / UNITS.m)}m` : `${Math.round(ms / UNITS.s)}s`;
}

/** How long ago, coarse on purpose ("3h ago"): an audit table is read at a glance. */
export function formatAge(iso: string | null, now: Date): string {
  if (iso == null) return "never";
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return "unknown";
  if (ms < 0) return "just now";
  if (ms < UNITS.m) return `${Math.floor(ms / UNITS.s)}s ago`;
  if (ms < UNITS.h) return `${Math.floor(ms / UNITS.m)}m ago`;
  if (ms < UNITS.d) return `${Math.floor(ms / UNITS.h)}h ago`;
  return `${Math.floor(ms / UNITS.d)}d ago`;
}
