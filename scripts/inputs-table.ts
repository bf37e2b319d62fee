// `npm run docs:inputs`: rewrite the input tables in README.md from templates/*.yml.
import { readFile, writeFile } from "node:fs/promises";
import { withInputTables } from "./inputs-table-lib.ts";

const readmeUrl = new URL("../README.md", import.meta.url);
const before = await readFile(readmeUrl, "utf8");
const after = await withInputTables(before);
if (after !== before) await writeFile(readmeUrl, after);
console.log(after === before ? "README.md input tables are up to date" : "README.md input tables updated");
