/** Seeding helpers: build users, tokens, groups, projects and mirrors directly, as a test would. */
import { randomBytes } from "node:crypto";
import type {
  AccessLevel,
  Group,
  Project,
  ProtectedBranch,
  RemoteMirror,
  User,
  Visibility,
} from "./model.ts";
import { addNamespace, findProject, isGroup, namespaceByPath } from "./store.ts";
import type { Store } from "./store.ts";
import { newRemoteMirror } from "./new-mirror.ts";
import { sanitizeMessage } from "./url-scrub.ts";

export interface TokenOptions {
  scopes: string[];
  /** `YYYY-MM-DD`; the token stops working the day after. */
  expiresAt?: string;
  name?: string;
  revoked?: boolean;
}

export interface ProjectOptions {
  archived?: boolean;
  visibility?: Visibility;
  defaultBranch?: string;
  description?: string;
  name?: string;
  /** `ci_push_repository_for_job_token_allowed`; GitLab's default is false. */
  ciPushRepositoryForJobTokenAllowed?: boolean;
}

export interface MirrorAttributes {
  url: string;
  enabled?: boolean;
  authMethod?: "password" | "ssh_public_key";
  keepDivergentRefs?: boolean;
  onlyProtectedBranches?: boolean;
  mirrorBranchRegex?: string | null;
}

export type MirrorStatePatch = Partial<
  Pick<
    RemoteMirror,
    | "updateStatus"
    | "lastError"
    | "lastUpdateAt"
    | "lastUpdateStartedAt"
    | "lastSuccessfulUpdateAt"
    | "enabled"
  >
>;

export function seedUser(store: Store, username: string, options: { admin?: boolean } = {}): User {
  if (store.users.some((u) => u.username === username)) throw new Error(`user ${username} exists`);
  const ns = addNamespace(store, { path: username, name: username, kind: "user", visibility: "private" });
  const user: User = { id: store.nextId.user++, username, admin: options.admin === true, namespaceId: ns.id };
  store.users.push(user);
  return user;
}

export function seedToken(store: Store, user: User, options: TokenOptions, now: Date): string {
  const token = `glpat-${randomBytes(15).toString("base64url")}`;
  store.tokens.push({
    id: store.nextId.token++,
    token,
    userId: user.id,
    name: options.name ?? "ci-mirror",
    scopes: [...options.scopes],
    expiresAt: options.expiresAt ?? null,
    revoked: options.revoked === true,
    createdAt: now,
    lastUsedAt: null,
  });
  return token;
}

/** Creates missing parent groups too, so `a/b/c` works on its own. */
export function seedGroup(store: Store, fullPath: string, options: { visibility?: Visibility } = {}): Group {
  let parent: Group | undefined;
  const segments = fullPath.split("/");
  segments.forEach((segment, index) => {
    const path = segments.slice(0, index + 1).join("/");
    const existing = namespaceByPath(store, path);
    if (existing != null) {
      if (!isGroup(existing)) throw new Error(`${path} is a user namespace`);
      parent = existing;
      return;
    }
    const created = addNamespace(store, {
      path: segment,
      name: segment,
      kind: "group",
      parent,
      visibility: options.visibility ?? "private",
    });
    if (!isGroup(created)) throw new Error("unreachable");
    parent = created;
  });
  if (parent == null) throw new Error(`bad group path ${fullPath}`);
  return parent;
}

export function seedProject(
  store: Store,
  namespacePath: string,
  path: string,
  options: ProjectOptions,
  now: Date,
): Project {
  const ns = namespaceByPath(store, namespacePath) ?? seedGroup(store, namespacePath);
  const project: Project = {
    id: store.nextId.project++,
    name: options.name ?? path,
    path,
    namespaceId: ns.id,
    description: options.description ?? null,
    visibility: options.visibility ?? "private",
    archived: options.archived === true,
    defaultBranch: options.defaultBranch ?? "main",
    creatorId: null,
    createdAt: now,
    lastActivityAt: now,
    protectedBranches: [],
    remoteMirrors: [],
    pullMirror: undefined,
    emptyRepo: true,
    ciPushRepositoryForJobTokenAllowed: options.ciPushRepositoryForJobTokenAllowed === true,
  };
  store.projects.push(project);
  return project;
}

export function projectOrThrow(store: Store, projectPath: string): Project {
  const project = findProject(store, projectPath);
  if (project == null) throw new Error(`no project ${projectPath}`);
  return project;
}

export function seedMember(store: Store, path: string, username: string, level: AccessLevel): void {
  const user = store.users.find((u) => u.username === username);
  if (user == null) throw new Error(`no user ${username}`);
  const project = path.includes("/") ? findProject(store, path) : undefined;
  const key =
    project != null ? `project:${project.id}` : `namespace:${namespaceByPath(store, path)?.id ?? "?"}`;
  if (key === "namespace:?") throw new Error(`no group or project ${path}`);
  const members = store.members.get(key) ?? new Map<number, AccessLevel>();
  members.set(user.id, level);
  store.members.set(key, members);
}

export function seedProtectedBranch(
  store: Store,
  projectPath: string,
  name: string,
  options: { allowForcePush?: boolean; pushAccessLevel?: number; mergeAccessLevel?: number },
): ProtectedBranch {
  const project = projectOrThrow(store, projectPath);
  const branch: ProtectedBranch = {
    id: store.nextId.branch++,
    name,
    allowForcePush: options.allowForcePush === true,
    pushAccessLevel: options.pushAccessLevel ?? 40,
    mergeAccessLevel: options.mergeAccessLevel ?? 40,
  };
  project.protectedBranches = [...project.protectedBranches.filter((b) => b.name !== name), branch];
  return branch;
}

/** Bypasses validation on purpose: tests seed mirrors GitLab could hold (e.g. to localhost). */
export function seedRemoteMirror(
  store: Store,
  projectPath: string,
  attrs: MirrorAttributes,
  now: Date,
): RemoteMirror {
  const project = projectOrThrow(store, projectPath);
  const mirror = newRemoteMirror(project.id, store.nextId.mirror++, attrs.url, now, {
    enabled: attrs.enabled === true,
    authMethod: attrs.authMethod ?? null,
    keepDivergentRefs: attrs.keepDivergentRefs === true,
    onlyProtectedBranches: attrs.onlyProtectedBranches === true,
    mirrorBranchRegex: attrs.mirrorBranchRegex ?? null,
  });
  project.remoteMirrors.push(mirror);
  return mirror;
}

/** `last_error` always goes through Gitlab::UrlSanitizer.sanitize before it is stored. */
export function patchMirrorState(
  store: Store,
  projectPath: string,
  mirrorId: number,
  patch: MirrorStatePatch,
): RemoteMirror {
  const project = projectOrThrow(store, projectPath);
  const mirror = project.remoteMirrors.find((m) => m.id === mirrorId);
  if (mirror == null) throw new Error(`no mirror ${mirrorId} in ${projectPath}`);
  Object.assign(mirror, patch);
  if (patch.lastError != null) mirror.lastError = sanitizeMessage(patch.lastError);
  return mirror;
}

/** Since 18.0 job tokens are JWTs prefixed `glcbt-` (doc/ci/jobs/ci_job_token.md); opaque here. */
export function seedJobToken(store: Store, projectPath: string, username: string): string {
  const project = projectOrThrow(store, projectPath);
  const user = store.users.find((u) => u.username === username);
  if (user == null) throw new Error(`no user ${username}`);
  const token = `glcbt-${randomBytes(15).toString("base64url")}`;
  store.jobTokens.push({ token, projectId: project.id, userId: user.id });
  return token;
}
