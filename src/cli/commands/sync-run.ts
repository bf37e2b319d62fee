import { syncAll } from "../../core/sync-all.ts";
import { UsageError, type ExitCode } from "../../errors/tool-error.ts";
import { Printer } from "../../output/printer.ts";
import { syncLog } from "../../output/sync-log.ts";
import { syncJson, syncJUnit } from "../../output/sync-report.ts";
import { loadCommandConfig } from "../command-config.ts";
import { writeReportFiles } from "../report-files.ts";
import type { CommandWorld } from "../world.ts";
import type { SyncArgs } from "./sync.ts";

export async function runSync(args: SyncArgs, world: CommandWorld): Promise<ExitCode> {
  const only = args.mirror;
  if ((only == null || only.length === 0) && !args.all) {
    throw new UsageError("say which mirrors to sync", "whichMirrors");
  }
  if (only != null && only.length > 0 && args.all)
    throw new UsageError("--mirror and --all exclude each other");
  const { redactor } = world;
  const printer = new Printer(world.stdout, world.stderr, redactor);
  const config = await loadCommandConfig(args.config, world, printer);
  const log = syncLog(printer, {
    inCi: world.env.CI != null && world.env.CI !== "" && world.env.CI !== "false",
    debug: world.debug === true,
    progressIntervalMs: args.progressInterval != null ? Math.max(0, args.progressInterval) * 1000 : undefined,
  });
  const { exitCode } = await syncAll(
    config,
    {
      only: args.all ? undefined : only,
      concurrency: args.concurrency,
      settings: {
        cacheDir: args.cacheDir,
        dryRun: args.dryRun,
        allowMassDelete: args.allowMassDelete,
        allowMassRewrite: args.allowMassRewrite,
        batchSize: args.batchSize,
        networkTimeoutMs: args.timeout * 60_000,
        retry: { attempts: args.retries, baseDelayMs: Math.max(0, args.retryDelay) },
      },
    },
    {
      cwd: world.cwd,
      env: world.env,
      redactor,
      signal: world.signal,
      observer: {
        ...log,
        // On every way out of the run, failures and cancellation included.
        runDone: async (report) => {
          log.end(report);
          // Redacted as a value first, so escaping (JSON's `\"`, XML's `&amp;`) cannot hide a
          // secret from the redactor; the writer redacts the rendered text again.
          const redacted = redactor.redactValue(report);
          await writeReportFiles(
            world.cwd,
            [
              { file: args.report, render: () => syncJson(redacted) },
              { file: args.junit, render: () => syncJUnit(redacted) },
            ],
            redactor,
          );
        },
      },
    },
  );
  return exitCode;
}
