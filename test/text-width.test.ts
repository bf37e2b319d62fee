import realStringWidth from "string-width";
import { describe, expect, it } from "vitest";
import stringWidth from "../src/cli/text-width.ts";

/** Inputs on which the bundle's shim must agree with the string-width package it stands in front of. */
const SAME_AS_STRING_WIDTH: [what: string, text: string][] = [
  ["empty", ""],
  ["ASCII", "Mirror upstreams to their targets"],
  ["help line", "  -h, --help     Show help                                  [boolean]"],
  ["ANSI colours", "\x1b[31mred\x1b[39m and \x1b[1m\x1b[4mbold\x1b[0m"],
  ["ANSI around CJK", "中\x1b[32m文\x1b[0m"],
  ["C1 CSI", "\x9b31mred"],
  ["OSC 8 hyperlink", "\x1b]8;;https://example.com/a?b=c\x07link\x1b]8;;\x07"],
  ["tab", "a\tb"],
  ["newline", "a\nb"],
  ["control characters", "abc\x00\x07\x7fdef"],
  ["C1 control", "a\x85b"],
  ["Chinese", "日本語のテキスト"],
  ["Korean", "한국어"],
  ["precomposed Hangul syllable with jamo", "\u1100\u1161\u11a8"],
  ["fullwidth forms", "ｈｅｌｌｏ１２３"],
  ["halfwidth katakana", "ﾊﾝｶｸ"],
  ["halfwidth katakana with voiced mark", "ｶﾞ"],
  ["Latin-1 and punctuation", "é … — ± → ä"],
  ["ambiguous width is narrow", "α ① ※"],
  ["combining acute", "e\u0301"],
  ["stacked combining marks", "a\u0300\u0301\u0302"],
  ["Devanagari with spacing marks", "नमस्ते कि"],
  ["Thai with tone mark", "ก่"],
  ["zero-width space", "a\u200bb"],
  ["zero-width joiner between letters", "a\u200db"],
  ["byte order mark", "\ufeffx"],
  ["soft hyphen", "a\u00adb"],
  ["tag character", "\u{e0001}"],
  ["lone surrogate", "\ud800"],
  ["emoji", "👍😀"],
  ["emoji with skin tone", "👍🏽"],
  ["text-style heart", "❤"],
  ["heart with emoji presentation selector", "❤️"],
  ["warning sign, text and emoji", "⚠ ⚠️"],
  ["check marks", "✔ ✓ ℹ"],
  ["keycap", "1️⃣ #️⃣"],
  ["flag", "🇺🇸"],
  ["lone regional indicator", "🇦"],
  ["family ZWJ sequence", "👨‍👩‍👧"],
  ["rainbow flag ZWJ sequence", "🏳️‍🌈"],
  ["technologist with skin tone", "👩🏽‍💻"],
  ["people holding hands", "🧑‍🤝‍🧑"],
  ["keycap without its variation selector", "1\u20e3"],
  ["leading jamo before a Hangul syllable", "\u1100\uac00"],
];

describe("stringWidth (the bundle's string-width)", () => {
  it.each(SAME_AS_STRING_WIDTH)("agrees with string-width: %s", (_what, text) => {
    expect(stringWidth(text)).toBe(realStringWidth(text));
  });
});
