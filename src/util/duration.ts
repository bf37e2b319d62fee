/**
 * Durations: one unit table for what a config file or flag may say (`90s`, `45m`, `24h`, `7d`)
 * and for what messages and the audit table print back.
 *
 * Parsing takes a whole number and one unit only, no fractions, so every value reads the same
 * way to everyone: `1.5h` is `90m`.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest first, for printing. */
const UNITS_DOWN: readonly Unit[] = ["d", "h", "m", "s"];

const DURATION = /^(?<amount>\d+)(?<unit>[A-Za-z]*)$/;
const EXAMPLES = "e.g. `90m`, `24h` or `7d`";

export const DURATION_NEEDS_A_UNIT = `a duration needs a unit: s, m, h or d (${EXAMPLES})`;

type DurationResult = { ok: true; ms: number } | { ok: false; problem: string };

/** Milliseconds of a duration that `durationProblem` accepted; throws on one it did not. */
export function durationMs(text: string): number {
  const result = tryParse(text);
  if (!result.ok) throw new Error(result.problem);
  return result.ms;
}

/** Why `text` is not a duration, or undefined when it is. */
export function durationProblem(text: string): string | undefined {
  const result = tryParse(text);
  return result.ok ? undefined : result.problem;
}

function tryParse(text: string): DurationResult {
  const trimmed = text.trim();
  const groups = DURATION.exec(trimmed)?.groups;
  if (groups === undefined) return { ok: false, problem: notADuration(trimmed) };
  const unit = groups["unit"] ?? "";
  if (unit === "") return { ok: false, problem: DURATION_NEEDS_A_UNIT };
  if (!isUnit(unit)) {
    const shown = /^[a-z]{1,5}$/i.test(unit) ? `unknown unit \`${unit}\`` : "unknown unit";
    return { ok: false, problem: `${shown}: use s, m, h or d (${EXAMPLES})` };
  }
  const ms = Number(groups["amount"]) * UNIT_MS[unit];
  if (ms === 0) return { ok: false, problem: "a duration must be more than 0" };
  if (!Number.isSafeInteger(ms)) return { ok: false, problem: "the duration is too long" };
  return { ok: true, ms };
}

function isUnit(unit: string): unit is Unit {
  return Object.hasOwn(UNIT_MS, unit);
}

function notADuration(text: string): string {
  if (text.startsWith("-")) return "a duration must be more than 0";
  if (/^\d*[.,]\d+[A-Za-z]*$/.test(text)) {
    return "a duration is a whole number: use a smaller unit (`90m`, not `1.5h`)";
  }
  return `expected a duration: a whole number and a unit, s, m, h or d (${EXAMPLES})`;
}

/** In the largest unit that divides it evenly, as it would be written: 86_400_000 → "1d", 5_400_000 → "90m". */
export function formatDuration(ms: number): string {
  for (const unit of UNITS_DOWN) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= UNIT_MS.m ? `${Math.round(ms / UNIT_MS.m)}m` : `${Math.round(ms / UNIT_MS.s)}s`;
}

/** How long ago, coarse on purpose ("3h ago"): an audit table is read at a glance. */
export function formatAge(iso: string | null, now: Date): string {
  if (iso == null) return "never";
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return "unknown";
  if (ms < 0) return "just now";
  if (ms < UNIT_MS.m) return `${Math.floor(ms / UNIT_MS.s)}s ago`;
  if (ms < UNIT_MS.h) return `${Math.floor(ms / UNIT_MS.m)}m ago`;
  if (ms < UNIT_MS.d) return `${Math.floor(ms / UNIT_MS.h)}h ago`;
  return `${Math.floor(ms / UNIT_MS.d)}d ago`;
}
