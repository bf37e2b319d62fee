import type { RefPattern } from "./types.ts";

/**
 * Ref patterns as users write them: `/…/flags` is a regular expression used as written (the user
 * anchors it if they want to), anything else is a glob. Globs match the whole name, and their `*`
 * crosses `/` on purpose: `release/*` should also select `release/1.x/hotfix`.
 */
const REGEX_LITERAL = /^\/(?<body>.*)\/(?<flags>[a-z]*)$/s;
// `g` and `y` make RegExp#test stateful between calls, which would make matching depend on order.
const ALLOWED_FLAGS = new Set(["i", "m", "s", "u"]);

type CompileResult = { ok: true; pattern: RefPattern } | { ok: false; problem: string };

/** Compiles a pattern that `patternProblem` accepted; throws on one it did not. */
export function compilePattern(source: string): RefPattern {
  const result = tryCompile(source);
  if (!result.ok) throw new Error(result.problem);
  return result.pattern;
}

/** Why `source` is not a usable pattern, or undefined when it is. */
export function patternProblem(source: string): string | undefined {
  const result = tryCompile(source);
  return result.ok ? undefined : result.problem;
}

function tryCompile(source: string): CompileResult {
  if (source.trim() === "")
    return { ok: false, problem: "empty pattern: use `*` for all refs, or remove the entry" };
  const literal = REGEX_LITERAL.exec(source)?.groups;
  if (literal === undefined) return { ok: true, pattern: { source, regex: globToRegExp(source) } };
  return compileRegex(source, literal["body"] ?? "", literal["flags"] ?? "");
}

function compileRegex(source: string, body: string, flags: string): CompileResult {
  if (body === "") return { ok: false, problem: `empty regular expression \`${source}\`` };
  const badFlag = [...flags].find((flag) => !ALLOWED_FLAGS.has(flag));
  if (badFlag !== undefined) {
    return {
      ok: false,
      problem: `unsupported regex flag \`${badFlag}\` in \`${source}\` (allowed: ${[...ALLOWED_FLAGS].join(", ")})`,
    };
  }
  try {
    return { ok: true, pattern: { source, regex: new RegExp(body, flags) } };
  } catch (error) {
    return { ok: false, problem: `invalid regular expression \`${source}\`: ${reasonOf(error)}` };
  }
}

// The engine's message repeats the whole pattern before the reason; the reason is what helps.
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message.slice(message.lastIndexOf(": ") + 2);
  return reason === "" ? message : reason;
}

function globToRegExp(glob: string): RegExp {
  let body = "";
  for (const char of glob) {
    if (char === "*") body += ".*";
    else if (char === "?") body += ".";
    else body += char.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
  }
  return new RegExp(`^${body}$`, "s");
}
