import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ERRORS, SCRIPT_ERRORS } from "../src/errors/catalog.ts";
import { ToolError, UsageError } from "../src/errors/tool-error.ts";
import { MIN_SECRET_LENGTH } from "../src/util/redact.ts";
import { CLI_CHECK } from "../src/child-pipeline/pipeline.ts";
import { withErrorsTable } from "../scripts/errors-table-lib.ts";
import { COMPONENTS, templateUrl } from "../scripts/inputs-table-lib.ts";

/** The catalog is the one place an error code, its exit code and its fix are written. */
const readme = (): Promise<string> => readFile(new URL("../README.md", import.meta.url), "utf8");

describe("the error catalog", () => {
  it("gives a ToolError its exit code, whatever the throw site says", () => {
    expect(new ToolError("ELOCKED", "held").exitCode).toBe(3);
    expect(new ToolError("EENVMISSING", "not set").exitCode).toBe(2);
    expect(new ToolError("EAUDITEMPTY", "nothing").exitCode).toBe(2);
    expect(new ToolError("EGITAUTH", "refused").exitCode).toBe(1);
    expect(new UsageError("bad flag").exitCode).toBe(2);
  });

  it("gives every error a fix: the general one, or the variant the throw site picks", () => {
    expect(new ToolError("EREJECTED", "x").fix).toBe(ERRORS.EREJECTED.fix);
    expect(new UsageError("x", "whichMirrors").fix).toBe("Pass --mirror NAME (repeatable) or --all.");
    expect(new ToolError("EENVMISSING", "x", { fix: ["gitlabToken", { name: "GL_TOKEN" }] }).fix).toBe(
      "Add a masked CI/CD variable GL_TOKEN holding a token with the api scope (or name another variable in gitlab.token).",
    );
  });

  it("has words for every code and every variant", () => {
    for (const [code, entry] of Object.entries({ ...ERRORS, ...SCRIPT_ERRORS })) {
      expect(code, code).toMatch(/^E[A-Z]+$/);
      expect(entry.meaning.length, code).toBeGreaterThan(10);
      expect(entry.fix, code).toMatch(/\.$/);
    }
    // Every variant, with a made-up value for each parameter it reads.
    const params = new Proxy({}, { get: (_target, key) => (key === "count" ? 2 : `<${String(key)}>`) });
    for (const [code, entry] of Object.entries(ERRORS)) {
      for (const [name, variant] of Object.entries("variants" in entry ? entry.variants : {})) {
        const text = typeof variant === "string" ? variant : (variant as (p: unknown) => string)(params);
        expect(text, `${code}.${name}`).not.toMatch(/undefined|\[object/);
        expect(text.length, `${code}.${name}`).toBeGreaterThan(10);
      }
    }
  });

  it("says the shortest credential it masks as the redactor does", () => {
    expect(ERRORS.ESECRETSHORT.meaning).toContain(`${MIN_SECRET_LENGTH} characters`);
  });

  it("holds every code the components' scripts print", async () => {
    const scripts = [CLI_CHECK];
    for (const component of COMPONENTS) scripts.push(await readFile(templateUrl(component), "utf8"));
    const printed = scripts.flatMap((text) =>
      [...text.matchAll(/error (E[A-Z]+):/g)].map((match) => match[1]),
    );

    expect(printed.length).toBeGreaterThan(COMPONENTS.length);
    for (const code of printed) expect(Object.keys({ ...ERRORS, ...SCRIPT_ERRORS })).toContain(code);
  });

  it("uses only exit codes that the README's exit-code table explains, and every one of them", async () => {
    const text = await readme();
    const table = text.slice(text.indexOf("### Exit codes"), text.indexOf("#### Cancellation"));
    const rows = [...table.matchAll(/^\| (\d+)\s+\|/gm)].map((match) => Number(match[1]));
    const used = new Set(Object.values({ ...ERRORS, ...SCRIPT_ERRORS }).map((entry) => entry.exit as number));
    // A cancelled run exits by its signal: 130 for SIGINT, and ECANCELLED's 143 for SIGTERM.
    used.add(130);

    const ascending = (a: number, b: number): number => a - b;
    expect(rows.filter((code) => code !== 0).sort(ascending)).toEqual([...used].sort(ascending));
  });
});

describe("the README's table of error codes", () => {
  it("is the catalog's (npm run docs:errors)", async () => {
    const text = await readme();
    expect(await withErrorsTable(text)).toBe(text);
  });
});
