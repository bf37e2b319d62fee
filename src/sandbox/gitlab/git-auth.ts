/**
 * Git over HTTPS authentication and access, as `Gitlab::Auth.find_for_git_client` and
 * `Gitlab::GitAccess` decide it (gitlab-org/gitlab:lib/gitlab/auth.rb, lib/gitlab/git_access.rb):
 * username `gitlab-ci-token` plus a job token, or any non-blank username plus an access token whose
 * scopes grant `download_code` / `push_code`; then the project's membership rules.
 */
import type { GitAuthDecision, GitAuthRequest } from "../git-http/types.ts";
import { today } from "./auth.ts";
import type { Project, User } from "./model.ts";
import { accessLevel, canRead, canReadCode, fullPathOf } from "./store.ts";
import type { Store } from "./store.ts";

// Gitlab::Auth#abilities_for_scopes: which scopes carry which git abilities.
const DOWNLOAD_SCOPES = ["api", "read_api", "read_repository", "write_repository", "ai_workflows"];
const PUSH_SCOPES = ["api", "write_repository", "ai_workflows"];

// Gitlab::GitAccess::ERROR_MESSAGES and the project-not-found text.
const GIT_MESSAGES = {
  notFound: "The project you were looking for could not be found or you don't have permission to view it.",
  download: "You are not allowed to download code from this project.",
  upload: "You are not allowed to upload code.",
  push: "You are not allowed to push code to this project.",
  archived: "You can't push code to an archived project.",
};

interface Identity {
  user: User | undefined;
  scopes: string[];
  /** The job's project, for a job token. */
  jobProject?: Project;
}

/** The decision for one git request on `project` (undefined: no such project). */
export function authorizeGit(
  store: Store,
  project: Project | undefined,
  request: GitAuthRequest,
  now: Date,
): GitAuthDecision {
  const identity = identify(store, request, now);
  if (identity === "invalid") return { deny: 401 };
  const { user } = identity;
  if (project == null || !canRead(store, user, project)) {
    // Anonymous callers are asked to log in first, so that private projects do not leak.
    return user == null ? { deny: 401 } : { deny: 404, message: GIT_MESSAGES.notFound };
  }
  if (identity.jobProject != null && identity.jobProject.id !== project.id) {
    // Cross-project job-token access needs the target's allowlist, which the sandbox does not model.
    const from = fullPathOf(store, identity.jobProject);
    return {
      deny: 403,
      message: `Authentication by CI/CD job token not allowed from ${from} to ${fullPathOf(store, project)}.`,
    };
  }
  if (user != null && !identity.scopes.some((s) => DOWNLOAD_SCOPES.includes(s))) {
    return { deny: 403, message: GIT_MESSAGES.download };
  }
  if (!canReadCode(store, user, project)) return { deny: 403, message: GIT_MESSAGES.download };

  const level = user == null ? 0 : user.admin ? 60 : accessLevel(store, user, project);
  const env = { GL_SANDBOX_ACCESS: String(level), GL_USERNAME: user?.username ?? "" };
  const read = (writeDeniedMessage: string): GitAuthDecision => ({
    access: "read",
    user: user?.username,
    env,
    writeDeniedMessage,
  });
  // Anonymous pushes are asked for credentials; anonymous clones of public projects go through.
  if (user == null) return request.need === "write" ? { deny: 401 } : read(GIT_MESSAGES.push);
  // GitAccess order: the token's abilities first, then the project state, then the role.
  if (!identity.scopes.some((s) => PUSH_SCOPES.includes(s))) return read(GIT_MESSAGES.upload);
  if (project.archived) return read(GIT_MESSAGES.archived);
  if (level < 30) return read(GIT_MESSAGES.push);
  return { access: "write", user: user.username, env };
}

function identify(store: Store, request: GitAuthRequest, now: Date): Identity | "invalid" {
  const { username, password } = request;
  if (username == null && password == null) return { user: undefined, scopes: [] };
  if (username == null || username === "" || password == null || password === "") return "invalid";
  if (username === "gitlab-ci-token") {
    const job = store.jobTokens.find((t) => t.token === password);
    const user = job == null ? undefined : store.users.find((u) => u.id === job.userId);
    const jobProject = job == null ? undefined : store.projects.find((p) => p.id === job.projectId);
    if (user == null || jobProject == null) return "invalid";
    // doc/ci/jobs/ci_job_token.md: clone always; push only to the job's own project, and only
    // with the project setting ci_push_repository_for_job_token_allowed.
    const scopes =
      jobProject.ciPushRepositoryForJobTokenAllowed === true ? ["write_repository"] : ["read_repository"];
    return { user, scopes, jobProject };
  }
  const token = store.tokens.find((t) => t.token === password);
  const user = token == null ? undefined : store.users.find((u) => u.id === token.userId);
  if (token == null || user == null || token.revoked) return "invalid";
  if (token.expiresAt != null && token.expiresAt < today(now)) return "invalid";
  token.lastUsedAt = now;
  return { user, scopes: token.scopes };
}
