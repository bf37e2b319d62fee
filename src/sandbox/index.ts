/**
 * The sandbox's one entry: a real git smart-HTTP server (git-http/) and a faithful local GitLab
 * (gitlab/), for the tests, the bench, `ci-mirror demo` and `ci-mirror sandbox`. It is not part
 * of the product: nothing of the product imports it (eslint.config.js holds that), except the
 * two commands that start it, and it imports nothing of the product but src/util/. Everything
 * it runs or listens on is given to it: it reads no environment of its own.
 */
export { startGitServer } from "./git-http/server.ts";
export type {
  Fault,
  GitAuthDecision,
  GitAuthRequest,
  GitServer,
  GitServerOptions,
  LfsObjectInfo,
  RecordedRequest,
  RepoFlavor,
  RepoOptions,
  RepoStats,
  RequestKind,
} from "./git-http/types.ts";
export { startGitLabSandbox } from "./gitlab/server.ts";
export type {
  GitLabSandbox,
  GitLabSandboxOptions,
  InjectedFailure,
  RecordedApiRequest,
} from "./gitlab/server.ts";
export type { AccessLevel, Group, Project, RemoteMirror, SyncRequest, User } from "./gitlab/model.ts";
export type { MirrorAttributes, MirrorStatePatch, ProjectOptions, TokenOptions } from "./gitlab/seed.ts";
export type { RateLimitConfig } from "./gitlab/throttle.ts";
export { manualClock, realClock } from "./gitlab/clock.ts";
export type { ManualClock, SandboxClock } from "./gitlab/clock.ts";
export type { HostileAnswer, RedirectStatus } from "./gitlab/hostile.ts";
export { HERMETIC_GIT_ENV, gitIdentity } from "./hermetic-git-env.ts";
export { gitOk, runGit, sandboxGitEnv } from "./git.ts";
export type { GitResult, GitRun } from "./git.ts";
