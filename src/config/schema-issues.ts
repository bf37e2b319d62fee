import type { z } from "zod";
import type { PathIssue, PathSegment } from "./config-path.ts";
import { canShowKey } from "./env-var-name.ts";
import { suggestKey } from "./key-suggestion.ts";
import { KNOWN_KEYS, type MapKind } from "./schema.ts";

/**
 * Turns zod's issues into ours. Messages come from the schema; what is added here is one issue
 * per unknown key (zod lists them together) with a "did you mean" for typos and a pointer for keys
 * that exist, but somewhere else.
 */
export function fromSchemaIssues(issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  const out: PathIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        out.push({ path: [...path, key], message: unknownKeyMessage(path, key), at: "key" });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

// Keys people put one level off: endpoint keys on a mirror, or mirror keys in `defaults`.
const MISPLACED: Partial<Record<MapKind, Record<string, string>>> = {
  root: {
    name: "mirror settings go in an entry under `mirrors:`",
    source: "mirror settings go in an entry under `mirrors:`",
    target: "shared settings go under `defaults:`",
    refs: "shared settings go under `defaults:`",
  },
  mirror: {
    token: "did you mean `source_token`, or `token` under `target`?",
    username: "did you mean `source_username`, or `username` under `target`?",
    url: "a mirror has `source` and `target.url`",
  },
  defaults: {
    url: "did you mean `target.url`?",
    token: "did you mean `target.token`?",
    username: "did you mean `target.username`?",
    ssh_key: "did you mean `target.ssh_key`? Source-side settings go on each mirror",
    known_hosts: "did you mean `target.known_hosts`? Source-side settings go on each mirror",
    source: "the source is set on each mirror",
    source_token: "source-side settings go on each mirror",
    source_username: "source-side settings go on each mirror",
  },
};

function unknownKeyMessage(path: readonly PathSegment[], key: string): string {
  const shown = canShowKey(key) ? `unknown key \`${key}\`` : "unknown key";
  const kind = mapKindAt(path);
  if (kind === undefined) return shown;
  const hint = MISPLACED[kind]?.[key];
  if (hint !== undefined) return `${shown} (${hint})`;
  const known = KNOWN_KEYS[kind];
  const suggestion = suggestKey(key, known);
  if (suggestion !== undefined) return `${shown} (did you mean \`${suggestion}\`?)`;
  return `${shown}; expected one of ${known.map((name) => `\`${name}\``).join(", ")}`;
}

function mapKindAt(path: readonly PathSegment[]): MapKind | undefined {
  const shape = path.filter((segment) => typeof segment === "string").join(".");
  switch (shape) {
    case "":
      return "root";
    case "defaults":
      return "defaults";
    case "mirrors":
      return "mirror";
    case "defaults.target":
    case "mirrors.target":
      return "target";
    case "defaults.refs":
    case "mirrors.refs":
      return "refs";
    default:
      return undefined;
  }
}
