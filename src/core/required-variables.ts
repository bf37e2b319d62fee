import type { Endpoint, MirrorConfig } from "../config/types.ts";
import { ToolError } from "../errors/tool-error.ts";
import { isSsh, type EndpointKeys } from "../git/credentials.ts";
import type { Env } from "../util/env.ts";

/**
 * The CI/CD variables the chosen mirrors need, checked before anything runs (before the cache
 * lock, before any git): a job that lacks one learns every missing name at once, with the key
 * that names it, instead of one mirror at a time after minutes of other work.
 */
export function checkRequiredVariables(mirrors: readonly MirrorConfig[], env: Env): void {
  // Variable name → where the config names it, in config order.
  const missing = new Map<string, Set<string>>();
  for (const mirror of mirrors) {
    for (const { name, key } of variablesOf(mirror)) {
      const value = env[name];
      if (value != null && value !== "") continue;
      const places = missing.get(name) ?? new Set<string>();
      places.add(`\`${key}\` of ${mirror.name}`);
      missing.set(name, places);
    }
  }
  if (missing.size === 0) return;
  const list = [...missing].map(([name, places]) => `${name} (${[...places].join(", ")})`).join(", ");
  const one = missing.size === 1;
  throw new ToolError(
    "EENVMISSING",
    `${one ? "a CI/CD variable the config names is" : `${missing.size} CI/CD variables the config names are`} not set: ${list}`,
    { fix: ["mirrors", { count: missing.size }] },
  );
}

/** The variables one mirror reads, with the config key that names each (as endpointAuth reads them). */
function variablesOf(mirror: MirrorConfig): Array<{ name: string; key: string }> {
  return [...endpointVariables(mirror.source, SOURCE_KEYS), ...endpointVariables(mirror.target, TARGET_KEYS)];
}

export const SOURCE_KEYS: EndpointKeys = {
  token: "source_token",
  sshKey: "ssh_key",
  knownHosts: "known_hosts",
};
export const TARGET_KEYS: EndpointKeys = {
  token: "target.token",
  sshKey: "target.ssh_key",
  knownHosts: "target.known_hosts",
};

function endpointVariables(endpoint: Endpoint, keys: EndpointKeys): Array<{ name: string; key: string }> {
  const out: Array<{ name: string; key: string }> = [];
  if (isSsh(endpoint.url)) {
    // Over SSH a token is ignored (the config warns about it); the key and known_hosts are read.
    if (endpoint.knownHosts != null) out.push({ name: endpoint.knownHosts, key: keys.knownHosts });
    if (endpoint.sshKey != null) out.push({ name: endpoint.sshKey, key: keys.sshKey });
  } else if (endpoint.token != null) {
    out.push({ name: endpoint.token, key: keys.token });
  }
  return out;
}
