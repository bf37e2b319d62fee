/**
 * The environment every git process gets. It is built from an allow-list, not from the job's
 * environment minus a few names: a pipeline or trigger variable can set any variable, and git
 * reads dozens that change where it sends traffic or what it runs (`GIT_CONFIG_*`,
 * `GIT_SSH_COMMAND`, `GIT_EXEC_PATH`, `GIT_TEMPLATE_DIR`, `GIT_TRACE_*` to files, …). Nor does git
 * see the variables that hold tokens: each endpoint's credentials are added, for the processes
 * that talk to that endpoint only, by credentials.ts.
 */
import type { Env } from "../util/env.ts";

/**
 * Taken from the job as they are: where programs and the home directory are (the image's own git
 * config lives there), scratch space, and the proxy settings the README documents. libcurl reads
 * `http_proxy` in lower case only; git-lfs also reads `HTTP_PROXY`.
 */
const INHERITED = [
  "PATH",
  "HOME",
  "TMPDIR",
  "http_proxy",
  "HTTP_PROXY",
  "https_proxy",
  "HTTPS_PROXY",
  "all_proxy",
  "ALL_PROXY",
  "no_proxy",
  "NO_PROXY",
];

/** Git may be told to read less config, never other config: these pass only with these values. */
const ONLY_TO_READ_LESS: Readonly<Record<string, (value: string) => boolean>> = {
  GIT_CONFIG_NOSYSTEM: () => true,
  GIT_CONFIG_GLOBAL: (value) => value === "/dev/null",
  GIT_CONFIG_SYSTEM: (value) => value === "/dev/null",
};

/**
 * For a git process that must not work in any repository (listing a remote, cloning into a
 * path). Without it git would look for a repository around its working directory, which for
 * ci-mirror is inside the restored cache, and honour that repository's config (`url.*`,
 * `http.proxy`). git treats a `GIT_DIR` that is not a repository as "no repository" for the
 * commands that can run outside one. (Cache commands name the cache in `GIT_DIR` instead.)
 */
export function outsideAnyRepository(env: Env): Env {
  return { ...env, GIT_DIR: "/dev/null" };
}

export function hardenedGitEnv(base: Env): Env {
  const env: Env = {};
  for (const key of INHERITED) if (base[key] != null) env[key] = base[key];
  for (const [key, allowed] of Object.entries(ONLY_TO_READ_LESS)) {
    const value = base[key];
    if (value != null && allowed(value)) env[key] = value;
  }
  const hardened: Env = {
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
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
    // Replacement refs would make history questions (fast-forward? contained upstream?) answer
    // about other commits than the ones pushed.
    GIT_NO_REPLACE_OBJECTS: "1",
  };
  // Command-scoped config outranks every config file, the cache's included: no hook runs, from
  // the cache's hooks/ or from a core.hooksPath anywhere.
  return withConfigEntries(hardened, [["core.hooksPath", "/dev/null"]]);
}

/**
 * Append `key=value` pairs to the command-scoped config (`GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`,
 * git >= 2.31), after the entries already there. Values set this way live in the process
 * environment only: never in argv or `.git/config`.
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
