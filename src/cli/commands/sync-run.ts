import { syncAll } from "../../core/sync-all.ts";
import { UsageError, type ExitCode } from "../../errors/tool-error.ts";
import { Printer } from "../../output/printer.ts";
import { loadCommandConfig } from "../command-config.ts";
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
        batchSize: args.batchSize,
        networkTimeoutMs: args.timeout * 60_000,
        retry: { attempts: args.retries, baseDelayMs: Math.max(0, args.retryDelay) },
      },
    },
    { cwd: world.cwd, env: world.env, printer, redactor, signal: world.signal },
  );
  return exitCode;
}
