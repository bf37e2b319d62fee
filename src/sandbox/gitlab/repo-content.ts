/**
 * Building content in a project's bare repository without a push: plumbing only, so seeding runs
 * no hooks and starts no mirror updates (GitLab only syncs mirrors after a push).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitOk } from "../git.ts";
import type { Env } from "../../util/env.ts";

/** Commits `files` on top of `branch` (created if missing); returns the new commit id. */
export async function commitFiles(
  repoDir: string,
  env: Env,
  branch: string,
  files: Record<string, string>,
  message: string,
): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), "ci-mirror-gl-index-"));
  const indexEnv = { ...env, GIT_DIR: repoDir, GIT_INDEX_FILE: join(scratch, "index") };
  try {
    const ref = `refs/heads/${branch}`;
    const parent = await gitOk(["for-each-ref", "--format=%(objectname)", ref], { env: indexEnv });
    if (parent !== "") await gitOk(["read-tree", parent], { env: indexEnv });
    for (const [path, content] of Object.entries(files)) {
      const blob = await gitOk(["hash-object", "-w", "--stdin"], { env: indexEnv, input: content });
      await gitOk(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { env: indexEnv });
    }
    const tree = await gitOk(["write-tree"], { env: indexEnv });
    const parents = parent === "" ? [] : ["-p", parent];
    const commit = await gitOk(["commit-tree", tree, ...parents, "-m", message], { env: indexEnv });
    await gitOk(["update-ref", ref, commit], { env: indexEnv });
    return commit;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A lightweight tag, or a ref anywhere (e.g. `refs/merge-requests/1/head`), at `target`. */
export async function setRef(repoDir: string, env: Env, ref: string, target: string): Promise<void> {
  const commit = await gitOk(["rev-parse", "--verify", `${target}^{commit}`], {
    env: { ...env, GIT_DIR: repoDir },
  });
  await gitOk(["update-ref", ref, commit], { env: { ...env, GIT_DIR: repoDir } });
}
