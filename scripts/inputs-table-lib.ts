// The README's input tables come from the templates' `spec:inputs`, so the docs cannot drift.
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { markdownTable, replaceBetween } from "./readme-tables.ts";

export interface InputSpec {
  type?: string;
  description?: string;
  default?: unknown;
  options?: unknown[];
}

/** The components, in the order the README presents them. */
export const COMPONENTS = ["mirror", "audit", "push-mirrors"] as const;

export function templateUrl(component: string): URL {
  return new URL(`../templates/${component}.yml`, import.meta.url);
}

/** The header document's inputs, in file order. */
export async function readInputs(component: string): Promise<Record<string, InputSpec>> {
  const [header] = parseAllDocuments(await readFile(templateUrl(component), "utf8"));
  const spec = header?.toJS() as { spec?: { inputs?: Record<string, InputSpec> } } | undefined;
  return spec?.spec?.inputs ?? {};
}

function markers(component: string): { start: string; end: string } {
  return { start: `<!-- inputs:${component}:start -->`, end: `<!-- inputs:${component}:end -->` };
}

/** A markdown table of the inputs. */
function inputsTable(inputs: Record<string, InputSpec>): Promise<string> {
  const rows = Object.entries(inputs).map(([name, input]) => [
    `\`${name}\``,
    input.type ?? "string",
    showDefault(input),
    input.description ?? "",
  ]);
  return markdownTable(["input", "type", "default", "description"], rows);
}

function showDefault(input: InputSpec): string {
  if (!("default" in input)) return "_(required)_";
  if (input.default === "") return "_(empty)_";
  return `\`${typeof input.default === "string" ? input.default : JSON.stringify(input.default)}\``;
}

/** README with every component's table replaced between its markers; throws if a marker is missing. */
export async function withInputTables(readme: string): Promise<string> {
  let text = readme;
  for (const component of COMPONENTS) {
    const { start, end } = markers(component);
    text = replaceBetween(text, start, end, await inputsTable(await readInputs(component)));
  }
  return text;
}

/** A template's text with its `image` input's default set to `image`, everything else as it was. */
export function withDefaultImage(template: string, image: string): string {
  const replaced = template.replace(/(\n {4}image:\n(?: {6}.*\n)*? {6}default: )\S+/, `$1${image}`);
  if (!/\n {4}image:\n/.test(template)) throw new Error("template has no image input");
  return replaced;
}
