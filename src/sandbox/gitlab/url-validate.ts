/**
 * Mirror URL validation as GitLab's PublicUrlValidator does it for remote mirrors: schemes
 * http/https/ssh/git, a username that starts with an alphanumeric, and no localhost or local
 * network unless the admin allowed local requests. Messages are UrlBlocker's
 * (gitlab-org/gitlab:gems/gitlab-http/lib/gitlab/http_v2/url_blocker.rb), prefixed "is blocked: ".
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";

// Project::VALID_MIRROR_PROTOCOLS.
const MIRROR_SCHEMES = ["http", "https", "ssh", "git"];
const AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)/s;

/** Host name → its addresses, as `Addrinfo.getaddrinfo` answers; a name that does not resolve throws. */
export type ResolveHost = (host: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (host) =>
  (await lookup(host, { all: true })).map((entry) => entry.address);

/** The model error for `url`, or undefined when the URL is acceptable. */
export async function mirrorUrlError(
  raw: string,
  allowLocal: boolean,
  resolve: ResolveHost = resolveWithDns,
): Promise<string | undefined> {
  if (raw.trim() === "") return "can't be blank";
  const reason =
    blockedReason(raw, allowLocal) ?? (allowLocal ? undefined : await resolvedReason(raw, resolve));
  return reason == null ? undefined : `is blocked: ${reason}`;
}

/**
 * UrlBlocker.validate_url_with_proxy! resolves the host (`get_address_info`) and checks every
 * address it resolves to (`validate_local_request`), so a public-looking name that points at a
 * private address is blocked too. A name that does not resolve passes: validation runs without
 * `dns_rebind_protection`, which is the only case that turns it into "Host cannot be resolved".
 */
async function resolvedReason(raw: string, resolve: ResolveHost): Promise<string | undefined> {
  const host = hostOf(AUTHORITY.exec(raw)?.[3] ?? "");
  if (host === "" || isIP(host) !== 0) return undefined;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return undefined;
  }
  for (const address of addresses) {
    const reason = localReason(address);
    if (reason != null) return reason;
  }
  return undefined;
}

function blockedReason(raw: string, allowLocal: boolean): string | undefined {
  const match = AUTHORITY.exec(raw);
  // SCP-style `git@host:org/repo.git` and non-numeric ports do not parse as URIs; GitLab
  // documents SCP-style URLs as unsupported (doc/user/project/repository/mirror/_index.md).
  if (match == null || !parses(raw)) return "URI is invalid";
  const [, scheme = "", userinfo, hostPort = ""] = match;
  if (!MIRROR_SCHEMES.includes(scheme.toLowerCase())) {
    return `Only allowed schemes are ${MIRROR_SCHEMES.join(", ")}`;
  }
  const user = userinfo?.split(":")[0];
  if (user != null && user !== "" && !/^[A-Za-z0-9]/.test(user)) {
    return "Username needs to start with an alphanumeric character";
  }
  const host = hostOf(hostPort);
  if (!/^[A-Za-z0-9]/.test(host) && isIP(host) !== 6) return "Hostname or IP address invalid";
  return allowLocal ? undefined : localReason(host);
}

function parses(raw: string): boolean {
  try {
    new URL(raw);
    return true;
  } catch {
    return false;
  }
}

function hostOf(hostPort: string): string {
  if (hostPort.startsWith("[")) return hostPort.slice(1, hostPort.indexOf("]"));
  return hostPort.replace(/:\d*$/, "").toLowerCase();
}

// A literal address (or `localhost`), or one a name resolved to.
function localReason(host: string): string | undefined {
  if (host === "localhost" || host === "0.0.0.0" || host === "::1" || isLocalInterface(host)) {
    return "Requests to localhost are not allowed";
  }
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split(".").map(Number);
    if (a === 127) return "Requests to loopback addresses are not allowed";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
      return "Requests to the local network are not allowed";
    }
    if (a === 169 && b === 254) return "Requests to the link local network are not allowed";
    if (a === 100 && b >= 64 && b <= 127) return "Requests to the shared address space are not allowed";
  }
  if (isIP(host) === 6 && /^f[cd]/i.test(host)) return "Requests to the local network are not allowed";
  return undefined;
}

function isLocalInterface(host: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === host) === true);
}
