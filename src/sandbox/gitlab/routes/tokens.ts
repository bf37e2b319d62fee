/** `GET /personal_access_tokens/self` (gitlab-org/gitlab:lib/api/personal_access_tokens/self_information.rb). */
import { requireUser } from "../auth.ts";
import { tokenEntity } from "../entities.ts";
import { json } from "../route.ts";
import type { Route } from "../route.ts";

export const tokenRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/personal_access_tokens\/self$/,
    // Allowed with every scope, so a read_repository-only token can ask what it is.
    scopes: "any",
    handle(rc) {
      requireUser(rc.caller);
      const token = rc.caller.token;
      if (token == null) throw new Error("an authenticated caller always has a token here");
      return json(200, tokenEntity(token, rc.now));
    },
  },
];
