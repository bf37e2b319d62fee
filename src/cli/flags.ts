/**
 * Flag values every command reads the same way, as yargs `coerce` functions: a bad value is
 * refused while the command line is parsed, before anything runs, with one message naming the
 * flag, whichever command or CI_MIRROR_* variable gave it. The value a command gets is the
 * checked one (a list of names, a whole number, milliseconds).
 *
 * yargs hands a coerce function's error on as a new error with the message alone; the parser's
 * fail handler takes the refusal back from here (`flagRefusal`), so its fix survives.
 */
import { envVarNameProblem } from "../config/env-var-name.ts";
import type { FixChoice } from "../errors/catalog.ts";
import { UsageError } from "../errors/tool-error.ts";
import { durationMs, durationProblem } from "../util/duration.ts";

const refusals = new Map<string, UsageError>();

function refuse(message: string, fix?: FixChoice<"EUSAGE">): never {
  const error = new UsageError(message, fix);
  refusals.set(message, error);
  throw error;
}

/** The refusal a flag helper made with this message, fix and all. */
export function flagRefusal(message: string): UsageError | undefined {
  return refusals.get(message);
}

/**
 * Names given as a repeatable, comma-separated flag (`--mirror a,b --mirror c`): trimmed, empty
 * ones dropped.
 */
export function commaList(): (values: readonly (string | number)[]) => string[] {
  return (values) =>
    values
      .flatMap((value) => String(value).split(","))
      .map((name) => name.trim())
      .filter((name) => name !== "");
}

/** A count: 1, 2, 3… (`--concurrency`, `--max-jobs`). */
export function positiveInteger(flag: string, fix?: FixChoice<"EUSAGE">): (value: number) => number {
  return (value) => {
    if (Number.isInteger(value) && value >= 1) return value;
    return refuse(`${flag} must be a whole number of at least 1`, fix);
  };
}

/** A time in the flag's unit, fractions allowed (`--timeout 0.5`). */
export function positiveNumber(flag: string, unit: string): (value: number) => number {
  return (value) => {
    if (Number.isFinite(value) && value > 0) return value;
    return refuse(`${flag} must be a positive number of ${unit}`);
  };
}

/**
 * A duration (`90m`, `24h`, `7d`) in milliseconds. Empty is "not given": the components pass
 * every input, an empty one included.
 */
export function duration(flag: string): (value: string) => number | undefined {
  return (value) => {
    if (value === "") return undefined;
    const problem = durationProblem(value);
    if (problem !== undefined) return refuse(`${flag} ${value}: ${problem}`);
    return durationMs(value);
  };
}

/**
 * The NAME of a CI/CD variable (`--token-var`, `--notify-webhook`), checked as the config checks
 * its token fields: people paste the secret itself, and the message must not repeat it. Empty is
 * "not given".
 */
export function variableName(flag: string): (value: string) => string | undefined {
  return (value) => {
    if (value === "") return undefined;
    const problem = envVarNameProblem(value);
    if (problem === undefined) return value;
    return refuse(`${flag}: ${problem}`, ["variableName", { flag }]);
  };
}
