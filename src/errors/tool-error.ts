import type { CancelExitCode } from "../util/cancel.ts";

/**
 * Every failure the user can act on is a ToolError: a stable code, a plain message, and the fix.
 * Anything else that reaches the top level is a bug and is rendered as one.
 */
export type ExitCode = 0 | 1 | 2 | 3 | CancelExitCode;

export interface ToolErrorOptions {
  /** What the user can do about it, in one or two sentences. */
  fix?: string | undefined;
  /**
   * 2 for usage and config errors, 3 when another run holds the cache dir, 1 for everything
   * that failed at run time (the README's exit-code table).
   */
  exitCode?: ExitCode;
  cause?: unknown;
}

export class ToolError extends Error {
  readonly code: string;
  readonly fix: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: ToolErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ToolError";
    this.code = code;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad command line: exit code 2. */
export class UsageError extends ToolError {
  constructor(message: string, fix?: string) {
    super("EUSAGE", message, { fix, exitCode: 2 });
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
export class ConfigError extends ToolError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(
    file: string,
    issues: readonly ConfigIssue[],
    // A file that cannot be read has no keys to correct: it says so, and how to fix that.
    words: { message?: string; fix?: string } = {},
  ) {
    super(
      "ECONFIG",
      words.message ?? `${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the config`,
      {
        fix:
          words.fix ??
          "Correct the keys listed above; `ci-mirror validate` checks the file without running anything.",
        exitCode: 2,
      },
    );
    this.name = "ConfigError";
    this.file = file;
    this.issues = issues;
  }
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}
