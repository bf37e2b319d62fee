// The README's table of error codes comes from src/errors/catalog.ts, so the docs cannot drift.
import { format, resolveConfig } from "prettier";
import { ERRORS, SCRIPT_ERRORS } from "../src/errors/catalog.ts";
import { CANCEL_EXIT_CODES } from "../src/util/cancel.ts";

const ERRORS_START = "<!-- errors:start -->";
const ERRORS_END = "<!-- errors:end -->";

/** Every code with its exit code, meaning and general fix, formatted as prettier would leave it. */
async function errorsTable(): Promise<string> {
  const rows = Object.entries({ ...ERRORS, ...SCRIPT_ERRORS }).map(([code, entry]) =>
    [`\`${code}\``, exitCell(entry.exit), entry.meaning, entry.fix].map(cell),
  );
  const table = [
    "| code | exit | meaning | fix |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
  const options = (await resolveConfig(new URL("../README.md", import.meta.url))) ?? {};
  return (await format(table, { ...options, parser: "markdown" })).trimEnd();
}

// A cancelled run exits as a shell would, by the signal that stopped it.
function exitCell(exit: number): string {
  return (Object.values(CANCEL_EXIT_CODES) as number[]).includes(exit)
    ? Object.values(CANCEL_EXIT_CODES).join(", ")
    : String(exit);
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** README with the table replaced between its markers; throws if a marker is missing. */
export async function withErrorsTable(readme: string): Promise<string> {
  const from = readme.indexOf(ERRORS_START);
  const to = readme.indexOf(ERRORS_END);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${ERRORS_START} … ${ERRORS_END}`);
  return `${readme.slice(0, from + ERRORS_START.length)}\n\n${await errorsTable()}\n\n${readme.slice(to)}`;
}
