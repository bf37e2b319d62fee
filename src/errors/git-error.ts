import type { FixChoice } from "./catalog.ts";
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

const CODES = {
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
} as const satisfies Record<GitFailureKind, string>;

export type GitErrorCode = (typeof CODES)[GitFailureKind];

export interface GitErrorOptions {
  /** Which of the catalog's fixes fits: the side that failed, or the directory to free. */
  fix?: FixChoice<GitErrorCode> | undefined;
  cause?: unknown;
  /** git's own last meaningful lines of stderr. */
  detail?: readonly string[] | undefined;
}

export class GitError extends ToolError<GitErrorCode> {
  readonly kind: GitFailureKind;
  /** The git verb that failed (`fetch`, `push`, …), for messages and reports. */
  readonly verb: string;
  /** git's own last meaningful lines of stderr, as it wrote them (redacted on the way out). */
  readonly detail: readonly string[];

  constructor(kind: GitFailureKind, verb: string, message: string, options: GitErrorOptions = {}) {
    super(CODES[kind], message, { fix: options.fix, cause: options.cause });
    this.name = "GitError";
    this.kind = kind;
    this.verb = verb;
    this.detail = options.detail ?? [];
  }

  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "timeout";
  }
}
