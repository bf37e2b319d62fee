import type { Argv } from "yargs";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";
import { duration, positiveInteger, variableName } from "../flags.ts";
import { withConfigOption } from "../options.ts";

function auditBuilder(yargs: Argv<GlobalOptions>) {
  return withConfigOption(yargs)
    .option("max-age", {
      type: "string",
      describe: "Fail a mirror without a success this recent (default audit.max_age, 24h)",
      coerce: duration("--max-age"),
    })
    .option("stuck-after", {
      type: "string",
      describe: "Fail a mirror `started` this long (default audit.stuck_after, 1h)",
      coerce: duration("--stuck-after"),
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
      coerce: variableName("--notify-webhook"),
    })
    .option("notify-email", {
      type: "boolean",
      default: false,
      describe: "E-mail on failure (CI_MIRROR_SMTP_* variables)",
    })
    .option("concurrency", {
      alias: "j",
      type: "number",
      default: 8,
      describe: "GitLab API calls at once",
      coerce: positiveInteger("--concurrency"),
    })
    .example([
      ["$0 audit --max-age 12h --junit audit.xml", "Fail mirrors without a success in 12 hours"],
      [
        "$0 audit --resync-failed --notify-webhook SLACK_WEBHOOK",
        "Retry failed mirrors and tell the channel",
      ],
    ]);
}

export type AuditArgs = ArgsOf<typeof auditBuilder>;

export const auditCommand: LazyCommand<OptionsOf<typeof auditBuilder>> = {
  command: "audit",
  describe: "Check GitLab's push mirrors: failed, stale, stuck or disabled",
  builder: auditBuilder,
  load: async () => (await import("./audit-run.ts")).runAudit,
};
