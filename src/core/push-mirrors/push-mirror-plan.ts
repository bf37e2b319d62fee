/**
 * Declarative push mirrors: compare what the config declares for one project with what GitLab
 * has, and say what to do. Pure, so every case is a table test.
 */
import type { PushMirrorDecl } from "../../config/types.ts";
import { mirrorUrlKey } from "../../gitlab/mirror-url.ts";
import type { RemoteMirror } from "../../gitlab/port.ts";

type DriftField =
  "enabled" | "onlyProtectedBranches" | "keepDivergentRefs" | "mirrorBranchRegex" | "authMethod";

export interface FieldChange {
  field: DriftField;
  from: boolean | string | null;
  to: boolean | string | null;
}

export type PushMirrorAction =
  | { kind: "create"; project: string; declared: PushMirrorDecl }
  | {
      kind: "update";
      project: string;
      declared: PushMirrorDecl;
      existing: RemoteMirror;
      changes: FieldChange[];
    }
  | {
      kind: "replace";
      project: string;
      declared: PushMirrorDecl;
      existing: RemoteMirror;
      reason: "url-changed" | "rotate-credentials";
    }
  | {
      kind: "delete";
      project: string;
      existing: RemoteMirror;
      /** `undeclared`: not in the config, and --prune; `replaced`: a declaration's `replaces:`. */
      reason: "undeclared" | "replaced";
      /** For `replaced`: the declaration that replaces it. */
      declared?: PushMirrorDecl | undefined;
    }
  | { kind: "unchanged"; project: string; declared: PushMirrorDecl; existing: RemoteMirror }
  | { kind: "undeclared"; project: string; existing: RemoteMirror };

export interface PushMirrorPlanOptions {
  /** Delete mirrors GitLab has that the config does not declare. */
  prune?: boolean | undefined;
  /** Recreate every declared mirror that carries credentials, so it gets the current token. */
  rotateCredentials?: boolean | undefined;
}

const DRIFT_FIELDS: readonly DriftField[] = [
  "enabled",
  "onlyProtectedBranches",
  "keepDivergentRefs",
  "mirrorBranchRegex",
  "authMethod",
];

/** `declared` and `existing` are one project's; the actions come in a stable order. */
export function planPushMirrors(
  project: string,
  declared: readonly PushMirrorDecl[],
  existing: readonly RemoteMirror[],
  options: PushMirrorPlanOptions = {},
): PushMirrorAction[] {
  const actions: PushMirrorAction[] = [];
  const unmatchedExisting = new Set(existing);
  const unmatchedDeclared: PushMirrorDecl[] = [];
  for (const decl of declared) {
    const key = mirrorUrlKey(decl.url);
    const match = [...unmatchedExisting].find((m) => mirrorUrlKey(m.url) === key);
    if (match == null) {
      unmatchedDeclared.push(decl);
      continue;
    }
    unmatchedExisting.delete(match);
    if (options.rotateCredentials === true && decl.token != null) {
      actions.push({
        kind: "replace",
        project,
        declared: decl,
        existing: match,
        reason: "rotate-credentials",
      });
      continue;
    }
    const changes = driftOf(decl, match);
    actions.push(
      changes.length === 0
        ? { kind: "unchanged", project, declared: decl, existing: match }
        : { kind: "update", project, declared: decl, existing: match, changes },
    );
  }
  // GitLab cannot change a mirror's URL, and a guess must never delete: an existing mirror is
  // replaced only when a declaration names its URL in `replaces:`. Anything else is a create,
  // plus an undeclared mirror that only --prune deletes.
  const takeReplaced = (decl: PushMirrorDecl): RemoteMirror | undefined => {
    if (decl.replaces == null) return undefined;
    const key = mirrorUrlKey(decl.replaces);
    const old = [...unmatchedExisting].find((m) => mirrorUrlKey(m.url) === key);
    if (old != null) unmatchedExisting.delete(old);
    return old;
  };
  for (const decl of unmatchedDeclared) {
    const old = takeReplaced(decl);
    actions.push(
      old == null
        ? { kind: "create", project, declared: decl }
        : { kind: "replace", project, declared: decl, existing: old, reason: "url-changed" },
    );
  }
  // The new mirror already exists (an earlier apply created it) and the old one is still there.
  for (const decl of declared) {
    if (unmatchedDeclared.includes(decl)) continue;
    const old = takeReplaced(decl);
    if (old != null)
      actions.push({ kind: "delete", project, existing: old, reason: "replaced", declared: decl });
  }
  for (const old of unmatchedExisting) {
    actions.push(
      options.prune === true
        ? { kind: "delete", project, existing: old, reason: "undeclared" }
        : { kind: "undeclared", project, existing: old },
    );
  }
  return actions;
}

function driftOf(decl: PushMirrorDecl, existing: RemoteMirror): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of DRIFT_FIELDS) {
    const from = existing[field];
    const to = decl[field];
    if (field === "mirrorBranchRegex" ? !sameRegex(from, to) : from !== to) changes.push({ field, from, to });
  }
  return changes;
}

/**
 * GitLab keeps a cleared `mirror_branch_regex` as "" (EE RemoteMirrors::Attributes only acts on a
 * regex that is `present?`) and pushes every branch for it, as for null: the two are one setting.
 */
function sameRegex(a: unknown, b: unknown): boolean {
  const blank = (value: unknown): boolean =>
    value == null || (typeof value === "string" && value.trim() === "");
  return blank(a) ? blank(b) : a === b;
}

/** Whether an action changes anything on GitLab. */
export function isChange(action: PushMirrorAction): boolean {
  return action.kind !== "unchanged" && action.kind !== "undeclared";
}
