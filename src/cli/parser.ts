import yargs, { type Argv } from "yargs";
import { UsageError } from "../errors/tool-error.ts";
import { VERSION } from "../version.ts";
import type { CliWorld } from "./world.ts";
import { syncBuilder } from "./commands/sync.ts";
import { validateBuilder } from "./commands/validate.ts";
import { demoBuilder } from "./commands/demo.ts";
import { auditBuilder } from "./commands/audit.ts";
import { pushMirrorsBuilder } from "./commands/push-mirrors.ts";
import { planBuilder } from "./commands/plan.ts";
import { sandboxBuilder } from "./commands/sandbox.ts";

/**
 * The command line: yargs parses and validates, then a command's `run…` function does the work
 * with the world it is given. Handlers only record which command ran; main.ts runs it, so
 * exit codes and error rendering live in one place.
 */
export type Invocation = {
  command: "sync" | "validate" | "demo" | "push-mirrors" | "audit" | "plan" | "sandbox";
  args: Record<string, unknown>;
};

export function buildParser(world: CliWorld, onCommand: (invocation: Invocation) => void): Argv {
  const record = (command: Invocation["command"]) => (args: Record<string, unknown>) =>
    onCommand({ command, args });
  return yargs()
    .scriptName("ci-mirror")
    .usage("$0 <command> [options]\n\nMirror git repositories from scheduled GitLab pipelines.")
    .command(
      "sync",
      "Mirror upstreams to their targets",
      (y) => withEnvDefaults(syncBuilder(y), world),
      record("sync"),
    )
    .command(
      "validate",
      "Check a config file and print every problem",
      (y) => withEnvDefaults(validateBuilder(y), world),
      record("validate"),
    )
    .command(
      "demo",
      "Run a local upstream and target on loopback and mirror between them",
      (y) => withEnvDefaults(demoBuilder(y), world),
      record("demo"),
    )
    .command(
      "push-mirrors <action>",
      "Manage a project's GitLab push mirrors, or apply push_mirrors: from the config",
      (y) => withEnvDefaults(pushMirrorsBuilder(y), world),
      record("push-mirrors"),
    )
    .command(
      "audit",
      "Check GitLab's push mirrors: failed, stale, stuck or disabled",
      (y) => withEnvDefaults(auditBuilder(y), world),
      record("audit"),
    )
    .command(
      "plan",
      "Write the child pipeline that syncs each mirror in its own CI job",
      (y) => withEnvDefaults(planBuilder(y), world),
      record("plan"),
    )
    .command(
      "sandbox",
      "Run a local GitLab (API and git) on loopback to try a config against",
      (y) => withEnvDefaults(sandboxBuilder(y), world),
      record("sandbox"),
    )
    .option("debug", { type: "boolean", default: false, describe: "Show stack traces and git's own output" })
    .demandCommand(1, "Say which command to run.")
    .strict()
    .recommendCommands()
    .version(VERSION)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, Number.parseInt(world.env.COLUMNS ?? "100", 10) || 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error != null) throw error;
      throw new UsageError(message ?? "invalid command line");
    });
}

/**
 * The options a `CI_MIRROR_*` variable may set (`CI_MIRROR_DRY_RUN=true` → `--dry-run`), read from
 * the world we were given: yargs' own `.env()` would read process.env behind our back. A pipeline
 * or trigger variable can set any variable, so this is an allow-list of options that change only
 * the pace of a run or narrow it to mirrors of the reviewed config. Everything else (a damage
 * guard's override, the config and the cache, where files are written, where the GitLab token
 * goes, what a child pipeline runs) comes from the command line only. The command line wins.
 */
export const ENV_OPTIONS: ReadonlySet<string> = new Set([
  "mirror",
  "all",
  "only",
  "concurrency",
  "dry-run",
  "timeout",
  "batch-size",
  "retries",
  "retry-delay",
  "json",
  "debug",
]);

function withEnvDefaults<T>(yargs: Argv<T>, world: CliWorld): Argv<T> {
  // getOptions() is public yargs API that @types/yargs does not declare.
  const known = new Set(
    Object.keys((yargs as unknown as { getOptions(): { key: object } }).getOptions().key),
  );
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(world.env)) {
    if (!key.startsWith("CI_MIRROR_") || value == null || value === "") continue;
    const option = key.slice("CI_MIRROR_".length).toLowerCase().replace(/_/g, "-");
    if (known.has(option) && ENV_OPTIONS.has(option)) options[option] = value;
  }
  return yargs.config(options);
}
