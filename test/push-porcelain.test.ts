import { describe, expect, it } from "vitest";
import { parsePorcelain, rejectionReason } from "../src/git/push.ts";

describe("parsePorcelain", () => {
  it("reads every flag git push --porcelain prints", () => {
    const stdout = [
      "To http://127.0.0.1:1/x.git",
      "*\trefs/upstream/heads/new:refs/heads/new\t[new branch]",
      " \trefs/upstream/heads/main:refs/heads/main\t1a2b3c4..5d6e7f8",
      "+\trefs/upstream/heads/dev:refs/heads/dev\t1a2b3c4...5d6e7f8 (forced update)",
      "-\t:refs/heads/gone\t[deleted]",
      "=\trefs/upstream/tags/v1:refs/tags/v1\t[up to date]",
      "!\trefs/upstream/heads/x:refs/heads/x\t[rejected] (stale info)",
      "Done",
    ].join("\n");

    expect(parsePorcelain(stdout, "").map((result) => [result.ref, result.status, result.reason])).toEqual([
      ["refs/heads/new", "created", undefined],
      ["refs/heads/main", "updated", undefined],
      ["refs/heads/dev", "forced", undefined],
      ["refs/heads/gone", "deleted", undefined],
      ["refs/tags/v1", "up-to-date", undefined],
      ["refs/heads/x", "rejected", "target changed during the sync (lease failed); the next run retries"],
    ]);
  });

  it.each([
    [
      "[remote rejected] (deny updating a hidden ref)",
      "",
      "hidden ref: the target does not accept pushes to this namespace",
    ],
    ["[rejected] (non-fast-forward)", "", "non-fast-forward: the target has commits the upstream lacks"],
    [
      "[remote rejected] (pre-receive hook declined)",
      "remote: GitLab: You are not allowed to force push code to a protected branch on this project.",
      "protected branch: the target does not allow force pushes",
    ],
    [
      "[remote rejected] (pre-receive hook declined)",
      "remote: GitLab: You can only delete protected branches using the web interface.",
      "protected branch: the target does not allow deleting it",
    ],
    [
      "[remote rejected] (pre-receive hook declined)",
      "remote: GitLab: LFS objects are missing. Ensure LFS is properly set up",
      "LFS objects are missing on the target",
    ],
    [
      "[remote rejected] (pre-receive hook declined)",
      "remote: policy says no",
      "hook declined: policy says no",
    ],
  ])("explains %s", (summary, stderr, reason) => {
    const line = `!\trefs/upstream/heads/main:refs/heads/main\t${summary}`;

    expect(parsePorcelain(line, stderr)[0]?.reason).toBe(reason);
    expect(rejectionReason(summary, stderr.replace(/^remote: /, ""))).toBe(reason);
  });
});
