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
import { canAdmin, fullPathOf, mirrorOf } from "../store.ts";
import { re2SyntaxError } from "../../../util/re2-syntax.ts";
import { knownHostsLines } from "../host-keys.ts";
import { splitCredentials } from "../url-scrub.ts";
import { mirrorUrlError } from "../url-validate.ts";

const AUTH_METHODS = ["ssh_public_key", "password"] as const satisfies readonly AuthMethod[];
const MAX_ENABLED_MIRRORS = 10;
const MAX_REGEX_LENGTH = 255;

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

/** What the request said; `undefined` where it did not say. */
interface MirrorSettings {
  enabled?: boolean | null | undefined;
  authMethod?: string | undefined;
  keepDivergentRefs?: boolean | null | undefined;
  onlyProtectedBranches?: boolean | null | undefined;
  mirrorBranchRegex?: string | null | undefined;
  hostKeys?: string[] | undefined;
}

function readSettings(rc: RouteContext, params: Params): MirrorSettings {
  // ee/lib/ee/api/helpers/remote_mirrors_helpers.rb, `params :mirror_branches_setting_ee`, which
  // POST and PUT both `use`: Grape refuses the two keys together, whatever their values.
  if (
    rc.sandbox.edition === "ee" &&
    has(params, "only_protected_branches") &&
    has(params, "mirror_branch_regex")
  ) {
    throw paramError("only_protected_branches, mirror_branch_regex are mutually exclusive");
  }
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
  // spec/models/remote_mirror_spec.rb: `is_expected.not_to allow_value(nil).for(:only_protected_branches)`.
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
  // ee/app/models/ee/remote_mirrors/attributes.rb, #allowed: a regex that is `present?` turns
  // protected-only off; otherwise protected-only clears it to nil. A cleared regex is stored as
  // sent, so `mirror_branch_regex: ""` reads back as "", not null.
  if (settings.mirrorBranchRegex !== undefined) mirror.mirrorBranchRegex = settings.mirrorBranchRegex;
  if (settings.mirrorBranchRegex != null && settings.mirrorBranchRegex.trim() !== "") {
    mirror.onlyProtectedBranches = false;
  } else if (settings.onlyProtectedBranches === true) {
    mirror.mirrorBranchRegex = null;
  }
  // ee/app/models/ee/remote_mirror.rb: `validates :mirror_branch_regex, untrusted_regexp: true,
  // length: { maximum: 255 }`; UntrustedRegexpValidator says "not valid RE2 syntax: <RE2 error>".
  if (mirror.mirrorBranchRegex != null) {
    const regexErrors: string[] = [];
    if (mirror.mirrorBranchRegex.length > MAX_REGEX_LENGTH) {
      regexErrors.push(`is too long (maximum is ${MAX_REGEX_LENGTH} characters)`);
    }
    const re2 = re2SyntaxError(mirror.mirrorBranchRegex);
    if (re2 != null) regexErrors.push(`not valid RE2 syntax: ${re2}`);
    if (regexErrors.length > 0) errors.mirror_branch_regex = regexErrors;
  }
  // RemoteMirrors::HostKeysConverter#to_ssh_known_hosts!: [] clears them, absent leaves them.
  if (settings.hostKeys != null) mirror.hostKeys = knownHostsLines(settings.hostKeys, mirror.url) ?? [];
  return errors;
}

/**
 * Rules of the RemoteMirror model newer than the source the sandbox was built from, taken from
 * spec/models/remote_mirror_spec.rb ('#validate_mirror_count', 'url uniqueness',
 * 'self-referencing url'): at most 10 enabled mirrors, checked when a mirror is created enabled
 * or enabled later; one mirror per URL in a project, credentials ignored; never the project's own
 * repository. Only changes are checked, so mirrors saved before the rules are grandfathered.
 */
function modelErrors(
  rc: RouteContext,
  project: Project,
  mirror: RemoteMirror,
  before: RemoteMirror | undefined,
): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const others = project.remoteMirrors.filter((m) => m.id !== mirror.id);
  const enabling = mirror.enabled && before?.enabled !== true;
  if (enabling && others.filter((m) => m.enabled).length >= MAX_ENABLED_MIRRORS) {
    errors.base = [`Maximum number of push mirrors (${MAX_ENABLED_MIRRORS}) exceeded for this project.`];
  }
  if (before == null && isOwnRepository(rc, project, mirror.url)) {
    errors.base = [...(errors.base ?? []), "You cannot mirror a repository to itself."];
  }
  if (before == null && others.some((m) => m.url === mirror.url)) errors.url = ["has already been taken"];
  return errors;
}

// The project's `http_url_to_repo` with or without `.git` and a trailing slash, and its
// `ssh_url_to_repo` in the scp form or as ssh://, credentials ignored.
function isOwnRepository(rc: RouteContext, project: Project, url: string): boolean {
  const key = (raw: string): string => {
    const bare = splitCredentials(raw)
      .url.trim()
      .replace(/\/+$/, "")
      .replace(/\.git$/, "");
    const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(bare);
    const rest = scp == null ? bare.replace(/^[a-z+.-]+:\/\/(?:[^@/]*@)?/i, "") : `${scp[1]}/${scp[2]}`;
    return rest.toLowerCase();
  };
  const fullPath = fullPathOf(rc.sandbox.store, project);
  const host = new URL(rc.sandbox.webUrl).hostname;
  const own = [`${rc.sandbox.gitUrl}/${fullPath}.git`, `git@${host}:${fullPath}.git`].map(key);
  return own.includes(key(url));
}

async function create(rc: RouteContext): Promise<ReturnType<typeof json>> {
  const project = adminProject(rc);
  const url = stringParam(rc.params, "url");
  if (url == null) throw paramError("url is missing");
  oneOf(rc.params, "auth_method", AUTH_METHODS);
  const settings = readSettings(rc, rc.params);
  const mirror = newRemoteMirror(project.id, 0, url, rc.now);
  const errors = applySettings(mirror, settings);
  const urlError = await mirrorUrlError(url, rc.sandbox.allowLocalRequests, rc.sandbox.resolveHost);
  if (urlError != null) errors.url = [urlError];
  const model = modelErrors(rc, project, mirror, undefined);
  if (model.base != null) errors.base = model.base;
  if (urlError == null && model.url != null) errors.url = model.url;
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
  const errors = {
    ...applySettings(draft, readSettings(rc, rc.params)),
    ...modelErrors(rc, project, draft, mirror),
  };
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
 * RemoteMirrors::SyncService (app/services/remote_mirrors/sync_service.rb): 400 for a disabled
 * mirror; `remote_mirror.sync unless remote_mirror.update_in_progress?`; always 204. The sync only
 * enqueues the worker (see mirror-runner.ts): the mirror's status is unchanged when this answers.
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
  const delayMs = rc.sandbox.syncMirror?.(project, mirror) ?? 0;
  rc.sandbox.store.syncRequests.push({
    projectId: project.id,
    mirrorId: mirror.id,
    at: rc.now,
    delaySeconds: delayMs / 1000,
  });
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
