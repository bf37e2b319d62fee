/**
 * Request parameters the way Grape sees them: query string, form and JSON body merged into one
 * hash (gitbeaker's ProtectedBranches.create sends its options in the query string, for one),
 * then coerced per declared type with Grape's error wording ("<p> is invalid", "<p> is missing").
 */
import { paramError } from "./errors.ts";

export type Params = Record<string, unknown>;

export function mergeParams(query: URLSearchParams, body: Params): Params {
  const merged: Params = {};
  for (const [key, value] of query) {
    if (key.endsWith("[]")) {
      const name = key.slice(0, -2);
      const list = merged[name];
      merged[name] = Array.isArray(list) ? [...(list as unknown[]), value] : [value];
    } else {
      merged[key] = value;
    }
  }
  return { ...merged, ...body };
}

export function parseBody(contentType: string | undefined, raw: string): Params | "invalid" {
  if (raw.trim() === "") return {};
  if (contentType?.includes("application/x-www-form-urlencoded") === true) {
    return mergeParams(new URLSearchParams(raw), {});
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === "object" && parsed != null && !Array.isArray(parsed) ? (parsed as Params) : {};
  } catch {
    return "invalid";
  }
}

export function has(params: Params, name: string): boolean {
  return Object.hasOwn(params, name);
}

const TRUE = new Set(["true", "1", "t", "yes", "y", "on"]);
const FALSE = new Set(["false", "0", "f", "no", "n", "off"]);

/** Grape Boolean: absent is undefined, an explicit null stays null for the model to judge. */
export function booleanParam(params: Params, name: string): boolean | null | undefined {
  if (!has(params, name)) return undefined;
  const value = params[name];
  if (value == null) return null;
  if (typeof value === "boolean") return value;
  if (typeof value !== "string" && typeof value !== "number") throw paramError(`${name} is invalid`);
  const text = String(value).toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw paramError(`${name} is invalid`);
}

export function integerParam(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value == null || value === "") return undefined;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  throw paramError(`${name} is invalid`);
}

export function stringParam(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value == null) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  throw paramError(`${name} is invalid`);
}

export function stringArrayParam(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value == null) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === "string")) throw paramError(`${name} is invalid`);
  return list.filter((v) => typeof v === "string");
}

/** Grape `values:`: "<p> does not have a valid value". */
export function oneOf<T extends string>(params: Params, name: string, values: readonly T[]): T | undefined {
  const value = stringParam(params, name);
  if (value == null) return undefined;
  const found = values.find((v) => v === value);
  if (found == null) throw paramError(`${name} does not have a valid value`);
  return found;
}
