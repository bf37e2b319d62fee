import { namingRedirects } from "./redirect.ts";
import { runGit, wantsProgress, type GitContext } from "./runner.ts";
import type { Env } from "../util/env.ts";

export interface FetchRequest {
  /** Remote ref name (`refs/heads/main`). */
  from: string;
  /** Local ref name it is stored under (`refs/upstream/heads/main`). */
  to: string;
}

/**
 * Fetch exactly these refs, full depth. Refspecs go through stdin (`--stdin`, git >= 2.29):
 * thousands of refs would not fit in argv. `--no-write-fetch-head` keeps the URL out of the
 * cache's files; `--no-tags` stops git from following tags we did not select.
 */
export async function fetchRefs(
  ctx: GitContext,
  url: string,
  requests: readonly FetchRequest[],
  env: Env,
): Promise<void> {
  if (requests.length === 0) return;
  const refspecs = requests.map((request) => `+${request.from}:${request.to}`).join("\n");
  await namingRedirects(url, "git-upload-pack", () =>
    runGit(
      ctx,
      [
        "fetch",
        wantsProgress(ctx) ? "--progress" : "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-auto-gc",
        "--stdin",
        "--",
        url,
      ],
      { network: true, input: `${refspecs}\n`, env, progress: true },
    ),
  );
}
