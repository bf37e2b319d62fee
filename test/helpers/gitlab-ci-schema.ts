import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import { parseAllDocuments } from "yaml";

/** GitLab's own `.gitlab-ci.yml` schema, vendored in the repository (its README says where from). */
const SCHEMA_URL = new URL("../fixtures/gitlab-ci-schema/ci.json", import.meta.url);

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let compiled: ((data: unknown) => string[]) | undefined;

/** Errors of one YAML document against the schema, as `path: message` lines; empty when valid. */
export function schemaErrors(document: unknown): string[] {
  if (compiled == null) {
    // strict:false: the schema carries GitLab's editor keywords (markdownDescription) ajv does not know.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as object);
    compiled = (data) =>
      validate(data)
        ? []
        : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"}: ${e.message}`);
  }
  return compiled(document);
}

/** Each YAML document of a file as plain data; a YAML error fails loudly. */
export function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    const [error] = doc.errors;
    if (error != null) throw new Error(error.message);
    return doc.toJS() as unknown;
  });
}

export type InputValues = Record<string, unknown>;

const WHOLE = /^\$\[\[\s*inputs\.([\w-]+)\s*\]\]$/;
const EMBEDDED = /\$\[\[\s*inputs\.([\w-]+)(?:\s*\|[^\]]*)?\s*\]\]/g;

/**
 * Replace `$[[ inputs.x ]]` as GitLab does: a block that is the whole value keeps the input's
 * type; inside a longer string it is text. An unknown key throws, like GitLab's
 * "unknown interpolation key".
 */
export function interpolate(node: unknown, values: InputValues): unknown {
  if (typeof node === "string") {
    const whole = WHOLE.exec(node);
    if (whole != null) return lookup(values, whole[1] ?? "");
    return node.replace(EMBEDDED, (_match, key: string) => {
      const value = lookup(values, key);
      // GitLab's rendering of an array inside a string is unverified; JSON is what gitlab-ci-local does.
      return typeof value === "string" ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(node)) return node.map((item) => interpolate(item, values));
  if (node != null && typeof node === "object")
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [interpolate(key, values), interpolate(value, values)]),
    );
  return node;
}

function lookup(values: InputValues, key: string): unknown {
  if (!(key in values)) throw new Error(`unknown interpolation key: ${key}`);
  return values[key];
}
