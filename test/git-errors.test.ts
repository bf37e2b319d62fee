import { describe, expect, it } from "vitest";
import { classifyGitFailure } from "../src/git/errors.ts";

describe("classifyGitFailure", () => {
  it.each([
    ["fatal: Authentication failed for 'http://h/x.git/'", "auth", false],
    ["fatal: unable to access 'http://h/x.git/': The requested URL returned error: 403", "auth", false],
    ["fatal: repository 'http://h/x.git/' not found", "not-found", false],
    ["error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500", "transient", true],
    [
      "fatal: unable to access 'http://h/': Failed to connect to h port 80: Connection refused",
      "transient",
      true,
    ],
    ["fatal: early EOF\nfatal: fetch-pack: invalid index-pack output", "transient", true],
    ["Host key verification failed.\nfatal: Could not read from remote repository.", "host-key", false],
    [
      "root@127.0.0.1: Permission denied (publickey).\nfatal: Could not read from remote repository.",
      "auth",
      false,
    ],
    ["fatal: something else entirely", "other", false],
  ])("%s → %s", (stderr, kind, retryable) => {
    const error = classifyGitFailure("fetch", { stderr, exitCode: 128 });

    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
  });

  it("says timed out for a killed process, and it is retryable", () => {
    const error = classifyGitFailure("push", { timedOut: true, stderr: "" });

    expect(error.kind).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("git push timed out");
  });

  it("keeps the last fatal line as the message", () => {
    const error = classifyGitFailure("fetch", {
      stderr: "remote: Counting\nfatal: the thing broke\n",
      exitCode: 128,
    });

    expect(error.message).toBe("git fetch failed (exit 128): the thing broke");
  });
});
