/**
 * What ci-mirror needs from GitLab, as plain data. The core (push-mirror management, audit,
 * target creation) depends on this interface only; `client.ts` implements it over
 * `@gitbeaker/rest`, and the tests drive that implementation against the GitLab sandbox.
 * Fields are the ones we branch on, camelCased; everything else GitLab sends is dropped.
 */
export type ProjectRef = string | number;

export interface Project {
  id: number;
  pathWithNamespace: string;
  httpUrlToRepo: string;
  defaultBranch: string | null;
  archived: boolean;
  visibility: string;
}

export interface Group {
  id: number;
  fullPath: string;
}

export type MirrorUpdateStatus =
  "none" | "scheduled" | "started" | "finished" | "failed" | "to_retry" | "unknown";

export interface RemoteMirror {
  id: number;
  /** Always scrubbed by GitLab: `https://*****:*****@host/path.git`. */
  url: string;
  enabled: boolean;
  onlyProtectedBranches: boolean;
  keepDivergentRefs: boolean;
  mirrorBranchRegex: string | null;
  authMethod: string;
  updateStatus: MirrorUpdateStatus;
  lastError: string | null;
  lastUpdateAt: string | null;
  lastUpdateStartedAt: string | null;
  lastSuccessfulUpdateAt: string | null;
}

export interface RemoteMirrorInput {
  /** With credentials, on create only (GitLab cannot change a mirror's URL). */
  url?: string;
  enabled?: boolean;
  onlyProtectedBranches?: boolean;
  keepDivergentRefs?: boolean;
  mirrorBranchRegex?: string | null;
  authMethod?: string;
}

export interface TokenInfo {
  id: number;
  name: string;
  scopes: string[];
  expiresAt: string | null;
  active: boolean;
}

export interface ProtectedBranch {
  name: string;
  allowForcePush: boolean;
}

export interface GitLabPort {
  getProject(project: ProjectRef): Promise<Project>;
  /** undefined when the project does not exist (404), instead of an error. */
  findProject(project: ProjectRef): Promise<Project | undefined>;
  createProject(input: {
    namespacePath: string;
    path: string;
    visibility: string;
    description?: string;
    /** The repository's HEAD from the start, so the first push does not have to decide it. */
    defaultBranch?: string | undefined;
  }): Promise<Project>;
  getGroup(group: string | number): Promise<Group>;
  /**
   * Every project of a group, subgroups included, all pages; archived projects, and projects
   * shared into the group from elsewhere, left out unless asked.
   */
  listGroupProjects(
    group: string | number,
    options?: { includeArchived?: boolean; includeShared?: boolean },
  ): Promise<Project[]>;
  listProtectedBranches(project: ProjectRef): Promise<ProtectedBranch[]>;
  listRemoteMirrors(project: ProjectRef): Promise<RemoteMirror[]>;
  getRemoteMirror(project: ProjectRef, mirrorId: number): Promise<RemoteMirror>;
  createRemoteMirror(project: ProjectRef, input: RemoteMirrorInput & { url: string }): Promise<RemoteMirror>;
  updateRemoteMirror(project: ProjectRef, mirrorId: number, input: RemoteMirrorInput): Promise<RemoteMirror>;
  deleteRemoteMirror(project: ProjectRef, mirrorId: number): Promise<void>;
  syncRemoteMirror(project: ProjectRef, mirrorId: number): Promise<void>;
  getRemoteMirrorPublicKey(project: ProjectRef, mirrorId: number): Promise<string>;
  /** The token in use (`GET /personal_access_tokens/self`). */
  tokenSelf(): Promise<TokenInfo>;
  /** Calls made so far, for reports and benchmarks. */
  readonly requestCount: number;
}
