import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError, type ConfigIssue } from "../errors/tool-error.ts";
import { parseConfig } from "./parse.ts";
import type { Config } from "./types.ts";

export interface LoadConfigOptions {
  /** Directory a relative `file` is resolved against. */
  cwd: string;
  /** When given, warn about CI/CD variables the config names but this environment lacks. */
  env?: Record<string, string | undefined> | undefined;
}

/** Reads and parses the config file; throws a ConfigError listing every problem. */
export async function loadConfig(
  file: string,
  options: LoadConfigOptions,
): Promise<{ config: Config; warnings: ConfigIssue[] }> {
  const fullPath = resolve(options.cwd, file);
  let text: string;
  try {
    text = await readFile(fullPath, "utf8");
  } catch (error) {
    throw new ConfigError(file, [readProblem(error, fullPath)], {
      message: `${file}: the config file cannot be read`,
    });
  }
  const result = parseConfig(text, file, options.env);
  if (!result.ok) throw new ConfigError(file, result.issues);
  return { config: result.config, warnings: result.warnings };
}

function readProblem(error: unknown, fullPath: string): ConfigIssue {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === "ENOENT") {
    return {
      path: "",
      message: `config file not found: ${fullPath}; create it, or pass its path with \`--config <file>\``,
    };
  }
  if (code === "EISDIR") {
    return { path: "", message: `${fullPath} is a directory; pass the config file with \`--config <file>\`` };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return { path: "", message: `cannot read the config file: ${reason}` };
}
