import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitOk } from "../sandbox/index.ts";
import type { Env } from "../util/env.ts";

/**
 * Builds the demo's upstream history with plain git in a scratch clone, then pushes it into the
 * bare repo on disk (not over HTTP: the demo server only serves what ci-mirror mirrors).
 */

export interface Change {
  branch: string;
  files: Record<string, string>;
  message: string;
}

export async function commitTo(
  env: Env,
  barePath: string,
  changes: readonly Change[],
  tags: readonly string[] = [],
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "ci-mirror-demo-work-"));
  const git = (args: string[]) => gitOk(args, { cwd: work, env });
  try {
    await git(["init", "--quiet", "--initial-branch=main", "."]);
    await git(["fetch", "--quiet", barePath, "+refs/heads/*:refs/remotes/origin/*"]).catch(() => undefined);
    for (const change of changes) {
      const exists = await git([
        "rev-parse",
        "--verify",
        "--quiet",
        `refs/remotes/origin/${change.branch}`,
      ]).then(
        () => true,
        () => false,
      );
      const base = await git(["rev-parse", "--verify", "--quiet", "refs/remotes/origin/main"]).then(
        () => "refs/remotes/origin/main",
        () => undefined,
      );
      const start = exists ? `refs/remotes/origin/${change.branch}` : base;
      await git(
        start != null
          ? ["checkout", "--quiet", "-B", change.branch, start]
          : ["checkout", "--quiet", "--orphan", change.branch],
      );
      for (const [file, content] of Object.entries(change.files)) await writeFile(join(work, file), content);
      await git(["add", "--all"]);
      await git(["commit", "--quiet", "-m", change.message]);
      await git(["push", "--quiet", barePath, `HEAD:refs/heads/${change.branch}`]);
      await git(["fetch", "--quiet", barePath, "+refs/heads/*:refs/remotes/origin/*"]);
    }
    for (const tag of tags) {
      await git(["tag", "-a", "-m", `release ${tag}`, tag, "refs/remotes/origin/main"]);
      await git(["push", "--quiet", barePath, `refs/tags/${tag}`]);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A ref the way GitHub keeps pull requests: a forge-internal namespace a mirror must skip. */
export async function addPullRef(env: Env, barePath: string, number: number): Promise<void> {
  await gitOk(["update-ref", `refs/pull/${number}/head`, "refs/heads/main"], { cwd: barePath, env });
}

export async function deleteBranch(env: Env, barePath: string, branch: string): Promise<void> {
  await gitOk(["update-ref", "-d", `refs/heads/${branch}`], { cwd: barePath, env });
}
