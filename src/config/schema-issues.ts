import type * as z from "zod";
import type { PathIssue, PathSegment } from "./config-path.ts";
import { canShowKey } from "./env-var-name.ts";
import { suggestKey } from "./key-suggestion.ts";
import { KNOWN_KEYS, type MapKind } from "./schema.ts";

/**
 * Turns zod's issues into ours. Messages come from the schema; what is added here is one issue
 * per unknown key (zod lists them together) with a "did you mean" for typos and a pointer for keys
 * that exist, but somewhere else. When a value fits none of a union's forms but clearly meant one
 * of them (`create_target: { visibility: secret }`), the issues of that form are reported.
 */
export function fromSchemaIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[] = [],
): PathIssue[] {
  const out: PathIssue[] = [];
  for (const issue of issues) {
    const own = issue.path.filter((segment): segment is PathSegment => typeof segment !== "symbol");
    const path = [...prefix, ...own];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        out.push({ path: [...path, key], message: unknownKeyMessage(path, key), at: "key" });
      continue;
    }
    const meant = issue.code === "invalid_union" ? meantBranch(issue.errors) : undefined;
    if (meant === undefined) out.push({ path, message: issue.message });
    else out.push(...fromSchemaIssues(meant, path));
  }
  return out;
}

/**
 * The one branch of a failed union that got past the value's type into its keys or items, if
 * exactly one did: the value is a map, say, and only the map form has a problem inside.
 */
function meantBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
): readonly z.core.$ZodIssue[] | undefined {
  const inside = branches.filter((branch) => branch.some((issue) => issue.path.length > 0));
  return inside.length === 1 ? inside[0] : undefined;
}

// Keys people put one level off: endpoint keys on a mirror, or mirror keys in `defaults`.
const MISPLACED: Partial<Record<MapKind, Record<string, string>>> = {
  root: {
    name: "mirror settings go in an entry under `mirrors:`",
    source: "mirror settings go in an entry under `mirrors:`",
    target: "shared settings go under `defaults:`",
    refs: "shared settings go under `defaults:`",
    create_target: "shared settings go under `defaults:`",
    url: "GitLab's URL goes under `gitlab:`; a mirror's target under `defaults.target` or the mirror",
    token: "GitLab's API token goes under `gitlab:`; a mirror's under `defaults.target` or the mirror",
    project: "push mirror settings go in an entry under `push_mirrors:`",
    projects: "audit settings go under `audit:`",
    groups: "audit settings go under `audit:`",
    max_age: "audit settings go under `audit:`",
    stuck_after: "audit settings go under `audit:`",
  },
  mirror: {
    token: "did you mean `source_token`, or `token` under `target`?",
    username: "did you mean `source_username`, or `username` under `target`?",
    url: "a mirror has `source` and `target.url`",
    visibility: "did you mean `create_target: { visibility: … }`?",
    description: "did you mean `create_target: { description: … }`?",
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
    visibility: "did you mean `create_target: { visibility: … }`?",
  },
  target: {
    create_target: "`create_target` goes next to `target`, on the mirror or in `defaults`",
  },
  pushMirror: {
    password: "did you mean `token`, the NAME of the CI/CD variable holding the password?",
    name: "a push mirror has `project` (the GitLab project that pushes) and `url` (where it pushes to)",
    source: "a push mirror has `project` (the GitLab project that pushes) and `url` (where it pushes to)",
    target: "a push mirror has `project` (the GitLab project that pushes) and `url` (where it pushes to)",
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
    case "defaults.create_target":
    case "mirrors.create_target":
      return "createTarget";
    case "gitlab":
      return "gitlab";
    case "push_mirrors":
      return "pushMirror";
    case "audit":
      return "audit";
    default:
      return undefined;
  }
}
