/**
 * The sandbox's one entry: a real git smart-HTTP server (git-http/) and a faithful local GitLab
 * (gitlab/), for the tests, the bench, `ci-mirror demo` and `ci-mirror sandbox`. It is not part
 * of the product: nothing of the product imports it (eslint.config.js holds that), except the
 * two commands that start it, and it imports nothing of the product but src/util/. Everything
 * it runs or listens on is given to it: it reads no environment of its own.
 */
export { startGitServer } from "./git-http/server.ts";
export type { GitServer, GitServerOptions, LfsObjectInfo, RepoOptions, RepoStats } from "./git-http/types.ts";
export { startGitLabSandbox } from "./gitlab/server.ts";
export type { GitLabSandbox, GitLabSandboxOptions, RecordedApiRequest } from "./gitlab/server.ts";
export type { MirrorStatePatch } from "./gitlab/seed.ts";
export { manualClock } from "./gitlab/clock.ts";
export type { ManualClock } from "./gitlab/clock.ts";
export { HERMETIC_GIT_ENV, gitIdentity } from "./hermetic-git-env.ts";
export { gitOk, sandboxGitEnv } from "./git.ts";
