import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../src/util/shell-quote.ts";

// The words a job line or GIT_SSH_COMMAND carries: paths from file variables and scratch space,
// config paths, mirror lists, messages.
const WORDS = [
  "/tmp/ci-mirror-ssh-Ab12/known_hosts",
  "mirrors.yml",
  "tool,docs,site",
  "https://gitlab.example.com/a/b.git",
  "/builds/my group/key file",
  "it's",
  "'",
  '$HOME `id` $(id) \\n "x"',
  "a;b|c&d>e<f",
  "*.yml ?[x] ~user #not-a-comment",
  "line\nbreak\ttab",
  "",
];

describe("shellQuote", () => {
  it.each(WORDS)("a POSIX shell reads %j back as the same single word", async (word) => {
    const { stdout } = await execa("sh", ["-c", `printf '%s|' ${shellQuote(word)}`], {
      stripFinalNewline: false,
    });
    expect(stdout).toBe(`${word}|`);
  });

  it("leaves plain words readable in a job log", () => {
    expect(shellQuote("/tmp/scratch/id")).toBe("/tmp/scratch/id");
    expect(shellQuote("tool,docs")).toBe("tool,docs");
    expect(shellQuote("a b")).toBe("'a b'");
  });
});
