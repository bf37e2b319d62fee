import { UPSTREAM_NS } from "../git/cache-repo.ts";
import { listRemoteRefs } from "../git/ls-remote.ts";
import { pushNamespace, pushRefs, type PushResult, type RefUpdate } from "../git/push.ts";
import type { PlannedRef } from "./plan.ts";
import type { RefReport } from "./result.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { retryGitStep } from "./retry-git.ts";

/**
 * Push the planned changes so that one bad ref cannot block the rest: creations and
 * fast-forwards (the default branch first among them), then forced updates, then deletions, in
 * batches. GitLab checks a whole push in one pre-receive run, so when a hook declines a batch,
 * its refs are pushed again one by one to find the culprit.
 *
 * The default branch does not need a push of its own into an empty target: GitLab creates a
 * project's repository with HEAD already naming its default branch, and only the set of
 * branches pushed matters after that, not their order (see target-head.ts).
 */
interface Group {
  refs: PlannedRef[];
  /** Push `refs/upstream/*` by glob instead of naming each ref (see pushNamespace). */
  glob: boolean;
}

// git matches each named refspec against every local ref; past this many refs, one glob push of
// the whole cache namespace is seconds faster than batches of names.
const GLOB_PUSH_THRESHOLD = 50;

export async function pushChanges(
  git: MirrorGit,
  targetUrl: string,
  changes: readonly PlannedRef[],
  defaultBranch: string | undefined,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<RefReport[]> {
  const reports: RefReport[] = [];
  for (const group of groups(changes, defaultBranch, settings.batchSize)) {
    const results = await pushGroup(git, targetUrl, group, settings, world);
    const declined = results.filter(
      (result) =>
        result.status === "rejected" &&
        /hook declined/.test(result.summary) &&
        group.refs.some((ref) => ref.ref === result.ref),
    );
    const retried = new Map<string, PushResult>();
    if (group.refs.length > 1 && declined.length > 0) {
      world.log(
        `the target's hook declined a batch of ${group.refs.length}; pushing ${declined.length} refs one by one`,
      );
      for (const result of declined) {
        const planned = group.refs.find((ref) => ref.ref === result.ref);
        if (planned == null) continue;
        const [single] = await pushGroup(git, targetUrl, { refs: [planned], glob: false }, settings, world);
        if (single != null) retried.set(single.ref, single);
      }
    }
    const byRef = new Map(results.map((result) => [result.ref, result]));
    for (const planned of group.refs) {
      reports.push(toReport(planned, retried.get(planned.ref) ?? byRef.get(planned.ref)));
    }
  }
  return reports;
}

function groups(
  changes: readonly PlannedRef[],
  defaultBranch: string | undefined,
  batchSize: number,
): Group[] {
  const sorted = [...changes].sort(
    (a, b) => Number(b.ref === defaultBranch) - Number(a.ref === defaultBranch) || a.ref.localeCompare(b.ref),
  );
  const fastForwards = sorted.filter((ref) => ref.kind === "create" || ref.kind === "update");
  const out: Group[] = [];
  if (fastForwards.length > GLOB_PUSH_THRESHOLD) out.push({ refs: fastForwards, glob: true });
  else out.push(...batches(fastForwards, batchSize));
  out.push(
    ...batches(
      sorted.filter((ref) => ref.kind === "force"),
      batchSize,
    ),
  );
  out.push(
    ...batches(
      sorted.filter((ref) => ref.kind === "delete"),
      batchSize,
    ),
  );
  return out;
}

function batches(refs: readonly PlannedRef[], size: number): Group[] {
  const out: Group[] = [];
  for (let i = 0; i < refs.length; i += size) out.push({ refs: refs.slice(i, i + size), glob: false });
  return out;
}

async function pushGroup(
  git: MirrorGit,
  targetUrl: string,
  group: Group,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<PushResult[]> {
  return retryGitStep("push", settings, world, async (attempt) => {
    if (group.glob) {
      // A glob push never forces: a retry finds the refs that landed up to date, and a ref
      // someone moved meanwhile is refused as non-fast-forward instead of overwritten.
      return landed(group.refs, await pushNamespace(git.cache, targetUrl, UPSTREAM_NS, git.targetEnv));
    }
    let pending = group.refs;
    const done: PushResult[] = [];
    if (attempt > 1) {
      // The failed attempt may have landed some refs before the connection broke: their leases
      // would now fail, so take what the target holds now and push only the rest.
      const now = await listRemoteRefs(git.cache, targetUrl, git.targetEnv);
      pending = group.refs.filter((ref) => now.get(ref.ref) !== ref.to);
      for (const ref of group.refs) {
        if (!pending.includes(ref)) {
          done.push({ ref: ref.ref, status: landedStatus(ref), summary: "landed before a retry" });
        }
      }
    }
    return [...done, ...(await pushRefs(git.cache, targetUrl, pending.map(toUpdate), git.targetEnv))];
  });
}

/** A planned ref that a glob push reports as up to date was pushed by an earlier attempt. */
function landed(planned: readonly PlannedRef[], results: PushResult[]): PushResult[] {
  const wanted = new Map(planned.map((ref) => [ref.ref, ref]));
  return results.map((result) => {
    const ref = wanted.get(result.ref);
    return ref != null && result.status === "up-to-date" ? { ...result, status: landedStatus(ref) } : result;
  });
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
