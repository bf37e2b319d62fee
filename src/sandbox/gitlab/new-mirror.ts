import type { RemoteMirror } from "./model.ts";
import { splitCredentials } from "./url-scrub.ts";

/**
 * A push mirror as GitLab stores a new one: credentials split off the URL, nothing run yet
 * (`update_status: none`), disabled unless the caller says otherwise.
 */
export function newRemoteMirror(
  projectId: number,
  id: number,
  url: string,
  now: Date,
  settings: Partial<
    Pick<
      RemoteMirror,
      "enabled" | "authMethod" | "keepDivergentRefs" | "onlyProtectedBranches" | "mirrorBranchRegex"
    >
  > = {},
): RemoteMirror {
  const split = splitCredentials(url);
  return {
    id,
    projectId,
    url: split.url,
    user: split.user,
    password: split.password,
    enabled: settings.enabled ?? false,
    authMethod: settings.authMethod ?? null,
    keepDivergentRefs: settings.keepDivergentRefs ?? false,
    onlyProtectedBranches: settings.onlyProtectedBranches ?? false,
    mirrorBranchRegex: settings.mirrorBranchRegex ?? null,
    hostKeys: [],
    sshPublicKey: null,
    updateStatus: "none",
    lastError: null,
    lastUpdateAt: null,
    lastUpdateStartedAt: null,
    lastSuccessfulUpdateAt: null,
    updatedAt: now,
  };
}
