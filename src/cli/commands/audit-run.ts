import { auditPushMirrors } from "../../core/audit/audit.ts";
import { ToolError } from "../../errors/tool-error.ts";
import { createGitLabClient } from "../../gitlab/client.ts";
import { resolveGitLabSettings } from "../../gitlab/settings.ts";
import { notifyFailures } from "../../notify/notify.ts";
import { auditJUnit } from "../../output/audit-junit.ts";
import { auditJson, auditText } from "../../output/audit-table.ts";
import { Printer } from "../../output/printer.ts";
import { loadCommandConfig } from "../command-config.ts";
import { writeReportFiles } from "../report-files.ts";
import type { CommandWorld } from "../world.ts";
import type { AuditArgs } from "./audit.ts";

const DEFAULT_MAX_AGE_MS = 86_400_000;
const DEFAULT_STUCK_AFTER_MS = 3_600_000;

/**
 * `ci-mirror audit`: check GitLab's push mirrors. 0 all healthy (warnings allowed), 1 a mirror
 * or project failed, 2 usage or config error.
 */
export async function runAudit(args: AuditArgs, world: CommandWorld): Promise<0 | 1 | 2> {
  const webhookVariable = args.notifyWebhook;
  const { redactor } = world;
  const printer = new Printer(world.stdout, world.stderr, redactor);
  const config = await loadCommandConfig(args.config, world, printer, { moreSecrets: [webhookVariable] });
  const scope = {
    projects: config.audit?.projects ?? [],
    groups: config.audit?.groups ?? [],
    pushMirrors: config.pushMirrors,
    includeShared: config.audit?.includeShared === true,
  };
  if (scope.projects.length + scope.groups.length + scope.pushMirrors.length === 0) {
    throw new ToolError("EAUDITEMPTY", `${config.file}: nothing to audit`);
  }
  const gitlab = resolveGitLabSettings(config.gitlab, world.env, { redactor });
  const port = createGitLabClient({ ...gitlab, redactor });
  const now = new Date();
  const report = await auditPushMirrors(port, scope, {
    now,
    maxAgeMs: args.maxAge ?? config.audit?.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    stuckAfterMs: args.stuckAfter ?? config.audit?.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS,
    resyncFailed: args.resyncFailed,
    concurrency: args.concurrency,
  });

  if (report.token.verdict !== "ok") {
    printer.err(`${report.token.verdict === "fail" ? "error" : "warning"}: ${report.token.message}`);
  }
  report.notifications = await notifyFailures(
    report,
    { webhookVariable, email: args.notifyEmail },
    world.env,
    redactor,
  );
  for (const warning of report.notifications.warnings) printer.err(`warning: ${warning}`);
  for (const sent of report.notifications.sent) printer.err(`notified: ${sent}`);

  // Redacted as a value before it is rendered: escaping (JSON, XML) cannot hide a secret from
  // this pass. Every rendering is redacted again as text on its way out.
  const shown = redactor.redactValue(report);
  printer.out(args.json ? auditJson(shown) : auditText(shown, now));
  await writeReportFiles(
    world.cwd,
    [
      { file: args.report, render: () => auditJson(shown) },
      { file: args.junit, render: () => auditJUnit(shown) },
    ],
    redactor,
  );
  return report.ok ? 0 : 1;
}
