import { namingRedirects } from "./redirect.ts";
import { lines, runGit, type GitContext } from "./runner.ts";
import type { Env } from "../util/env.ts";

/** Ref name → object id, as a remote advertises it. */
export type RefMap = Map<string, string>;

/**
 * List a remote's branches and tags. `--heads --tags` makes git send `ref-prefix` filters
 * (protocol v2), so a GitHub upstream with many thousands of `refs/pull/*` does not send them
 * at all. Peeled lines (`refs/tags/v1^{}`) are dropped: we compare the tag objects themselves.
 *
 *   f2984ce44d03d61032473191fc33856b1dc119e6\trefs/heads/main
 *   ad6f7ca0bc06450ce5fe37017be3db1ecb73c896\trefs/tags/v1
 *   f2984ce44d03d61032473191fc33856b1dc119e6\trefs/tags/v1^{}
 */
export async function listRemoteRefs(ctx: GitContext, url: string, env: Env): Promise<RefMap> {
  const { stdout } = await namingRedirects(url, "git-upload-pack", () =>
    runGit(ctx, ["ls-remote", "--heads", "--tags", "--", url], { network: true, env }),
  );
  return parseRefLines(stdout);
}

/**
 * The branch a remote's HEAD points at (its default branch), or undefined when HEAD is detached
 * or missing.
 *
 *   ref: refs/heads/main\tHEAD
 *   f2984ce44d03d61032473191fc33856b1dc119e6\tHEAD
 */
export async function remoteDefaultBranch(
  ctx: GitContext,
  url: string,
  env: Env,
): Promise<string | undefined> {
  const { stdout } = await namingRedirects(url, "git-upload-pack", () =>
    runGit(ctx, ["ls-remote", "--symref", "--", url, "HEAD"], { network: true, env }),
  );
  const match = /^ref: (?<ref>refs\/heads\/\S+)\tHEAD$/m.exec(stdout);
  return match?.groups?.ref;
}

function parseRefLines(stdout: string): RefMap {
  const refs: RefMap = new Map();
  for (const line of lines(stdout)) {
    const [sha, name] = line.split("\t");
    if (sha == null || name == null || name.endsWith("^{}")) continue;
    refs.set(name, sha);
  }
  return refs;
}
