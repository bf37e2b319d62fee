// How the CLI is bundled into one self-contained ESM file with a shebang, and the check that
// it stayed self-contained. Used by scripts/build.ts and by the bundle test.
import { build, type Metafile } from "esbuild";
import { chmod, readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";

export async function bundle(outfile: string): Promise<{ version: string; externals: string[] }> {
  const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const result = await build({
    entryPoints: [new URL("../src/cli/bin.ts", import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    // The bundle must run on every supported Node, not only the one that built it.
    target: "node20",
    // Less to parse at every start of a CI job; names are kept so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    define: { CI_MIRROR_VERSION: JSON.stringify(pkg.version) },
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
export function externalImports(metafile: Metafile): string[] {
  const specifiers = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const entry of output.imports) if (entry.external) specifiers.add(entry.path);
  }
  return [...specifiers].sort();
}
