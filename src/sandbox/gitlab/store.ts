/**
 * The sandbox's GitLab instance: users, tokens, namespaces, projects and memberships, plus the
 * lookups and permission rules the routes share.
 */
import type {
  AccessLevel,
  AccessToken,
  Group,
  JobToken,
  Namespace,
  Project,
  RemoteMirror,
  SyncRequest,
  User,
  Visibility,
} from "./model.ts";

export interface Store {
  users: User[];
  tokens: AccessToken[];
  jobTokens: JobToken[];
  namespaces: Namespace[];
  projects: Project[];
  /** Direct memberships, keyed `namespace:<id>` or `project:<id>`. */
  members: Map<string, Map<number, AccessLevel>>;
  syncRequests: SyncRequest[];
  nextId: { user: number; token: number; namespace: number; project: number; mirror: number; branch: number };
}

export function createStore(): Store {
  return {
    users: [],
    tokens: [],
    jobTokens: [],
    namespaces: [],
    projects: [],
    members: new Map(),
    syncRequests: [],
    nextId: { user: 1, token: 1, namespace: 1, project: 1, mirror: 1, branch: 1 },
  };
}

export function namespaceById(store: Store, id: number): Namespace | undefined {
  return store.namespaces.find((n) => n.id === id);
}

export function namespaceOf(store: Store, project: Project): Namespace {
  const ns = namespaceById(store, project.namespaceId);
  if (ns == null) throw new Error(`project ${project.id} has no namespace`);
  return ns;
}

export function fullPathOf(store: Store, project: Project): string {
  return `${namespaceOf(store, project).fullPath}/${project.path}`;
}

// Full paths are looked up case-insensitively (Routable.find_by_full_path).
export function namespaceByPath(store: Store, fullPath: string): Namespace | undefined {
  const wanted = fullPath.toLowerCase();
  return store.namespaces.find((n) => n.fullPath.toLowerCase() === wanted);
}

export function projectByPath(store: Store, fullPath: string): Project | undefined {
  const wanted = fullPath.toLowerCase();
  return store.projects.find((p) => fullPathOf(store, p).toLowerCase() === wanted);
}

/**
 * `find_project` (gitlab-org/gitlab:lib/api/helpers.rb): all digits means an ID; otherwise only a
 * path with a `/` is looked up, so a bare `myproj` is never found.
 */
export function findProject(store: Store, id: string): Project | undefined {
  if (/^\d+$/.test(id)) return store.projects.find((p) => p.id === Number(id));
  return id.includes("/") ? projectByPath(store, id) : undefined;
}

export function findGroup(store: Store, id: string): Group | undefined {
  const ns = /^\d+$/.test(id) ? namespaceById(store, Number(id)) : namespaceByPath(store, id);
  return ns != null && isGroup(ns) ? ns : undefined;
}

export function isGroup(ns: Namespace): ns is Group {
  return ns.kind === "group";
}

function ancestors(store: Store, ns: Namespace): Namespace[] {
  const chain: Namespace[] = [];
  let current: Namespace | undefined = ns;
  while (current != null) {
    chain.push(current);
    current = current.parentId == null ? undefined : namespaceById(store, current.parentId);
  }
  return chain;
}

export function descendantsOf(store: Store, group: Group): Namespace[] {
  return store.namespaces.filter((n) => ancestors(store, n).some((a) => a.id === group.id));
}

/** Group membership is inherited by subgroups and their projects. */
export function groupAccess(store: Store, user: User, ns: Namespace): AccessLevel | undefined {
  let best: AccessLevel | undefined;
  for (const a of ancestors(store, ns)) {
    const level = store.members.get(`namespace:${a.id}`)?.get(user.id);
    if (level != null && (best == null || level > best)) best = level;
  }
  return best;
}

export function projectAccess(store: Store, user: User, project: Project): AccessLevel | undefined {
  return store.members.get(`project:${project.id}`)?.get(user.id);
}

/**
 * The user's effective role; owners of a personal namespace count as Owner (50). A project shared
 * with a group (project_group_links) gives that group's members their role there, capped at the
 * link's `group_access`.
 */
export function accessLevel(store: Store, user: User | undefined, project: Project): number {
  if (user == null) return 0;
  if (user.namespaceId === project.namespaceId) return 50;
  const inherited = groupAccess(store, user, namespaceOf(store, project)) ?? 0;
  let shared = 0;
  for (const [groupId, cap] of project.sharedWith ?? []) {
    const group = namespaceById(store, groupId);
    const role = group == null ? undefined : groupAccess(store, user, group);
    if (role != null) shared = Math.max(shared, Math.min(role, cap));
  }
  return Math.max(inherited, shared, projectAccess(store, user, project) ?? 0);
}

/** `read_project`: public for all, internal for any signed-in user, private for members. */
export function canRead(store: Store, user: User | undefined, project: Project): boolean {
  if (user?.admin === true || project.visibility === "public") return true;
  if (user == null) return false;
  return project.visibility === "internal" || accessLevel(store, user, project) >= 10;
}

export function canReadGroup(store: Store, user: User | undefined, group: Group): boolean {
  if (user?.admin === true || group.visibility === "public") return true;
  if (user == null) return false;
  if (group.visibility === "internal" || groupAccess(store, user, group) != null) return true;
  // A member of any project or subgroup inside can see the group.
  return store.projects.some(
    (p) => descendantsOf(store, group).some((n) => n.id === p.namespaceId) && canRead(store, user, p),
  );
}

/** `admin_project`: Maintainer or higher, or an instance admin (app/policies/project_policy.rb). */
export function canAdmin(store: Store, user: User | undefined, project: Project): boolean {
  return user?.admin === true || accessLevel(store, user, project) >= 40;
}

/** `read_code`: Reporter+ on private projects, any reader of public/internal ones. */
export function canReadCode(store: Store, user: User | undefined, project: Project): boolean {
  if (!canRead(store, user, project)) return false;
  return project.visibility !== "private" || user?.admin === true || accessLevel(store, user, project) >= 20;
}

export function mirrorOf(project: Project, mirrorId: string): RemoteMirror | undefined {
  return /^\d+$/.test(mirrorId) ? project.remoteMirrors.find((m) => m.id === Number(mirrorId)) : undefined;
}

export function addNamespace(
  store: Store,
  fields: {
    path: string;
    name: string;
    kind: "user" | "group";
    parent?: Namespace | undefined;
    visibility: Visibility;
  },
): Namespace {
  const ns: Namespace = {
    id: store.nextId.namespace++,
    name: fields.name,
    path: fields.path,
    fullPath: fields.parent == null ? fields.path : `${fields.parent.fullPath}/${fields.path}`,
    kind: fields.kind,
    parentId: fields.parent?.id ?? null,
    visibility: fields.visibility,
  };
  store.namespaces.push(ns);
  return ns;
}
