/**
 * The normalised config: what the rest of ci-mirror sees after the YAML has been parsed,
 * validated, merged with `defaults` and checked by the cross-field rules.
 * Keys are camelCase here; the file uses snake_case like GitLab's API fields.
 */
export type DivergencePolicy = "overwrite" | "keep" | "fail";

/** `auto`: mirror LFS objects when the repository uses LFS and git-lfs is installed. */
export type LfsMode = "auto" | "on" | "off";

/** A glob (`release/*`, `v*`) or a regular expression written as `/…/`. */
export interface RefPattern {
  /** As written in the file, for messages. */
  source: string;
  /** Whether a (short or full) ref name is selected by the pattern. */
  matches(name: string): boolean;
}

export interface RefRules {
  branches: RefPattern[];
  tags: RefPattern[];
  /** Matched against short names, or against full ref names when written as `refs/…`. */
  exclude: RefPattern[];
}

/** `max_deletions`, `max_rewrites`: a count of refs, or a percentage of the target's managed refs. */
export type RefLimit = { kind: "count"; value: number } | { kind: "percent"; value: number };

export interface Endpoint {
  /** Normalised URL: scp-style `git@host:path` becomes `ssh://git@host/path`. Never holds credentials. */
  url: string;
  /** NAME of the environment variable that holds the token (never the token itself). */
  token?: string | undefined;
  /** Username sent with the token over HTTP Basic auth. */
  username?: string | undefined;
  /** NAME of the variable holding the SSH private key (a file-type CI variable, or the key itself). */
  sshKey?: string | undefined;
  /** NAME of the variable holding known_hosts lines (file-type or inline). Required for SSH. */
  knownHosts?: string | undefined;
}

export interface MirrorConfig {
  name: string;
  source: Endpoint;
  target: Endpoint;
  refs: RefRules;
  divergence: DivergencePolicy;
  prune: boolean;
  maxDeletions: RefLimit;
  /** Forced updates (rewritten branches, moved tags) allowed in one run. */
  maxRewrites: RefLimit;
  lfs: LfsMode;
  /**
   * `create_target`: create the target project in its group through the GitLab API when it does
   * not exist yet, before the first push. Undefined: never create.
   */
  createTarget?: CreateTarget | undefined;
  /** 1-based line of the mirror's entry in the config file. */
  line?: number | undefined;
}

type Visibility = "private" | "internal" | "public";

export interface CreateTarget {
  /** Default "private". */
  visibility: Visibility;
  /** Default: "Mirror of <source URL without credentials>". */
  description?: string | undefined;
}

/** `gitlab:` — the GitLab whose API ci-mirror talks to. */
export interface GitLabSettings {
  /** Base URL (`https://gitlab.example.com`); undefined means `$CI_SERVER_URL` at run time. */
  url?: string | undefined;
  /** NAME of the variable holding an api-scoped token. Default "GITLAB_TOKEN". */
  token: string;
}

type MirrorAuthMethod = "password" | "ssh_public_key";

/** One entry of `push_mirrors:`: a GitLab push mirror managed as code. */
export interface PushMirrorDecl {
  /** Project id (digits) or full path (`group/app`). */
  project: string;
  /** Mirror URL without credentials (GitLab only ever shows scrubbed URLs). */
  url: string;
  /**
   * `replaces:` the mirror's previous URL. GitLab cannot change a mirror's URL, so `apply`
   * deletes the mirror with this URL and creates the declared one; only when it is declared.
   */
  replaces?: string | undefined;
  /** Put into the URL's credentials on create; default "oauth2" when a token is given. */
  username?: string | undefined;
  /** NAME of the variable holding the password/token for the URL. */
  token?: string | undefined;
  enabled: boolean; // default true
  onlyProtectedBranches: boolean; // default false
  keepDivergentRefs: boolean; // default false (GitLab's default)
  mirrorBranchRegex: string | null; // default null
  authMethod: MirrorAuthMethod; // default "password"
  line?: number | undefined;
}

/** `audit:` — which push mirrors `ci-mirror audit` checks, and what counts as healthy. */
export interface AuditSettings {
  projects: string[];
  /** Every project of these groups, subgroups included. */
  groups: string[];
  /** `include_shared: true`: projects shared into `groups` are checked too. Only set when true. */
  includeShared?: boolean | undefined;
  /** A mirror must have succeeded within this long. `max_age: 24h` → 86_400_000. Default 24h. */
  maxAgeMs: number;
  /** `started` for longer than this is stuck. Default 1h. */
  stuckAfterMs: number;
}

export interface Config {
  version: 1;
  /** Path of the file the config was read from, as given. */
  file: string;
  /** May be empty when the file only manages or audits push mirrors. */
  mirrors: MirrorConfig[];
  gitlab: GitLabSettings;
  pushMirrors: PushMirrorDecl[];
  /** Undefined when the file has no `audit:` section (audit then checks `push_mirrors` only). */
  audit?: AuditSettings | undefined;
}
