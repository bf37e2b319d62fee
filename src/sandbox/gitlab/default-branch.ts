import type { Project } from "./model.ts";
import { runGit } from "../git.ts";
import type { Env } from "../../util/env.ts";

/**
 * What GitLab does after a push when the repository's HEAD names a branch that does not exist
 * (a project created empty, then pushed branches without that name): Gitaly's GetDefaultBranch
 * takes `main`, then `master`, then the first branch in `for-each-ref` order, and the post-receive
 * worker (`after_create_default_branch` → `change_head`) points HEAD at it and makes it the
 * project's default branch. In GitLab this runs in Sidekiq after the push has been answered; the
 * sandbox runs it once the push response has finished, which is as asynchronous for a client.
 */
export async function settleDefaultBranch(dir: string, project: Project, env: Env): Promise<void> {
  const branches = (
    await runGit(["for-each-ref", "--format=%(refname)", "refs/heads"], { cwd: dir, env })
  ).stdout
    .split("\n")
    .filter(Boolean);
  const head = `refs/heads/${project.defaultBranch}`;
  if (branches.length === 0 || branches.includes(head)) return;
  const chosen =
    ["refs/heads/main", "refs/heads/master"].find((ref) => branches.includes(ref)) ?? branches[0];
  if (chosen == null) return;
  await runGit(["symbolic-ref", "HEAD", chosen], { cwd: dir, env });
  project.defaultBranch = chosen.slice("refs/heads/".length);
}
