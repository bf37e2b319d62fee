import { ToolError } from "./tool-error.ts";

/**
 * What kind of git failure this was decides whether we retry it:
 * transient network trouble is retried with backoff, everything else is final.
 */
export type GitFailureKind =
  | "auth"
  | "not-found"
  | "host-key"
  | "transient"
  | "timeout"
  | "shallow"
  | "missing-tool"
  | "redirect"
  | "cancelled"
  | "disk-full"
  | "other";

export class GitError extends ToolError {
  readonly kind: GitFailureKind;
  /** The git verb that failed (`fetch`, `push`, …), for messages and reports. */
  readonly verb: string;
  /** git's own last meaningful lines of stderr, as it wrote them (redacted on the way out). */
  readonly detail: readonly string[];

  constructor(
    kind: GitFailureKind,
    verb: string,
    message: string,
    fix?: string,
    cause?: unknown,
    detail: readonly string[] = [],
  ) {
    super(codeOf(kind), message, { fix, cause });
    this.name = "GitError";
    this.kind = kind;
    this.verb = verb;
    this.detail = detail;
  }

  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "timeout";
  }
}

function codeOf(kind: GitFailureKind): string {
  const codes: Record<GitFailureKind, string> = {
    auth: "EGITAUTH",
    "not-found": "EGITNOTFOUND",
    "host-key": "EHOSTKEY",
    transient: "EGITNETWORK",
    timeout: "EGITTIMEOUT",
    shallow: "EGITSHALLOW",
    "missing-tool": "EGITMISSING",
    redirect: "EGITREDIRECT",
    cancelled: "ECANCELLED",
    "disk-full": "EDISKFULL",
    other: "EGIT",
  };
  return codes[kind];
}
