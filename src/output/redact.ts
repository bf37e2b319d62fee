/**
 * Everything we print or write goes through a Redactor. It masks the exact secret values we
 * loaded (and the encodings in which they travel: Basic-auth base64, URL-encoding), and it scrubs
 * credentials that someone wrote into a URL themselves.
 */
export const MASK = "[MASKED]";

// Shortest value worth masking: masking "a" or "1" would garble every line and protect nothing.
const MIN_SECRET_LENGTH = 4;

const URL_USERINFO = /(?<scheme>[a-z][a-z0-9+.-]*:\/\/)(?<userinfo>[^/@\s:]*(?::[^/@\s]*)?)@/gi;

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Register a secret and the forms it takes on the wire. */
  add(secret: string | undefined): void {
    if (secret == null || secret.length < MIN_SECRET_LENGTH) return;
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")]) {
      this.#secrets.add(form);
    }
  }

  /** Register the base64 of `user:secret`, the form a Basic `Authorization` header carries. */
  addBasicAuth(user: string, secret: string): void {
    this.add(secret);
    this.#secrets.add(Buffer.from(`${user}:${secret}`).toString("base64"));
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    return scrubUrlCredentials(out);
  }
}

/** `https://user:pw@host/x` → `https://*****:*****@host/x`, the way GitLab shows mirror URLs. */
export function scrubUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
    // ssh://git@host is a login name, not a secret; keep it readable.
    if (!userinfo.includes(":") && /^ssh:/i.test(scheme)) return `${scheme}${userinfo}@`;
    return `${scheme}*****:*****@`;
  });
}
