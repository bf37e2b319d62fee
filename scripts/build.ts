// Bundle the CLI into dist/ci-mirror.mjs (see scripts/bundle.ts).
import { bundle } from "./bundle.ts";

const outfile = "dist/ci-mirror.mjs";
const { version } = await bundle(outfile);
console.log(`built ${outfile} (${version})`);
