// `npm run docs:errors`: rewrite the README's table of error codes from src/errors/catalog.ts.
import { readFile, writeFile } from "node:fs/promises";
import { withErrorsTable } from "./errors-table-lib.ts";

const readmeUrl = new URL("../README.md", import.meta.url);
const before = await readFile(readmeUrl, "utf8");
const after = await withErrorsTable(before);
if (after !== before) await writeFile(readmeUrl, after);
console.log(after === before ? "README.md error codes are up to date" : "README.md error codes updated");
