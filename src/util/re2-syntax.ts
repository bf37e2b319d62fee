/**
 * Whether a pattern is valid RE2 syntax, which is what GitLab checks a push mirror's
 * `mirror_branch_regex` with (app/validators/untrusted_regexp_validator.rb: `Gitlab::UntrustedRegexp`
 * is RE2, and the error is "not valid RE2 syntax: <RE2's message>"). RE2 has no backtracking, so it
 * refuses what JavaScript accepts: lookaround, backreferences, atomic groups and possessive
 * quantifiers; and it accepts two things JavaScript on Node 20 does not: `(?P<name>…)` groups and
 * inline flags such as `(?i)`. Messages use RE2's own words (re2/regexp.cc, RegexpStatus codes).
 */
const MAX_REPEAT = 1000;

// V8's reasons for the errors both engines share, in RE2's words.
const RE2_WORDS: Record<string, string> = {
  "Unterminated group": "missing )",
  "Unmatched ')'": "unexpected )",
  "Unterminated character class": "missing ]",
  "Nothing to repeat": "missing argument to repetition operator",
  "Range out of order in character class": "invalid character class range",
};

/** RE2's error for the pattern, e.g. "invalid perl operator: (?=", or undefined when it compiles. */
export function re2SyntaxError(pattern: string): string | undefined {
  const found = unsupported(pattern);
  if (found !== undefined) return found;
  try {
    new RegExp(toJavaScript(pattern));
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The engine repeats the whole pattern before its reason; the reason is what helps.
    const reason = message.slice(message.lastIndexOf(": ") + 2);
    return RE2_WORDS[reason] ?? reason;
  }
}

/**
 * A JavaScript RegExp that matches as the RE2 pattern does, for patterns re2SyntaxError accepts:
 * `(?P<name>` becomes `(?<name>`, and inline flags apply to the whole pattern (exact when they
 * lead it, as they usually do).
 */
export function re2ToRegExp(pattern: string): RegExp {
  const flags = new Set<string>();
  for (const match of pattern.matchAll(/\(\?([imsU]+)(?:\)|:)/g)) {
    for (const flag of match[1] ?? "") if (flag === "i" || flag === "m" || flag === "s") flags.add(flag);
  }
  return new RegExp(toJavaScript(pattern), [...flags].join(""));
}

// The RE2 constructs JavaScript lacks, rewritten so that JavaScript can check the rest.
function toJavaScript(pattern: string): string {
  return pattern
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?[imsU-]+\)/g, "")
    .replace(/\(\?[imsU-]+:/g, "(?:");
}

/** Walks the pattern outside character classes, where RE2 and JavaScript differ. */
function unsupported(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (next === "") return "trailing \\";
      if (!inClass && (/[1-9]/.test(next) || "kZGh".includes(next)))
        return `invalid escape sequence: \\${next}`;
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      // `[]…]` and `[^]…]`: a leading `]` is a literal.
      if (pattern[i + 1] === "^") i += 1;
      if (pattern[i + 1] === "]") i += 1;
      continue;
    }
    if (c === "(" && pattern[i + 1] === "?") {
      const op = pattern.slice(i, i + 4);
      if (/^\(\?(=|!|>|\()/.test(op) || /^\(\?<[=!]/.test(op) || op.startsWith("(?P=")) {
        return `invalid perl operator: ${op.startsWith("(?<") || op.startsWith("(?P") ? op : op.slice(0, 3)}`;
      }
      continue;
    }
    if ("*+?}".includes(c ?? "") && pattern[i + 1] === "+" && !(c === "}" && !closesRepeat(pattern, i))) {
      return `bad repetition operator: ${c ?? ""}+`;
    }
    if (c === "{") {
      const repeat = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (repeat != null) {
        const counts = [repeat[1], repeat[2]].filter((n) => n != null && n !== "").map(Number);
        if (counts.some((n) => n > MAX_REPEAT)) return `invalid repetition size: ${repeat[0]}`;
      }
    }
  }
  return undefined;
}

function closesRepeat(pattern: string, index: number): boolean {
  const open = pattern.lastIndexOf("{", index);
  return open >= 0 && /^\{\d+(?:,\d*)?\}$/.test(pattern.slice(open, index + 1));
}
