import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MirrorConfig } from "../config/types.ts";
import { cacheRepoContext, collectGarbage, openCacheRepo } from "../git/cache-repo.ts";
import { endpointAuth, type EndpointAuth } from "../git/credentials.ts";
import { hardenedGitEnv, outsideAnyRepository } from "../git/environment.ts";
import { diskFullError } from "../util/disk-full.ts";
import type { RefMap } from "../git/ls-remote.ts";
import type { ErrorCode } from "../errors/catalog.ts";
import { GitError } from "../errors/git-error.ts";
import { ToolError, errorReport, isToolError } from "../errors/tool-error.ts";
import { stopSignalOf } from "../util/cancel.ts";
import { cacheRecovery, type CacheRecovery } from "./cache-recovery.ts";
import { checkGuards, emptyUpstreamError } from "./damage-guard.ts";
import { fastForwardRefs, refsContainedInUpstream } from "./history.ts";
import { mirrorLfs } from "./lfs-step.ts";
import { SOURCE_KEYS, TARGET_KEYS } from "./required-variables.ts";
import { changes, planRefs, type Plan, type PlannedRef } from "./ref-plan.ts";
import { pushChanges } from "./push-changes.ts";
import { storableRefs } from "./ref-names.ts";
import { selectRefs, selectsEverything } from "./ref-selection.ts";
import { targetHeadWarning } from "./target-head.ts";
import { mergeReports, plannedReport, unpushedReports } from "./ref-reports.ts";
import { defaultBranchOf, listWithRetry } from "./remote-listing.ts";
import {
  countOutcomes,
  type MirrorError,
  type MirrorReport,
  type MirrorTimings,
  type RefReport,
} from "./result.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";
import { errorText } from "./retry-git.ts";
import { updateCache } from "./update-cache.ts";
import { plural } from "../util/plural.ts";

/**
 * One mirror, end to end: list both sides, stop if they already match, otherwise fill the cache
 * with what is missing, plan every ref under the mirror's policy, check the guards, and push.
 * Never throws: every failure becomes a failed MirrorReport with a code and a fix.
 */
export async function syncMirror(
  mirror: MirrorConfig,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<MirrorReport> {
  const started = performance.now();
  const timings: MirrorTimings = { listMs: 0, fetchMs: 0, lfsMs: 0, pushMs: 0, totalMs: 0 };
  const report: MirrorReport = {
    name: mirror.name,
    source: world.redactor.redact(mirror.source.url),
    target: world.redactor.redact(mirror.target.url),
    status: "up-to-date",
    refs: [],
    warnings: [],
    timings,
    counts: {},
  };
  // The plan, once made, and what git confirmed of it: a mirror that fails after planning
  // reports exactly what the target got.
  const progress: PlanProgress = { landed: [] };
  const auths: EndpointAuth[] = [];
  // git started ahead of need; it must end before the credentials it uses are disposed of.
  const background: Promise<unknown>[] = [];
  try {
    const git = await mirrorGit(mirror, settings, world, auths);
    const recovery = cacheRecovery(git.cache, world.log);
    const shared: MirrorRun = { mirror, git, settings, world, report, background, recovery, progress };
    try {
      await attemptMirror(shared);
    } catch (error) {
      if (!(await recovery.recover(error))) throw error;
      // Again from the listings, with a new cache: the failed attempt may have pushed some refs.
      report.refs = [];
      report.warnings = [];
      report.status = "up-to-date";
      progress.plan = undefined;
      progress.landed.length = 0;
      await attemptMirror(shared);
    } finally {
      if (recovery.warning !== undefined) report.warnings.unshift(recovery.warning);
    }
  } catch (error) {
    const stopped = stopSignalOf(world.signal);
    if (stopped != null) {
      // Whatever the stop made of the step that was running, the run was cancelled. The refs
      // reported are those git confirmed before (see pushChanges).
      report.status = "cancelled";
      report.error = cancelledError(
        `cancelled during ${error instanceof GitError ? `git ${error.verb}` : "the sync"} (${stopped})`,
      );
    } else {
      report.status = "failed";
      const failure = toMirrorError(error, settings, world);
      report.error = failure;
      if (progress.plan != null) {
        const why = notPushedReason(failure.code);
        report.refs = unpushedReports(progress.plan, progress.landed, why, failure.code === "EDIVERGED");
      }
    }
  } finally {
    await Promise.allSettled(background);
    for (const auth of auths) await auth.dispose();
    timings.totalMs = Math.round(performance.now() - started);
    report.counts = countOutcomes(report.refs);
  }
  return report;
}

/**
 * The git contexts of one mirror, each endpoint's credentials added to `auths` as soon as they
 * exist, so that the caller disposes of them however the sync ends.
 */
async function mirrorGit(
  mirror: MirrorConfig,
  settings: SyncSettings,
  world: SyncWorld,
  auths: EndpointAuth[],
): Promise<MirrorGit> {
  // No git process looks for a repository: remote verbs run in none, cache verbs name the
  // cache (the cache dir sits inside the CI job's checkout, and is itself restored from the CI
  // cache, so a repository found around it is not ours).
  const base = hardenedGitEnv(world.env);
  const source = await endpointAuth(mirror.source, base, world, SOURCE_KEYS);
  auths.push(source);
  const target = await endpointAuth(mirror.target, base, world, TARGET_KEYS);
  auths.push(target);
  return {
    cache: {
      ...cacheRepoContext(join(settings.cacheDir, `${mirror.name}.git`), base, settings.networkTimeoutMs),
      signal: world.signal,
      observer: world.gitObserver,
    },
    remote: {
      cwd: settings.cacheDir,
      env: outsideAnyRepository(base),
      networkTimeoutMs: settings.networkTimeoutMs,
      signal: world.signal,
      observer: world.gitObserver,
    },
    sourceEnv: source.env,
    targetEnv: target.env,
  };
}

/** What every attempt at a mirror shares: a recovered cache means a second attempt. */
interface MirrorRun {
  mirror: MirrorConfig;
  git: MirrorGit;
  settings: SyncSettings;
  world: SyncWorld;
  report: MirrorReport;
  /** git started ahead of need, awaited before the credentials go. */
  background: Promise<unknown>[];
  recovery: CacheRecovery;
  progress: PlanProgress;
}

/** One attempt, and what it learns along the way. */
interface Attempt extends MirrorRun {
  urls: { source: string; target: string };
  /** The upstream's default branch, asked for at most once, and only when it is needed. */
  upstreamDefault: () => Promise<string | undefined>;
}

/** Both sides' branches and tags, as listed and as the ref rules select them. */
interface Listing {
  /** Everything the upstream listed, before any filter. */
  upstreamAll: RefMap;
  /** What the target listed; undefined when it does not exist and may be created. */
  targetAll: RefMap | undefined;
  upstream: RefMap;
  target: RefMap;
  /** No upstream ref was skipped for a name git cannot store. */
  noneSkipped: boolean;
}

async function attemptMirror(shared: MirrorRun): Promise<void> {
  const { mirror, settings, report } = shared;
  const timings = report.timings;
  let upstreamHead: Promise<string | undefined> | undefined;
  const run: Attempt = {
    ...shared,
    urls: { source: mirror.source.url, target: mirror.target.url },
    upstreamDefault: () => (upstreamHead ??= defaultBranchOf(shared.git, mirror.source.url, shared.world)),
  };

  let mark = performance.now();
  const listing = await listBothSides(run);
  if (listing.upstreamAll.size === 0 && listing.target.size === 0) {
    timings.listMs = elapsed(mark);
    nothingToMirrorYet(run, listing);
    return;
  }
  checkUpstreamAnswer(run, listing);
  // Only now, with the upstream's answer checked: see createTarget.
  const targetAll = listing.targetAll ?? (await createTarget(run));
  timings.listMs = elapsed(mark);

  if (alreadyInSync(listing.upstream, listing.target, mirror.prune)) {
    report.refs = [...listing.upstream].map(([ref, sha]) => ({
      ref,
      outcome: "up-to-date",
      from: sha,
      to: sha,
    }));
    run.world.log(`up to date (${plural(listing.upstream.size, "ref")})`);
    return;
  }

  // Into an empty target the upstream's default branch goes first; ask for it while fetching.
  if (targetAll.size === 0 && !settings.dryRun) run.background.push(run.upstreamDefault());
  mark = performance.now();
  const upstream = await fillCache(run, listing);
  timings.fetchMs = elapsed(mark);

  const plan = await planMirror(run, upstream, listing.target);
  const toChange = changes(plan);
  checkGuards(toChange, mirror, listing.target.size, settings);

  if (settings.dryRun) {
    report.refs = plan.refs.map((ref) => plannedReport(ref, true));
    report.status = "planned";
    run.world.log(`dry run: ${plural(toChange.length, "change")} planned, nothing pushed`);
    return;
  }
  await pushPlan(run, plan, toChange, targetAll);
}

/**
 * Both sides listed at once, in a scratch context: the cache repo may not exist yet, and a no-op
 * run should not have to create it. Refs whose names git cannot store are skipped with a
 * warning, and never managed: an upstream one is not mirrored, a target one never deleted.
 */
async function listBothSides(run: Attempt): Promise<Listing> {
  const { git, mirror, settings, world, urls } = run;
  const [upstreamAll, targetAll] = await Promise.all([
    listWithRetry(git, { side: "upstream", url: urls.source }, git.sourceEnv, settings, world),
    listWithRetry(git, { side: "target", url: urls.target }, git.targetEnv, settings, world).catch(
      (error: unknown) => {
        if (error instanceof GitError && error.kind === "not-found" && mirror.createTarget != null)
          return undefined;
        throw error;
      },
    ),
  ]);
  const upstreamStorable = storableRefs(upstreamAll, "upstream");
  const targetStorable = storableRefs(targetAll ?? new Map<string, string>(), "target");
  for (const { warning } of [upstreamStorable, targetStorable]) {
    if (warning != null) {
      run.report.warnings.push(warning);
      world.log(`warning: ${warning}`);
    }
  }
  return {
    upstreamAll,
    targetAll,
    upstream: selectRefs(upstreamStorable.refs, mirror.refs),
    target: selectRefs(targetStorable.refs, mirror.refs),
    noneSkipped: upstreamStorable.refs.size === upstreamAll.size,
  };
}

/** A new, still empty upstream and nothing on the target: nothing is wrong, nothing is created. */
function nothingToMirrorYet(run: Attempt, listing: Listing): void {
  run.report.status = "empty";
  if (listing.targetAll == null) {
    run.world.log(
      "the target project does not exist yet; it is created when the upstream has branches or tags",
    );
  }
}

/** An upstream that lists nothing, or nothing the rules select, is not mirrored over a target. */
function checkUpstreamAnswer(run: Attempt, listing: Listing): void {
  const { upstreamAll, upstream, target } = listing;
  if (upstreamAll.size === 0 && !run.settings.allowMassDelete) throw emptyUpstreamError(target.size);
  if (upstreamAll.size > 0 && upstream.size === 0) {
    throw new ToolError(
      "EREFSEMPTY",
      `the ref rules select none of the upstream's ${plural(upstreamAll.size, "branch or tag", "branches and tags")}`,
    );
  }
}

/** The cache, made safe and given what the upstream has and it lacks; returns the upstream's refs. */
async function fillCache(run: Attempt, listing: Listing): Promise<RefMap> {
  const { git, mirror, report, world } = run;
  // Made safe before git reads anything in it, the look for damage included.
  const opened = await openCacheRepo(git.cache);
  if (opened.removed.length > 0) {
    const warning = `the restored cache held what ci-mirror does not write; removed: ${opened.removed.join(", ")}`;
    world.log(warning);
    report.warnings.push(warning);
  }
  await run.recovery.open();
  return updateCache(
    git,
    run.urls,
    listing.upstream,
    listing.target,
    // A clone or a glob fetch would bring the skipped refs along, and fail on them.
    selectsEverything(mirror.refs) && listing.noneSkipped,
    run.settings,
    world,
  );
}

/** Every ref's fate under the mirror's policy; under `divergence: fail`, any diverged ref ends it. */
async function planMirror(run: Attempt, upstream: RefMap, target: RefMap): Promise<Plan> {
  const { git, mirror } = run;
  const plan = planRefs({
    upstream,
    target,
    divergence: mirror.divergence,
    prune: mirror.prune,
    fastForward: await fastForwardRefs(git.cache, upstream, target),
    containedInUpstream: mirror.prune
      ? await refsContainedInUpstream(git.cache, upstream, target)
      : new Set(),
  });
  run.progress.plan = plan;
  if (mirror.divergence === "fail" && plan.diverged.length > 0) {
    throw new ToolError(
      "EDIVERGED",
      `${plural(plan.diverged.length, "ref")} diverged: ${plan.diverged.slice(0, 10).join(", ")}${plan.diverged.length > 10 ? ", …" : ""}`,
    );
  }
  return plan;
}

/** LFS objects, then the refs; the report says what each ref became and what was kept back. */
async function pushPlan(run: Attempt, plan: Plan, toChange: PlannedRef[], targetAll: RefMap): Promise<void> {
  const { git, mirror, report, world, urls } = run;
  const timings = report.timings;
  let mark = performance.now();
  const lfs = await mirrorLfs(git, mirror, urls, toChange, world);
  report.warnings.push(...lfs.warnings);
  timings.lfsMs = elapsed(mark);

  mark = performance.now();
  // Into an empty target the default branch leads the first push, and afterwards the target's
  // own choice of default branch is checked; elsewhere the order of refs does not matter.
  const intoEmpty = targetAll.size === 0 && toChange.length > 0;
  const defaultBranch = intoEmpty ? await run.upstreamDefault() : undefined;
  // What each push confirmed is kept as it comes: a cancelled run reports what had landed, and
  // a failed one what had landed and what had not.
  const pushed = await pushChanges(git, urls.target, toChange, defaultBranch, run.settings, world, (done) => {
    report.refs.push(...done);
    run.progress.landed.push(...done);
  });
  timings.pushMs = elapsed(mark);
  if (defaultBranch != null) {
    const branches = pushed
      .filter((ref) => ref.ref.startsWith("refs/heads/") && ref.outcome !== "rejected")
      .map((ref) => ref.ref);
    const warning = await targetHeadWarning(git, urls.target, defaultBranch, branches, world);
    if (warning != null) report.warnings.push(warning);
  }

  report.refs = mergeReports(plan, pushed);
  const rejected = pushed.filter((ref) => ref.outcome === "rejected");
  const kept = plan.refs.filter((ref) => ref.kind === "keep-diverged");
  if (kept.length > 0) {
    report.warnings.push(
      `${plural(kept.length, "diverged ref")} kept as they are on the target: ${kept
        .slice(0, 10)
        .map((ref) => ref.ref)
        .join(", ")}${kept.length > 10 ? ", …" : ""}`,
    );
  }
  if (rejected.length > 0) {
    report.status = "failed";
    report.error = errorReport(
      "EREJECTED",
      `the target rejected ${rejected.length} of ${plural(pushed.length, "ref update")}`,
    );
    return;
  }
  report.status = toChange.length > 0 ? "synced" : "up-to-date";
  await collectGarbage(git.cache);
}

interface PlanProgress {
  plan?: Plan | undefined;
  /** Refs git confirmed, as they were reported. */
  landed: RefReport[];
}

/** The reason given to a planned change that the mirror's failure stopped. */
function notPushedReason(code: ErrorCode): string {
  return code === "EDIVERGED"
    ? "not pushed: other refs diverged (divergence: fail)"
    : `not pushed: the mirror failed (${code}) first`;
}

/**
 * The target project does not exist and the mirror may create it. Only after the upstream
 * answered with refs the rules select: a typo in the source or the rules, or an upstream with
 * nothing in it yet, must not leave empty projects behind.
 */
async function createTarget(run: Attempt): Promise<RefMap> {
  const { mirror, settings, world, report } = run;
  if (world.createTarget == null) {
    // syncAll makes a creator whenever a chosen mirror has create_target.
    throw new ToolError("EINTERNAL", "create_target is set but no GitLab client was configured");
  }
  if (settings.dryRun) {
    report.warnings.push("the target project does not exist; a real run creates it (create_target)");
    return new Map();
  }
  report.createdTarget = await world.createTarget(mirror, await run.upstreamDefault());
  world.log(`created the target project ${report.createdTarget}`);
  return new Map();
}

/** The common scheduled run: both sides already match, so nothing else happens. */
function alreadyInSync(upstream: RefMap, target: RefMap, prune: boolean): boolean {
  for (const [ref, sha] of upstream) if (target.get(ref) !== sha) return false;
  return !prune || target.size === upstream.size;
}

/** The error of a mirror the run's cancellation stopped, or never started. */
export function cancelledError(message: string): MirrorError {
  return errorReport("ECANCELLED", message);
}

function toMirrorError(error: unknown, settings: SyncSettings, world: SyncWorld): MirrorError {
  const full = diskFullError(error, { cacheDir: settings.cacheDir, tempDir: tmpdir() });
  if (full !== undefined) return full.report((text) => world.redactor.redact(text));
  if (isToolError(error)) {
    // git's words, also when another error wraps the GitError (a failed LFS transfer).
    const git = error instanceof GitError ? error : error.cause instanceof GitError ? error.cause : undefined;
    const detail = git?.detail.map((line) => world.redactor.redact(line));
    return {
      ...error.report((text) => world.redactor.redact(text)),
      detail: detail != null && detail.length > 0 ? detail : undefined,
    };
  }
  return errorReport("EINTERNAL", world.redactor.redact(errorText(error)));
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
