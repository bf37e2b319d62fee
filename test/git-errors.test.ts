import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { classifyGitFailure, gitWords, onSide } from "../src/git/errors.ts";
import { diskFullError } from "../src/util/disk-full.ts";

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

describe("a full disk", () => {
  // What git 2.39 printed when its cache dir was on a full tmpfs: index-pack (a clone, a large
  // fetch) and unpack-objects (a small fetch).
  it.each([
    "fatal: write error: No space left on device\nfatal: fetch-pack: invalid index-pack output\n",
    "fatal: unable to write loose object file: No space left on device\nfatal: unpack-objects failed\n",
    "error: unable to write file objects/ab/cdef: Disk quota exceeded\nfatal: unpack-objects failed\n",
  ])("is its own failure, not retried, and names the directory: %s", (stderr) => {
    const error = classifyGitFailure("fetch", { stderr, exitCode: 128, cwd: "/srv/ci/cache/tool.git" });

    expect(error.kind).toBe("disk-full");
    expect(error.code).toBe("EDISKFULL");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^git fetch failed: .*(No space left on device|Disk quota exceeded)$/);
    expect(error.fix).toContain("/srv/ci/cache/tool.git");
    expect(error.fix).toContain("--cache-dir");
  });

  it("is not taken from what a server says: its disk is not ours", () => {
    const error = classifyGitFailure("push", {
      stderr:
        "remote: fatal: write error: No space left on device\nerror: remote unpack failed: No space left on device\nfatal: the remote end hung up unexpectedly\n",
      exitCode: 128,
      cwd: "/srv/ci/cache/tool.git",
    });

    expect(error.kind).not.toBe("disk-full");
  });
});

describe("diskFullError", () => {
  // /dev/full answers every write with ENOSPC: a real error from the kernel, without filling a disk.
  async function enospc(): Promise<unknown> {
    try {
      await writeFile("/dev/full", "x");
    } catch (error) {
      return error;
    }
    throw new Error("writing /dev/full succeeded");
  }

  it.skipIf(!existsSync("/dev/full"))(
    "names the cache dir, the temp dir, or the file's directory",
    async () => {
      const error = await enospc();
      const file = "/dev/full";

      expect(diskFullError(error, { cacheDir: "/dev", tempDir: "/tmp" }, file)?.fix).toContain(
        "the cache dir (/dev)",
      );
      expect(diskFullError(error, { cacheDir: "/srv/cache", tempDir: "/dev" }, file)?.fix).toContain(
        "the temp dir (/dev;",
      );
      const elsewhere = diskFullError(error, { cacheDir: "/srv/cache", tempDir: "/tmp" }, file);
      expect(elsewhere?.code).toBe("EDISKFULL");
      expect(elsewhere?.message).toBe("could not write /dev/full: no space left on device");
      expect(elsewhere?.fix).toBe("The disk that holds /dev is full. Free space there and run again.");
      // A failed write names no file: then both places are named.
      expect(diskFullError(error, { cacheDir: "/srv/cache", tempDir: "/tmp" })?.fix).toContain(
        "the cache dir or the temp dir",
      );
    },
  );

  it("leaves other errors alone", () => {
    expect(
      diskFullError(Object.assign(new Error("nope"), { code: "EACCES" }), { cacheDir: "/c", tempDir: "/t" }),
    ).toBe(undefined);
  });
});

describe("git's own words", () => {
  it("keeps the last few meaningful lines, without progress meters", () => {
    const stderr = [
      "remote: Enumerating objects: 5, done.",
      "Receiving objects:  40% (2/5)\rReceiving objects: 100% (5/5), done.",
      "fatal: '/srv/gone.git' does not appear to be a git repository",
      "fatal: Could not read from remote repository.",
      "",
      "Please make sure you have the correct access rights",
      "and the repository exists.",
      "",
    ].join("\n");

    expect(gitWords(stderr)).toEqual([
      "fatal: '/srv/gone.git' does not appear to be a git repository",
      "fatal: Could not read from remote repository.",
      "Please make sure you have the correct access rights",
      "and the repository exists.",
    ]);
    expect(classifyGitFailure("ls-remote", { stderr, exitCode: 128 }).detail).toEqual(gitWords(stderr));
  });

  it("keeps at most six lines, the last ones", () => {
    const stderr = Array.from({ length: 10 }, (_, i) => `error: line ${i}`).join("\n");

    expect(gitWords(stderr)).toEqual([4, 5, 6, 7, 8, 9].map((i) => `error: line ${i}`));
  });
});

describe("onSide", () => {
  const notFound = classifyGitFailure("ls-remote", {
    stderr: "fatal: repository 'https://h/x.git/' not found\n",
    exitCode: 128,
  });

  it("names the side and its URL, keeps the kind and git's words", () => {
    const error = onSide(notFound, "upstream", "https://h/x.git");

    expect(error.message).toBe(
      "upstream https://h/x.git: git ls-remote failed: repository 'https://h/x.git/' not found",
    );
    expect(error.kind).toBe("not-found");
    expect(error.detail).toEqual(["fatal: repository 'https://h/x.git/' not found"]);
  });

  it("gives a fix for that side", () => {
    expect(onSide(notFound, "upstream", "u").fix).toContain("`source` URL");
    expect(onSide(notFound, "upstream", "u").fix).not.toContain("create the project");
    expect(onSide(notFound, "target", "t").fix).toContain("create the project first");
    const auth = classifyGitFailure("push", {
      stderr: "fatal: Authentication failed for 'x'",
      exitCode: 128,
    });
    expect(onSide(auth, "upstream", "u").fix).toContain("source_token");
    expect(onSide(auth, "target", "t").fix).toContain("target.token");
    const hostKey = classifyGitFailure("fetch", { stderr: "Host key verification failed.", exitCode: 128 });
    expect(onSide(hostKey, "target", "t").fix).toContain("target.known_hosts");
  });
});
