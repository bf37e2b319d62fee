// `npm run docs:inputs`: give the templates' `image` inputs the released image (DEFAULT_IMAGE, the
// one place that names it), then rewrite the input tables in README.md from templates/*.yml.
import { readFile, writeFile } from "node:fs/promises";
import { DEFAULT_IMAGE } from "../src/child-pipeline/pipeline.ts";
import { COMPONENTS, templateUrl, withDefaultImage, withInputTables } from "./inputs-table-lib.ts";

for (const component of COMPONENTS) {
  const url = templateUrl(component);
  const before = await readFile(url, "utf8");
  const after = withDefaultImage(before, DEFAULT_IMAGE);
  if (after !== before) {
    await writeFile(url, after);
    console.log(`templates/${component}.yml: image default set to ${DEFAULT_IMAGE}`);
  }
}

const readmeUrl = new URL("../README.md", import.meta.url);
const before = await readFile(readmeUrl, "utf8");
const after = await withInputTables(before);
if (after !== before) await writeFile(readmeUrl, after);
console.log(after === before ? "README.md input tables are up to date" : "README.md input tables updated");
