import type { CancelExitCode } from "../util/cancel.ts";
import {
  ERRORS,
  fixText,
  type ErrorCode,
  type ErrorReport,
  type FailureExitCode,
  type FixChoice,
} from "./catalog.ts";

/**
 * Every failure the user can act on is a ToolError: a code from the catalog (src/errors/catalog.ts),
 * a plain message, and the catalog's fix. Anything else that reaches the top level is a bug and is
 * rendered as one.
 */
export type ExitCode = 0 | 1 | 2 | 3 | CancelExitCode;

export interface ToolErrorOptions<C extends ErrorCode> {
  /** Which of the code's fixes fits, when the catalog has more than one (see FixChoice). */
  fix?: FixChoice<C> | undefined;
  cause?: unknown;
}

export class ToolError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  /** What the user can do about it, in one or two sentences: the catalog's words. */
  readonly fix: string;
  /** The catalog's exit code for this code (the README's exit-code table). */
  readonly exitCode: FailureExitCode;
  /** The choice the fix was made from, for an error retold with more context (see git's onSide). */
  readonly fixChoice: FixChoice<C> | undefined;

  constructor(code: C, message: string, options: ToolErrorOptions<C> = {}) {
    super(message, { cause: options.cause });
    this.name = "ToolError";
    this.code = code;
    this.fixChoice = options.fix;
    this.fix = fixText(code, options.fix);
    this.exitCode = ERRORS[code].exit;
  }

  /** The error as every report shows one, with its message redacted by `redact`. */
  report(redact: (text: string) => string = (text) => text): ErrorReport {
    return { code: this.code, message: redact(this.message), fix: this.fix };
  }
}

/** Bad command line: exit code 2. */
export class UsageError extends ToolError<"EUSAGE"> {
  constructor(message: string, fix?: FixChoice<"EUSAGE">) {
    super("EUSAGE", message, { fix });
    this.name = "UsageError";
  }
}

export interface ConfigIssue {
  /** Dotted path of the offending key, e.g. `mirrors[2].refs.branches`. */
  path: string;
  message: string;
  /** 1-based position in the config file, when the key exists there. */
  line?: number | undefined;
  column?: number | undefined;
}

/** All problems of a config at once: exit code 2. */
export class ConfigError extends ToolError<"ECONFIG"> {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(
    file: string,
    issues: readonly ConfigIssue[],
    // A file that cannot be read has no keys to correct: it says so, and how to fix that.
    unreadable?: { message: string },
  ) {
    super(
      "ECONFIG",
      unreadable?.message ??
        `${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the config`,
      { fix: unreadable == null ? undefined : ["unreadable", { file }] },
    );
    this.name = "ConfigError";
    this.file = file;
    this.issues = issues;
  }
}

/** An error a report states without anything having been thrown (a rejected ref, a cancelled mirror). */
export function errorReport<C extends ErrorCode>(code: C, message: string, fix?: FixChoice<C>): ErrorReport {
  return { code, message, fix: fixText(code, fix) };
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}
