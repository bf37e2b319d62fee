import { resolve } from "node:path";
import pLimit from "p-limit";
import type { Config, MirrorConfig } from "../config/types.ts";
import { UsageError } from "../errors/tool-error.ts";
import type { Env } from "../util/env.ts";
import type { GitObserver } from "../git/runner.ts";
import type { Redactor } from "../util/redact.ts";
import { acquireCacheLock } from "../util/cache-lock.ts";
import { CANCEL_EXIT_CODES, stopSignalOf, type CancelExitCode } from "../util/cancel.ts";
import { targetCreator } from "./create-target.ts";
import { checkRequiredVariables } from "./required-variables.ts";
import type { MirrorReport, RunReport } from "./result.ts";
import type { SyncSettings } from "./sync-context.ts";
import { cancelledError, syncMirror } from "./sync-mirror.ts";
import { VERSION } from "../version.ts";

export interface SyncRequest {
  /** Mirror names to sync; undefined means all of them. */
  only?: readonly string[] | undefined;
  concurrency: number;
  settings: SyncSettings;
}

/**
 * What the run tells as it goes. The core says what happened; the CLI renders it
 * (output/sync-log.ts) and writes the report files.
 */
export interface SyncObserver {
  /** One line of a mirror's log. */
  log(mirror: string, line: string): void;
  /** What to do with one mirror's git processes: progress meters, and with --debug every command. */
  git(mirror: string): GitObserver;
  /** A mirror is done, and not cancelled: its report is final. */
  mirrorDone(report: MirrorReport): void;
  /**
   * The run is over, on every way out, failures and cancellation included: the report is
   * complete (cancelled mirrors, config order, verdict). Awaited before syncAll returns or throws,
   * so its files are written whatever happened; what it throws ends the run.
   */
  runDone(report: RunReport): Promise<void>;
}

export interface SyncAllWorld {
  cwd: string;
  env: Env;
  redactor: Redactor;
  observer: SyncObserver;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM): see syncAll. */
  signal?: AbortSignal | undefined;
}

// Once cancelled, how long the mirrors under way get to wind down. git is stopped within three
// seconds (runGit); anything else still running after this is reported cancelled and left.
const CANCEL_GRACE_MS = 10_000;

/**
 * Sync the chosen mirrors, `concurrency` at a time, under one lock on the cache dir. Each
 * mirror's report goes to the observer whole when it finishes, so parallel mirrors never
 * interleave their logs. Returns 0 when every mirror is fine, 1 otherwise.
 *
 * When the world's signal fires, no further mirror starts, the ones under way stop their git
 * (their whole process groups) and get a bounded time to end; then the lock is released, each
 * unfinished mirror is reported cancelled, the observer gets the report with what is known, and
 * the exit code is 130 (SIGINT) or 143 (SIGTERM). The lock is released and the observer gets the
 * finished report on every way out of the run, failures included.
 */
export async function syncAll(
  config: Config,
  request: SyncRequest,
  world: SyncAllWorld,
): Promise<{ exitCode: 0 | 1 | CancelExitCode; report: RunReport }> {
  const mirrors = chooseMirrors(config, request.only);
  checkRequiredVariables(mirrors, world.env);
  const settings = { ...request.settings, cacheDir: resolve(world.cwd, request.settings.cacheDir) };
  const { observer } = world;
  const report: RunReport = {
    tool: "ci-mirror",
    version: VERSION,
    startedAt: new Date().toISOString(),
    dryRun: settings.dryRun,
    ok: true,
    mirrors: [],
  };
  const createTarget = mirrors.some((mirror) => mirror.createTarget != null)
    ? targetCreator(config.gitlab, world.env, world.redactor)
    : undefined;
  const lock = await acquireCacheLock(settings.cacheDir);
  const started = new Set<string>();
  try {
    const limit = pLimit(Math.max(1, request.concurrency));
    const all = Promise.all(
      mirrors.map((mirror) =>
        limit(async () => {
          // Cancelled: stop starting new work.
          if (world.signal?.aborted === true) return;
          started.add(mirror.name);
          const result = await syncMirror(mirror, settings, {
            env: world.env,
            redactor: world.redactor,
            log: (line) => observer.log(mirror.name, line),
            createTarget,
            signal: world.signal,
            gitObserver: observer.git(mirror.name),
          });
          report.mirrors.push(result);
          // Cancelled mirrors are told with the others, in the finished report.
          if (result.status !== "cancelled") observer.mirrorDone(result);
        }),
      ),
    );
    await untilDoneOrCancelled(all, world.signal);
  } finally {
    await lock.release();
    // Even on the way out of a failure, the report says what had been done.
    complete(report, mirrors, started, world);
    await observer.runDone(report);
  }
  const stopped = stopSignalOf(world.signal);
  if (stopped != null) return { exitCode: CANCEL_EXIT_CODES[stopped], report };
  return { exitCode: report.ok ? 0 : 1, report };
}

/** Complete the report: cancelled mirrors, config order, verdict. */
function complete(
  report: RunReport,
  mirrors: readonly MirrorConfig[],
  started: ReadonlySet<string>,
  world: SyncAllWorld,
): void {
  const stopped = stopSignalOf(world.signal);
  if (stopped != null) {
    report.cancelled = stopped;
    const reported = new Set(report.mirrors.map((mirror) => mirror.name));
    for (const mirror of mirrors.filter((candidate) => !reported.has(candidate.name))) {
      const message = started.has(mirror.name)
        ? `cancelled, still running ${CANCEL_GRACE_MS / 1000}s after ${stopped}`
        : `cancelled before it started (${stopped})`;
      report.mirrors.push(notFinished(mirror, world, message));
    }
  }
  // Report in config order, whatever order the mirrors finished in.
  const order = new Map(mirrors.map((mirror, index) => [mirror.name, index]));
  report.mirrors.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  report.ok = report.mirrors.every((mirror) => mirror.status !== "failed" && mirror.status !== "cancelled");
}

/** All mirrors done; or, once cancelled, done or out of time, whichever comes first. */
async function untilDoneOrCancelled(all: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (signal == null) {
    await all;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => undefined;
  const outOfTime = new Promise<void>((resolve) => {
    onAbort = () => {
      timer = setTimeout(resolve, CANCEL_GRACE_MS);
      timer.unref();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([all, outOfTime]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

/** The report of a mirror that never started, or did not end within the grace time. */
function notFinished(mirror: MirrorConfig, world: SyncAllWorld, message: string): MirrorReport {
  return {
    name: mirror.name,
    source: world.redactor.redact(mirror.source.url),
    target: world.redactor.redact(mirror.target.url),
    status: "cancelled",
    error: cancelledError(message),
    refs: [],
    warnings: [],
    timings: { listMs: 0, fetchMs: 0, lfsMs: 0, pushMs: 0, totalMs: 0 },
    counts: {},
  };
}

function chooseMirrors(config: Config, only: readonly string[] | undefined): MirrorConfig[] {
  if (only == null) return config.mirrors;
  const byName = new Map(config.mirrors.map((mirror) => [mirror.name.toLowerCase(), mirror]));
  const unknown = only.filter((name) => !byName.has(name.toLowerCase()));
  if (unknown.length > 0) {
    throw new UsageError(`no mirror named ${unknown.join(", ")} in ${config.file}`, [
      "knownMirrors",
      { known: config.mirrors.map((mirror) => mirror.name).join(", ") },
    ]);
  }
  return [...new Set(only.map((name) => byName.get(name.toLowerCase())))].filter((mirror) => mirror != null);
}
