/**
 * The environment every git process gets: the caller's (so PATH, HOME and the http(s)_proxy /
 * no_proxy settings are honoured) minus variables that would point git at another repository,
 * plus settings that make git safe to drive from a program.
 */
export type Env = Record<string, string | undefined>;

// Any of these inherited from a CI job would make git operate on the wrong repository.
const REPOSITORY_OVERRIDES = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_NAMESPACE",
  "GIT_OBJECT_DIRECTORY",
];

export function hardenedGitEnv(base: Env): Env {
  const env: Env = { ...base };
  for (const key of REPOSITORY_OVERRIDES) delete env[key];
  return {
    ...env,
    // git and libcurl messages are parsed (errors.ts, push porcelain reasons): keep them English.
    LC_ALL: "C",
    LANG: "C",
    // Never wait on a prompt: a job must fail, not hang until its timeout.
    GIT_TERMINAL_PROMPT: "0",
    GCM_INTERACTIVE: "never",
    GIT_ASKPASS: "true",
    SSH_ASKPASS: "true",
    // `ext::` and other transports can run commands; a config file must not be able to ask for them.
    GIT_ALLOW_PROTOCOL: "http:https:ssh:git:file",
    GIT_SSH_COMMAND: base.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
  };
}

/**
 * Append `key=value` pairs to the command-scoped config (`GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`,
 * git >= 2.31). Existing entries from the caller are kept, so a runner's own settings survive.
 * Values set this way live in the process environment only: never in argv or `.git/config`.
 */
export function withConfigEntries(env: Env, entries: ReadonlyArray<readonly [string, string]>): Env {
  const existing = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10);
  const start = Number.isInteger(existing) && existing > 0 ? existing : 0;
  const out: Env = { ...env, GIT_CONFIG_COUNT: String(start + entries.length) };
  entries.forEach(([key, value], index) => {
    out[`GIT_CONFIG_KEY_${start + index}`] = key;
    out[`GIT_CONFIG_VALUE_${start + index}`] = value;
  });
  return out;
}
