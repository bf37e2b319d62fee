/**
 * GitLab failures as ToolErrors: a stable code, a plain message naming the host and the
 * project, and the fix. Messages are built from our own words plus GitLab's validation text,
 * never from the request, so a token cannot leak through them.
 */
import { GitbeakerRequestError, GitbeakerRetryError, GitbeakerTimeoutError } from "@gitbeaker/rest";
import { ToolError, isToolError } from "../errors/tool-error.ts";
import { retryAfterMs } from "./transport.ts";

export interface ErrorContext {
  /** `gitlab.example.com`, for messages. */
  host: string;
  project?: string | undefined;
  group?: string | undefined;
  mirrorId?: number | undefined;
  /** Remote-mirror routes answer 401 to a valid token without Maintainer; see client.ts. */
  mirrorRoute?: boolean | undefined;
  /** Set after a 401 when `personal_access_tokens/self` accepted the token. */
  tokenValid?: boolean | undefined;
}

export function gitLabError(error: unknown, context: ErrorContext): ToolError {
  if (isToolError(error)) return error;
  const { host } = context;
  if (error instanceof GitbeakerTimeoutError) {
    return new ToolError("EGITLABTIMEOUT", `${host} did not answer in time`, { cause: error });
  }
  if (error instanceof GitbeakerRetryError) {
    const limited = error.message.includes("429");
    return new ToolError(
      limited ? "EGITLABRATELIMIT" : "EGITLABUNAVAILABLE",
      limited ? `${host} kept rate-limiting the requests` : `${host} kept failing`,
      { cause: error },
    );
  }
  if (error instanceof GitbeakerRequestError && error.cause?.response != null) {
    return fromResponse(error.cause.response, error.cause.description, context, error);
  }
  if (error instanceof TypeError) {
    const reason = networkReason(error);
    return new ToolError("EGITLABUNAVAILABLE", `cannot reach ${host}${reason === "" ? "" : ` (${reason})`}`, {
      fix: "unreachable",
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ToolError("EGITLABUNEXPECTED", `unexpected answer from ${host}: ${detail}`, { cause: error });
}

function fromResponse(
  response: Response,
  description: string,
  context: ErrorContext,
  cause: unknown,
): ToolError {
  const { host } = context;
  const status = response.status;
  const target = context.project ?? context.group;
  const where = target == null ? "" : ` on ${target}`;
  if (status === 401) {
    if (context.mirrorRoute === true && context.tokenValid === true) return permissionError(context, cause);
    return new ToolError("EGITLABAUTH", `token rejected by ${host} (401)`, { cause });
  }
  if (status === 403) {
    if (description === "insufficient_scope") {
      return new ToolError(
        "EGITLABPERMISSION",
        `token lacks the api scope${where} (403 insufficient_scope)`,
        { fix: "scope", cause },
      );
    }
    return permissionError(context, cause);
  }
  if (status === 404) return notFound(description, context, cause);
  if (status === 400 || status === 409 || status === 412 || status === 422) {
    return new GitLabRefusal(
      `${host} refused the request${where}: ${validationText(description)}`,
      validationReasons(description),
      cause,
    );
  }
  if (status === 429) {
    const wait = retryAfterMs(response.headers.get("retry-after"));
    const after = wait == null ? "" : `; it asks to wait ${Math.ceil(wait / 1000)}s`;
    return new ToolError("EGITLABRATELIMIT", `${host} is rate-limiting requests (429)${after}`, { cause });
  }
  if (status >= 500) {
    return new ToolError("EGITLABUNAVAILABLE", `${host} failed (${status})`, { cause });
  }
  return new ToolError(
    "EGITLABUNEXPECTED",
    `${host} answered ${status}${where}: ${description.slice(0, 200)}`,
    {
      cause,
    },
  );
}

function permissionError(context: ErrorContext, cause: unknown): ToolError {
  const target = context.project ?? context.group ?? "this resource";
  const role = context.mirrorRoute === true ? "Maintainer" : "enough access";
  return new ToolError("EGITLABPERMISSION", `token lacks ${role} on ${target}`, {
    fix: [context.mirrorRoute === true ? "mirrors" : "access", { target }],
    cause,
  });
}

function notFound(description: string, context: ErrorContext, cause: unknown): ToolError {
  if (/project not found/i.test(description) || (context.project != null && context.mirrorId == null)) {
    return new ToolError("EGITLABNOTFOUND", `project not found: ${context.project ?? "?"}`, { cause });
  }
  if (/group not found/i.test(description) || (context.group != null && context.project == null)) {
    return new ToolError("EGITLABNOTFOUND", `group not found: ${context.group ?? "?"}`, { cause });
  }
  if (context.mirrorId != null) {
    return new ToolError(
      "EGITLABNOTFOUND",
      `push mirror ${context.mirrorId} not found in ${context.project ?? "the project"}`,
      { fix: "mirror", cause },
    );
  }
  return new ToolError("EGITLABNOTFOUND", `not found on ${context.host}`, { cause });
}

/** GitLab refused a request as invalid (400, 409, 412, 422); `reasons` are its own words. */
export class GitLabRefusal extends ToolError<"EGITLABVALIDATION"> {
  readonly reasons: readonly string[];
  constructor(message: string, reasons: readonly string[], cause: unknown) {
    super("EGITLABVALIDATION", message, { cause });
    this.reasons = reasons;
  }
}

/**
 * GitLab's 400 bodies are either a sentence (`url is missing`) or an ActiveModel errors hash,
 * which gitbeaker hands over as JSON: `{"url":["is blocked: …"]}` → `url is blocked: …`.
 */
function validationText(description: string): string {
  return validationReasons(description).join("; ");
}

function validationReasons(description: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(description);
  } catch {
    return [description];
  }
  if (parsed == null || typeof parsed !== "object" || Array.isArray(parsed)) return [description];
  const parts: string[] = [];
  for (const [field, messages] of Object.entries(parsed)) {
    for (const message of Array.isArray(messages) ? messages : [messages]) {
      const text = String(message);
      parts.push(field === "base" ? text : `${field} ${text}`);
    }
  }
  return parts;
}

function networkReason(error: TypeError): string {
  const cause: unknown = error.cause;
  if (cause != null && typeof cause === "object" && "code" in cause && typeof cause.code === "string") {
    return cause.code;
  }
  return "";
}
