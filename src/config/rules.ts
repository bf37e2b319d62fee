import type { PathIssue, PathSegment } from "./config-path.ts";
import type { MirrorDraft } from "./normalise.ts";
import { parseRepoUrl, repoIdentity, type RepoUrl } from "./repo-url.ts";

/**
 * Checks that need more than one key, or more than one mirror, to decide. They run on the
 * mirrors whose entries passed the schema, so a config with typos still gets these checked too.
 * When a problem comes from `defaults`, it is reported there once rather than on every mirror.
 */
export function checkRules(drafts: readonly MirrorDraft[]): PathIssue[] {
  const perMirror = [
    targetUrlIsSet,
    sshSourceHasKnownHosts,
    sshTargetHasKnownHosts,
    refsSelectSomething,
    targetDiffersFromSource,
  ];
  return [
    ...drafts.flatMap((draft) => perMirror.flatMap((rule) => rule(draft))),
    ...namesAreUnique(drafts),
    ...targetsAreUnique(drafts),
  ];
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
  return draft.mirror.line === undefined ? "" : ` (line ${draft.mirror.line})`;
}
