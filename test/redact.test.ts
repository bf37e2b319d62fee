import { describe, expect, it } from "vitest";
import { ToolError } from "../src/errors/tool-error.ts";
import { junitDocument } from "../src/output/junit-xml.ts";
import {
  MASK,
  MIN_SECRET_LENGTH,
  Redactor,
  refuseShortSecret,
  scrubUrlCredentials,
} from "../src/util/redact.ts";
import { findCanary } from "./helpers/canary.ts";

describe("Redactor", () => {
  it("masks a secret in its raw, URL-encoded, base64 and Basic-auth forms", () => {
    const redactor = new Redactor();
    const token = "glpat-s3cr+t/value";
    redactor.addBasicAuth("oauth2", token);
    const basic = Buffer.from(`oauth2:${token}`).toString("base64");
    const text = `a ${token} b ${encodeURIComponent(token)} c ${Buffer.from(token).toString("base64")} d ${basic}`;

    const out = redactor.redact(text);

    expect(out).toBe(`a ${MASK} b ${MASK} c ${MASK} d ${MASK}`);
  });

  it("ignores values too short to be secrets", () => {
    const redactor = new Redactor();
    redactor.add("ab");

    expect(redactor.redact("ab cd")).toBe("ab cd");
  });

  it("agrees with GitLab's masking minimum: 8 characters are masked, 7 are not", () => {
    const redactor = new Redactor();
    redactor.add("1234567");
    redactor.add("abcdefgh");

    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(redactor.redact("refs/1234567/b4 abcdefgh")).toBe(`refs/1234567/b4 ${MASK}`);
  });

  const ESCAPED = 'to"k\\en&<x>\u0007-81f3';

  it("masks the JSON-escaped and XML-escaped forms of a secret in rendered text", () => {
    const redactor = new Redactor();
    redactor.add(ESCAPED);
    const json = JSON.stringify({ message: `said ${ESCAPED}` });
    const xml = junitDocument("s", "t", [{ classname: "c", name: "n", text: `said ${ESCAPED}` }]);

    expect(findCanary(ESCAPED, [{ where: "json", text: json }]).length).toBeGreaterThan(0);
    expect(redactor.redact(json)).toBe(JSON.stringify({ message: `said ${MASK}` }));
    expect(redactor.redact(xml)).toContain(`<system-out>said ${MASK}</system-out>`);
    expect(findCanary(ESCAPED, [{ where: "xml", text: redactor.redact(xml) }])).toEqual([]);
  });

  it("redacts a value deeply before it is serialised: strings, keys, arrays, dates", () => {
    const redactor = new Redactor();
    redactor.add(ESCAPED);
    const at = new Date("2026-01-02T03:04:05.000Z");
    const value = { a: [`x ${ESCAPED}`, 3, null, { [ESCAPED]: true }], at, ok: false, none: undefined };

    const redacted = redactor.redactValue(value);

    expect(redacted).toEqual({
      a: [`x ${MASK}`, 3, null, { [MASK]: true }],
      at: "2026-01-02T03:04:05.000Z",
      ok: false,
      none: undefined,
    });
    expect(value.a[0]).toBe(`x ${ESCAPED}`);
  });
});

describe("refuseShortSecret", () => {
  it("names the variable, never the value", () => {
    const error = (() => {
      try {
        refuseShortSecret("MIRROR_TOKEN", "abc12");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe("ESECRETSHORT");
    expect((error as ToolError).message).toContain("MIRROR_TOKEN");
    expect(`${(error as ToolError).message} ${(error as ToolError).fix ?? ""}`).not.toContain("abc12");
    expect(() => refuseShortSecret("MIRROR_TOKEN", "abcdefgh")).not.toThrow();
  });
});

describe("scrubUrlCredentials", () => {
  it.each([
    [
      "fatal: unable to access 'https://user:tok@host/x.git/'",
      "fatal: unable to access 'https://*****:*****@host/x.git/'",
    ],
    ["https://tok@host/x.git", "https://*****:*****@host/x.git"],
    ["ssh://git@host/x.git", "ssh://git@host/x.git"],
    ["no url here", "no url here"],
  ])("%s", (input, expected) => {
    expect(scrubUrlCredentials(input)).toBe(expected);
  });
});
