// Bundle the CLI into one self-contained ESM file with a shebang: dist/ci-mirror.mjs.
import { build } from "esbuild";
import { chmod, readFile } from "node:fs/promises";

const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const outfile = "dist/ci-mirror.mjs";

await build({
  entryPoints: ["src/cli/bin.ts"],
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
console.log(`built ${outfile} (${pkg.version})`);
