/**
 * The seven push-mirror routes (gitlab-org/gitlab:lib/api/remote_mirrors.rb) with the services
 * behind them (app/services/remote_mirrors/*.rb) and the RemoteMirror model rules
 * (app/models/remote_mirror.rb, ee/app/models/ee/remote_mirrors/attributes.rb).
 */
import { mirrorEnabled, remoteMirrorEntity } from "../entities.ts";
import {
  messageError,
  notFound,
  paramError,
  recordNotFound,
  unauthorized,
  validationError,
} from "../errors.ts";
import type { AuthMethod, Project, RemoteMirror } from "../model.ts";
import { booleanParam, has, oneOf, stringArrayParam, stringParam } from "../params.ts";
import type { Params } from "../params.ts";
import { paginate } from "../pagination.ts";
import { json, userProject } from "../route.ts";
import type { Route, RouteContext } from "../route.ts";
import { newRemoteMirror } from "../new-mirror.ts";
import { generateMirrorKey } from "../ssh-key.ts";
import { canAdmin, mirrorOf } from "../store.ts";
import { mirrorUrlError } from "../url-validate.ts";

const AUTH_METHODS = ["ssh_public_key", "password"] as const satisfies readonly AuthMethod[];
const MAX_ENABLED_MIRRORS = 10;
const MAX_REGEX_LENGTH = 255;
// RemoteMirror::PROTECTED_BACKOFF_DELAY / UNPROTECTED_BACKOFF_DELAY.
const PROTECTED_BACKOFF_SECONDS = 60;
const UNPROTECTED_BACKOFF_SECONDS = 300;

const ID = "(?<id>[^/]+)";
const MID = "(?<mirrorId>[^/]+)";

export const remoteMirrorRoutes: Route[] = [
  { method: "GET", pattern: new RegExp(`^/projects/${ID}/remote_mirrors$`), scopes: "api", handle: list },
  { method: "POST", pattern: new RegExp(`^/projects/${ID}/remote_mirrors$`), scopes: "api", handle: create },
  {
    method: "GET",
    pattern: new RegExp(`^/projects/${ID}/remote_mirrors/${MID}$`),
    scopes: "api",
    handle: show,
  },
  {
    method: "PUT",
    pattern: new RegExp(`^/projects/${ID}/remote_mirrors/${MID}$`),
    scopes: "api",
    handle: update,
  },
  {
    method: "DELETE",
    pattern: new RegExp(`^/projects/${ID}/remote_mirrors/${MID}$`),
    scopes: "api",
    handle: remove,
  },
  {
    method: "POST",
    pattern: new RegExp(`^/projects/${ID}/remote_mirrors/${MID}/sync$`),
    scopes: "api",
    handle: sync,
  },
  {
    method: "GET",
    pattern: new RegExp(`^/projects/${ID}/remote_mirrors/${MID}/public_key$`),
    scopes: "api",
    handle: publicKey,
  },
];

/**
 * The routes' `before` filter: `unauthorized! unless can?(current_user, :admin_remote_mirror, ...)`.
 * It runs before parameter validation, so a Developer gets 401 even for a request missing `url`.
 */
function adminProject(rc: RouteContext): Project {
  const project = userProject(rc);
  if (!rc.sandbox.mirrorAvailable && rc.caller.user?.admin !== true) throw unauthorized();
  if (!canAdmin(rc.sandbox.store, rc.caller.user, project)) throw unauthorized();
  return project;
}

// `user_project.remote_mirrors.find(...)`: RecordNotFound, so the lowercase "404 Not found".
function findMirror(rc: RouteContext, project: Project): RemoteMirror {
  const mirror = mirrorOf(project, rc.path.mirrorId ?? "");
  if (mirror == null) throw recordNotFound();
  return mirror;
}

function list(rc: RouteContext): ReturnType<Route["handle"]> {
  const project = adminProject(rc);
  const page = paginate(project.remoteMirrors, rc.params, {
    endpoint: rc.endpoint,
    query: rc.query,
    routeParams: { id: rc.rawPath.id ?? "" },
  });
  return json(
    200,
    page.items.map((m) => remoteMirrorEntity(rc.sandbox, m)),
    page.headers,
  );
}

function show(rc: RouteContext): ReturnType<Route["handle"]> {
  const project = adminProject(rc);
  return json(200, remoteMirrorEntity(rc.sandbox, findMirror(rc, project)));
}

interface MirrorSettings {
  enabled?: boolean | null;
  authMethod?: string;
  keepDivergentRefs?: boolean | null;
  onlyProtectedBranches?: boolean | null;
  mirrorBranchRegex?: string | null;
  hostKeys?: string[];
}

function readSettings(rc: RouteContext, params: Params): MirrorSettings {
  const settings: MirrorSettings = {
    enabled: booleanParam(params, "enabled"),
    keepDivergentRefs: booleanParam(params, "keep_divergent_refs"),
    onlyProtectedBranches: booleanParam(params, "only_protected_branches"),
    hostKeys: stringArrayParam(params, "host_keys"),
    authMethod: stringParam(params, "auth_method"),
  };
  // CE does not declare mirror_branch_regex: Grape drops it silently.
  if (rc.sandbox.edition === "ee" && has(params, "mirror_branch_regex")) {
    settings.mirrorBranchRegex = stringParam(params, "mirror_branch_regex") ?? null;
  }
  return settings;
}

/** Model validations shared by create and update; errors as an ActiveModel hash. */
function applySettings(mirror: RemoteMirror, settings: MirrorSettings): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (settings.enabled != null) mirror.enabled = settings.enabled;
  if (settings.keepDivergentRefs != null) mirror.keepDivergentRefs = settings.keepDivergentRefs;
  if (settings.onlyProtectedBranches !== undefined && settings.onlyProtectedBranches == null)
    errors.only_protected_branches = ["can't be blank"];
  if (settings.onlyProtectedBranches != null) mirror.onlyProtectedBranches = settings.onlyProtectedBranches;
  if (settings.authMethod != null) {
    if (AUTH_METHODS.some((m) => m === settings.authMethod)) {
      mirror.authMethod = settings.authMethod === "ssh_public_key" ? "ssh_public_key" : "password";
    } else {
      errors.auth_method = ["is not included in the list"];
    }
  }
  // EE RemoteMirrors::Attributes: a regex turns protected-only off; protected-only clears the regex.
  if (settings.mirrorBranchRegex !== undefined) {
    mirror.mirrorBranchRegex = settings.mirrorBranchRegex === "" ? null : settings.mirrorBranchRegex;
    if (mirror.mirrorBranchRegex != null) mirror.onlyProtectedBranches = false;
  }
  if (settings.onlyProtectedBranches === true) mirror.mirrorBranchRegex = null;
  if (mirror.mirrorBranchRegex != null) {
    const regexErrors: string[] = [];
    if (mirror.mirrorBranchRegex.length > MAX_REGEX_LENGTH) {
      regexErrors.push(`is too long (maximum is ${MAX_REGEX_LENGTH} characters)`);
    }
    // GitLab checks RE2 syntax; JavaScript's RegExp is the closest local stand-in.
    try {
      new RegExp(mirror.mirrorBranchRegex);
    } catch {
      regexErrors.push("not valid RE2 syntax");
    }
    if (regexErrors.length > 0) errors.mirror_branch_regex = regexErrors;
  }
  if (settings.hostKeys != null) {
    const invalid = settings.hostKeys.filter((k) => !validHostKey(k));
    if (invalid.length > 0) throw messageError(400, `Invalid SSH host key(s): ${invalid.join(", ")}`);
    if (settings.hostKeys.length > 10)
      throw messageError(400, "Invalid SSH host key(s): too many host keys (maximum is 10)");
    mirror.hostKeys = settings.hostKeys;
  }
  return errors;
}

function validHostKey(line: string): boolean {
  const parts = line.trim().split(/\s+/);
  const blob = parts.at(-1) ?? "";
  return parts.length >= 2 && /^(ssh-|ecdsa-)/.test(parts.at(-2) ?? "") && /^[A-Za-z0-9+/]+=*$/.test(blob);
}

async function create(rc: RouteContext): Promise<ReturnType<typeof json>> {
  const project = adminProject(rc);
  const url = stringParam(rc.params, "url");
  if (url == null) throw paramError("url is missing");
  oneOf(rc.params, "auth_method", AUTH_METHODS);
  if (
    rc.sandbox.edition === "ee" &&
    has(rc.params, "only_protected_branches") &&
    has(rc.params, "mirror_branch_regex")
  ) {
    throw paramError("only_protected_branches, mirror_branch_regex are mutually exclusive");
  }
  const settings = readSettings(rc, rc.params);
  const mirror = newRemoteMirror(project.id, 0, url, rc.now);
  const errors = applySettings(mirror, settings);
  const urlError = mirrorUrlError(url, rc.sandbox.allowLocalRequests);
  if (urlError != null) errors.url = [urlError];
  // Newer model rules: one mirror per URL (credentials ignored), at most 10 enabled mirrors.
  else if (project.remoteMirrors.some((m) => m.url === mirror.url)) errors.url = ["has already been taken"];
  const enabledCount = project.remoteMirrors.filter((m) => m.enabled).length;
  if (mirror.enabled && enabledCount >= MAX_ENABLED_MIRRORS) {
    errors.base = [`Maximum number of push mirrors (${MAX_ENABLED_MIRRORS}) exceeded for this project.`];
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
  if (mirror.authMethod === "ssh_public_key") {
    mirror.sshPublicKey = await generateMirrorKey(new URL(rc.sandbox.webUrl).hostname);
  }
  mirror.id = rc.sandbox.store.nextId.mirror++;
  project.remoteMirrors.push(mirror);
  return json(201, remoteMirrorEntity(rc.sandbox, mirror));
}

// `url` is not a declared param of update: it is dropped, never changed.
async function update(rc: RouteContext): Promise<ReturnType<typeof json>> {
  const project = adminProject(rc);
  const mirror = findMirror(rc, project);
  const draft: RemoteMirror = { ...mirror, hostKeys: [...mirror.hostKeys] };
  const errors = applySettings(draft, readSettings(rc, rc.params));
  if (Object.keys(errors).length > 0) throw validationError(errors);
  if (draft.authMethod === "ssh_public_key" && draft.sshPublicKey == null) {
    draft.sshPublicKey = await generateMirrorKey(new URL(rc.sandbox.webUrl).hostname);
  }
  Object.assign(mirror, draft, { updatedAt: rc.now });
  return json(200, remoteMirrorEntity(rc.sandbox, mirror));
}

// DELETE honours If-Unmodified-Since (412 when the mirror changed after that time).
function remove(rc: RouteContext): ReturnType<Route["handle"]> {
  const project = adminProject(rc);
  const mirror = findMirror(rc, project);
  const since = rc.headers["if-unmodified-since"];
  if (since != null && Date.parse(since) < Math.floor(mirror.updatedAt.getTime() / 1000) * 1000) {
    throw messageError(412, "412 Precondition Failed");
  }
  project.remoteMirrors = project.remoteMirrors.filter((m) => m !== mirror);
  return { status: 204 };
}

/**
 * RemoteMirrors::SyncService: 400 for a disabled mirror; a no-op 204 while one is `started`;
 * otherwise 204 and a queued update, delayed by the backoff if the last start was recent.
 */
function sync(rc: RouteContext): ReturnType<Route["handle"]> {
  const project = adminProject(rc);
  const mirror = findMirror(rc, project);
  if (!mirrorEnabled(rc.sandbox, mirror)) {
    throw messageError(
      400,
      "Cannot proceed with the push mirroring. Please verify your mirror configuration.",
    );
  }
  if (mirror.updateStatus === "started") return { status: 204 };
  const backoff = mirror.onlyProtectedBranches ? PROTECTED_BACKOFF_SECONDS : UNPROTECTED_BACKOFF_SECONDS;
  const recent =
    mirror.lastUpdateStartedAt != null &&
    mirror.lastUpdateStartedAt.getTime() >= rc.now.getTime() - backoff * 1000;
  rc.sandbox.store.syncRequests.push({
    projectId: project.id,
    mirrorId: mirror.id,
    at: rc.now,
    delaySeconds: recent ? backoff : 0,
  });
  // The worker's update_start!: any -> started, stamping last_update_started_at.
  mirror.updateStatus = "started";
  mirror.lastUpdateStartedAt = rc.now;
  rc.sandbox.onMirrorSync?.(project, mirror);
  return { status: 204 };
}

// Only mirrors with an ssh:// URL *and* ssh_public_key auth have a key (RemoteMirror#ssh_key_auth?).
function publicKey(rc: RouteContext): ReturnType<Route["handle"]> {
  const project = adminProject(rc);
  const mirror = findMirror(rc, project);
  if (
    !mirror.url.startsWith("ssh://") ||
    mirror.authMethod !== "ssh_public_key" ||
    mirror.sshPublicKey == null
  ) {
    throw notFound();
  }
  return json(200, { public_key: mirror.sshPublicKey });
}
