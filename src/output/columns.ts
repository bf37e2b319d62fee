/**
 * Plain-text columns, as every table of ci-mirror prints them: each column as wide as its widest
 * cell, two spaces between columns, no trailing spaces. Widths count UTF-16 units, as the tables
 * always have: their cells are paths, URLs, statuses and ages.
 */
export function formatColumns(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(0, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
