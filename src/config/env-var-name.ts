/**
 * Credentials are named, never written: the file holds the NAME of a CI/CD variable and ci-mirror
 * reads the value at run time. People still paste the token itself, so these checks recognise that
 * and take care never to repeat the value in a message (messages end up in public job logs).
 */
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOLLAR_REFERENCE = /^\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?$/;

// Prefixes of tokens that GitLab, GitHub, Slack, AWS and OpenAI-style services issue.
const SECRET_PREFIXES = [
  "glpat-",
  "gloas-",
  "gldt-",
  "glrt-",
  "glcbt-",
  "glptt-",
  "glft-",
  "glimt-",
  "glagent-",
  "glsoat-",
  "glffct-",
  "GR1348941",
  "ghp_",
  "gho_",
  "ghu_",
  "ghs_",
  "ghr_",
  "github_pat_",
  "xoxb-",
  "xoxp-",
  "AKIA",
  "sk-",
  "-----BEGIN",
];

// Variable names are words; random tokens mix cases and digits or are long runs of hex.
const LONG_MIXED = 20;
const HEX_RUN = /^[0-9a-f]{32,}$/i;
const TOO_LONG_FOR_A_NAME = 64;

/** True when the text is probably a credential, so it must not be shown back to the user. */
export function looksLikeSecret(text: string): boolean {
  if (SECRET_PREFIXES.some((prefix) => text.startsWith(prefix))) return true;
  if (HEX_RUN.test(text) || text.length > TOO_LONG_FOR_A_NAME) return true;
  return text.length >= LONG_MIXED && /[a-z]/.test(text) && /[A-Z]/.test(text) && /[0-9]/.test(text);
}

/** Why `value` cannot be the name of a CI/CD variable, or undefined when it can. */
export function envVarNameProblem(value: string): string | undefined {
  if (value.trim() === "") return "empty: expected the NAME of a CI/CD variable";
  const reference = DOLLAR_REFERENCE.exec(value)?.groups?.["name"];
  if (reference !== undefined && !looksLikeSecret(reference)) {
    return `write the variable name without \`$\`: \`${reference}\` (ci-mirror reads the variable itself)`;
  }
  if (!ENV_VAR_NAME.test(value) || looksLikeSecret(value)) {
    return "expected the NAME of a CI/CD variable, not its value (letters, digits and `_`, e.g. `MIRROR_TOKEN`)";
  }
  return undefined;
}

// Longer than any real key, or not shaped like one: possibly a pasted secret.
const SHOWABLE_KEY = /^[A-Za-z0-9_.-]{1,40}$/;

/** Whether a key the user wrote can be repeated in a message without risking a secret. */
export function canShowKey(key: string): boolean {
  return SHOWABLE_KEY.test(key) && !looksLikeSecret(key);
}
