/**
 * `push-mirrors apply`: per project, read the mirrors GitLab has, plan, and carry the plan out
 * through the port. Takes a Config object, not a file, so it runs the same from the CLI and tests.
 */
import type { Config, PushMirrorDecl } from "../../config/types.ts";
import { ToolError, isToolError } from "../../errors/tool-error.ts";
import type { Env } from "../../util/env.ts";
import { mirrorUrlWithCredentials } from "../../gitlab/mirror-url.ts";
import type { GitLabPort, RemoteMirrorInput } from "../../gitlab/port.ts";
import type { Redactor } from "../../util/redact.ts";
import { pushMirrorCredentials } from "./credentials.ts";
import { isChange, planPushMirrors } from "./push-mirror-plan.ts";
import { mirrorRefusal } from "./refusal.ts";
import type { FieldChange, PushMirrorPlanOptions, PushMirrorAction } from "./push-mirror-plan.ts";

export interface ApplyOptions extends PushMirrorPlanOptions {
  dryRun?: boolean;
}

export interface ApplyOutcome {
  action: PushMirrorAction;
  /** "planned" on a dry run; "done"/"failed" otherwise; "skipped" for no-op actions. */
  status: "planned" | "done" | "failed" | "skipped";
  /** Id of the mirror created by a create or replace. */
  newMirrorId?: number | undefined;
  error?: ToolError | undefined;
}

interface ProjectFailure {
  project: string;
  error: ToolError;
}

export interface ApplyResult {
  dryRun: boolean;
  outcomes: ApplyOutcome[];
  /** Projects whose mirrors could not even be listed. */
  failures: ProjectFailure[];
  changes: number;
  /**
   * On a dry run: the credentials the real run will need and this environment lacks, as the
   * errors the real run would stop with.
   */
  warnings: ToolError[];
}

export async function applyPushMirrors(
  config: Pick<Config, "pushMirrors">,
  port: GitLabPort,
  context: { env: Env; redactor?: Redactor | undefined },
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const byProject = new Map<string, PushMirrorDecl[]>();
  for (const decl of config.pushMirrors) {
    byProject.set(decl.project, [...(byProject.get(decl.project) ?? []), decl]);
  }
  // Every credential variable the config names is checked before anything is read or changed.
  // A dry run cannot stop on them (merge request pipelines, where the component dry-runs, do not
  // see protected variables), so it warns, in the words the real run would stop with.
  const missing = config.pushMirrors.flatMap((decl) => missingCredential(decl, context));
  if (options.dryRun !== true && missing.length > 0) throw oneError(missing);

  const planned: PushMirrorAction[] = [];
  const failures: ProjectFailure[] = [];
  for (const [project, declared] of byProject) {
    try {
      planned.push(...planPushMirrors(project, declared, await port.listRemoteMirrors(project), options));
    } catch (error) {
      failures.push({ project, error: asToolError(error) });
    }
  }

  const outcomes: ApplyOutcome[] = [];
  for (const action of planned) {
    if (!isChange(action)) outcomes.push({ action, status: "skipped" });
    else if (options.dryRun === true) outcomes.push({ action, status: "planned" });
    else outcomes.push(await execute(action, port, context));
  }
  return {
    dryRun: options.dryRun === true,
    outcomes,
    failures,
    changes: outcomes.filter((o) => isChange(o.action)).length,
    warnings: options.dryRun === true ? missing : [],
  };
}

/** The error the real run stops with when the variable a declaration names is not set. */
function missingCredential(
  decl: PushMirrorDecl,
  context: { env: Env; redactor?: Redactor | undefined },
): ToolError[] {
  if (decl.token == null) return [];
  try {
    credentialsOf(decl, context);
    return [];
  } catch (error) {
    return [asToolError(error)];
  }
}

function oneError(errors: readonly ToolError[]): ToolError {
  const [first] = errors;
  if (errors.length === 1 && first != null) return first;
  const message = errors.map((e) => e.message).join("; ");
  if (errors.every((e) => e.code === "EENVMISSING"))
    return new ToolError("EENVMISSING", message, { fix: "pushMirrorTokens" });
  // A credential too short among them: its code leads, every problem is named.
  return new ToolError(errors.find((e) => e.code !== "EENVMISSING")?.code ?? "EENVMISSING", message);
}

async function execute(
  action: PushMirrorAction,
  port: GitLabPort,
  context: { env: Env; redactor?: Redactor | undefined },
): Promise<ApplyOutcome> {
  try {
    switch (action.kind) {
      case "create": {
        const created = await port.createRemoteMirror(action.project, createInput(action.declared, context));
        return { action, status: "done", newMirrorId: created.id };
      }
      case "update":
        await port.updateRemoteMirror(action.project, action.existing.id, updateInput(action.changes));
        return { action, status: "done" };
      case "replace": {
        // Delete first: GitLab may refuse a second mirror with the same URL ("has already been taken").
        await port.deleteRemoteMirror(action.project, action.existing.id);
        const created = await port.createRemoteMirror(action.project, createInput(action.declared, context));
        return { action, status: "done", newMirrorId: created.id };
      }
      case "delete":
        await port.deleteRemoteMirror(action.project, action.existing.id);
        return { action, status: "done" };
      case "unchanged":
      case "undeclared":
        return { action, status: "skipped" };
    }
  } catch (error) {
    const url =
      action.kind === "delete" || action.kind === "undeclared" ? action.existing.url : action.declared.url;
    return { action, status: "failed", error: asToolError(mirrorRefusal(error, action.project, url)) };
  }
}

function createInput(
  decl: PushMirrorDecl,
  context: { env: Env; redactor?: Redactor | undefined },
): RemoteMirrorInput & { url: string } {
  const credentials = decl.token == null ? undefined : credentialsOf(decl, context);
  const url =
    credentials == null
      ? decl.url
      : mirrorUrlWithCredentials(decl.url, credentials.username, credentials.password);
  const input: RemoteMirrorInput & { url: string } = {
    url,
    enabled: decl.enabled,
    keepDivergentRefs: decl.keepDivergentRefs,
    authMethod: decl.authMethod,
  };
  // GitLab (Premium) refuses both at once; a regex implies "not only protected branches".
  if (decl.mirrorBranchRegex != null) input.mirrorBranchRegex = decl.mirrorBranchRegex;
  else input.onlyProtectedBranches = decl.onlyProtectedBranches;
  return input;
}

function updateInput(changes: readonly FieldChange[]): RemoteMirrorInput {
  const input: RemoteMirrorInput = {};
  for (const { field, to } of changes) {
    if (field === "mirrorBranchRegex") input.mirrorBranchRegex = typeof to === "string" ? to : "";
    else if (field === "authMethod") input.authMethod = String(to);
    else input[field] = to === true;
  }
  // GitLab (EE) refuses the two keys in one request, PUT as well as POST, whatever their values
  // ("only_protected_branches, mirror_branch_regex are mutually exclusive"). One of them is
  // enough: a regex turns protected-only off, protected-only clears the regex.
  if (input.mirrorBranchRegex != null && input.mirrorBranchRegex !== "") delete input.onlyProtectedBranches;
  if (input.onlyProtectedBranches !== undefined) delete input.mirrorBranchRegex;
  return input;
}

function credentialsOf(
  decl: PushMirrorDecl,
  context: { env: Env; redactor?: Redactor | undefined },
): { username: string; password: string } {
  return pushMirrorCredentials(
    decl.token ?? "",
    decl.username,
    context,
    `push mirror ${decl.url} of ${decl.project}: `,
  );
}

/** The GitLab client turns every failure into a ToolError: anything else is a bug of ours. */
function asToolError(error: unknown): ToolError {
  if (isToolError(error)) return error;
  return new ToolError("EINTERNAL", error instanceof Error ? error.message : String(error), { cause: error });
}
