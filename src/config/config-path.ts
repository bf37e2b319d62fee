import { canShowKey } from "./env-var-name.ts";

/**
 * Issues are found on parsed data (paths of keys and indexes) and only later given a line and a
 * column from the YAML document, so every check can stay free of YAML details.
 */
export type PathSegment = string | number;

export interface PathIssue {
  path: readonly PathSegment[];
  message: string;
  /** Point at the key itself (unknown keys) rather than at its value. */
  at?: "key" | "value" | undefined;
}

/**
 * `["mirrors", 2, "refs", "branches", 0]` → `mirrors[2].refs.branches[0]`. A key that might be a
 * pasted secret (an unknown key is whatever the user typed) is shown as `<key>`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const shown = canShowKey(segment) ? segment : "<key>";
      out += out === "" ? shown : `.${shown}`;
    }
  }
  return out;
}
