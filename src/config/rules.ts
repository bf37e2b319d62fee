import type { PathIssue, PathSegment } from "./config-path.ts";
import { pathIdentity } from "./gitlab-path.ts";
import {
  auditSettings,
  GITLAB_DEFAULTS,
  type ConfigDraft,
  type MirrorDraft,
  type PushMirrorDraft,
} from "./normalise.ts";
import { parseRepoUrl, repoIdentity, type RepoUrl } from "./repo-url.ts";
import type { AuditInput } from "./schema.ts";

/**
 * Checks that need more than one key, or more than one entry, to decide. They run on the parts
 * of the file that passed the schema, so a config with typos still gets these checked too.
 * When a problem comes from `defaults`, it is reported there once rather than on every mirror.
 */
export function checkRules(draft: ConfigDraft): PathIssue[] {
  const perMirror = [
    targetUrlIsSet,
    sshSourceHasKnownHosts,
    sshTargetHasKnownHosts,
    refsSelectSomething,
    targetDiffersFromSource,
  ];
  const perPushMirror = [branchRegexOrProtected, sshPublicKeyNeedsSsh];
  return [
    ...draft.mirrors.flatMap((mirror) => perMirror.flatMap((rule) => rule(mirror))),
    ...namesAreUnique(draft.mirrors),
    ...targetsAreUnique(draft.mirrors),
    ...draft.pushMirrors.flatMap((pushMirror) => perPushMirror.flatMap((rule) => rule(pushMirror))),
    ...pushMirrorsAreUnique(draft.pushMirrors),
    ...replacesAnOldUrl(draft.pushMirrors),
    ...draft.pushMirrors.flatMap((pushMirror) => notItsOwnRepository(pushMirror, draft.gitlab?.url)),
    ...(draft.audit === undefined ? [] : auditRules(draft.audit)),
  ];
}

const NOTHING_TO_DO = "nothing to do: add `mirrors:`, `push_mirrors:` or `audit:`";

/**
 * A file that declares no work is a mistake: an empty list, a list left without entries, or the
 * wrong file. A section that is there but broken counts as declared; the schema reports it.
 */
export function nothingToDo(raw: unknown): PathIssue[] {
  if (typeof raw !== "object" || raw == null || Array.isArray(raw)) return [];
  const file: Record<string, unknown> = { ...raw };
  const declared = (value: unknown): boolean =>
    value != null && !(Array.isArray(value) && value.length === 0);
  if (declared(file["mirrors"]) || declared(file["push_mirrors"]) || "audit" in file) return [];
  return [{ path: ["mirrors"], message: NOTHING_TO_DO }];
}

/** The URL a draft pushes to or fetches from, parsed; undefined when there is none. */
export function repoUrlOf(url: string | undefined): RepoUrl | undefined {
  if (url === undefined) return undefined;
  const parsed = parseRepoUrl(url);
  return parsed.ok ? parsed.value : undefined;
}

function mirrorPath(draft: MirrorDraft, ...rest: PathSegment[]): PathSegment[] {
  return ["mirrors", draft.index, ...rest];
}

/** Whether the target URL comes from `defaults.target.url` rather than from the mirror itself. */
export function targetUrlIsInherited(draft: MirrorDraft): boolean {
  return draft.input.target?.url === undefined && draft.defaults?.target?.url !== undefined;
}

function targetUrlIsSet(draft: MirrorDraft): PathIssue[] {
  if (draft.mirror.target.url !== undefined) return [];
  return [
    {
      path: mirrorPath(draft, "target", "url"),
      message: "no target URL: set `defaults.target.url` (with `{name}`) or this mirror's `target.url`",
    },
  ];
}

const UNKNOWN_HOSTS_REFUSED =
  "name the CI/CD variable that holds the server's host keys; unknown hosts are refused";

function sshSourceHasKnownHosts(draft: MirrorDraft): PathIssue[] {
  const { source } = draft.mirror;
  if (repoUrlOf(source.url)?.scheme !== "ssh" || source.knownHosts !== undefined) return [];
  return [
    {
      path: mirrorPath(draft, "known_hosts"),
      message: `the source is an SSH URL, so \`known_hosts\` is required: ${UNKNOWN_HOSTS_REFUSED}`,
    },
  ];
}

function sshTargetHasKnownHosts(draft: MirrorDraft): PathIssue[] {
  const { target } = draft.mirror;
  if (repoUrlOf(target.url)?.scheme !== "ssh" || target.knownHosts !== undefined) return [];
  const path = targetUrlIsInherited(draft)
    ? ["defaults", "target", "known_hosts"]
    : mirrorPath(draft, "target", "known_hosts");
  return [
    {
      path,
      message: `the target is an SSH URL, so \`target.known_hosts\` is required: ${UNKNOWN_HOSTS_REFUSED}`,
    },
  ];
}

function refsSelectSomething(draft: MirrorDraft): PathIssue[] {
  const { branches, tags } = draft.mirror.refs;
  if (branches.length > 0 || tags.length > 0) return [];
  const own = draft.input.refs;
  const path =
    own?.branches !== undefined || own?.tags !== undefined ? mirrorPath(draft, "refs") : ["defaults", "refs"];
  return [{ path, message: "`branches` and `tags` are both empty, so nothing would be mirrored" }];
}

function targetDiffersFromSource(draft: MirrorDraft): PathIssue[] {
  const source = repoUrlOf(draft.mirror.source.url);
  const target = repoUrlOf(draft.mirror.target.url);
  if (source === undefined || target === undefined || repoIdentity(source) !== repoIdentity(target))
    return [];
  return [
    {
      path: mirrorPath(draft, "target", "url"),
      message: "the target is the same repository as the source",
    },
  ];
}

function namesAreUnique(drafts: readonly MirrorDraft[]): PathIssue[] {
  const firstByName = new Map<string, MirrorDraft>();
  const issues: PathIssue[] = [];
  for (const draft of drafts) {
    // Case is ignored because names become directory names, and some file systems ignore it.
    const key = draft.mirror.name.toLowerCase();
    const first = firstByName.get(key);
    if (first === undefined) {
      firstByName.set(key, draft);
      continue;
    }
    issues.push({
      path: mirrorPath(draft, "name"),
      message: `duplicate mirror name \`${draft.mirror.name}\`: \`${first.mirror.name}\` is already used${onLine(first)}; names must be unique, ignoring case`,
    });
  }
  return issues;
}

function targetsAreUnique(drafts: readonly MirrorDraft[]): PathIssue[] {
  const firstByTarget = new Map<string, MirrorDraft>();
  const issues: PathIssue[] = [];
  for (const draft of drafts) {
    const target = repoUrlOf(draft.mirror.target.url);
    if (target === undefined) continue;
    const key = repoIdentity(target);
    const first = firstByTarget.get(key);
    if (first === undefined) {
      firstByTarget.set(key, draft);
      continue;
    }
    // The usual cause: a shared target URL without `{name}`, so every mirror pushes to one place.
    const hint =
      targetUrlIsInherited(draft) && targetUrlIsInherited(first)
        ? "; add `{name}` to `defaults.target.url`"
        : "; each mirror needs its own target";
    issues.push({
      path: mirrorPath(draft, "target", "url"),
      message: `pushes to the same target as mirror \`${first.mirror.name}\`${onLine(first)}${hint}`,
    });
  }
  return issues;
}

function onLine(draft: MirrorDraft): string {
  return lineNote(draft.mirror.line);
}

function lineNote(line: number | undefined): string {
  return line === undefined ? "" : ` (line ${line})`;
}

function pushMirrorPath(draft: PushMirrorDraft, ...rest: PathSegment[]): PathSegment[] {
  return ["push_mirrors", draft.index, ...rest];
}

// GitLab answers "mutually exclusive" when a mirror sets both.
function branchRegexOrProtected(draft: PushMirrorDraft): PathIssue[] {
  const { onlyProtectedBranches, mirrorBranchRegex } = draft.decl;
  if (!onlyProtectedBranches || mirrorBranchRegex == null) return [];
  return [
    {
      path: pushMirrorPath(draft, "mirror_branch_regex"),
      message:
        "`mirror_branch_regex` and `only_protected_branches: true` are mutually exclusive (GitLab refuses both): keep one",
    },
  ];
}

function sshPublicKeyNeedsSsh(draft: PushMirrorDraft): PathIssue[] {
  if (draft.decl.authMethod !== "ssh_public_key" || repoUrlOf(draft.decl.url)?.scheme === "ssh") return [];
  return [
    {
      path: pushMirrorPath(draft, "auth_method"),
      message:
        "`auth_method: ssh_public_key` needs an ssh:// URL; for https:// use `auth_method: password` (the default) with `token`",
    },
  ];
}

function pushMirrorsAreUnique(drafts: readonly PushMirrorDraft[]): PathIssue[] {
  const firstByKey = new Map<string, PushMirrorDraft>();
  const issues: PathIssue[] = [];
  for (const draft of drafts) {
    const url = repoUrlOf(draft.decl.url);
    if (url === undefined) continue;
    const key = `${pathIdentity(draft.decl.project)}\u0000${repoIdentity(url)}`;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, draft);
      continue;
    }
    issues.push({
      path: pushMirrorPath(draft, "url"),
      message: `the same project and URL as the push mirror${lineNote(first.decl.line)}; declare each push mirror once`,
    });
  }
  return issues;
}

/**
 * GitLab refuses a push mirror to the project's own repository, over HTTP or SSH ("You cannot
 * mirror a repository to itself.", spec/models/remote_mirror_spec.rb, 'self-referencing url').
 * Offline that can be seen when `gitlab.url` is given and the project is named by its path.
 */
function notItsOwnRepository(draft: PushMirrorDraft, gitlabUrl: string | undefined): PathIssue[] {
  const { project, url } = draft.decl;
  const mirror = repoUrlOf(url);
  const gitlab = repoUrlOf(gitlabUrl?.replace(/\/+$/, ""));
  if (mirror === undefined || gitlab === undefined || /^\d+$/.test(project)) return [];
  const own = repoIdentity({ ...gitlab, path: `${gitlab.path.replace(/\/+$/, "")}/${project}` });
  const sshOwn = repoIdentity({ ...gitlab, path: `/${project}` });
  const target = repoIdentity(mirror).toLowerCase();
  if (target !== own.toLowerCase() && !(mirror.scheme === "ssh" && target === sshOwn.toLowerCase()))
    return [];
  return [
    {
      path: pushMirrorPath(draft, "url"),
      message: `this is the repository of \`${project}\` itself, which GitLab refuses ("You cannot mirror a repository to itself."); point the mirror at another repository`,
    },
  ];
}

/**
 * `replaces:` makes apply delete a mirror, so it must name an old URL: not the declaration's own,
 * not one another declaration of the project keeps, and not one a second declaration replaces.
 */
function replacesAnOldUrl(drafts: readonly PushMirrorDraft[]): PathIssue[] {
  const key = (draft: PushMirrorDraft, url: string | undefined): string | undefined => {
    const parsed = repoUrlOf(url);
    return parsed === undefined
      ? undefined
      : `${pathIdentity(draft.decl.project)}\u0000${repoIdentity(parsed)}`;
  };
  const declaredAt = new Map<string, PushMirrorDraft>();
  for (const draft of drafts) {
    const url = key(draft, draft.decl.url);
    if (url !== undefined && !declaredAt.has(url)) declaredAt.set(url, draft);
  }
  const replacedBy = new Map<string, PushMirrorDraft>();
  const issues: PathIssue[] = [];
  for (const draft of drafts) {
    const old = key(draft, draft.decl.replaces);
    if (old === undefined) continue;
    const path = pushMirrorPath(draft, "replaces");
    const declared = declaredAt.get(old);
    const earlier = replacedBy.get(old);
    if (declared === draft) {
      issues.push({
        path,
        message: "`replaces` names this mirror's own `url`; it is for the URL the mirror had before",
      });
    } else if (declared !== undefined) {
      issues.push({
        path,
        message: `\`replaces\` names the URL of the push mirror${lineNote(declared.decl.line)}, which is still declared; apply would delete it`,
      });
    } else if (earlier !== undefined) {
      issues.push({
        path,
        message: `the push mirror${lineNote(earlier.decl.line)} already replaces this URL; one mirror can only be replaced once`,
      });
    } else {
      replacedBy.set(old, draft);
    }
  }
  return issues;
}

function auditRules(input: AuditInput): PathIssue[] {
  return [
    ...entriesAreUnique(input.projects?.map(String) ?? [], "projects"),
    ...entriesAreUnique(input.groups ?? [], "groups"),
    ...stuckBeforeOutOfDate(input),
  ];
}

function entriesAreUnique(entries: readonly string[], key: "projects" | "groups"): PathIssue[] {
  const firstIndex = new Map<string, number>();
  return entries.flatMap((entry, index) => {
    const first = firstIndex.get(pathIdentity(entry));
    if (first === undefined) {
      firstIndex.set(pathIdentity(entry), index);
      return [];
    }
    return [
      {
        path: ["audit", key, index],
        message: `listed twice: the same as \`audit.${key}[${first}]\` (paths are compared ignoring case)`,
      },
    ];
  });
}

// A mirror stuck for longer than `max_age` is already reported as out of date.
function stuckBeforeOutOfDate(input: AuditInput): PathIssue[] {
  const { maxAgeMs, stuckAfterMs } = auditSettings(input);
  if (stuckAfterMs < maxAgeMs) return [];
  const maxAge = input.max_age ?? `${GITLAB_DEFAULTS.maxAge}, the default`;
  const stuckAfter = input.stuck_after ?? `${GITLAB_DEFAULTS.stuckAfter}, the default`;
  return [
    {
      path: ["audit", input.stuck_after === undefined ? "max_age" : "stuck_after"],
      message: `\`stuck_after\` (${stuckAfter}) must be shorter than \`max_age\` (${maxAge}): a mirror stuck that long is already out of date`,
    },
  ];
}
