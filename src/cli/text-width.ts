/**
 * How many terminal columns a string takes: the bundle's stand-in for the `string-width` package
 * (scripts/bundle.ts aliases it here), which yargs and cliui use only to lay out --help.
 *
 * string-width creates an Intl.Segmenter and compiles its Unicode-property regexes when it is
 * loaded, which cost about 45 ms at every start of the CLI, even for a sync that prints no help.
 * Here ASCII (all of our help text) is measured by counting, and the Unicode machinery is built
 * on the first string that needs it.
 *
 * Same contract as string-width: ANSI escape codes are ignored; control characters, combining
 * marks and default-ignorable code points (zero-width joiner, variation selectors) take no
 * column; East Asian Wide and Fullwidth characters and emoji take 2; ambiguous ones take 1.
 * Each grapheme cluster is measured by its first visible code point (plus any spacing marks), so
 * a letter with combining marks, or an emoji ZWJ sequence, counts once. string-width has extra
 * rules for rare clusters that this leaves out (see test/text-width.test.ts).
 */
import { stripVTControlCharacters } from "node:util";
import { eastAsianWidth } from "get-east-asian-width";

interface UnicodeTables {
  segmenter: Intl.Segmenter;
  /** A code point that prints; a cluster without one takes no column. */
  visible: RegExp;
  /** A whole cluster that is an emoji (keycaps, flags, modifiers and ZWJ sequences included). */
  emoji: RegExp;
  /** A mark that takes its own column after its base (the i in Devanagari कि). */
  spacingMark: RegExp;
}

let tables: UnicodeTables | undefined;

function unicodeTables(): UnicodeTables {
  tables ??= {
    segmenter: new Intl.Segmenter(),
    visible:
      /[^\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Nonspacing_Mark}\p{Enclosing_Mark}\p{Surrogate}]/u,
    // A string, not a literal: the `v` flag (which \p{RGI_Emoji} needs) is newer than our TS target.
    emoji: new RegExp("^\\p{RGI_Emoji}$", "v"),
    spacingMark: /\p{Spacing_Mark}/u,
  };
  return tables;
}

export default function stringWidth(text: string): number {
  if (typeof text !== "string" || text.length === 0) return 0;
  const plain = text.includes("\x1b") || text.includes("\x9b") ? stripVTControlCharacters(text) : text;
  let width = 0;
  for (let i = 0; i < plain.length; i++) {
    const code = plain.charCodeAt(i);
    if (code >= 0x80) return unicodeWidth(plain);
    if (code >= 0x20 && code !== 0x7f) width += 1;
  }
  return width;
}

function unicodeWidth(text: string): number {
  const { segmenter, visible, emoji, spacingMark } = unicodeTables();
  let width = 0;
  for (const { segment } of segmenter.segment(text)) {
    const start = segment.search(visible);
    if (start === -1) continue;
    if (emoji.test(segment)) {
      width += 2;
      continue;
    }
    const [base = "", ...rest] = segment.slice(start);
    width += eastAsianWidth(base.codePointAt(0) ?? 0);
    // Spacing marks and halfwidth/fullwidth forms after the base (ｶﾞ) take columns of their own.
    for (const char of rest) {
      if (spacingMark.test(char) || (char >= "\uff00" && char <= "\uffef")) {
        width += eastAsianWidth(char.codePointAt(0) ?? 0);
      }
    }
  }
  return width;
}
