import pLimit from "p-limit";
import type { PushMirrorDecl } from "../../config/types.ts";
import type { ErrorReport } from "../../errors/catalog.ts";
import type { GitLabPort, Project, RemoteMirror } from "../../gitlab/port.ts";
import { errorReport, isToolError } from "../../errors/tool-error.ts";
import { VERSION } from "../../version.ts";
import { apiErrorReport } from "./api-error.ts";
import { checkToken } from "./token-check.ts";
import type { AuditCounts, AuditReport, MirrorAudit, ProjectAudit, Verdict } from "./types.ts";
import { worst } from "./types.ts";
import { sameMirrorTarget } from "../../gitlab/mirror-url.ts";
import { judgeMirror } from "./verdict.ts";

export interface AuditScope {
  /** `audit.projects`: ids or full paths. A listed project without mirrors is a warning. */
  projects: readonly string[];
  /** `audit.groups`: every non-archived project, subgroups included. */
  groups: readonly string[];
  pushMirrors: readonly PushMirrorDecl[];
  /** `audit.include_shared`: projects shared into `groups` from elsewhere are audited too. */
  includeShared?: boolean | undefined;
}

export interface AuditOptions {
  now: Date;
  maxAgeMs: number;
  stuckAfterMs: number;
  /** Ask GitLab to push every failed mirror again (see judgeMirror's `resyncable`). */
  resyncFailed: boolean;
  /** GitLab API calls in flight at once. */
  concurrency: number;
}

interface Target {
  project: Project;
  listed: boolean;
  declared: PushMirrorDecl[];
}

/**
 * Audit the push mirrors of every project in scope. Only GitLab is touched, through the port;
 * an API error on one project or group fails that entry and the audit goes on with the rest.
 */
export async function auditPushMirrors(
  port: GitLabPort,
  scope: AuditScope,
  options: AuditOptions,
): Promise<AuditReport> {
  const limit = pLimit(Math.max(1, Math.floor(options.concurrency)));
  const tokenPromise = checkToken(port, options.now);
  const broken: ProjectAudit[] = [];
  const targets = new Map<number, Target>();
  const add = (project: Project, listed: boolean, declared: PushMirrorDecl[] = []): void => {
    const target = targets.get(project.id) ?? { project, listed: false, declared: [] };
    target.listed ||= listed;
    target.declared.push(...declared);
    targets.set(project.id, target);
  };

  const declaredByRef = new Map<string, PushMirrorDecl[]>();
  for (const decl of scope.pushMirrors) {
    declaredByRef.set(decl.project, [...(declaredByRef.get(decl.project) ?? []), decl]);
  }
  const lookups = [
    ...unique(scope.projects).map((ref) =>
      limit(async () => {
        try {
          add(await port.getProject(ref), true);
        } catch (error) {
          broken.push(failedEntry(ref, apiErrorReport(error)));
        }
      }),
    ),
    ...unique(scope.groups).map((group) =>
      limit(async () => {
        try {
          const projects = await port.listGroupProjects(group, {
            includeShared: scope.includeShared === true,
          });
          for (const project of projects) add(project, false);
        } catch (error) {
          broken.push(failedEntry(`group ${group}`, apiErrorReport(error)));
        }
      }),
    ),
    ...[...declaredByRef].map(([ref, decls]) =>
      limit(async () => {
        try {
          add(await port.getProject(ref), false, decls);
        } catch (error) {
          broken.push(failedEntry(ref, apiErrorReport(error)));
        }
      }),
    ),
  ];
  await Promise.all(lookups);

  const audited = await Promise.all(
    [...targets.values()].map((target) => limit(() => auditProject(port, target, options))),
  );
  if (options.resyncFailed) {
    const failed = audited.flatMap((entry) => entry.resyncable.map((mirror) => ({ entry, mirror })));
    await Promise.all(failed.map(({ entry, mirror }) => limit(() => resync(port, entry.audit.id, mirror))));
  }
  const projects = [...audited.map((entry) => entry.audit), ...broken].sort((a, b) =>
    a.project.localeCompare(b.project),
  );
  const token = await tokenPromise;
  const counts = countVerdicts(projects);
  return {
    tool: "ci-mirror",
    command: "audit",
    version: VERSION,
    checkedAt: options.now.toISOString(),
    ok: counts.fail === 0 && token.verdict !== "fail",
    settings: {
      maxAgeMs: options.maxAgeMs,
      stuckAfterMs: options.stuckAfterMs,
      resyncFailed: options.resyncFailed,
    },
    token,
    counts,
    projects,
    requestCount: port.requestCount,
  };
}

async function auditProject(
  port: GitLabPort,
  target: Target,
  options: AuditOptions,
): Promise<{ audit: ProjectAudit; resyncable: MirrorAudit[] }> {
  const path = target.project.pathWithNamespace;
  let existing: RemoteMirror[];
  try {
    existing = await port.listRemoteMirrors(target.project.id);
  } catch (error) {
    // A project a group brought in whose mirrors the token may not manage (a Developer there, a
    // project shared into the group) is one line, not a failed audit: nobody asked for it by name.
    if (
      !target.listed &&
      target.declared.length === 0 &&
      isToolError(error) &&
      error.code === "EGITLABPERMISSION"
    ) {
      return {
        audit: {
          project: path,
          id: target.project.id,
          verdict: "warn",
          notes: ["not audited: the token cannot manage this project's push mirrors (it needs Maintainer)"],
          mirrors: [],
        },
        resyncable: [],
      };
    }
    return {
      audit: { ...failedEntry(path, apiErrorReport(error)), id: target.project.id },
      resyncable: [],
    };
  }
  const unmatched = [...target.declared];
  const mirrors: MirrorAudit[] = [];
  const resyncable: MirrorAudit[] = [];
  for (const mirror of existing) {
    const index = unmatched.findIndex((decl) => sameMirrorTarget(decl.url, mirror.url));
    const declared = index >= 0 ? unmatched.splice(index, 1)[0] : undefined;
    const judged = judgeMirror(mirror, declared, options);
    const entry: MirrorAudit = {
      project: path,
      id: mirror.id,
      url: mirror.url,
      enabled: mirror.enabled,
      updateStatus: mirror.updateStatus,
      lastSuccessfulUpdateAt: mirror.lastSuccessfulUpdateAt,
      lastUpdateStartedAt: mirror.lastUpdateStartedAt,
      lastError: mirror.lastError,
      declared: declared != null,
      verdict: judged.verdict,
      reasons: judged.reasons,
      ...(judged.error == null ? {} : { error: judged.error }),
    };
    mirrors.push(entry);
    if (judged.resyncable) resyncable.push(entry);
  }
  for (const decl of unmatched) mirrors.push(missingMirror(path, decl));
  const notes: string[] = [];
  if (mirrors.length === 0 && target.listed) notes.push("no push mirrors");
  const verdict = worst([...mirrors.map((m) => m.verdict), notes.length > 0 ? "warn" : "ok"]);
  return { audit: { project: path, id: target.project.id, verdict, notes, mirrors }, resyncable };
}

async function resync(port: GitLabPort, projectId: number | null, entry: MirrorAudit): Promise<void> {
  if (projectId == null || entry.id == null) return;
  try {
    await port.syncRemoteMirror(projectId, entry.id);
    entry.resync = { requested: true };
  } catch (error) {
    entry.resync = { requested: false, error: apiErrorReport(error) };
  }
}

const MISSING = "declared in push_mirrors, but GitLab has no such mirror";

function missingMirror(project: string, decl: PushMirrorDecl): MirrorAudit {
  return {
    project,
    id: null,
    url: decl.url,
    enabled: false,
    updateStatus: "missing",
    lastSuccessfulUpdateAt: null,
    lastUpdateStartedAt: null,
    lastError: null,
    declared: true,
    // Declared disabled and absent: nothing would be pushed either way.
    verdict: decl.enabled ? "fail" : "ok",
    reasons: decl.enabled ? [MISSING] : [],
    ...(decl.enabled ? { error: errorReport("EPUSHMIRRORMISSING", MISSING) } : {}),
  };
}

function failedEntry(project: string, error: ErrorReport): ProjectAudit {
  return { project, id: null, verdict: "fail", error, notes: [], mirrors: [] };
}

function countVerdicts(projects: readonly ProjectAudit[]): AuditCounts {
  const counts: AuditCounts = { projects: projects.length, mirrors: 0, ok: 0, warn: 0, fail: 0, resynced: 0 };
  const tally = (verdict: Verdict): void => {
    counts[verdict] += 1;
  };
  for (const project of projects) {
    if (project.error != null || project.notes.length > 0) tally(project.verdict);
    for (const mirror of project.mirrors) {
      counts.mirrors += 1;
      tally(mirror.verdict);
      if (mirror.resync?.requested === true) counts.resynced += 1;
    }
  }
  return counts;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
