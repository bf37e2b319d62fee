import { isToolError } from "../../errors/tool-error.ts";

/**
 * One line for an API failure. The GitLab client already turns gitbeaker's errors into
 * ToolErrors with a plain message; anything else is shown by its message only.
 */
export function describeApiError(error: unknown): string {
  if (isToolError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
