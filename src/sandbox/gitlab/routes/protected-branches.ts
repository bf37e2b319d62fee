/** `GET /projects/:id/protected_branches` (gitlab-org/gitlab:lib/api/protected_branches.rb). */
import { protectedBranchEntity } from "../entities.ts";
import { forbidden } from "../errors.ts";
import { stringParam } from "../params.ts";
import { paginate } from "../pagination.ts";
import { json, userProject } from "../route.ts";
import type { Route, RouteContext } from "../route.ts";
import { canReadCode } from "../store.ts";

export const protectedBranchRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/projects\/(?<id>[^/]+)\/protected_branches$/,
    scopes: "api",
    handle: listProtectedBranches,
  },
];

// Needs `read_code`: Reporter+ on private projects; a Guest gets the plain 403.
function listProtectedBranches(rc: RouteContext): ReturnType<Route["handle"]> {
  const project = userProject(rc);
  if (!canReadCode(rc.sandbox.store, rc.caller.user, project)) throw forbidden();
  const search = stringParam(rc.params, "search")?.toLowerCase();
  const branches = project.protectedBranches.filter(
    (b) => search == null || b.name.toLowerCase().includes(search),
  );
  const page = paginate(branches, rc.params, {
    endpoint: rc.endpoint,
    query: rc.query,
    routeParams: { id: rc.rawPath.id ?? "" },
  });
  return json(200, page.items.map(protectedBranchEntity), page.headers);
}
