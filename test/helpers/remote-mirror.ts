import type { RemoteMirror } from "../../src/gitlab/port.ts";

/**
 * A push mirror as the GitLab port returns it: enabled, password auth, never run, with `patch`
 * on top. Tests set only what their scenario is about.
 */
export function remoteMirror(patch: Partial<RemoteMirror> = {}): RemoteMirror {
  return {
    id: 1,
    url: "https://*****:*****@github.example/org/app.git",
    enabled: true,
    onlyProtectedBranches: false,
    keepDivergentRefs: false,
    mirrorBranchRegex: null,
    authMethod: "password",
    updateStatus: "finished",
    lastError: null,
    lastUpdateAt: null,
    lastUpdateStartedAt: null,
    lastSuccessfulUpdateAt: null,
    ...patch,
  };
}
