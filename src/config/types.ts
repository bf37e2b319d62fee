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
  regex: RegExp;
}

export interface RefRules {
  branches: RefPattern[];
  tags: RefPattern[];
  /** Matched against short names, or against full ref names when written as `refs/…`. */
  exclude: RefPattern[];
}

export type DeletionLimit = { kind: "count"; value: number } | { kind: "percent"; value: number };

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
  maxDeletions: DeletionLimit;
  lfs: LfsMode;
  /** 1-based line of the mirror's entry in the config file. */
  line?: number | undefined;
}

export interface Config {
  version: 1;
  /** Path of the file the config was read from, as given. */
  file: string;
  mirrors: MirrorConfig[];
}
