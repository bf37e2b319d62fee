/**
 * Push-mirror updates in the background, with real git: the worker and service GitLab runs for a
 * sync (app/workers/repository_update_remote_mirror_worker.rb,
 * app/services/projects/update_remote_mirror_service.rb) and the RemoteMirror state machine
 * (app/models/remote_mirror.rb): started -> finished | failed | to_retry, with GitLab's timestamps
 * and `last_error` texts, always passed through the URL sanitizer.
 */
import { mirrorEnabled } from "./entities.ts";
import type { Project, RemoteMirror } from "./model.ts";
import { escapeRegExp, GitCommandError, pushToMirror } from "./mirror-push.ts";
import type { SandboxContext } from "./route.ts";
import { sanitizeMessage } from "./url-scrub.ts";
import { mirrorUrlError } from "./url-validate.ts";
import type { SandboxClock } from "./clock.ts";
import type { Env } from "../../util/env.ts";

// UpdateRemoteMirrorService::MAX_TRIES: retries 1..3 go to `to_retry`, the 4th failure is final.
const MAX_TRIES = 3;
// RemoteMirror::MAX_FIRST_RUNTIME / MAX_INCREMENTAL_RUNTIME.
const MAX_FIRST_RUNTIME_MS = 3 * 3600_000;
const MAX_INCREMENTAL_RUNTIME_MS = 3600_000;
// RemoteMirror::PROTECTED_BACKOFF_DELAY / UNPROTECTED_BACKOFF_DELAY.
const PROTECTED_BACKOFF_MS = 60_000;
const UNPROTECTED_BACKOFF_MS = 300_000;
// RepositoryUpdateRemoteMirrorWorker#schedule_retry (remote_mirror_retry_with_delay): Time.current + 1.second.
const RETRY_TIME_OFFSET_MS = 1_000;
const STUCK_MESSAGE = "The remote mirror took to long to complete.";

export interface MirrorRunnerOptions {
  context: SandboxContext;
  clock: SandboxClock;
  repoDir(project: Project): Promise<string>;
  gitEnv: Env;
}

export interface MirrorRunner {
  /**
   * RemoteMirror#sync: enqueues RepositoryUpdateRemoteMirrorWorker, at once (`perform_async`) or,
   * when the last update started within the backoff, after it (`perform_in`). Returns the delay.
   * Nothing changes on the mirror until the worker runs.
   */
  sync(project: Project, mirror: RemoteMirror): number;
  /** After a push that changed branches or tags (Git::BaseHooksService#update_remote_mirrors). */
  afterPush(project: Project): void;
  /** Resolves once no update of the mirror is waiting or running, moving a manual clock on. */
  settle(mirrorId: number): Promise<void>;
  injectFailure(mirrorId: number, message: string, times: number): void;
  close(): Promise<void>;
}

/** RemoteMirror#backoff_delay. */
function backoffDelayMs(mirror: RemoteMirror): number {
  return mirror.onlyProtectedBranches ? PROTECTED_BACKOFF_MS : UNPROTECTED_BACKOFF_MS;
}

export function createMirrorRunner(options: MirrorRunnerOptions): MirrorRunner {
  const { context, clock } = options;
  // The worker's exclusive lease per mirror, and the jobs enqueued per mirror.
  const running = new Map<number, Promise<void>>();
  const pending = new Map<number, number>();
  const injected = new Map<number, { message: string; times: number }>();
  let closed = false;

  function enqueue(
    project: Project,
    mirror: RemoteMirror,
    delayMs: number,
    scheduled: Date,
    tries: number,
  ): void {
    if (closed) return;
    pending.set(mirror.id, (pending.get(mirror.id) ?? 0) + 1);
    clock.schedule(new Date(clock.now().getTime() + delayMs), async () => {
      try {
        await perform(project, mirror, scheduled, tries);
      } finally {
        pending.set(mirror.id, (pending.get(mirror.id) ?? 1) - 1);
      }
    });
  }

  /** RepositoryUpdateRemoteMirrorWorker#perform(remote_mirror_id, scheduled_time, tries). */
  async function perform(
    project: Project,
    mirror: RemoteMirror,
    scheduled: Date,
    tries: number,
  ): Promise<void> {
    if (closed || !project.remoteMirrors.includes(mirror)) return;
    if (updatedSince(mirror, scheduled)) return;
    if (running.has(mirror.id)) {
      // FailedToObtainLockError: rescheduled after the backoff, with the same arguments.
      enqueue(project, mirror, backoffDelayMs(mirror), scheduled, tries);
      return;
    }
    const work = execute(project, mirror, tries);
    running.set(mirror.id, work);
    try {
      await work;
    } finally {
      running.delete(mirror.id);
    }
    // update_mirror: an error that left the mirror in to_retry is scheduled again.
    if (mirror.updateStatus === "to_retry") {
      const retryTime = new Date(clock.now().getTime() + RETRY_TIME_OFFSET_MS);
      enqueue(project, mirror, backoffDelayMs(mirror), retryTime, tries + 1);
    }
  }

  /** Projects::UpdateRemoteMirrorService#execute(remote_mirror, tries). */
  async function execute(project: Project, mirror: RemoteMirror, tries: number): Promise<void> {
    // The service returns success without doing anything for a disabled mirror.
    if (!mirrorEnabled(context, mirror)) return;
    const blocked = await mirrorUrlError(mirror.url, context.allowLocalRequests, context.resolveHost);
    if (blocked != null) {
      hardRetryOrFail(
        mirror,
        tries,
        `The remote mirror URL is invalid: ${blocked.replace(/^is blocked: /, "")}`,
      );
      return;
    }
    // update_start!: any -> started, stamping last_update_started_at.
    mirror.updateStatus = "started";
    mirror.lastUpdateStartedAt = clock.now();
    try {
      const failure = injected.get(mirror.id);
      if (failure != null && failure.times > 0) {
        failure.times -= 1;
        throw new GitCommandError(failure.message);
      }
      const { divergentRefs } = await pushToMirror({
        repoDir: await options.repoDir(project),
        env: options.gitEnv,
        url: mirror.url,
        user: mirror.user,
        password: mirror.password,
        keepDivergentRefs: mirror.keepDivergentRefs,
        branchPatterns: branchPatterns(project, mirror),
        branchRegex: context.edition === "ee" ? mirror.mirrorBranchRegex : null,
        defaultBranch: project.defaultBranch,
      });
      if (divergentRefs.length > 0) {
        // mark_as_failed!: update_fail!, whose notification step stamps last_update_at.
        const message = `Some refs have diverged and have not been updated on the remote:\n\n${divergentRefs.join("\n")}`;
        fail(mirror, message);
        return;
      }
      // update_finish!
      const now = clock.now();
      mirror.updateStatus = "finished";
      mirror.lastUpdateAt = now;
      mirror.lastSuccessfulUpdateAt = now;
      mirror.lastError = null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Git command errors go down the retry ladder; anything else fails the mirror at once.
      if (error instanceof GitCommandError) hardRetryOrFail(mirror, tries, message);
      else fail(mirror, message);
    }
  }

  function hardRetryOrFail(mirror: RemoteMirror, tries: number, message: string): void {
    if (tries >= MAX_TRIES) {
      fail(mirror, message);
      return;
    }
    // hard_retry!: to_retry and last_error, without touching last_update_at.
    mirror.updateStatus = "to_retry";
    mirror.lastError = scrub(mirror, message);
  }

  // hard_fail! / update_fail!: failed, last_error, and last_update_at from send_failure_notifications.
  function fail(mirror: RemoteMirror, message: string): void {
    mirror.updateStatus = "failed";
    mirror.lastError = scrub(mirror, message);
    mirror.lastUpdateAt = clock.now();
  }

  function sync(project: Project, mirror: RemoteMirror): number {
    // RemoteMirror#sync: `return unless sync?`; recently_scheduled? picks perform_in over perform_async.
    if (!mirrorEnabled(context, mirror)) return 0;
    const now = clock.now();
    const backoff = backoffDelayMs(mirror);
    const recent =
      mirror.lastUpdateStartedAt != null && mirror.lastUpdateStartedAt.getTime() >= now.getTime() - backoff;
    const delay = recent ? backoff : 0;
    enqueue(project, mirror, delay, now, 0);
    return delay;
  }

  return {
    sync,
    afterPush(project) {
      const now = clock.now();
      // Project#mark_stuck_remote_mirrors_as_failed! (RemoteMirror.stuck, then update_all).
      for (const mirror of project.remoteMirrors) {
        const started = mirror.lastUpdateStartedAt?.getTime();
        if (mirror.updateStatus !== "started" || started == null) continue;
        const limit = mirror.lastUpdateAt == null ? MAX_FIRST_RUNTIME_MS : MAX_INCREMENTAL_RUNTIME_MS;
        if (started < now.getTime() - limit) {
          mirror.updateStatus = "failed";
          mirror.lastError = STUCK_MESSAGE;
          mirror.lastUpdateAt = now;
        }
      }
      // Project#update_remote_mirrors: `remote_mirrors.enabled.each(&:sync)`.
      for (const mirror of project.remoteMirrors) if (mirror.enabled) sync(project, mirror);
    },
    async settle(mirrorId) {
      for (let guard = 0; guard < 10_000; guard += 1) {
        const job = running.get(mirrorId);
        if (job != null) {
          await job.catch(() => undefined);
          continue;
        }
        if ((pending.get(mirrorId) ?? 0) === 0) return;
        if (!(await clock.step())) return;
      }
    },
    injectFailure(mirrorId, message, times) {
      injected.set(mirrorId, { message, times });
    },
    async close() {
      closed = true;
      clock.close();
      await Promise.allSettled([...running.values()]);
    },
  };
}

/** RemoteMirror#updated_since?: a later update already covers this job, unless it failed. */
function updatedSince(mirror: RemoteMirror, timestamp: Date): boolean {
  if (mirror.updateStatus === "failed") return false;
  return mirror.lastUpdateStartedAt != null && mirror.lastUpdateStartedAt.getTime() > timestamp.getTime();
}

// `only_branches_matching` for protected-only mirrors: the names, wildcards turned into `.*`.
function branchPatterns(project: Project, mirror: RemoteMirror): string[] {
  if (!mirror.onlyProtectedBranches) return [];
  return project.protectedBranches.map((b) => b.name.split("*").map(escapeRegExp).join(".*"));
}

// Gitlab::UrlSanitizer.sanitize(msg, user:, password:): URL userinfo and the mirror's own secret.
// A very short secret is left alone: masking every "t" would destroy the message, not protect it.
const MIN_MASKED_SECRET = 6;
function scrub(mirror: RemoteMirror, message: string): string {
  let text = sanitizeMessage(message);
  const secret = mirror.password;
  if (secret != null && secret.length >= MIN_MASKED_SECRET) text = text.split(secret).join("*****");
  return text;
}
