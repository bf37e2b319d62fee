import { ToolError } from "../../errors/tool-error.ts";
import type { Env } from "../../util/env.ts";
import { refuseShortSecret, type Redactor } from "../../util/redact.ts";

/** The user name a token goes under in a push mirror's URL when none is given. */
const DEFAULT_USERNAME = "oauth2";

/**
 * A push mirror's credential, from the variable the config (`push_mirrors[].token`) or
 * `--token-var` names: it must be set and long enough to mask, and it is registered with the
 * redactor before anything can print it. `subject` prefixes the error with whose it is.
 */
export function pushMirrorCredentials(
  variable: string,
  username: string | undefined,
  context: { env: Env; redactor?: Redactor | undefined },
  subject = "",
): { username: string; password: string } {
  const password = context.env[variable];
  if (password == null || password === "") {
    throw new ToolError("EENVMISSING", `${subject}$${variable} is not set`, {
      fix: ["pushMirrorToken", { name: variable }],
    });
  }
  refuseShortSecret(variable, password);
  context.redactor?.add(password);
  return { username: username ?? DEFAULT_USERNAME, password };
}
