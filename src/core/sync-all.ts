import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import pLimit from "p-limit";
import type { Config, MirrorConfig } from "../config/types.ts";
import { UsageError } from "../errors/tool-error.ts";
import type { Env } from "../git/environment.ts";
import { sectionEnd, sectionStart } from "../output/gitlab-sections.ts";
import { toJUnit } from "../output/junit.ts";
import type { Printer } from "../output/printer.ts";
import type { Redactor } from "../output/redact.ts";
import { details, headline } from "../output/summary.ts";
import { acquireCacheLock } from "../util/cache-lock.ts";
import { targetCreator } from "./create-target.ts";
import type { RunReport } from "./result.ts";
import type { SyncSettings } from "./sync-context.ts";
import { syncMirror } from "./sync-mirror.ts";
import { VERSION } from "../version.ts";

export interface SyncRequest {
  /** Mirror names to sync; undefined means all of them. */
  only?: readonly string[] | undefined;
  concurrency: number;
  reportFile?: string | undefined;
  junitFile?: string | undefined;
  settings: SyncSettings;
}

export interface SyncAllWorld {
  cwd: string;
  env: Env;
  printer: Printer;
  redactor: Redactor;
}

/**
 * Sync the chosen mirrors, `concurrency` at a time, under one lock on the cache dir. Each
 * mirror's summary is printed whole when it finishes (in a collapsible section in GitLab), so
 * parallel mirrors never interleave their logs. Returns 0 when every mirror is fine, 1 otherwise.
 */
export async function syncAll(
  config: Config,
  request: SyncRequest,
  world: SyncAllWorld,
): Promise<{ exitCode: 0 | 1; report: RunReport }> {
  const mirrors = chooseMirrors(config, request.only);
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
  try {
    const limit = pLimit(Math.max(1, request.concurrency));
    await Promise.all(
      mirrors.map((mirror) =>
        limit(async () => {
          const result = await syncMirror(mirror, settings, {
            env: world.env,
            redactor: world.redactor,
            log: (line) => world.printer.err(`[${mirror.name}] ${line}`),
            createTarget,
          });
          report.mirrors.push(result);
          const lines = details(result);
          if (inCi) {
            // Failed mirrors stay open in the log; the healthy majority folds away.
            world.printer.out(sectionStart(mirror.name, headline(result), result.status !== "failed"));
            for (const line of lines) world.printer.out(line);
            world.printer.out(sectionEnd(mirror.name));
          } else {
            world.printer.out(headline(result));
            if (result.status !== "up-to-date") for (const line of lines) world.printer.out(line);
          }
        }),
      ),
    );
  } finally {
    await lock.release();
  }
  // Report in config order, whatever order the mirrors finished in.
  const order = new Map(mirrors.map((mirror, index) => [mirror.name, index]));
  report.mirrors.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  report.ok = report.mirrors.every((mirror) => mirror.status !== "failed");
  const failed = report.mirrors.filter((mirror) => mirror.status === "failed").length;
  world.printer.out(
    `${report.mirrors.length - failed} of ${report.mirrors.length} mirrors ok${failed > 0 ? `, ${failed} failed` : ""}`,
  );
  await writeReports(report, request, world);
  return { exitCode: report.ok ? 0 : 1, report };
}

function chooseMirrors(config: Config, only: readonly string[] | undefined): MirrorConfig[] {
  if (only == null) return config.mirrors;
  const byName = new Map(config.mirrors.map((mirror) => [mirror.name.toLowerCase(), mirror]));
  const unknown = only.filter((name) => !byName.has(name.toLowerCase()));
  if (unknown.length > 0) {
    throw new UsageError(
      `no mirror named ${unknown.join(", ")} in ${config.file}`,
      `Known mirrors: ${config.mirrors.map((mirror) => mirror.name).join(", ")}.`,
    );
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
  for (const [file, render] of files) {
    if (file == null) continue;
    const path = resolve(world.cwd, file);
    await mkdir(dirname(path), { recursive: true });
    // Reports are artifacts anyone with access to the pipeline can read: redact them too.
    await writeFile(path, world.redactor.redact(render()));
  }
}
