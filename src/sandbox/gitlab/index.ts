export { startGitLabSandbox } from "./server.ts";
export type { GitLabSandbox, GitLabSandboxOptions, InjectedFailure, RecordedApiRequest } from "./server.ts";
export type { AccessLevel, Group, Project, RemoteMirror, SyncRequest, User } from "./model.ts";
export type { MirrorAttributes, MirrorStatePatch, ProjectOptions, TokenOptions } from "./seed.ts";
export type { RateLimitConfig } from "./throttle.ts";
export { manualClock, realClock } from "./clock.ts";
export type { ManualClock, SandboxClock } from "./clock.ts";
export type { HostileAnswer, RedirectStatus } from "./hostile.ts";
