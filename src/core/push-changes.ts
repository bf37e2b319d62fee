import { UPSTREAM_NS } from "../git/cache-repo.ts";
import { listRemoteRefs } from "../git/ls-remote.ts";
import { pushNamespace, pushRefs, type PushResult, type RefUpdate } from "../git/push.ts";
import type { PlannedRef } from "./ref-plan.ts";
import type { RefReport } from "./result.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { retryGitStep } from "./retry-git.ts";
import { plural } from "../util/plural.ts";

/**
 * Push the planned changes so that one bad ref cannot block the rest: creations and
 * fast-forwards (the default branch first among them), then forced updates, then deletions, in
 * batches. GitLab checks a whole push in one pre-receive run, so when a hook declines a batch,
 * its refs are pushed again one by one to find the culprit.
 *
 * `onLanded` hears each batch's results as soon as git has confirmed them: a run cancelled half
 * way reports what had landed.
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

// A hook that declines a whole push (a push rule, one protected branch) is narrowed down by
// halving: about 2·log2(n) pushes find one culprit among n refs, where pushing each ref alone
// took n. A rule that refuses everything would make halving cost 2n, so it stops here and the
// rest keep the batch's answer.
const ISOLATION_PUSH_BUDGET = 64;

export async function pushChanges(
  git: MirrorGit,
  targetUrl: string,
  changes: readonly PlannedRef[],
  defaultBranch: string | undefined,
  settings: SyncSettings,
  world: SyncWorld,
  onLanded: (reports: RefReport[]) => void = () => undefined,
): Promise<RefReport[]> {
  const reports: RefReport[] = [];
  const push = (refs: PlannedRef[]) => pushGroup(git, targetUrl, { refs, glob: false }, settings, world);
  for (const group of groups(changes, defaultBranch, settings.batchSize)) {
    const results = new Map((await pushGroup(git, targetUrl, group, settings, world)).map((r) => [r.ref, r]));
    const declined = group.refs.filter((ref) => isHookDeclined(results.get(ref.ref)));
    if (group.refs.length > 1 && declined.length > 0) {
      world.log(
        `the target's hook declined a batch of ${group.refs.length}; narrowing down which of ${plural(declined.length, "ref")} it refuses`,
      );
      const budget = { pushes: ISOLATION_PUSH_BUDGET };
      for (const [ref, result] of await isolate(declined, push, budget)) results.set(ref, result);
      if (budget.pushes <= 0) {
        world.log(
          `gave up narrowing down after ${ISOLATION_PUSH_BUDGET} pushes; the rest keep the batch's answer`,
        );
      }
    }
    const done = group.refs.map((planned) => toReport(planned, results.get(planned.ref)));
    reports.push(...done);
    onLanded(done);
  }
  return reports;
}

function isHookDeclined(result: PushResult | undefined): boolean {
  return result?.status === "rejected" && /hook declined/.test(result.summary);
}

/**
 * Push `refs` again in halves until each part lands or is a single ref the hook declines.
 * Returns the answer for every ref it pushed; refs left when the budget runs out are absent.
 */
async function isolate(
  refs: PlannedRef[],
  push: (refs: PlannedRef[]) => Promise<PushResult[]>,
  budget: { pushes: number },
): Promise<Map<string, PushResult>> {
  const answers = new Map<string, PushResult>();
  // The refs were just declined together: pushing them whole again would tell nothing new.
  const pending = halves(refs);
  while (pending.length > 0 && budget.pushes > 0) {
    const part = pending.shift() ?? [];
    budget.pushes -= 1;
    for (const result of await push(part)) answers.set(result.ref, result);
    const declined = part.filter((ref) => isHookDeclined(answers.get(ref.ref)));
    if (part.length > 1 && declined.length > 0) pending.unshift(...halves(declined));
  }
  return answers;
}

/** One ref stays as it is; more are split in two non-empty halves. */
function halves(refs: PlannedRef[]): PlannedRef[][] {
  if (refs.length <= 1) return [refs];
  const cut = Math.ceil(refs.length / 2);
  return [refs.slice(0, cut), refs.slice(cut)];
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
  return retryGitStep(
    "push",
    settings,
    world,
    async (attempt) => {
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
    },
    { side: "target", url: targetUrl },
  );
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
