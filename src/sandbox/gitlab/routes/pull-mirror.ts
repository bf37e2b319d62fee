/**
 * Pull mirroring, EE only (gitlab-org/gitlab:ee/lib/api/project_mirror.rb). Here a non-Maintainer
 * gets `authorize_admin_project`'s 403, unlike the push-mirror routes' 401.
 */
import { requireUser } from "../auth.ts";
import { pullMirrorEntity } from "../entities.ts";
import { forbidden, messageError, paramError, validationError } from "../errors.ts";
import type { Project, PullMirror } from "../model.ts";
import { booleanParam, has, stringParam } from "../params.ts";
import { json, userProject } from "../route.ts";
import type { Route, RouteContext } from "../route.ts";
import { canAdmin } from "../store.ts";
import { splitCredentials } from "../url-scrub.ts";
import { mirrorUrlError } from "../url-validate.ts";

const PUT_PARAMS = [
  "enabled",
  "url",
  "auth_user",
  "auth_password",
  "mirror_trigger_builds",
  "only_mirror_protected_branches",
  "mirror_overwrites_diverged_branches",
  "mirror_branch_regex",
];
const PATTERN = /^\/projects\/(?<id>[^/]+)\/mirror\/pull$/;

export const pullMirrorRoutes: Route[] = [
  { method: "GET", pattern: PATTERN, scopes: "api", edition: "ee", handle: (rc) => show(rc) },
  { method: "PUT", pattern: PATTERN, scopes: "api", edition: "ee", handle: configure },
  { method: "POST", pattern: PATTERN, scopes: "api", edition: "ee", handle: start },
];

function adminProject(rc: RouteContext): Project {
  requireUser(rc.caller);
  const project = userProject(rc);
  if (!canAdmin(rc.sandbox.store, rc.caller.user, project)) throw forbidden();
  return project;
}

function mirrored(project: Project): PullMirror {
  if (project.pullMirror?.enabled !== true) throw messageError(400, "The project is not mirrored");
  return project.pullMirror;
}

function show(rc: RouteContext): ReturnType<Route["handle"]> {
  return json(200, pullMirrorEntity(mirrored(adminProject(rc))));
}

async function configure(rc: RouteContext): Promise<Awaited<ReturnType<Route["handle"]>>> {
  const project = adminProject(rc);
  if (!PUT_PARAMS.some((p) => has(rc.params, p))) {
    throw paramError(`${PUT_PARAMS.join(", ")} are missing, at least one parameter must be provided`);
  }
  const mirror: PullMirror = project.pullMirror ?? {
    id: project.id,
    enabled: false,
    url: "",
    user: null,
    password: null,
    updateStatus: "none",
    lastError: null,
    lastUpdateAt: null,
    lastUpdateStartedAt: null,
    lastSuccessfulUpdateAt: null,
    mirrorTriggerBuilds: false,
    onlyMirrorProtectedBranches: null,
    mirrorOverwritesDivergedBranches: false,
    mirrorBranchRegex: null,
  };
  const url = stringParam(rc.params, "url");
  if (url != null) {
    // The URL lands in `import_url`, so that is the attribute the error names.
    const error = await mirrorUrlError(url, rc.sandbox.allowLocalRequests, rc.sandbox.resolveHost);
    if (error != null) throw validationError({ import_url: [error] });
    Object.assign(mirror, splitCredentials(url));
  }
  const user = stringParam(rc.params, "auth_user");
  const password = stringParam(rc.params, "auth_password");
  if (user != null) mirror.user = user;
  if (password != null) mirror.password = password;
  mirror.enabled = booleanParam(rc.params, "enabled") ?? mirror.enabled;
  mirror.mirrorTriggerBuilds = booleanParam(rc.params, "mirror_trigger_builds") ?? mirror.mirrorTriggerBuilds;
  const onlyProtected = booleanParam(rc.params, "only_mirror_protected_branches");
  if (onlyProtected !== undefined) mirror.onlyMirrorProtectedBranches = onlyProtected;
  mirror.mirrorOverwritesDivergedBranches =
    booleanParam(rc.params, "mirror_overwrites_diverged_branches") ?? mirror.mirrorOverwritesDivergedBranches;
  if (has(rc.params, "mirror_branch_regex"))
    mirror.mirrorBranchRegex = stringParam(rc.params, "mirror_branch_regex") ?? null;
  project.pullMirror = mirror;
  return json(200, pullMirrorEntity(mirror));
}

// The code answers 200 (the docs say 202). The body is not documented: the sandbox sends `{}`.
function start(rc: RouteContext): ReturnType<Route["handle"]> {
  const mirror = mirrored(adminProject(rc));
  if (mirror.updateStatus !== "scheduled" && mirror.updateStatus !== "started") {
    mirror.updateStatus = "started";
    mirror.lastUpdateStartedAt = rc.now;
  }
  return json(200, {});
}
