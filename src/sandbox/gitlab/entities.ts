/** JSON renderings of the records, field for field as GitLab's API entities expose them. */
import type { JsonValue } from "./errors.ts";
import type {
  AccessToken,
  Namespace,
  Project,
  ProtectedBranch,
  PullMirror,
  RemoteMirror,
  User,
} from "./model.ts";
import { safeUrl } from "./url-scrub.ts";
import { today } from "./auth.ts";
import { fullPathOf, groupAccess, namespaceOf, projectAccess } from "./store.ts";
import type { Store } from "./store.ts";
import { createHash } from "node:crypto";

export interface EntityContext {
  store: Store;
  /** Web base URL, e.g. `http://127.0.0.1:1234`. */
  webUrl: string;
  /** Base for `http_url_to_repo`; the git sandbox's URL once the two are joined. */
  gitUrl: string;
  edition: "ce" | "ee";
  mirrorAvailable: boolean;
  now: () => Date;
}

function iso(date: Date | null): string | null {
  return date == null ? null : date.toISOString();
}

function namespaceEntity(ctx: EntityContext, ns: Namespace): JsonValue {
  return {
    id: ns.id,
    name: ns.name,
    path: ns.path,
    kind: ns.kind,
    full_path: ns.fullPath,
    parent_id: ns.parentId,
    avatar_url: null,
    web_url: `${ctx.webUrl}/${ns.kind === "group" ? "groups/" : ""}${ns.fullPath}`,
  };
}

/** `Entities::ProjectWithAccess` (lib/api/entities/project.rb), reduced to what a mirror tool reads. */
export function projectEntity(ctx: EntityContext, project: Project, caller: User | undefined): JsonValue {
  const ns = namespaceOf(ctx.store, project);
  const fullPath = fullPathOf(ctx.store, project);
  const host = new URL(ctx.webUrl).hostname;
  const projectLevel = caller == null ? undefined : projectAccess(ctx.store, caller, project);
  const groupLevel = caller == null || ns.kind !== "group" ? undefined : groupAccess(ctx.store, caller, ns);
  const entity: Record<string, JsonValue> = {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: `${ns.name} / ${project.name}`,
    path: project.path,
    path_with_namespace: fullPath,
    created_at: iso(project.createdAt),
    default_branch: project.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${host}:${fullPath}.git`,
    http_url_to_repo: `${ctx.gitUrl}/${fullPath}.git`,
    web_url: `${ctx.webUrl}/${fullPath}`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: iso(project.lastActivityAt),
    visibility: project.visibility,
    namespace: namespaceEntity(ctx, ns),
    archived: project.archived,
    empty_repo: project.emptyRepo === true,
    creator_id: project.creatorId,
  };
  // EE exposes `mirror`, and the pull-mirror settings only while `mirror` is true.
  if (ctx.edition === "ee") {
    const pull = project.pullMirror;
    entity.mirror = pull?.enabled === true;
    if (pull?.enabled === true) {
      entity.mirror_trigger_builds = pull.mirrorTriggerBuilds;
      entity.only_mirror_protected_branches = pull.onlyMirrorProtectedBranches;
      entity.mirror_overwrites_diverged_branches = pull.mirrorOverwritesDivergedBranches;
    }
  }
  if (caller != null) {
    entity.permissions = {
      project_access: projectLevel == null ? null : { access_level: projectLevel, notification_level: 3 },
      group_access: groupLevel == null ? null : { access_level: groupLevel, notification_level: 3 },
    };
  }
  return entity;
}

/**
 * `RemoteMirror#enabled` is computed: false whenever push mirroring is unavailable on the
 * instance, whatever the stored column says (app/models/remote_mirror.rb).
 */
export function mirrorEnabled(ctx: EntityContext, mirror: RemoteMirror): boolean {
  return mirror.enabled && ctx.mirrorAvailable;
}

/** `API::Entities::RemoteMirror` (+ EE `mirror_branch_regex`), field order as in the source. */
export function remoteMirrorEntity(ctx: EntityContext, mirror: RemoteMirror): JsonValue {
  const entity: Record<string, JsonValue> = {
    id: mirror.id,
    enabled: mirrorEnabled(ctx, mirror),
    url: safeUrl(mirror.url, mirror.user, mirror.password),
    update_status: mirror.updateStatus,
    last_update_at: iso(mirror.lastUpdateAt),
    last_update_started_at: iso(mirror.lastUpdateStartedAt),
    last_successful_update_at: iso(mirror.lastSuccessfulUpdateAt),
    last_error: mirror.lastError,
    only_protected_branches: mirror.onlyProtectedBranches,
    keep_divergent_refs: mirror.keepDivergentRefs,
    auth_method: mirror.authMethod ?? "password",
    host_keys: mirror.hostKeys.map((line) => ({ fingerprint_sha256: fingerprint(line) })),
  };
  if (ctx.edition === "ee") entity.mirror_branch_regex = mirror.mirrorBranchRegex;
  return entity;
}

// OpenSSH's SHA256 fingerprint: base64 of the key blob's digest, without padding.
function fingerprint(knownHostsLine: string): string {
  const blob = knownHostsLine.trim().split(/\s+/).at(-1) ?? "";
  const digest = createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/** `API::Entities::PullMirror` (ee/lib/api/entities/pull_mirror.rb). */
export function pullMirrorEntity(mirror: PullMirror): JsonValue {
  return {
    id: mirror.id,
    update_status: mirror.updateStatus,
    url: safeUrl(mirror.url, mirror.user, mirror.password),
    last_error: mirror.lastError,
    last_update_at: iso(mirror.lastUpdateAt),
    last_update_started_at: iso(mirror.lastUpdateStartedAt),
    last_successful_update_at: iso(mirror.lastSuccessfulUpdateAt),
    enabled: mirror.enabled,
    mirror_trigger_builds: mirror.mirrorTriggerBuilds,
    only_mirror_protected_branches: mirror.onlyMirrorProtectedBranches,
    mirror_overwrites_diverged_branches: mirror.mirrorOverwritesDivergedBranches,
    mirror_branch_regex: mirror.mirrorBranchRegex,
  };
}

const LEVEL_NAMES: Record<number, string> = {
  0: "No one",
  30: "Developers + Maintainers",
  40: "Maintainers",
  60: "Admins",
};

/** `Entities::ProtectedBranch` (lib/api/entities/protected_branch.rb). */
export function protectedBranchEntity(branch: ProtectedBranch): JsonValue {
  const level = (id: number, accessLevel: number): JsonValue => ({
    id,
    access_level: accessLevel,
    access_level_description: LEVEL_NAMES[accessLevel] ?? String(accessLevel),
    user_id: null,
    group_id: null,
  });
  return {
    id: branch.id,
    name: branch.name,
    push_access_levels: [level(branch.id * 2 - 1, branch.pushAccessLevel)],
    merge_access_levels: [level(branch.id * 2, branch.mergeAccessLevel)],
    allow_force_push: branch.allowForcePush,
    code_owner_approval_required: false,
  };
}

/** `PersonalAccessTokenWithLastUsedIps` (lib/api/entities/personal_access_token.rb). */
export function tokenEntity(token: AccessToken, now: Date): JsonValue {
  const expired = token.expiresAt != null && token.expiresAt < today(now);
  return {
    id: token.id,
    name: token.name,
    revoked: token.revoked,
    created_at: iso(token.createdAt),
    description: null,
    scopes: token.scopes,
    user_id: token.userId,
    last_used_at: iso(token.lastUsedAt),
    active: !token.revoked && !expired,
    expires_at: token.expiresAt,
    expired,
    granular: false,
  };
}
