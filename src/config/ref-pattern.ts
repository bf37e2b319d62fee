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
  if (literal === undefined)
    return { ok: true, pattern: { source, matches: (name) => globMatches(source, name) } };
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
    // The config is trusted, so its regular expressions are used as written; what bounds their
    // work is the length of the names they see (core/ref-names.ts skips absurd ones first).
    const regex = new RegExp(body, flags);
    return { ok: true, pattern: { source, matches: (name) => regex.test(name) } };
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

// Whether `name` is matched by `glob`: `*` any run of characters (`/` included), `?` one.
// Two pointers that, on a mismatch, go back only to just after the last `*`: at most
// name × glob steps however the stars are placed. A regex built from the glob (`.*` per star)
// backtracks through every way of splitting the name between the stars instead: 600 `a/` then
// `b1` against `*/*/*/*-wip` took 84 s that way, and takes microseconds this way. Characters are
// UTF-16 code units, as the regex's `.` matched them before.
export function globMatches(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  // The last `*` seen, and where the name goes on after what that `*` swallows so far.
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const char = glob[g];
    if (char === "*") {
      star = g;
      g += 1;
      resume = n;
    } else if (g < glob.length && (char === "?" || char === name[n])) {
      g += 1;
      n += 1;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and match the rest of the glob from there.
      g = star + 1;
      resume += 1;
      n = resume;
    } else {
      return false;
    }
  }
  while (glob[g] === "*") g += 1;
  return g === glob.length;
}
