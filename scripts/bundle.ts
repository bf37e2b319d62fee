// How the CLI is bundled into one self-contained ESM file with a shebang, and the check that
// it stayed self-contained. Used by scripts/build.ts, by the bundle test, and by the bench (which
// bundles its no-op floor program the same way, so the two start up alike).
import { build, type Metafile, type Plugin } from "esbuild";
import { chmod, readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";

const CLI_ENTRY = new URL("../src/cli/bin.ts", import.meta.url).pathname;
const TEXT_WIDTH = new URL("../src/cli/text-width.ts", import.meta.url).pathname;

/**
 * yargs (and cliui, wrap-ansi) measure strings only to lay out --help, but string-width builds an
 * Intl.Segmenter and Unicode-property regexes as it loads: ~45 ms at every start, a no-op sync
 * included. Their `string-width` is src/cli/text-width.ts, which counts ASCII itself and loads
 * the real package (bundled, and run on first use) for any other text.
 */
const textWidthShim: Plugin = {
  name: "text-width-shim",
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, (args) =>
      args.importer === TEXT_WIDTH ? undefined : { path: TEXT_WIDTH },
    );
  },
};

export async function bundle(
  outfile: string,
  entry: string = CLI_ENTRY,
): Promise<{ version: string; externals: string[] }> {
  const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    // The bundle must run on every supported Node, not only the one that built it.
    target: "node20",
    // Less to parse at every start of a CI job. Identifiers are not minified, so stack traces
    // stay readable. No keepNames: nothing reads the .name of a bundled function or class (our
    // errors set `name` literally), and its ~1,600 __name() calls added 85 KB and ~2 ms a start.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    define: { CI_MIRROR_VERSION: JSON.stringify(pkg.version) },
    plugins: [textWidthShim],
    banner: {
      // Some dependencies are CommonJS and call require(); give the ESM bundle one.
      js: [
        "#!/usr/bin/env node",
        'import { createRequire as __ciMirrorCreateRequire } from "node:module";',
        "const require = __ciMirrorCreateRequire(import.meta.url);",
      ].join("\n"),
    },
    logLevel: "warning",
  });
  await chmod(outfile, 0o755);
  const externals = externalImports(result.metafile);
  const packages = externals.filter((specifier) => !isBuiltin(specifier));
  if (packages.length > 0) {
    // A job image has no node_modules: anything left outside the bundle would fail at run time.
    throw new Error(`the bundle imports packages it does not contain: ${packages.join(", ")}`);
  }
  return { version: pkg.version, externals };
}

/** Every module the bundle still imports at run time (static, dynamic or require). */
function externalImports(metafile: Metafile): string[] {
  const specifiers = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const entry of output.imports) if (entry.external) specifiers.add(entry.path);
  }
  return [...specifiers].sort();
}
