/**
 * How many terminal columns a string takes: the bundle's `string-width` (scripts/bundle.ts points
 * yargs, cliui and wrap-ansi here; they measure text only to lay out --help).
 *
 * The real package creates an Intl.Segmenter and compiles its Unicode-property regexes as it
 * loads, which cost about 45 ms at every start of the CLI, even for a sync that prints no help.
 * So ASCII (all of our help text) is counted here, ANSI escape codes skipped, and any other text
 * goes to string-width itself, loaded the first time such text comes.
 */
import { stripVTControlCharacters } from "node:util";
import type realStringWidth from "string-width";

type StringWidth = typeof realStringWidth;

let loaded: StringWidth | undefined;

function unicodeWidth(text: string): number {
  // `require`, not `import`: esbuild bundles a required ES module as a function that runs the
  // module's top level on the first call, so its cost is paid by the first non-ASCII text only.
  // (Under vitest, `require` is Node's, which loads ES modules on Node >= 20.19.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= (require("string-width") as { default: StringWidth }).default;
  return loaded(text);
}

export default function stringWidth(text: string): number {
  if (typeof text !== "string" || text.length === 0) return 0;
  const plain = text.includes("\x1b") ? stripVTControlCharacters(text) : text;
  let width = 0;
  for (let i = 0; i < plain.length; i++) {
    const code = plain.charCodeAt(i);
    // Past ASCII (the C1 CSI \x9b included): string-width's rules.
    if (code >= 0x80) return unicodeWidth(text);
    // Control characters take no column.
    if (code >= 0x20 && code !== 0x7f) width += 1;
  }
  return width;
}
