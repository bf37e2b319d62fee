import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Argv } from "yargs";
import type { AuditReport } from "../../core/audit/types.ts";
import { ToolError, UsageError } from "../../errors/tool-error.ts";
import type { Redactor } from "../../util/redact.ts";
import { withConfigOption } from "../options.ts";
import { variableNameFlag } from "../variable-flag.ts";
import type { CommandWorld } from "../world.ts";

export function auditBuilder<T>(yargs: Argv<T>) {
  return withConfigOption(yargs)
    .option("max-age", {
      type: "string",
      describe: "Fail a mirror without a success this recent (default audit.max_age, 24h)",
    })
    .option("stuck-after", {
      type: "string",
      describe: "Fail a mirror `started` this long (default audit.stuck_after, 1h)",
    })
    .option("resync-failed", {
      type: "boolean",
      default: false,
      describe: "Ask GitLab to push every failed mirror again",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "Print the report as JSON instead of a table",
    })
    .option("junit", { type: "string", describe: "Write a JUnit XML report, one test case per mirror" })
    .option("report", { type: "string", describe: "Write the JSON report to a file" })
    .option("notify-webhook", {
      type: "string",
      describe: "NAME of the variable holding a webhook URL to notify on failure",
    })
    .option("notify-email", {
      type: "boolean",
      default: false,
      describe: "E-mail on failure (CI_MIRROR_SMTP_* variables)",
    })
    .option("concurrency", { alias: "j", type: "number", default: 8, describe: "GitLab API calls at once" })
    .example([
      ["$0 audit --max-age 12h --junit audit.xml", "Fail mirrors without a success in 12 hours"],
      [
        "$0 audit --resync-failed --notify-webhook SLACK_WEBHOOK",
        "Retry failed mirrors and tell the channel",
      ],
    ]);
}

export type AuditArgs = Awaited<ReturnType<typeof auditBuilder>["argv"]>;

const DEFAULT_MAX_AGE_MS = 86_400_000;
const DEFAULT_STUCK_AFTER_MS = 3_600_000;

/**
 * `ci-mirror audit`: check GitLab's push mirrors. 0 all healthy (warnings allowed), 1 a mirror
 * or project failed, 2 usage or config error. The heavy modules (GitLab client, SMTP) are
 * loaded only when the command runs, so the parser stays cheap for every other command.
 */
export async function runAudit(args: AuditArgs, world: CommandWorld): Promise<0 | 1 | 2> {
  if (!Number.isFinite(args.concurrency) || args.concurrency < 1) {
    throw new UsageError("--concurrency must be a number of at least 1");
  }
  const { durationMs, durationProblem } = await import("../../util/duration.ts");
  const flagMs = (flag: string, value: string | undefined): number | undefined => {
    // Empty is "not given": the audit component passes every input, an empty one included.
    if (value == null || value === "") return undefined;
    const problem = durationProblem(value);
    if (problem != null) throw new UsageError(`${flag} ${value}: ${problem}`);
    return durationMs(value);
  };
  const webhookVariable = variableNameFlag("--notify-webhook", args.notifyWebhook);
  const maxAgeFlag = flagMs("--max-age", args.maxAge);
  const stuckAfterFlag = flagMs("--stuck-after", args.stuckAfter);

  const [{ loadConfig }, { auditPushMirrors }, { auditTable, auditSummaryLine }, { auditJUnit }] =
    await Promise.all([
      import("../../config/index.ts"),
      import("../../core/audit/audit.ts"),
      import("../../core/audit/table.ts"),
      import("../../core/audit/junit.ts"),
    ]);
  const [
    { Printer },
    { registerConfigSecrets },
    { resolveGitLabSettings },
    { createGitLabClient },
    { notifyFailures },
  ] = await Promise.all([
    import("../../output/printer.ts"),
    import("../../output/config-secrets.ts"),
    import("../../gitlab/settings.ts"),
    import("../../gitlab/client.ts"),
    import("../../notify/notify.ts"),
  ]);

  const { redactor } = world;
  const printer = new Printer(world.stdout, world.stderr, redactor);
  const { config, warnings } = await loadConfig(args.config, { cwd: world.cwd });
  await registerConfigSecrets(config, world.env, redactor, [webhookVariable]);
  for (const warning of warnings) printer.err(`warning: ${warning.path}: ${warning.message}`);
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
    maxAgeMs: maxAgeFlag ?? config.audit?.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    stuckAfterMs: stuckAfterFlag ?? config.audit?.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS,
    resyncFailed: args.resyncFailed,
    concurrency: Math.floor(args.concurrency),
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
  if (args.json) {
    printer.out(toJson(shown));
  } else {
    for (const line of auditTable(shown, now)) printer.out(line);
    printer.out(auditSummaryLine(shown));
  }
  if (args.report != null) await writeOutput(world.cwd, args.report, toJson(shown), redactor);
  if (args.junit != null) await writeOutput(world.cwd, args.junit, auditJUnit(shown), redactor);
  return report.ok ? 0 : 1;
}

function toJson(report: AuditReport): string {
  return JSON.stringify(report, null, 2);
}

async function writeOutput(cwd: string, file: string, text: string, redactor: Redactor): Promise<void> {
  const path = resolve(cwd, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, redactor.redact(text));
}
