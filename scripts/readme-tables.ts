// What the README's generated tables share: a markdown table as prettier would leave it, and the
// README with the text between two markers replaced.
import { format, resolveConfig } from "prettier";

/** A markdown table of `rows` under `header`, formatted with the README's prettier settings. */
export async function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): Promise<string> {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(" | ")} |`;
  const table = [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
  const options = (await resolveConfig(new URL("../README.md", import.meta.url))) ?? {};
  return (await format(table, { ...options, parser: "markdown" })).trimEnd();
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** `readme` with `body` between the `start` and `end` markers; throws if a marker is missing. */
export function replaceBetween(readme: string, start: string, end: string, body: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} … ${end}`);
  return `${readme.slice(0, from + start.length)}\n\n${body}\n\n${readme.slice(to)}`;
}
