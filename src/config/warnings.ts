import type { PathIssue, PathSegment } from "./config-path.ts";
import type { MirrorDraft } from "./normalise.ts";
import { isLoopbackHost } from "./repo-url.ts";
import { repoUrlOf, targetUrlIsInherited } from "./rules.ts";

/**
 * Things that work but are probably not what was meant. Kept few on purpose: a warning that
 * shows up on every run is soon ignored, and with it the one that mattered.
 */
export function collectWarnings(
  drafts: readonly MirrorDraft[],
  env: Record<string, string | undefined> | undefined,
): PathIssue[] {
  return [
    ...drafts.flatMap((draft) => [
      ...tokenOverPlainHttp(draft),
      ...unlimitedDestruction(draft),
      ...credentialsThatAreIgnored(draft),
    ]),
    ...(env === undefined ? [] : unsetVariables(drafts, env)),
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
function unsetVariables(
  drafts: readonly MirrorDraft[],
  env: Record<string, string | undefined>,
): PathIssue[] {
  const seen = new Set<string>();
  const issues: PathIssue[] = [];
  for (const { name, path } of variableReferences(drafts)) {
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

function* variableReferences(
  drafts: readonly MirrorDraft[],
): Generator<{ name: string; path: PathSegment[] }> {
  const defaults = drafts[0]?.defaults;
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
}
