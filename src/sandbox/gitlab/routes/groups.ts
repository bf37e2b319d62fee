/** `GET /groups/:id` and `GET /groups/:id/projects` (gitlab-org/gitlab:lib/api/groups.rb). */
import { projectEntity } from "../entities.ts";
import { notFound } from "../errors.ts";
import type { Project } from "../model.ts";
import { booleanParam, oneOf } from "../params.ts";
import { paginate } from "../pagination.ts";
import { json } from "../route.ts";
import type { Route, RouteContext } from "../route.ts";
import { canRead, canReadGroup, descendantsOf, findGroup } from "../store.ts";

const ORDER_BY = ["id", "name", "path", "created_at", "updated_at", "last_activity_at"] as const;

export const groupRoutes: Route[] = [
  { method: "GET", pattern: /^\/groups\/(?<id>[^/]+)$/, scopes: "api", handle: showGroup },
  { method: "GET", pattern: /^\/groups\/(?<id>[^/]+)\/projects$/, scopes: "api", handle: groupProjects },
];

/**
 * `Entities::GroupDetail`, reduced to what a mirror tool reads. Like projects, a group the caller
 * cannot see answers 404 (not 403), so its existence does not leak.
 */
function showGroup(rc: RouteContext): ReturnType<Route["handle"]> {
  const { store } = rc.sandbox;
  const group = findGroup(store, rc.path.id ?? "");
  if (group == null || !canReadGroup(store, rc.caller.user, group)) throw notFound("Group");
  return json(200, {
    id: group.id,
    name: group.name,
    path: group.path,
    full_path: group.fullPath,
    parent_id: group.parentId,
    visibility: group.visibility,
    web_url: `${rc.sandbox.webUrl}/groups/${group.fullPath}`,
  });
}

function groupProjects(rc: RouteContext): ReturnType<Route["handle"]> {
  const { store } = rc.sandbox;
  const user = rc.caller.user;
  const group = findGroup(store, rc.path.id ?? "");
  if (group == null || !canReadGroup(store, user, group)) throw notFound("Group");

  // include_subgroups defaults to false; archived is a filter only when given.
  const includeSubgroups = booleanParam(rc.params, "include_subgroups") === true;
  const archived = booleanParam(rc.params, "archived");
  const orderBy = oneOf(rc.params, "order_by", ORDER_BY) ?? "created_at";
  const sort = oneOf(rc.params, "sort", ["asc", "desc"] as const) ?? "desc";

  // lib/api/groups.rb: `with_shared` defaults to true, and passes `exclude_shared: !with_shared`
  // to GroupProjectsFinder, whose `shared_projects` are the group's own shares only
  // ("subgroups are supported only for owned projects not for shared").
  const withShared = booleanParam(rc.params, "with_shared") ?? true;
  const namespaceIds = new Set(includeSubgroups ? descendantsOf(store, group).map((n) => n.id) : [group.id]);
  const projects = store.projects
    .filter((p) => namespaceIds.has(p.namespaceId) || (withShared && p.sharedWith?.has(group.id) === true))
    .filter((p) => canRead(store, user, p))
    .filter((p) => archived == null || p.archived === archived)
    .sort((a, b) => compare(a, b, orderBy) * (sort === "asc" ? 1 : -1));
  const page = paginate(projects, rc.params, {
    endpoint: rc.endpoint,
    query: rc.query,
    routeParams: { id: rc.rawPath.id ?? "" },
  });
  return json(
    200,
    page.items.map((p) => projectEntity(rc.sandbox, p, user)),
    page.headers,
  );
}

// Ties (same timestamp) fall back to the id, as GitLab's default `ORDER BY ..., id` does.
function compare(a: Project, b: Project, orderBy: (typeof ORDER_BY)[number]): number {
  const key = (p: Project): string | number => {
    if (orderBy === "name") return p.name.toLowerCase();
    if (orderBy === "path") return p.path.toLowerCase();
    if (orderBy === "id") return p.id;
    if (orderBy === "last_activity_at" || orderBy === "updated_at") return p.lastActivityAt.getTime();
    return p.createdAt.getTime();
  };
  const [x, y] = [key(a), key(b)];
  if (x < y) return -1;
  if (x > y) return 1;
  return a.id - b.id;
}
