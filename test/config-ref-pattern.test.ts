import { describe, expect, it } from "vitest";
import { compilePattern } from "../src/config/index.ts";
import { patternProblem } from "../src/config/ref-pattern.ts";

describe("compilePattern", () => {
  it.each<[string, string[], string[]]>([
    // [pattern, matches, does not match]
    ["*", ["main", "release/1.x", "a/b/c"], []],
    ["main", ["main"], ["maint", "xmain", "feature/main"]],
    ["release/*", ["release/1.0", "release/1.x/hotfix"], ["release", "xrelease/1", "Release/1"]],
    ["v?.0", ["v1.0", "vx.0"], ["v10.0", "v.0"]],
    ["a?c", ["a/c", "abc"], ["ac"]],
    ["v1.2", ["v1.2"], ["v1x2"]],
    ["(a)+[b]{2}|c^$", ["(a)+[b]{2}|c^$"], ["ab", "c"]],
    ["refs/heads/wip/*", ["refs/heads/wip/x"], ["wip/x"]],
    ["/^v\\d+$/", ["v1", "v12"], ["v12a", "xv1"]],
    ["/ma/", ["main", "xmay"], ["MAIN"]],
    ["/^main$/i", ["MAIN", "main"], ["mainx"]],
  ])("%s", (source, matches, nonMatches) => {
    const pattern = compilePattern(source);
    expect(pattern.source).toBe(source);
    for (const name of matches) expect([name, pattern.regex.test(name)]).toEqual([name, true]);
    for (const name of nonMatches) expect([name, pattern.regex.test(name)]).toEqual([name, false]);
  });

  it.each([
    ["", "empty pattern: use `*` for all refs, or remove the entry"],
    ["   ", "empty pattern: use `*` for all refs, or remove the entry"],
    ["//", "empty regular expression `//`"],
    ["/v(/", "invalid regular expression `/v(/`: Unterminated group"],
    ["/a/g", "unsupported regex flag `g` in `/a/g` (allowed: i, m, s, u)"],
    ["/a/y", "unsupported regex flag `y` in `/a/y` (allowed: i, m, s, u)"],
  ])("rejects %j", (source, problem) => {
    expect(patternProblem(source)).toBe(problem);
    expect(() => compilePattern(source)).toThrow(problem);
  });

  it("treats a lone slash as a glob", () => {
    expect(compilePattern("/").regex.test("/")).toBe(true);
  });

  it("keeps the regex stateless, so repeated tests agree", () => {
    const pattern = compilePattern("/v/i");
    expect([pattern.regex.test("v1"), pattern.regex.test("v1"), pattern.regex.test("V1")]).toEqual([
      true,
      true,
      true,
    ]);
  });
});
