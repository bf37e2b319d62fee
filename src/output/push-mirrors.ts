/** Text tables for `push-mirrors` (aligned columns) and the JSON shapes behind `--json`. */
import type { ApplyResult, ApplyOutcome } from "../core/push-mirrors/apply.ts";
import type { PushMirrorAction } from "../core/push-mirrors/push-mirror-plan.ts";
import { scrubMirrorUrl } from "../gitlab/mirror-url.ts";
import type { RemoteMirror } from "../gitlab/port.ts";
import { formatColumns } from "./columns.ts";

function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return formatColumns([header, ...rows]).join("\n");
}

export function formatMirrors(mirrors: readonly RemoteMirror[]): string {
  if (mirrors.length === 0) return "no push mirrors";
  return formatTable(
    ["ID", "URL", "ENABLED", "STATUS", "LAST SUCCESS", "LAST ERROR"],
    mirrors.map((m) => [
      String(m.id),
      scrubMirrorUrl(m.url),
      m.enabled ? "yes" : "no",
      m.updateStatus,
      m.lastSuccessfulUpdateAt ?? "-",
      oneLine(m.lastError ?? "-"),
    ]),
  );
}

export function formatMirror(m: RemoteMirror): string {
  const rows: [string, string][] = [
    ["id", String(m.id)],
    ["url", scrubMirrorUrl(m.url)],
    ["enabled", String(m.enabled)],
    ["only protected branches", String(m.onlyProtectedBranches)],
    ["keep divergent refs", String(m.keepDivergentRefs)],
    ["mirror branch regex", m.mirrorBranchRegex ?? "-"],
    ["auth method", m.authMethod],
    ["status", m.updateStatus],
    ["last update", m.lastUpdateAt ?? "-"],
    ["last update started", m.lastUpdateStartedAt ?? "-"],
    ["last success", m.lastSuccessfulUpdateAt ?? "-"],
    ["last error", oneLine(m.lastError ?? "-")],
  ];
  return formatColumns(rows).join("\n");
}

export function mirrorJson(m: RemoteMirror): RemoteMirror {
  return { ...m, url: scrubMirrorUrl(m.url) };
}

export function formatApply(result: ApplyResult): string {
  const rows = result.outcomes.map((o) => [
    o.action.project,
    o.action.kind,
    mirrorIdOf(o),
    scrubMirrorUrl(urlOf(o)),
    detailOf(o),
  ]);
  const lines: string[] = [];
  if (rows.length > 0) lines.push(formatTable(["PROJECT", "ACTION", "MIRROR", "URL", "DETAIL"], rows));
  const deletions = result.outcomes.filter((o) => deletes(o.action));
  if (deletions.length > 0) {
    const verb = result.dryRun ? "would delete" : "deletes";
    lines.push(`${verb} ${deletions.length} push mirror${deletions.length === 1 ? "" : "s"}:`);
    for (const o of deletions) {
      if (o.action.kind !== "delete" && o.action.kind !== "replace") continue;
      const { existing } = o.action;
      lines.push(
        `  ${o.action.project} mirror ${existing.id} ${scrubMirrorUrl(existing.url)}: ${whyDeleted(o.action)}`,
      );
    }
  }
  // Each failed action once more as a plain line: what GitLab said about which mirror, and the fix.
  for (const o of result.outcomes) {
    if (o.status === "failed" && o.error != null) {
      lines.push(`error ${o.error.code}: ${o.error.message} (fix: ${o.error.fix})`);
    }
  }
  for (const { project, error } of result.failures) {
    lines.push(`${project}: error ${error.code}: ${error.message} (fix: ${error.fix})`);
  }
  const failed = result.outcomes.filter((o) => o.status === "failed").length + result.failures.length;
  if (result.changes === 0 && failed === 0) lines.push("no changes");
  else if (result.dryRun) lines.push(`dry run: ${result.changes} change(s) planned, nothing done`);
  else lines.push(`${result.changes - failed} change(s) applied${failed > 0 ? `, ${failed} failed` : ""}`);
  return lines.join("\n");
}

export function applyJson(result: ApplyResult): unknown {
  return {
    dryRun: result.dryRun,
    changes: result.changes,
    actions: result.outcomes.map((o) => ({
      project: o.action.project,
      action: o.action.kind,
      status: o.status,
      mirrorId: "existing" in o.action ? o.action.existing.id : null,
      newMirrorId: o.newMirrorId ?? null,
      url: scrubMirrorUrl(urlOf(o)),
      changes: o.action.kind === "update" ? o.action.changes : [],
      reason: o.action.kind === "replace" || o.action.kind === "delete" ? o.action.reason : null,
      deletes: deletes(o.action) && "existing" in o.action ? o.action.existing.id : null,
      error: o.error == null ? null : o.error.report(),
    })),
    warnings: result.warnings.map((w) => w.report()),
    failures: result.failures.map((f) => ({ project: f.project, error: f.error.report() })),
  };
}

function mirrorIdOf(o: ApplyOutcome): string {
  const old = "existing" in o.action ? String(o.action.existing.id) : "-";
  return o.newMirrorId == null ? old : `${old === "-" ? "" : `${old}→`}${o.newMirrorId}`;
}

function urlOf(o: ApplyOutcome): string {
  const { action } = o;
  if (action.kind === "delete" || action.kind === "undeclared") return action.existing.url;
  return action.declared.url;
}

function deletes(action: PushMirrorAction): boolean {
  return action.kind === "delete" || action.kind === "replace";
}

/** Why a mirror is deleted, in the words the plan prints next to it. */
function whyDeleted(action: PushMirrorAction): string {
  if (action.kind === "delete") {
    return action.reason === "replaced"
      ? `replaced by ${scrubMirrorUrl(action.declared?.url ?? "")} (its \`replaces:\`)`
      : "not in push_mirrors, and --prune was given";
  }
  if (action.kind === "replace") {
    return action.reason === "url-changed"
      ? `replaced by ${scrubMirrorUrl(action.declared.url)} (its \`replaces:\`): GitLab cannot edit a mirror's URL, so it is deleted and created again`
      : "created again with the current token (--rotate-credentials)";
  }
  return "";
}

function detailOf(o: ApplyOutcome): string {
  const { action } = o;
  let detail = "";
  if (action.kind === "update") {
    detail = action.changes.map((c) => `${c.field}: ${String(c.from)} → ${String(c.to)}`).join(", ");
  } else if (action.kind === "replace") {
    detail =
      action.reason === "url-changed"
        ? `replaces ${scrubMirrorUrl(action.existing.url)}; GitLab cannot edit a mirror's URL, so it is deleted and created again`
        : "delete and create again with the current token";
  } else if (action.kind === "undeclared") {
    detail = "not in push_mirrors: kept (--prune deletes it)";
  } else if (action.kind === "delete") {
    detail = whyDeleted(action);
  }
  if (o.status === "failed" && o.error != null) detail = `FAILED ${o.error.code}: ${o.error.message}`;
  return detail;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").slice(0, 80);
}
