/**
 * Where the GitLab API is and which token to use, from `gitlab:` in the config and the job's
 * variables. Pure: the environment comes in as an argument.
 */
import type { GitLabSettings } from "../config/types.ts";
import type { Env } from "../util/env.ts";
import { ToolError } from "../errors/tool-error.ts";
import { looksLikeSecret } from "../config/env-var-name.ts";
import { refuseShortSecret, type Redactor } from "../util/redact.ts";

const DEFAULT_TOKEN_VARIABLE = "GITLAB_TOKEN";

export interface ResolvedGitLabSettings {
  url: string;
  token?: string | undefined;
  /** Only when no token variable is set: CI_JOB_TOKEN, which GitLab accepts on few routes. */
  jobToken?: string | undefined;
  /** The variable the credential came from, for messages. */
  tokenSource: string;
}

export function resolveGitLabSettings(
  gitlab: Partial<GitLabSettings> | undefined,
  env: Env,
  options: {
    redactor?: Redactor;
    urlOverride?: string | undefined;
    /** The command has a `--gitlab-url` option, so the fix may suggest it (only push-mirrors). */
    urlFlag?: boolean;
  } = {},
): ResolvedGitLabSettings {
  const rawUrl = options.urlOverride ?? gitlab?.url ?? env.CI_SERVER_URL;
  if (rawUrl == null || rawUrl.trim() === "") {
    throw new ToolError("EGITLABCONFIG", "no GitLab URL: neither gitlab.url nor $CI_SERVER_URL is set", {
      fix: options.urlFlag === true ? "noUrlOrFlag" : undefined,
    });
  }
  const url = normaliseUrl(rawUrl.trim());
  const variable = gitlab?.token ?? DEFAULT_TOKEN_VARIABLE;
  const token = env[variable];
  if (token != null && token !== "") {
    refuseShortSecret(variable, token);
    options.redactor?.add(token);
    return { url, token, tokenSource: variable };
  }
  const jobToken = env.CI_JOB_TOKEN;
  if (jobToken != null && jobToken !== "") {
    options.redactor?.add(jobToken);
    return { url, jobToken, tokenSource: "CI_JOB_TOKEN" };
  }
  throw new ToolError("EENVMISSING", `no GitLab token: $${variable} is not set`, {
    fix: ["gitlabToken", { name: variable }],
  });
}

function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // A token pasted where the URL goes must not be printed back.
    const shown = looksLikeSecret(url) ? " (not shown: it looks like a token)" : `: ${url}`;
    throw new ToolError("EGITLABCONFIG", `the GitLab URL is not a URL${shown}`, { fix: "notUrl" });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new ToolError("EGITLABCONFIG", "the GitLab URL must not contain credentials", {
      fix: "credentials",
    });
  }
  // gitbeaker appends `/api/v4` itself; a relative-URL install keeps its path prefix.
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "").replace(/\/api\/v4$/, "")}`;
}
