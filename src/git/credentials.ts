import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Endpoint } from "../config/types.ts";
import { ToolError } from "../errors/tool-error.ts";
import { refuseShortSecret, type Redactor } from "../util/redact.ts";
import type { Env } from "../util/env.ts";
import { withConfigEntries } from "./environment.ts";
import { diskFullError } from "../util/disk-full.ts";
import { shellQuote } from "../util/shell-quote.ts";

/**
 * Credentials for one endpoint, as environment for the git processes that talk to it.
 * HTTP tokens become an `Authorization` header scoped to the endpoint's URL through
 * `http.<url>.extraHeader` in command-scoped config; SSH uses our own key and known_hosts
 * files with strict host checking. Nothing lands in a URL, argv or `.git/config`.
 */
export interface EndpointAuth {
  env: Env;
  /** Removes key files written for this endpoint. */
  dispose(): Promise<void>;
}

export interface AuthWorld {
  env: Env;
  redactor: Redactor;
}

// GitLab accepts any username with a personal, project or group access token; the CI job
// token needs exactly this one.
const JOB_TOKEN_USER = "gitlab-ci-token";
const DEFAULT_TOKEN_USER = "oauth2";

/** The config keys that name an endpoint's variables, for messages (`source_token`, `target.token`). */
export interface EndpointKeys {
  token: string;
  sshKey: string;
  knownHosts: string;
}

export async function endpointAuth(
  endpoint: Endpoint,
  base: Env,
  world: AuthWorld,
  keys: EndpointKeys = { token: "token", sshKey: "ssh_key", knownHosts: "known_hosts" },
): Promise<EndpointAuth> {
  if (isSsh(endpoint.url)) return sshAuth(endpoint, base, world, keys);
  if (endpoint.token == null) return { env: base, dispose: async () => {} };
  const token = requireVariable(world.env, endpoint.token, keys.token);
  refuseShortSecret(endpoint.token, token);
  const username =
    endpoint.username ?? (endpoint.token === "CI_JOB_TOKEN" ? JOB_TOKEN_USER : DEFAULT_TOKEN_USER);
  world.redactor.addBasicAuth(username, token);
  const header = `Authorization: Basic ${Buffer.from(`${username}:${token}`).toString("base64")}`;
  const key = `http.${endpoint.url}.extraHeader`;
  // The empty value first clears any header a runner configured for the same URL, so exactly
  // one Authorization header is sent. No redirects: git would carry the header on to wherever the
  // server points (it sends it on every request after following the first one), so a server that
  // redirects is refused and named (redirect.ts).
  const env = withConfigEntries(base, [
    [key, ""],
    [key, header],
    ["http.followRedirects", "false"],
  ]);
  return { env, dispose: async () => {} };
}

export function isSsh(url: string): boolean {
  return /^ssh:\/\//i.test(url);
}

async function sshAuth(
  endpoint: Endpoint,
  base: Env,
  world: AuthWorld,
  keys: EndpointKeys,
): Promise<EndpointAuth> {
  if (endpoint.knownHosts == null) {
    throw new ToolError("ESSHHOSTS", `no known_hosts for ${endpoint.url}`);
  }
  const scratch = await mkdtemp(join(tmpdir(), "ci-mirror-ssh-")).catch((error: unknown) => {
    throw diskFullError(error, { tempDir: tmpdir() }) ?? error;
  });
  const dispose = (): Promise<void> => rm(scratch, { recursive: true, force: true });
  try {
    const knownHosts = await fileFromVariable(
      world,
      endpoint.knownHosts,
      join(scratch, "known_hosts"),
      false,
      keys.knownHosts,
    );
    const args = [
      "ssh",
      "-F",
      "/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${shellQuote(knownHosts)}`,
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      "IdentityAgent=none",
      "-o",
      "ConnectTimeout=30",
    ];
    if (endpoint.sshKey != null) {
      const key = await fileFromVariable(world, endpoint.sshKey, join(scratch, "id"), true, keys.sshKey);
      args.push("-o", "IdentitiesOnly=yes", "-i", shellQuote(key));
    }
    return { env: { ...base, GIT_SSH_COMMAND: args.join(" ") }, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * GitLab file-type variables hold a path; plain variables hold the content. Accept both, and
 * write content to a private file because ssh only reads keys from files.
 */
async function fileFromVariable(
  world: AuthWorld,
  name: string,
  scratchPath: string,
  secret: boolean,
  key: string,
): Promise<string> {
  const value = requireVariable(world.env, name, key);
  if (!value.includes("\n") && (await isFile(value))) return value;
  if (secret) world.redactor.add(value.trim());
  // ssh rejects a key without its final newline ("invalid format").
  await writeFile(scratchPath, value.endsWith("\n") ? value : `${value}\n`, { mode: 0o600 }).catch(
    (error: unknown) => {
      throw diskFullError(error, { tempDir: tmpdir() }, scratchPath) ?? error;
    },
  );
  await chmod(scratchPath, 0o600);
  return scratchPath;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function requireVariable(env: Env, name: string, key: string): string {
  const value = env[name];
  if (value == null || value === "") {
    throw new ToolError("EENVMISSING", `variable ${name} (named by \`${key}\`) is not set`, {
      fix: ["variable", { name }],
    });
  }
  return value;
}
