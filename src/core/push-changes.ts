import { UPSTREAM_NS } from "../git/cache-repo.ts";
import { listRemoteRefs } from "../git/ls-remote.ts";
import { pushRefs, type PushResult, type RefUpdate } from "../git/push.ts";
import { GitError } from "../errors/git-error.ts";
import { withRetry } from "../util/retry.ts";
import type { PlannedRef } from "./plan.ts";
import type { RefReport } from "./result.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { describe } from "./update-cache.ts";

/**
 * Push the planned changes so that one bad ref cannot block the rest: the default branch alone
 * and first (an empty GitLab project takes its default branch from the first push), then
 * branches, tags, and deletions last, in batches. GitLab checks a whole push in one pre-receive
 * run, so when a hook declines a batch, its refs are pushed again one by one to find the culprit.
 */
export async function pushChanges(
  git: MirrorGit,
  targetUrl: string,
  changes: readonly PlannedRef[],
  defaultBranch: string | undefined,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<RefReport[]> {
  const reports: RefReport[] = [];
  for (const batch of batches(order(changes, defaultBranch), settings.batchSize)) {
    const results = await pushBatch(git, targetUrl, batch, settings, world);
    const declined = results.filter(
      (result) => result.status === "rejected" && /hook declined/.test(result.summary),
    );
    const retried = new Map<string, PushResult>();
    if (batch.length > 1 && declined.length > 0) {
      world.log(
        `the target's hook declined a batch of ${batch.length}; pushing ${declined.length} refs one by one`,
      );
      for (const result of declined) {
        const planned = batch.find((ref) => ref.ref === result.ref);
        if (planned == null) continue;
        const [single] = await pushBatch(git, targetUrl, [planned], settings, world);
        if (single != null) retried.set(single.ref, single);
      }
    }
    for (const planned of batch) {
      const result = retried.get(planned.ref) ?? results.find((candidate) => candidate.ref === planned.ref);
      reports.push(toReport(planned, result));
    }
  }
  return reports;
}

function order(changes: readonly PlannedRef[], defaultBranch: string | undefined): PlannedRef[] {
  const rank = (ref: PlannedRef): number => {
    if (ref.kind === "delete") return 3;
    if (ref.ref === defaultBranch) return 0;
    return ref.ref.startsWith("refs/heads/") ? 1 : 2;
  };
  return [...changes].sort((a, b) => rank(a) - rank(b) || a.ref.localeCompare(b.ref));
}

function batches(ordered: readonly PlannedRef[], size: number): PlannedRef[][] {
  const out: PlannedRef[][] = [];
  let rest = [...ordered];
  // The default branch (rank 0) is never batched with anything.
  if (
    rest[0] != null &&
    rest[0].kind !== "delete" &&
    rest.length > 1 &&
    !rest[0].ref.startsWith("refs/tags/")
  ) {
    out.push([rest[0]]);
    rest = rest.slice(1);
  }
  for (let i = 0; i < rest.length; i += size) out.push(rest.slice(i, i + size));
  return out;
}

async function pushBatch(
  git: MirrorGit,
  targetUrl: string,
  batch: readonly PlannedRef[],
  settings: SyncSettings,
  world: SyncWorld,
): Promise<PushResult[]> {
  return withRetry(
    settings.retry,
    (error) => error instanceof GitError && error.retryable,
    async (attempt) => {
      let pending = batch;
      const done: PushResult[] = [];
      if (attempt > 1) {
        // The failed attempt may have landed some refs before the connection broke: their leases
        // would now fail, so take what the target holds now and push only the rest.
        const now = await listRemoteRefs(git.cache, targetUrl, git.targetEnv);
        pending = batch.filter((ref) => now.get(ref.ref) !== ref.to);
        for (const ref of batch) {
          if (!pending.includes(ref))
            done.push({ ref: ref.ref, status: landedStatus(ref), summary: "landed before a retry" });
        }
      }
      return [...done, ...(await pushRefs(git.cache, targetUrl, pending.map(toUpdate), git.targetEnv))];
    },
    (error, attempt, delay) =>
      world.log(`push failed (${describe(error)}); retry ${attempt} in ${Math.round(delay / 1000)}s`),
  );
}

function toUpdate(ref: PlannedRef): RefUpdate {
  return {
    ref: ref.ref,
    source: ref.kind === "delete" ? undefined : `${UPSTREAM_NS}${ref.ref.slice("refs/".length)}`,
    expect: ref.from ?? "",
  };
}

function landedStatus(ref: PlannedRef): PushResult["status"] {
  const statuses = { create: "created", update: "updated", force: "forced", delete: "deleted" } as const;
  return ref.kind in statuses ? statuses[ref.kind as keyof typeof statuses] : "up-to-date";
}

function toReport(planned: PlannedRef, result: PushResult | undefined): RefReport {
  if (result == null) {
    return {
      ref: planned.ref,
      outcome: "rejected",
      from: planned.from,
      to: planned.to,
      reason: "git did not report this ref",
    };
  }
  return {
    ref: planned.ref,
    outcome: result.status,
    from: planned.from,
    to: planned.to,
    reason: result.reason,
  };
}
