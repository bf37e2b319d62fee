/**
 * Every secret the config names, registered with the run's redactor as soon as a command has read
 * the config, whether or not that command uses it: a push mirror's token can come back in a
 * mirror's `last_error` during an audit, a source token in a server's error text during
 * `push-mirrors list`. Variables that are not set are skipped; nothing here fails.
 */
import { readFile, stat } from "node:fs/promises";
import type { Config, Endpoint } from "../config/types.ts";
import type { Env } from "../util/env.ts";
import type { Redactor } from "../util/redact.ts";

/** Secrets ci-mirror reads from fixed variables, whatever the config says. */
const FIXED_SECRET_VARIABLES = ["CI_JOB_TOKEN", "CI_MIRROR_SMTP_PASSWORD"] as const;

// A private key file is a few KiB; anything much larger is not one, and is not read.
const MAX_KEY_FILE_BYTES = 64 * 1024;

export async function registerConfigSecrets(
  config: Pick<Config, "mirrors" | "gitlab" | "pushMirrors">,
  env: Env,
  redactor: Redactor,
  /** Variables named on the command line (`--notify-webhook VAR`, `--token-var VAR`). */
  moreVariables: readonly (string | undefined)[] = [],
): Promise<void> {
  const value = (name: string | undefined): string | undefined =>
    name == null || env[name] == null || env[name] === "" ? undefined : env[name];
  const keys: string[] = [];
  for (const endpoint of config.mirrors.flatMap((mirror): Endpoint[] => [mirror.source, mirror.target])) {
    const token = value(endpoint.token);
    if (token != null) {
      // credentials.ts registers the Basic form it really sends; these are the defaults it picks.
      redactor.addBasicAuth(endpoint.username ?? "oauth2", token);
      if (endpoint.token === "CI_JOB_TOKEN") redactor.addBasicAuth("gitlab-ci-token", token);
    }
    const key = value(endpoint.sshKey);
    if (key != null) keys.push(key);
  }
  redactor.add(value(config.gitlab.token));
  for (const decl of config.pushMirrors) redactor.add(value(decl.token));
  registerEnvSecrets(env, redactor, moreVariables);
  for (const key of keys) registerKey(await keyContent(key), redactor);
}

/**
 * The secrets that come from the environment whatever the config says: the fixed ones (the
 * SMTP settings, CI_JOB_TOKEN…) and the variables named on the command line. A command that runs
 * without a config file registers these alone.
 */
export function registerEnvSecrets(
  env: Env,
  redactor: Redactor,
  moreVariables: readonly (string | undefined)[] = [],
): void {
  for (const name of [...FIXED_SECRET_VARIABLES, ...moreVariables]) {
    if (name != null && env[name] != null && env[name] !== "") redactor.add(env[name].trim());
  }
  const smtpUrl = env.CI_MIRROR_SMTP_URL;
  registerSmtpUrl(smtpUrl == null || smtpUrl === "" ? undefined : smtpUrl, redactor);
}

/** The whole URL, and its password as written and decoded. */
function registerSmtpUrl(url: string | undefined, redactor: Redactor): void {
  if (url == null) return;
  redactor.add(url.trim());
  try {
    const password = new URL(url.trim()).password;
    redactor.add(password);
    redactor.add(decodeURIComponent(password));
  } catch {
    // Not a URL: the whole value is registered, which is all there is to hide.
  }
}

/** A file-type variable holds the key's path; a plain one holds the key. */
async function keyContent(value: string): Promise<string> {
  if (value.includes("\n")) return value;
  try {
    const info = await stat(value);
    if (info.isFile() && info.size <= MAX_KEY_FILE_BYTES) return await readFile(value, "utf8");
  } catch {
    // Not a readable file: then it is the key itself (a one-line key, or garbage).
  }
  return value;
}

/** The whole key, and each of its body lines, which is how a fragment of a key would show up. */
function registerKey(key: string, redactor: Redactor): void {
  redactor.add(key.trim());
  for (const line of key.split(/\r?\n/)) {
    const body = line.trim();
    if (body !== "" && !body.startsWith("-----")) redactor.add(body);
  }
}
