/** The in-memory records behind the GitLab sandbox: only what ci-mirror's endpoints read or write. */

export type Visibility = "private" | "internal" | "public";
export type AccessLevel = 10 | 20 | 30 | 40 | 50;
type MirrorStatus = "none" | "started" | "finished" | "failed" | "to_retry";
export type AuthMethod = "password" | "ssh_public_key";

export interface Namespace {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  kind: "user" | "group";
  parentId: number | null;
  visibility: Visibility;
}

export type Group = Namespace & { kind: "group" };

export interface User {
  id: number;
  username: string;
  admin: boolean;
  namespaceId: number;
}

export interface AccessToken {
  id: number;
  token: string;
  userId: number;
  name: string;
  scopes: string[];
  /** `YYYY-MM-DD`, as GitLab stores it. */
  expiresAt: string | null;
  revoked: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ProtectedBranch {
  id: number;
  name: string;
  allowForcePush: boolean;
  pushAccessLevel: number;
  mergeAccessLevel: number;
}

export interface RemoteMirror {
  id: number;
  projectId: number;
  /** Without userinfo: GitLab keeps credentials in a separate encrypted column. */
  url: string;
  user: string | null;
  password: string | null;
  enabled: boolean;
  authMethod: AuthMethod | null;
  keepDivergentRefs: boolean;
  onlyProtectedBranches: boolean;
  mirrorBranchRegex: string | null;
  hostKeys: string[];
  sshPublicKey: string | null;
  updateStatus: MirrorStatus;
  lastError: string | null;
  lastUpdateAt: Date | null;
  lastUpdateStartedAt: Date | null;
  lastSuccessfulUpdateAt: Date | null;
  updatedAt: Date;
}

export interface PullMirror {
  id: number;
  enabled: boolean;
  url: string;
  user: string | null;
  password: string | null;
  updateStatus: "none" | "scheduled" | "started" | "finished" | "failed" | "canceled";
  lastError: string | null;
  lastUpdateAt: Date | null;
  lastUpdateStartedAt: Date | null;
  lastSuccessfulUpdateAt: Date | null;
  mirrorTriggerBuilds: boolean;
  onlyMirrorProtectedBranches: boolean | null;
  mirrorOverwritesDivergedBranches: boolean;
  mirrorBranchRegex: string | null;
}

export interface Project {
  id: number;
  name: string;
  path: string;
  namespaceId: number;
  description: string | null;
  visibility: Visibility;
  archived: boolean;
  defaultBranch: string;
  creatorId: number | null;
  createdAt: Date;
  lastActivityAt: Date;
  protectedBranches: ProtectedBranch[];
  remoteMirrors: RemoteMirror[];
  pullMirror: PullMirror | undefined;
  /** `empty_repo`: no branch yet. A new project's repository is empty until the first push. */
  emptyRepo?: boolean;
  /** Groups the project is shared with (`project_group_links`): group id → the access they give. */
  sharedWith?: Map<number, AccessLevel>;
  /** `ci_push_repository_for_job_token_allowed` (default false): may this project's jobs push? */
  ciPushRepositoryForJobTokenAllowed?: boolean;
}

/** A running job's CI_JOB_TOKEN: the triggering user's permissions, tied to the job's project. */
export interface JobToken {
  token: string;
  projectId: number;
  userId: number;
}

/** A push-mirror sync the API accepted (the update itself runs at once, see mirror-runner.ts). */
export interface SyncRequest {
  projectId: number;
  mirrorId: number;
  at: Date;
  /** GitLab enqueues with `perform_in(backoff_delay)` when the last start is recent. */
  delaySeconds: number;
}
