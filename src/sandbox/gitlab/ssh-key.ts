/**
 * The key pair GitLab generates for `auth_method=ssh_public_key`: 4096-bit RSA, shown in
 * OpenSSH form with the comment `git@<gitlab host>` (gitlab-org/gitlab:app/models/concerns/mirror_authentication.rb).
 */
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";

const generate = promisify(generateKeyPair);

export async function generateMirrorKey(host: string): Promise<string> {
  const { publicKey } = await generate("rsa", { modulusLength: 4096 });
  const jwk = publicKey.export({ format: "jwk" });
  const blob = Buffer.concat([
    sshString(Buffer.from("ssh-rsa")),
    sshString(mpint(Buffer.from(jwk.e ?? "", "base64url"))),
    sshString(mpint(Buffer.from(jwk.n ?? "", "base64url"))),
  ]);
  return `ssh-rsa ${blob.toString("base64")} git@${host}`;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

// RFC 4251 mpint: a positive number whose top bit is set needs a leading zero byte.
function mpint(data: Buffer): Buffer {
  return (data[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), data]) : data;
}
