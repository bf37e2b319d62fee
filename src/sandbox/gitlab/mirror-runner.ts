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

// UpdateRemoteMirrorService::MAX_TRIES: retries 1..3 go to `to_retry`, the 4th failure is final.
const MAX_TRIES = 3;
// RemoteMirror::MAX_FIRST_RUNTIME / MAX_INCREMENTAL_RUNTIME.
const MAX_FIRST_RUNTIME_MS = 3 * 3600_000;
const MAX_INCREMENTAL_RUNTIME_MS = 3600_000;
const STUCK_MESSAGE = "The remote mirror took to long to complete.";

export interface MirrorRunnerOptions {
  context: SandboxContext;
  repoDir(project: Project): Promise<string>;
  gitEnv: NodeJS.ProcessEnv;
  /**
   * GitLab re-runs a `to_retry` mirror after the 1 or 5 minute backoff; the sandbox waits this
   * long instead (default 0). null leaves the mirror in `to_retry`.
   */
  retryDelayMs: number | null;
}

export interface MirrorRunner {
  /** Runs an update for a mirror the sync route has just marked `started`. */
  start(project: Project, mirror: RemoteMirror): void;
  /** `Project#update_remote_mirrors`, called after a push that changed branches or tags. */
  afterPush(project: Project): void;
  /** Resolves once no update (or scheduled retry) of the mirror is pending. */
  settle(mirrorId: number): Promise<void>;
  injectFailure(mirrorId: number, message: string, times: number): void;
  close(): Promise<void>;
}

export function createMirrorRunner(options: MirrorRunnerOptions): MirrorRunner {
  const { context } = options;
  const running = new Map<number, Promise<void>>();
  const injected = new Map<number, { message: string; times: number }>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function track(mirrorId: number, work: Promise<void>): void {
    const job: Promise<void> = work.finally(() => {
      if (running.get(mirrorId) === job) running.delete(mirrorId);
    });
    running.set(mirrorId, job);
  }

  function launch(project: Project, mirror: RemoteMirror, tries: number): void {
    // Deferred, so the job is registered before any retry it schedules replaces it.
    track(
      mirror.id,
      Promise.resolve().then(() => update(project, mirror, tries)),
    );
  }

  async function update(project: Project, mirror: RemoteMirror, tries: number): Promise<void> {
    // The service returns success without doing anything for a disabled mirror.
    if (!mirrorEnabled(context, mirror)) {
      if (mirror.updateStatus === "started") mirror.updateStatus = "finished";
      return;
    }
    const blocked = mirrorUrlError(mirror.url, context.allowLocalRequests);
    if (blocked != null) {
      retryOrFail(
        project,
        mirror,
        tries,
        `The remote mirror URL is invalid: ${blocked.replace(/^is blocked: /, "")}`,
      );
      return;
    }
    // update_start!: any -> started, stamping last_update_started_at.
    mirror.updateStatus = "started";
    mirror.lastUpdateStartedAt = context.now();
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
      const now = context.now();
      mirror.updateStatus = "finished";
      mirror.lastUpdateAt = now;
      mirror.lastSuccessfulUpdateAt = now;
      mirror.lastError = null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Git command errors go down the retry ladder; anything else fails the mirror at once.
      if (error instanceof GitCommandError) retryOrFail(project, mirror, tries, message);
      else fail(mirror, message);
    }
  }

  function retryOrFail(project: Project, mirror: RemoteMirror, tries: number, message: string): void {
    if (tries >= MAX_TRIES) {
      fail(mirror, message);
      return;
    }
    // hard_retry!: to_retry and last_error, without touching last_update_at.
    mirror.updateStatus = "to_retry";
    mirror.lastError = scrub(mirror, message);
    if (options.retryDelayMs == null || closed) return;
    const pending = new Promise<void>((resolveRetry) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolveRetry();
      }, options.retryDelayMs ?? 0);
      timers.add(timer);
    });
    track(
      mirror.id,
      pending.then(() => (closed ? undefined : update(project, mirror, tries + 1))),
    );
  }

  // hard_fail! / update_fail!: failed, last_error, and last_update_at from the notification step.
  function fail(mirror: RemoteMirror, message: string): void {
    mirror.updateStatus = "failed";
    mirror.lastError = scrub(mirror, message);
    mirror.lastUpdateAt = context.now();
  }

  return {
    start(project, mirror) {
      if (running.has(mirror.id)) return;
      launch(project, mirror, 0);
    },
    afterPush(project) {
      const now = context.now().getTime();
      // Stuck mirrors are bulk-marked failed first (RemoteMirror.stuck).
      for (const mirror of project.remoteMirrors) {
        const started = mirror.lastUpdateStartedAt?.getTime();
        if (mirror.updateStatus !== "started" || started == null || running.has(mirror.id)) continue;
        const limit = mirror.lastUpdateAt == null ? MAX_FIRST_RUNTIME_MS : MAX_INCREMENTAL_RUNTIME_MS;
        if (started < now - limit) {
          mirror.updateStatus = "failed";
          mirror.lastError = STUCK_MESSAGE;
        }
      }
      for (const mirror of project.remoteMirrors) {
        if (!mirrorEnabled(context, mirror) || mirror.updateStatus === "started" || running.has(mirror.id))
          continue;
        mirror.updateStatus = "started";
        mirror.lastUpdateStartedAt = context.now();
        launch(project, mirror, 0);
      }
    },
    async settle(mirrorId) {
      for (let job = running.get(mirrorId); job != null; job = running.get(mirrorId)) {
        await job;
        if (running.get(mirrorId) === job) running.delete(mirrorId);
      }
    },
    injectFailure(mirrorId, message, times) {
      injected.set(mirrorId, { message, times });
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running.values()]);
    },
  };
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
