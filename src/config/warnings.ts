import type { PathIssue, PathSegment } from "./config-path.ts";
import { GITLAB_DEFAULTS, type ConfigDraft, type MirrorDraft, type PushMirrorDraft } from "./normalise.ts";
import { isLoopbackHost } from "./repo-url.ts";
import { repoUrlOf, targetUrlIsInherited } from "./rules.ts";

/**
 * Things that work but are probably not what was meant. Kept few on purpose: a warning that
 * shows up on every run is soon ignored, and with it the one that mattered.
 */
export function collectWarnings(
  draft: ConfigDraft,
  env: Record<string, string | undefined> | undefined,
): PathIssue[] {
  return [
    ...gitlabApiOverPlainHttp(draft),
    ...draft.mirrors.flatMap((mirror) => [
      ...tokenOverPlainHttp(mirror),
      ...unlimitedDestruction(mirror),
      ...unlimitedRewrites(mirror),
      ...credentialsThatAreIgnored(mirror),
    ]),
    ...draft.pushMirrors.flatMap((pushMirror) => [
      ...pushTokenOverPlainHttp(pushMirror),
      ...pushCredentialsThatAreIgnored(pushMirror),
    ]),
    ...auditChecksNothing(draft),
    ...(env === undefined ? [] : [...unsetVariables(draft, env), ...noGitLabUrl(draft, env)]),
  ];
}

function plainHttpHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase();
  return parsed.protocol === "http:" && !isLoopbackHost(host) ? host : undefined;
}

function gitlabApiOverPlainHttp(draft: ConfigDraft): PathIssue[] {
  const host = plainHttpHost(draft.gitlab?.url?.trim());
  if (host === undefined) return [];
  return [
    {
      path: ["gitlab", "url"],
      message: `the GitLab API token would be sent unencrypted over http:// to \`${host}\`; use https://`,
    },
  ];
}

function pushTokenOverPlainHttp(draft: PushMirrorDraft): PathIssue[] {
  const host = plainHttpHost(draft.decl.url);
  if (draft.decl.token === undefined || host === undefined) return [];
  return [
    {
      path: ["push_mirrors", draft.index, "url"],
      message: `GitLab would send the token unencrypted over http:// to \`${host}\`; use https://`,
    },
  ];
}

function pushCredentialsThatAreIgnored(draft: PushMirrorDraft): PathIssue[] {
  const { input } = draft;
  if (draft.decl.authMethod !== "ssh_public_key") return [];
  const ignored = (["token", "username"] as const).filter((key) => input[key] !== undefined);
  return ignored.map((key) => ({
    path: ["push_mirrors", draft.index, key],
    message: `\`${key}\` is ignored with \`auth_method: ssh_public_key\`: GitLab pushes with a key pair of its own (the user goes in the ssh:// URL)`,
  }));
}

/** An `audit:` section with nothing to look at: usually lists that are still commented out. */
function auditChecksNothing(draft: ConfigDraft): PathIssue[] {
  const { audit } = draft;
  if (audit === undefined || draft.pushMirrors.length > 0) return [];
  if ((audit.projects?.length ?? 0) > 0 || (audit.groups?.length ?? 0) > 0) return [];
  return [
    {
      path: ["audit"],
      message:
        "`audit` lists no `projects` or `groups` and there are no `push_mirrors`, so there is nothing to audit",
    },
  ];
}

/**
 * Whether anything in the file talks to the GitLab API, so that `gitlab:` matters. A broken
 * `gitlab:` section is reported already; guessing what it meant would only add noise.
 */
function usesGitLabApi(draft: ConfigDraft): boolean {
  if (!draft.gitlabKnown) return false;
  return (
    draft.pushMirrors.length > 0 ||
    draft.audit !== undefined ||
    draft.mirrors.some((mirror) => mirror.mirror.createTarget !== undefined)
  );
}

function noGitLabUrl(draft: ConfigDraft, env: Record<string, string | undefined>): PathIssue[] {
  if (!usesGitLabApi(draft) || draft.gitlab?.url !== undefined) return [];
  if ((env["CI_SERVER_URL"] ?? "") !== "") return [];
  return [
    {
      path: ["gitlab", "url"],
      message: "no `gitlab.url`, and `CI_SERVER_URL` is not set in this environment: set `gitlab.url`",
    },
  ];
}

function tokenOverPlainHttp(draft: MirrorDraft): PathIssue[] {
  const { source, target } = draft.mirror;
  const sides = [
    { endpoint: source, path: ["mirrors", draft.index, "source"] },
    {
      endpoint: target,
      path: targetUrlIsInherited(draft)
        ? ["defaults", "target", "url"]
        : ["mirrors", draft.index, "target", "url"],
    },
  ];
  return sides.flatMap(({ endpoint, path }) => {
    const url = repoUrlOf(endpoint.url);
    if (endpoint.token === undefined || url?.scheme !== "http" || isLoopbackHost(url.host)) return [];
    return [
      { path, message: `the token would be sent unencrypted over http:// to \`${url.host}\`; use https://` },
    ];
  });
}

/** Overwrite, prune and no deletion limit: one broken source run can empty or rewrite the mirror. */
function unlimitedDestruction(draft: MirrorDraft): PathIssue[] {
  const { divergence, prune, maxDeletions } = draft.mirror;
  if (divergence !== "overwrite" || !prune || maxDeletions.kind !== "percent" || maxDeletions.value < 100)
    return [];
  const path: PathSegment[] =
    draft.input.max_deletions === undefined
      ? ["defaults", "max_deletions"]
      : ["mirrors", draft.index, "max_deletions"];
  return [
    {
      path,
      message:
        "with `divergence: overwrite` and `prune: true`, `max_deletions: 100%` lets one run delete every ref of the target; a lower limit stops a broken source from wiping the mirror",
    },
  ];
}

/** Overwrite and no rewrite limit: one broken source run can replace the history of every ref. */
function unlimitedRewrites(draft: MirrorDraft): PathIssue[] {
  const { divergence, maxRewrites } = draft.mirror;
  if (divergence !== "overwrite" || maxRewrites.kind !== "percent" || maxRewrites.value < 100) return [];
  const path: PathSegment[] =
    draft.input.max_rewrites === undefined
      ? ["defaults", "max_rewrites"]
      : ["mirrors", draft.index, "max_rewrites"];
  return [
    {
      path,
      message:
        "with `divergence: overwrite`, `max_rewrites: 100%` lets one run rewrite the history of every ref of the target; a lower limit stops a broken source from replacing the mirror",
    },
  ];
}

/** Credentials set on the mirror that its URL cannot use: often meant for the other side. */
function credentialsThatAreIgnored(draft: MirrorDraft): PathIssue[] {
  const { input } = draft;
  const source = repoUrlOf(draft.mirror.source.url)?.scheme;
  const target = repoUrlOf(draft.mirror.target.url)?.scheme;
  const checks: { set: boolean; usable: boolean; path: PathSegment[]; message: string }[] = [
    {
      set: input.source_token !== undefined,
      usable: overHttp(source),
      path: ["mirrors", draft.index, "source_token"],
      message: "`source_token` is ignored: tokens are only used with https:// and http:// sources",
    },
    {
      set: input.ssh_key !== undefined,
      usable: source === "ssh",
      path: ["mirrors", draft.index, "ssh_key"],
      message:
        "`ssh_key` is ignored: the source is not an SSH URL (a key for the target goes under `target.ssh_key`)",
    },
    {
      set: input.target?.token !== undefined,
      usable: overHttp(target),
      path: ["mirrors", draft.index, "target", "token"],
      message: "`token` is ignored: tokens are only used with https:// and http:// targets",
    },
    {
      set: input.target?.ssh_key !== undefined,
      usable: target === "ssh",
      path: ["mirrors", draft.index, "target", "ssh_key"],
      message: "`ssh_key` is ignored: the target is not an SSH URL",
    },
  ];
  return checks.filter((check) => check.set && !check.usable).map(({ path, message }) => ({ path, message }));
}

function overHttp(scheme: string | undefined): boolean {
  return scheme === "https" || scheme === "http";
}

/** Variables the config names but the environment lacks; reported once each, where first named. */
function unsetVariables(draft: ConfigDraft, env: Record<string, string | undefined>): PathIssue[] {
  const seen = new Set<string>();
  const issues: PathIssue[] = [];
  for (const { name, path } of variableReferences(draft)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const value = env[name];
    if (value === undefined || value === "") {
      issues.push({
        path,
        message: `CI/CD variable \`${name}\` is not set (or is empty) in this environment`,
      });
    }
  }
  return issues;
}

const VARIABLE_KEYS = ["token", "ssh_key", "known_hosts"] as const;
const SOURCE_VARIABLE_KEYS = ["source_token", "ssh_key", "known_hosts"] as const;

function* variableReferences(draft: ConfigDraft): Generator<{ name: string; path: PathSegment[] }> {
  // The API token has a default name, so it is needed even when the file does not name it.
  if (usesGitLabApi(draft)) {
    yield { name: draft.gitlab?.token ?? GITLAB_DEFAULTS.token, path: ["gitlab", "token"] };
  }
  const { defaults, mirrors: drafts } = draft;
  for (const key of VARIABLE_KEYS) {
    const name = defaults?.target?.[key];
    if (name !== undefined) yield { name, path: ["defaults", "target", key] };
  }
  for (const { input, index } of drafts) {
    for (const key of SOURCE_VARIABLE_KEYS) {
      const name = input[key];
      if (name !== undefined) yield { name, path: ["mirrors", index, key] };
    }
    for (const key of VARIABLE_KEYS) {
      const name = input.target?.[key];
      if (name !== undefined) yield { name, path: ["mirrors", index, "target", key] };
    }
  }
  for (const { input, index, decl } of draft.pushMirrors) {
    if (input.token !== undefined && decl.authMethod === "password") {
      yield { name: input.token, path: ["push_mirrors", index, "token"] };
    }
  }
}
