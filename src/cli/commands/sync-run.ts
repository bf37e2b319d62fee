import { syncAll } from "../../core/sync-all.ts";
import { UsageError, type ExitCode } from "../../errors/tool-error.ts";
import { Printer } from "../../output/printer.ts";
import { loadCommandConfig } from "../command-config.ts";
import type { CommandWorld } from "../world.ts";
import type { SyncArgs } from "./sync.ts";

export async function runSync(args: SyncArgs, world: CommandWorld): Promise<ExitCode> {
  const only = args.mirror
    ?.flatMap((value) => String(value).split(","))
    .map((name) => name.trim())
    .filter(Boolean);
  if ((only == null || only.length === 0) && !args.all) {
    throw new UsageError("say which mirrors to sync", "whichMirrors");
  }
  if (only != null && only.length > 0 && args.all)
    throw new UsageError("--mirror and --all exclude each other");
  for (const [flag, value] of [
    ["--concurrency", args.concurrency],
    ["--batch-size", args.batchSize],
    ["--retries", args.retries],
  ] as const) {
    if (!Number.isFinite(value) || value < 1) throw new UsageError(`${flag} must be a number of at least 1`);
  }
  if (!Number.isFinite(args.timeout) || args.timeout <= 0)
    throw new UsageError("--timeout must be a positive number of minutes");
  const { redactor } = world;
  const printer = new Printer(world.stdout, world.stderr, redactor);
  const config = await loadCommandConfig(args.config, world, printer);
  const { exitCode } = await syncAll(
    config,
    {
      only: args.all ? undefined : only,
      concurrency: args.concurrency,
      reportFile: args.report,
      junitFile: args.junit,
      debug: world.debug,
      progressIntervalMs:
        args.progressInterval != null ? Math.max(0, args.progressInterval) * 1000 : undefined,
      settings: {
        cacheDir: args.cacheDir,
        dryRun: args.dryRun,
        allowMassDelete: args.allowMassDelete,
        allowMassRewrite: args.allowMassRewrite,
        batchSize: Math.floor(args.batchSize),
        networkTimeoutMs: args.timeout * 60_000,
        retry: { attempts: Math.floor(args.retries), baseDelayMs: Math.max(0, args.retryDelay) },
      },
    },
    { cwd: world.cwd, env: world.env, printer, redactor, signal: world.signal },
  );
  return exitCode;
}
