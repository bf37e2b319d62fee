/**
 * Canary scans: every form in which a token could leave ci-mirror (raw, URL-encoded, base64 on
 * its own and as the `user:token` of a Basic header, JSON- and XML-escaped), and where in a text
 * any of them turns up.
 */
export function tokenForms(token: string, username = "oauth2"): string[] {
  const forms = [
    token,
    encodeURIComponent(token),
    Buffer.from(token).toString("base64"),
    Buffer.from(`${username}:${token}`).toString("base64"),
    JSON.stringify(token).slice(1, -1),
    token.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"),
  ];
  return [...new Set(forms)];
}

/** The forms of these tokens found in `text`, as `token form` descriptions; empty when clean. */
export function tokensIn(text: string, tokens: readonly string[]): string[] {
  const found: string[] = [];
  for (const token of tokens) {
    for (const form of tokenForms(token)) if (text.includes(form)) found.push(`${token} as ${form}`);
  }
  return found;
}
