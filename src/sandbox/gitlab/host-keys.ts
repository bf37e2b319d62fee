/**
 * `host_keys` of a push mirror, turned into known_hosts lines as GitLab does it
 * (gitlab-org/gitlab:app/models/remote_mirrors/host_keys_converter.rb, HostKeysConverter), with each
 * key checked the way `Gitlab::SSHPublicKey#valid?` checks it: the sshkey gem's
 * `SSHKey.valid_ssh_public_key?` (strict base64 of an SSH wire-format blob whose type matches and
 * whose fields are all there).
 */
import { messageError } from "./errors.ts";

// HostKeysConverter::MAX_HOST_KEYS, STANDARD_SSH_PORT, KEY_WITH_HOSTNAME_REGEX.
const MAX_HOST_KEYS = 10;
const STANDARD_SSH_PORT = 22;
const KEY_WITH_HOSTNAME = /^\S+\s+(ssh-|ecdsa-)/;

// sshkey's SSH_TYPES, with the number of wire fields valid_ssh_public_key? expects after the type.
const FIELDS: Record<string, number> = {
  "ssh-rsa": 2, // e, n
  "ssh-dss": 4, // p, q, g, pub_key
  "ssh-ed25519": 1,
  "ecdsa-sha2-nistp256": 2,
  "ecdsa-sha2-nistp384": 2,
  "ecdsa-sha2-nistp521": 2,
};

/**
 * `to_ssh_known_hosts!`: null for an empty list (which clears them), the lines otherwise; throws
 * GitLab's 400 ("Invalid SSH host key(s): …") for too many keys, an invalid key, or a bare key
 * whose host the URL does not give.
 */
export function knownHostsLines(hostKeys: readonly string[], url: string): string[] | null {
  if (hostKeys.length === 0) return null;
  if (hostKeys.length > MAX_HOST_KEYS) throw invalid([`too many host keys (maximum is ${MAX_HOST_KEYS})`]);
  const keys = hostKeys.map((key) => sanitize(key.trim()));
  const bad = keys.filter((key) => key !== "" && !validSshPublicKey(key));
  if (bad.length > 0) throw invalid(bad);
  const host = knownHostsHost(url);
  return keys
    .filter((key) => key !== "")
    .map((key) => {
      if (KEY_WITH_HOSTNAME.test(key)) return key;
      if (host == null) throw invalid(["cannot determine hostname from URL for bare key"]);
      return `${host} ${key}`;
    });
}

function invalid(keys: readonly string[]): Error {
  return messageError(400, `Invalid SSH host key(s): ${keys.join(", ")}`);
}

/**
 * `sanitize_key`: the optional host prefix, the algorithm, and the key data with spaces turned
 * back into `+` (`restore_base64_encoding`): form encoding decodes `+` as a space.
 */
function sanitize(key: string): string {
  const parts = key.split(/\s+/);
  const at = parts.findIndex((part) => Object.hasOwn(FIELDS, part));
  if (at < 0 || at + 1 >= parts.length) return key;
  const prefix = parts.slice(0, at).join(" ");
  return [prefix, parts[at], parts.slice(at + 1).join("+")].filter((part) => part !== "").join(" ");
}

/** The sshkey gem's `valid_ssh_public_key?` (parse_ssh_public_key + unpacked_byte_array). */
function validSshPublicKey(text: string): boolean {
  const cleaned = text.replace(/^#.*$/gm, "").trim();
  if (/\n(?!$)/.test(cleaned)) return false;
  const parsed = cleaned.split(/\s+/);
  const at = parsed.findIndex((part) => Object.hasOwn(FIELDS, part));
  const type = parsed[at];
  const encoded = parsed[at + 1];
  if (at < 0 || type == null || encoded == null) return false;
  const decoded = Buffer.from(encoded, "base64");
  // "Base64 decoding is too permissive": the text must be exactly the strict encoding.
  if (decoded.toString("base64") !== encoded) return false;
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < decoded.length) {
    if (offset + 4 > decoded.length) return false;
    const size = decoded.readUInt32BE(offset);
    if (offset + 4 + size > decoded.length) return false;
    fields.push(decoded.subarray(offset + 4, offset + 4 + size));
    offset += 4 + size;
  }
  const [name, ...rest] = fields;
  if (name?.toString("latin1") !== type) return false;
  if (type === "ssh-ed25519" && rest[0]?.length !== 32) return false;
  return rest.length === FIELDS[type];
}

// `known_hosts_hostname`: the URL's host, or `[host]:port` off port 22.
function knownHostsHost(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.hostname === "") return undefined;
  const port = parsed.port === "" ? undefined : Number(parsed.port);
  return port == null || port === STANDARD_SSH_PORT ? parsed.hostname : `[${parsed.hostname}]:${port}`;
}
