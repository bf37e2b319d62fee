import { envVarNameProblem } from "../config/env-var-name.ts";
import { UsageError } from "../errors/tool-error.ts";

/**
 * A flag whose value is the NAME of a CI/CD variable (`--token-var`, `--notify-webhook`), checked
 * as the config checks its token fields: people paste the secret itself, and the message must not
 * repeat it. Empty means "not given" (the components pass an empty input as an empty flag).
 */
export function variableNameFlag(flag: string, value: string | undefined): string | undefined {
  if (value == null || value === "") return undefined;
  const problem = envVarNameProblem(value);
  if (problem == null) return value;
  throw new UsageError(`${flag}: ${problem}`, ["variableName", { flag }]);
}
