/**
 * "Did you mean" for unknown keys. A typo is one or two edits away (a swapped pair counts as one
 * edit: `brnaches`); a different spelling of the same word (`maxDeletions`, `max-deletions`) is
 * matched regardless of case and separators.
 */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const wanted = canonical(unknown);
  const sameWord = known.find((key) => canonical(key) === wanted);
  if (sameWord !== undefined) return sameWord;
  const allowed = unknown.length <= 4 ? 1 : 2;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(unknown.toLowerCase(), key);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

function canonical(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, "");
}

/** Levenshtein distance where swapping two neighbouring characters is a single edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const previous = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}
