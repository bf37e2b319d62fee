/**
 * The sandbox git smart-HTTP server's public API. The code lives in `./git-http/`, split by
 * concern; this file stays so that importers keep one stable path.
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
