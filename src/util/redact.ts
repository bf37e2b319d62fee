/**
 * Everything we print or write goes through a Redactor. It masks the exact secret values we
 * loaded, and it scrubs credentials that someone wrote into a URL themselves.
 *
 * Redaction happens before serialisation: a report is redacted as a value (`redactValue`), then
 * rendered as JSON or XML. Escaping cannot hide a secret from that first pass, because the secret
 * is still raw. The rendered text is redacted again as a second line of defence, which is why a
 * secret is registered in every form it takes on the way out: raw, URL-encoded, base64 (also as
 * the `user:secret` of a Basic header), JSON-escaped and XML-escaped.
 */
import { ToolError } from "../errors/tool-error.ts";

export const MASK = "[MASKED]";

/**
 * Shortest credential ci-mirror accepts, masks and uses: GitLab's own minimum for a masked CI/CD
 * variable ("Be 8 characters or longer", https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable).
 * A shorter value matches everywhere (`refs/[MASKED]/b4`) and still cannot be hidden reliably,
 * so such a credential is refused where it is read (`shortSecretError`) rather than masked.
 */
export const MIN_SECRET_LENGTH = 8;

const URL_USERINFO = /(?<scheme>[a-z][a-z0-9+.-]*:\/\/)(?<userinfo>[^/@\s:]*(?::[^/@\s]*)?)@/gi;

export class Redactor {
  readonly #secrets = new Set<string>();
  /** Longest first, so a secret that contains another is masked whole; rebuilt on change. */
  #ordered: string[] | undefined;

  /** Register a secret and the forms it takes on the wire and in our outputs. */
  add(secret: string | undefined): void {
    if (secret == null || secret.length < MIN_SECRET_LENGTH) return;
    for (const form of secretForms(secret)) this.#remember(form);
  }

  /** Register the base64 of `user:secret`, the form a Basic `Authorization` header carries. */
  addBasicAuth(user: string, secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    this.add(secret);
    this.#remember(Buffer.from(`${user}:${secret}`).toString("base64"));
  }

  redact(text: string): string {
    let out = text;
    this.#ordered ??= [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of this.#ordered) out = out.split(secret).join(MASK);
    return scrubUrlCredentials(out);
  }

  /**
   * A copy of `value` with every string in it redacted (object keys too), for reports that are
   * about to be serialised. Plain data only: what JSON can carry.
   */
  redactValue<T>(value: T): T {
    return this.#redactDeep(value) as T;
  }

  #redactDeep(value: unknown): unknown {
    if (typeof value === "string") return this.redact(value);
    if (Array.isArray(value)) return value.map((item: unknown) => this.#redactDeep(item));
    if (value == null || typeof value !== "object") return value;
    // toJSON first (a Date becomes its string), as JSON.stringify would.
    if ("toJSON" in value && typeof value.toJSON === "function") {
      return this.#redactDeep((value as { toJSON(): unknown }).toJSON());
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [this.redact(key), this.#redactDeep(item)]),
    );
  }

  #remember(form: string): void {
    // A form shorter than the minimum (a secret of control characters, XML-stripped) would
    // garble output as a short secret would.
    if (form.length < MIN_SECRET_LENGTH || this.#secrets.has(form)) return;
    this.#secrets.add(form);
    this.#ordered = undefined;
  }
}

/** The forms a secret takes in what we print and write. */
function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const xml = xmlEscaped(secret);
  return [
    secret,
    encodeURIComponent(secret),
    // application/x-www-form-urlencoded: `+` for a space, as URLSearchParams writes it.
    new URLSearchParams({ s: secret }).toString().slice(2),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
    json,
    // A JSON string inside a JSON string (a notification's text quoted in a report).
    JSON.stringify(json).slice(1, -1),
    xml,
    // The JUnit writer drops the control characters XML 1.0 forbids.
    stripXmlControls(xml),
    xml.replace(/'/g, "&apos;"),
  ];
}

function xmlEscaped(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** XML 1.0 forbids control characters other than tab, newline and carriage return. */
export function stripXmlControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

/** `https://user:pw@host/x` → `https://*****:*****@host/x`, the way GitLab shows mirror URLs. */
export function scrubUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
    // ssh://git@host is a login name, not a secret; keep it readable.
    if (!userinfo.includes(":") && /^ssh:/i.test(scheme)) return `${scheme}${userinfo}@`;
    return `${scheme}*****:*****@`;
  });
}

/**
 * Refuse a credential too short to mask (see MIN_SECRET_LENGTH), naming the variable and never
 * the value. Called wherever a credential is read for use.
 */
export function refuseShortSecret(variable: string, value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) return;
  throw new ToolError(
    "ESECRETSHORT",
    `variable ${variable} holds a credential shorter than ${MIN_SECRET_LENGTH} characters`,
    { fix: ["variable", { name: variable, min: MIN_SECRET_LENGTH }] },
  );
}
