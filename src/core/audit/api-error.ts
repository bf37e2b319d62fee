import type { ErrorReport } from "../../errors/catalog.ts";
import { errorReport, isToolError } from "../../errors/tool-error.ts";

/**
 * An API failure as every report shows an error. The GitLab client already turns gitbeaker's
 * errors into ToolErrors with a plain message; anything else is a bug of ours, and said as one.
 */
export function apiErrorReport(error: unknown): ErrorReport {
  if (isToolError(error)) return error.report();
  return errorReport("EINTERNAL", error instanceof Error ? error.message : String(error));
}
