/**
 * Durations as written in the file: a whole number and one unit (`90s`, `45m`, `24h`, `7d`).
 * One unit only and no fractions, so every value reads the same way to everyone: `1.5h` is `90m`.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
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

function isUnit(unit: string): unit is keyof typeof UNIT_MS {
  return Object.hasOwn(UNIT_MS, unit);
}

function notADuration(text: string): string {
  if (text.startsWith("-")) return "a duration must be more than 0";
  if (/^\d*[.,]\d+[A-Za-z]*$/.test(text)) {
    return "a duration is a whole number: use a smaller unit (`90m`, not `1.5h`)";
  }
  return `expected a duration: a whole number and a unit, s, m, h or d (${EXAMPLES})`;
}
