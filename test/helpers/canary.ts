/**
 * Canary-token scan: a test hands over a token it gave ci-mirror and every text the run produced
 * (stdout, stderr, report files, what a server received) and learns where any form of the token
 * shows up. The forms are the ones a secret takes on its way out: raw, URL-encoded, base64 (also
 * as the `user:token` of a Basic header), JSON-escaped, XML-escaped and quoted-printable.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** One text the run produced, and where it came from (for the failure message). */
export interface ScannedText {
  where: string;
  text: string;
}

export interface CanaryOptions {
  /** Basic-auth user names whose `user:token` base64 is looked for too (default oauth2, gitlab-ci-token). */
  users?: readonly string[];
}

/** Every form of the token worth looking for, each with its name. */
function canaryForms(token: string, options: CanaryOptions = {}): Map<string, string> {
  const forms = new Map<string, string>();
  const add = (name: string, form: string): void => {
    // A form equal to one already listed (a token without special characters escapes to itself)
    // is reported under its first name.
    if (form !== "" && ![...forms.values()].includes(form)) forms.set(name, form);
  };
  add("raw", token);
  add("URL-encoded", encodeURIComponent(token));
  add("form-encoded", new URLSearchParams({ t: token }).toString().slice(2));
  add("base64", Buffer.from(token).toString("base64"));
  add("base64url", Buffer.from(token).toString("base64url"));
  for (const user of options.users ?? ["oauth2", "gitlab-ci-token"]) {
    add(`base64 of ${user}:token`, Buffer.from(`${user}:${token}`).toString("base64"));
  }
  const json = JSON.stringify(token).slice(1, -1);
  add("JSON-escaped", json);
  add("JSON-escaped twice", JSON.stringify(json).slice(1, -1));
  add("XML-escaped", xmlEscape(token, false));
  add("XML-escaped, control characters dropped", xmlEscape(token, true));
  add("XML-escaped with &apos;", xmlEscape(token, false).replace(/'/g, "&apos;"));
  add("XML-escaped with numeric references", numericXml(token));
  add("quoted-printable (e-mail)", quotedPrintable(token));
  return forms;
}

/** The forms of these tokens found in `text`, as `token as form` descriptions; empty when clean. */
export function tokensIn(text: string, tokens: readonly string[]): string[] {
  return tokens.flatMap((token) =>
    [...canaryForms(token)].filter(([, form]) => text.includes(form)).map(([name]) => `${token} as ${name}`),
  );
}

/** Where the token shows up: one `where: form` line per hit; empty when it never does. */
export function findCanary(
  token: string,
  texts: readonly ScannedText[],
  options: CanaryOptions = {},
): string[] {
  const hits: string[] = [];
  const forms = canaryForms(token, options);
  for (const { where, text } of texts) {
    for (const [name, form] of forms) if (text.includes(form)) hits.push(`${where}: ${name}`);
  }
  return hits;
}

/** Throws, naming every place and form, when any form of any token appears in any text. */
export function expectNoCanary(
  tokens: string | readonly string[],
  texts: readonly ScannedText[],
  options: CanaryOptions = {},
): void {
  const hits = (typeof tokens === "string" ? [tokens] : tokens).flatMap((token) =>
    findCanary(token, texts, options).map((hit) => `${JSON.stringify(token)} in ${hit}`),
  );
  if (texts.length === 0) throw new Error("canary scan over no texts: nothing was checked");
  if (hits.length > 0) throw new Error(`a token leaked:\n  ${hits.join("\n  ")}`);
}

/** Every file under a directory, as text, named by its path relative to the directory. */
export async function filesUnder(dir: string): Promise<ScannedText[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const texts = await Promise.all(
    // latin1 maps every byte to one character, so a binary file cannot hide an ASCII token.
    files.map(async (file) => {
      try {
        return { where: relative(dir, file), text: await readFile(file, "latin1") };
      } catch (error) {
        // A lock or temporary file that another run removed meanwhile held nothing to scan.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    }),
  );
  return texts.filter((text) => text != null);
}

/** The texts of a CLI run, named. */
export function runTexts(label: string, run: { stdout: string; stderr: string }): ScannedText[] {
  return [
    { where: `${label} stdout`, text: run.stdout },
    { where: `${label} stderr`, text: run.stderr },
  ];
}

function xmlEscape(text: string, dropControls: boolean): string {
  const escaped = text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
  // eslint-disable-next-line no-control-regex
  return dropControls ? escaped.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "") : escaped;
}

function quotedPrintable(text: string): string {
  return [...Buffer.from(text)]
    .map((byte) =>
      byte === 0x3d || byte < 0x20 || byte > 0x7e
        ? `=${byte.toString(16).toUpperCase().padStart(2, "0")}`
        : String.fromCharCode(byte),
    )
    .join("");
}

function numericXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"'\u0000-\u001f]/g, (c) => `&#${c.charCodeAt(0)};`);
}
