// The README's table of error codes comes from src/errors/catalog.ts, so the docs cannot drift.
import { ERRORS, SCRIPT_ERRORS } from "../src/errors/catalog.ts";
import { CANCEL_EXIT_CODES } from "../src/util/cancel.ts";
import { markdownTable, replaceBetween } from "./readme-tables.ts";

const ERRORS_START = "<!-- errors:start -->";
const ERRORS_END = "<!-- errors:end -->";

/** Every code with its exit code, meaning and general fix. */
function errorsTable(): Promise<string> {
  const rows = Object.entries({ ...ERRORS, ...SCRIPT_ERRORS }).map(([code, entry]) => [
    `\`${code}\``,
    exitCell(entry.exit),
    entry.meaning,
    entry.fix,
  ]);
  return markdownTable(["code", "exit", "meaning", "fix"], rows);
}

// A cancelled run exits as a shell would, by the signal that stopped it.
function exitCell(exit: number): string {
  return (Object.values(CANCEL_EXIT_CODES) as number[]).includes(exit)
    ? Object.values(CANCEL_EXIT_CODES).join(", ")
    : String(exit);
}

/** README with the table replaced between its markers; throws if a marker is missing. */
export async function withErrorsTable(readme: string): Promise<string> {
  return replaceBetween(readme, ERRORS_START, ERRORS_END, await errorsTable());
}
