/** `GET /projects/:id` and `POST /projects` (gitlab-org/gitlab:lib/api/projects.rb). */
import { requireUser } from "../auth.ts";
import { projectEntity } from "../entities.ts";
import { paramError, validationError } from "../errors.ts";
import type { Project, Visibility } from "../model.ts";
import { integerParam, oneOf, stringParam } from "../params.ts";
import { json, userProject } from "../route.ts";
import type { Route, RouteContext } from "../route.ts";
import { groupAccess, isGroup, namespaceById } from "../store.ts";

const VISIBILITIES = ["private", "internal", "public"] as const satisfies readonly Visibility[];

export const projectRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/projects\/(?<id>[^/]+)$/,
    scopes: "api",
    handle: (rc) => json(200, projectEntity(rc.sandbox, userProject(rc), rc.caller.user)),
  },
  { method: "POST", pattern: /^\/projects$/, scopes: "api", handle: createProject },
];

function createProject(rc: RouteContext): ReturnType<Route["handle"]> {
  const user = requireUser(rc.caller);
  const { store } = rc.sandbox;
  let name = stringParam(rc.params, "name");
  let path = stringParam(rc.params, "path");
  // Grape `at_least_one_of :name, :path`.
  if (name == null && path == null) {
    throw paramError("name, path are missing, at least one parameter must be provided");
  }
  const visibility = oneOf(rc.params, "visibility", VISIBILITIES) ?? "private";
  const namespaceId = integerParam(rc.params, "namespace_id") ?? user.namespaceId;
  const description = stringParam(rc.params, "description") ?? null;
  const defaultBranch = stringParam(rc.params, "default_branch") ?? "main";
  name ??= path ?? "";
  path ??= name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-");

  // Projects::CreateService#validate_create_permissions. The sandbox lets Maintainers and Owners
  // create projects in a group (GitLab's default project_creation_level).
  const ns = namespaceById(store, namespaceId);
  const allowed =
    ns != null &&
    (user.admin || ns.id === user.namespaceId || (isGroup(ns) && (groupAccess(store, user, ns) ?? 0) >= 40));
  if (ns == null || !allowed) throw validationError({ namespace: ["is not valid"] });

  const siblings = store.projects.filter((p) => p.namespaceId === ns.id);
  const errors: Record<string, string[]> = {};
  // app/models/project.rb#visibility_level_allowed_by_group: never more open than the group.
  if (isGroup(ns) && VISIBILITIES.indexOf(visibility) > VISIBILITIES.indexOf(ns.visibility)) {
    errors.visibility_level = [`${visibility} is not allowed in a ${ns.visibility} group.`];
  }
  if (siblings.some((p) => p.name.toLowerCase() === name.toLowerCase()))
    errors.name = ["has already been taken"];
  if (siblings.some((p) => p.path.toLowerCase() === path.toLowerCase()))
    errors.path = ["has already been taken"];
  if (Object.keys(errors).length > 0) throw validationError(errors);

  const now = rc.now;
  const project: Project = {
    id: store.nextId.project++,
    name,
    path,
    namespaceId: ns.id,
    description,
    visibility,
    archived: false,
    defaultBranch,
    creatorId: user.id,
    createdAt: now,
    lastActivityAt: now,
    protectedBranches: [],
    remoteMirrors: [],
    pullMirror: undefined,
    // Created without a repository: `empty_repo: true` until the first push.
    emptyRepo: true,
  };
  store.projects.push(project);
  return json(201, projectEntity(rc.sandbox, project, user));
}
