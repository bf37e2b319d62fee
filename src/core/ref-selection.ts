import type { RefPattern, RefRules } from "../config/types.ts";
import type { RefMap } from "../git/ls-remote.ts";

/**
 * Which refs a mirror manages. Only branches and tags are ever candidates: the allow-list keeps
 * out `HEAD`, `refs/remotes/*` and the namespaces forges hide and reject on push
 * (`refs/merge-requests`, `refs/pipelines`, `refs/keep-around`, `refs/environments`, `refs/tmp`,
 * `refs/pull`, …), so a GitHub upstream with thousands of pull refs mirrors into GitLab as is.
 */
const BRANCH_PREFIX = "refs/heads/";
const TAG_PREFIX = "refs/tags/";

function isManaged(ref: string, rules: RefRules): boolean {
  let short: string;
  let include: readonly RefPattern[];
  if (ref.startsWith(BRANCH_PREFIX)) {
    short = ref.slice(BRANCH_PREFIX.length);
    include = rules.branches;
  } else if (ref.startsWith(TAG_PREFIX)) {
    short = ref.slice(TAG_PREFIX.length);
    include = rules.tags;
  } else {
    return false;
  }
  if (!include.some((pattern) => pattern.matches(short))) return false;
  return !rules.exclude.some((pattern) =>
    pattern.source.startsWith("refs/") ? pattern.matches(ref) : pattern.matches(short),
  );
}

export function selectRefs(refs: RefMap, rules: RefRules): RefMap {
  const selected: RefMap = new Map();
  for (const [ref, sha] of refs) if (isManaged(ref, rules)) selected.set(ref, sha);
  return selected;
}

export function isBranch(ref: string): boolean {
  return ref.startsWith(BRANCH_PREFIX);
}

/** True when the rules select every branch and every tag (the default). */
export function selectsEverything(rules: RefRules): boolean {
  const all = (patterns: readonly RefPattern[]): boolean =>
    patterns.some((pattern) => pattern.source === "*");
  return all(rules.branches) && all(rules.tags) && rules.exclude.length === 0;
}
