import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import pLimit from "p-limit";
import type { Config, MirrorConfig } from "../config/types.ts";
import { ToolError, UsageError } from "../errors/tool-error.ts";
import type { Env } from "../util/env.ts";
import { sectionEnd, sectionStart } from "../output/gitlab-sections.ts";
import { toJUnit } from "../output/junit.ts";
import type { Printer } from "../output/printer.ts";
import { LIVE_INTERVAL_MS, LOG_INTERVAL_MS, throttledMeters } from "../output/progress.ts";
import type { GitObserver } from "../git/runner.ts";
import type { Redactor } from "../util/redact.ts";
import { details, headline, needsAttention } from "../output/sync-summary.ts";
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
  reportFile?: string | undefined;
  junitFile?: string | undefined;
  settings: SyncSettings;
  /** `--debug`: show git's commands and their output. */
  debug?: boolean | undefined;
  /** Least time between two progress lines of a mirror; default: a few seconds in a log. */
  progressIntervalMs?: number | undefined;
}

export interface SyncAllWorld {
  cwd: string;
  env: Env;
  printer: Printer;
  redactor: Redactor;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM): see syncAll. */
  signal?: AbortSignal | undefined;
}

// Once cancelled, how long the mirrors under way get to wind down. git is stopped within three
// seconds (runGit); anything else still running after this is reported cancelled and left.
const CANCEL_GRACE_MS = 10_000;

/**
 * Sync the chosen mirrors, `concurrency` at a time, under one lock on the cache dir. Each
 * mirror's summary is printed whole when it finishes (in a collapsible section in GitLab), so
 * parallel mirrors never interleave their logs. Returns 0 when every mirror is fine, 1 otherwise.
 *
 * When the world's signal fires, no further mirror starts, the ones under way stop their git
 * (their whole process groups) and get a bounded time to end; then the lock is released, each
 * unfinished mirror gets one `CANCELLED` line, the reports are written with what is known, and
 * the exit code is 130 (SIGINT) or 143 (SIGTERM). The lock is released and the reports are
 * written on every way out of the run, failures included.
 */
export async function syncAll(
  config: Config,
  request: SyncRequest,
  world: SyncAllWorld,
): Promise<{ exitCode: 0 | 1 | CancelExitCode; report: RunReport }> {
  const mirrors = chooseMirrors(config, request.only);
  checkRequiredVariables(mirrors, world.env);
  const settings = { ...request.settings, cacheDir: resolve(world.cwd, request.settings.cacheDir) };
  const inCi = world.env.CI != null && world.env.CI !== "" && world.env.CI !== "false";
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
            log: (line) => world.printer.err(`[${mirror.name}] ${line}`),
            createTarget,
            signal: world.signal,
            gitObserver: gitObserver(mirror.name, request, world.printer),
          });
          report.mirrors.push(result);
          // Cancelled mirrors get their one line with the others, below.
          if (result.status === "cancelled") return;
          const lines = details(result);
          if (inCi) {
            // Failed mirrors stay open in the log; the healthy majority folds away.
            world.printer.out(sectionStart(mirror.name, headline(result), result.status !== "failed"));
            for (const line of lines) world.printer.out(line);
            world.printer.out(sectionEnd(mirror.name));
          } else {
            world.printer.out(headline(result));
            // An up-to-date mirror still names what needs attention: kept refs, warnings.
            if (result.status !== "up-to-date" || needsAttention(result))
              for (const line of lines) world.printer.out(line);
          }
        }),
      ),
    );
    await untilDoneOrCancelled(all, world.signal);
  } finally {
    await lock.release();
    // Even on the way out of a failure, the report says what had been done.
    await finish(report, mirrors, started, request, world);
  }
  const stopped = stopSignalOf(world.signal);
  if (stopped != null) return { exitCode: CANCEL_EXIT_CODES[stopped], report };
  return { exitCode: report.ok ? 0 : 1, report };
}

/** Complete the report (cancelled mirrors, order, verdict), print its end, write its files. */
async function finish(
  report: RunReport,
  mirrors: readonly MirrorConfig[],
  started: ReadonlySet<string>,
  request: SyncRequest,
  world: SyncAllWorld,
): Promise<void> {
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
  for (const mirror of report.mirrors.filter((candidate) => candidate.status === "cancelled"))
    world.printer.out(headline(mirror));
  world.printer.out(tally(report));
  await writeReports(report, request, world);
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

function tally(report: RunReport): string {
  const count = (status: MirrorReport["status"]): number =>
    report.mirrors.filter((mirror) => mirror.status === status).length;
  const failed = count("failed");
  const cancelled = count("cancelled");
  const ok = report.mirrors.length - failed - cancelled;
  return [
    `${ok} of ${report.mirrors.length} mirrors ok`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(cancelled > 0 ? [`${cancelled} cancelled (${report.cancelled ?? "SIGTERM"})`] : []),
  ].join(", ");
}

/** One mirror's view of its git processes: progress meters, and with --debug every command. */
function gitObserver(name: string, request: SyncRequest, printer: Printer): GitObserver {
  const live = printer.canShowLive;
  const show = (line: string): void => {
    if (live) printer.live(`[${name}] ${line}`);
    else printer.err(`[${name}] ${line}`);
  };
  const intervalMs = request.progressIntervalMs ?? (live ? LIVE_INTERVAL_MS : LOG_INTERVAL_MS);
  return {
    trace: request.debug === true ? (line) => printer.err(`[${name}] ${line}`) : undefined,
    progress: throttledMeters(show, { intervalMs }),
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

async function writeReports(report: RunReport, request: SyncRequest, world: SyncAllWorld): Promise<void> {
  // Redacted as a value first, so escaping (JSON's `\"`, XML's `&amp;`) cannot hide a secret
  // from the redactor; the rendered text is redacted again below.
  const redacted = world.redactor.redactValue(report);
  const files: Array<[string | undefined, () => string]> = [
    [request.reportFile, () => `${JSON.stringify(redacted, null, 2)}\n`],
    [request.junitFile, () => toJUnit(redacted)],
  ];
  const problems: string[] = [];
  for (const [file, render] of files) {
    if (file == null) continue;
    const path = resolve(world.cwd, file);
    try {
      await mkdir(dirname(path), { recursive: true });
      // Reports are artifacts anyone with access to the pipeline can read: redact them too.
      await writeFile(path, world.redactor.redact(render()));
    } catch (error) {
      // One report that cannot be written does not cost the other.
      problems.push(`${path} (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (problems.length > 0) {
    throw new ToolError("EREPORT", `could not write ${problems.join(", ")}`);
  }
}
