import { durationMs } from "../util/duration.ts";
import { compilePattern } from "./ref-pattern.ts";
import { parseRepoUrl } from "./repo-url.ts";
import type {
  AuditInput,
  CreateTargetInput,
  DefaultsInput,
  GitLabInput,
  MirrorInput,
  PushMirrorInput,
} from "./schema.ts";
import type {
  AuditSettings,
  CreateTarget,
  Endpoint,
  GitLabSettings,
  LfsMode,
  MirrorConfig,
  PushMirrorDecl,
  RefLimit,
  RefPattern,
} from "./types.ts";

/**
 * Turns the sections, already checked by the schema, into the normalised form: defaults merged
 * in, `{name}` filled in, URLs normalised, patterns compiled, durations converted. Nothing here
 * can fail; what can still be wrong (a missing target URL, say) is left for the rules to report.
 */

/** Used when neither the mirror nor `defaults` says. */
const BUILT_IN_DEFAULTS = {
  branches: ["*"],
  tags: ["*"],
  exclude: [],
  divergence: "overwrite",
  prune: true,
  maxDeletions: "25%",
  // Higher than max_deletions: rebasing feature branches is everyday work, while a rewrite of
  // most of the refs at once is what a broken or hostile upstream looks like.
  maxRewrites: "50%",
  lfs: "auto",
} as const satisfies {
  branches: readonly string[];
  tags: readonly string[];
  exclude: readonly string[];
  divergence: MirrorConfig["divergence"];
  prune: boolean;
  maxDeletions: string;
  maxRewrites: string;
  lfs: string;
};

/** Used when `gitlab:`, a push mirror or `audit:` leaves a key out. */
export const GITLAB_DEFAULTS = {
  token: "GITLAB_TOKEN",
  visibility: "private",
  /** GitLab's usual user name for a token in a URL; only for http(s) URLs, ssh:// ones name their user. */
  pushUsername: "oauth2",
  maxAge: "24h",
  stuckAfter: "1h",
} as const satisfies {
  token: string;
  visibility: CreateTarget["visibility"];
  pushUsername: string;
  maxAge: string;
  stuckAfter: string;
};

/** Every valid part of the file, before the rules ran: what they check and what the result is built from. */
export interface ConfigDraft {
  defaults: DefaultsInput | undefined;
  mirrors: MirrorDraft[];
  /** Undefined when the section is absent or invalid. */
  gitlab: GitLabInput | undefined;
  /** False when `gitlab:` is there but invalid, so what it says is not known. */
  gitlabKnown: boolean;
  pushMirrors: PushMirrorDraft[];
  /** Undefined when the section is absent or invalid. */
  audit: AuditInput | undefined;
}

/** A mirror before the rules ran: its target URL may still be missing. */
export interface MirrorDraft {
  /** Position in the `mirrors` list, for issue paths. */
  index: number;
  input: MirrorInput;
  defaults: DefaultsInput | undefined;
  mirror: Omit<MirrorConfig, "target"> & { target: Omit<Endpoint, "url"> & { url?: string | undefined } };
}

const NAME_PLACEHOLDER = "{name}";

export function draftMirror(
  index: number,
  input: MirrorInput,
  defaults: DefaultsInput | undefined,
  line: number | undefined,
): MirrorDraft {
  // `target` is merged key by key: a mirror can change the URL and keep the shared token.
  const own = input.target;
  const shared = defaults?.target;
  const targetUrl = own?.url ?? shared?.url;
  return {
    index,
    input,
    defaults,
    mirror: {
      name: input.name,
      source: {
        url: normaliseUrl(input.source),
        token: input.source_token,
        username: input.source_username,
        sshKey: input.ssh_key,
        knownHosts: input.known_hosts,
      },
      target: {
        url:
          targetUrl === undefined
            ? undefined
            : normaliseUrl(targetUrl.replaceAll(NAME_PLACEHOLDER, input.name)),
        token: own?.token ?? shared?.token,
        username: own?.username ?? shared?.username,
        sshKey: own?.ssh_key ?? shared?.ssh_key,
        knownHosts: own?.known_hosts ?? shared?.known_hosts,
      },
      // Each list given on the mirror replaces that list only; the others still come from defaults.
      refs: {
        branches: compileAll(input.refs?.branches ?? defaults?.refs?.branches ?? BUILT_IN_DEFAULTS.branches),
        tags: compileAll(input.refs?.tags ?? defaults?.refs?.tags ?? BUILT_IN_DEFAULTS.tags),
        exclude: compileAll(input.refs?.exclude ?? defaults?.refs?.exclude ?? BUILT_IN_DEFAULTS.exclude),
      },
      divergence: input.divergence ?? defaults?.divergence ?? BUILT_IN_DEFAULTS.divergence,
      prune: input.prune ?? defaults?.prune ?? BUILT_IN_DEFAULTS.prune,
      maxDeletions: refLimit(
        input.max_deletions ?? defaults?.max_deletions ?? BUILT_IN_DEFAULTS.maxDeletions,
      ),
      maxRewrites: refLimit(input.max_rewrites ?? defaults?.max_rewrites ?? BUILT_IN_DEFAULTS.maxRewrites),
      lfs: lfsMode(input.lfs ?? defaults?.lfs ?? BUILT_IN_DEFAULTS.lfs),
      // The mirror's `create_target` replaces the shared one as a whole: `false` switches it off.
      createTarget: createTargetOf(input.create_target ?? defaults?.create_target),
      line,
    },
  };
}

/** The finished mirror, or undefined when it has no target URL (which the rules report). */
export function finishMirror(draft: MirrorDraft): MirrorConfig | undefined {
  const { url, ...rest } = draft.mirror.target;
  if (url === undefined) return undefined;
  return { ...draft.mirror, target: { url, ...rest } };
}

/** A push mirror entry; its rules need the entry as written too. */
export interface PushMirrorDraft {
  /** Position in the `push_mirrors` list, for issue paths. */
  index: number;
  input: PushMirrorInput;
  decl: PushMirrorDecl;
}

export function draftPushMirror(
  index: number,
  input: PushMirrorInput,
  line: number | undefined,
): PushMirrorDraft {
  const url = input.url.trim();
  const overHttp = /^https?:\/\//i.test(url);
  const authMethod = input.auth_method ?? "password";
  const defaultUsername =
    input.token !== undefined && overHttp && authMethod === "password"
      ? GITLAB_DEFAULTS.pushUsername
      : undefined;
  return {
    index,
    input,
    decl: {
      project: String(input.project),
      url,
      ...(input.replaces === undefined ? {} : { replaces: input.replaces.trim() }),
      username: input.username ?? defaultUsername,
      token: input.token,
      enabled: input.enabled ?? true,
      onlyProtectedBranches: input.only_protected_branches ?? false,
      keepDivergentRefs: input.keep_divergent_refs ?? false,
      mirrorBranchRegex: input.mirror_branch_regex ?? null,
      authMethod,
      line,
    },
  };
}

export function gitlabSettings(input: GitLabInput | undefined): GitLabSettings {
  return {
    url: input?.url?.trim().replace(/\/+$/, ""),
    token: input?.token ?? GITLAB_DEFAULTS.token,
  };
}

export function auditSettings(input: AuditInput): AuditSettings {
  return {
    projects: (input.projects ?? []).map(String),
    groups: input.groups ?? [],
    ...(input.include_shared === true ? { includeShared: true } : {}),
    maxAgeMs: durationMs(input.max_age ?? GITLAB_DEFAULTS.maxAge),
    stuckAfterMs: durationMs(input.stuck_after ?? GITLAB_DEFAULTS.stuckAfter),
  };
}

function createTargetOf(written: CreateTargetInput | undefined): CreateTarget | undefined {
  if (written === undefined || written === false) return undefined;
  if (written === true) return { visibility: GITLAB_DEFAULTS.visibility };
  return { visibility: written.visibility ?? GITLAB_DEFAULTS.visibility, description: written.description };
}

function normaliseUrl(written: string): string {
  const parsed = parseRepoUrl(written);
  if (!parsed.ok) throw new Error("normaliseUrl: the schema let an invalid URL through");
  return parsed.value.url;
}

function compileAll(sources: readonly string[]): RefPattern[] {
  return sources.map((source) => compilePattern(source));
}

function refLimit(written: number | string): RefLimit {
  if (typeof written === "number") return { kind: "count", value: written };
  return { kind: "percent", value: Number(written.trim().replace(/%$/, "")) };
}

function lfsMode(written: boolean | "auto"): LfsMode {
  if (written === "auto") return "auto";
  return written ? "on" : "off";
}
