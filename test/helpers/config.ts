import { expect } from "vitest";
import { formatIssues, parseConfig } from "../../src/config/index.ts";
import type { Config } from "../../src/config/index.ts";
import type { ConfigIssue } from "../../src/errors/tool-error.ts";

/** A config file's text from its lines. */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** The parsed config of a file that must be valid; its issues otherwise fail the test. */
export function configOf(text: string, env?: Record<string, string | undefined>): Config {
  const result = parseConfig(text, "mirrors.yml", env);
  if (!result.ok)
    throw new Error(`expected a valid config, got:\n${formatIssues("mirrors.yml", result.issues)}`);
  return result.config;
}

/** The issues of a file that must be rejected. */
export function issuesOf(text: string): ConfigIssue[] {
  const result = parseConfig(text, "mirrors.yml");
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.issues;
}

/** Exactly one issue, at this path, line and column, whose message contains `message`. */
export function expectOneIssue(
  text: string,
  where: { path: string; line: number | undefined; column: number | undefined },
  message: string,
): void {
  const issues = issuesOf(text);
  expect(issues).toHaveLength(1);
  expect({ path: issues[0]?.path, line: issues[0]?.line, column: issues[0]?.column }).toEqual(where);
  expect(issues[0]?.message).toContain(message);
}
