import { describe, expect, it } from "vitest";
import { MASK, Redactor, scrubUrlCredentials } from "../src/output/redact.ts";

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
