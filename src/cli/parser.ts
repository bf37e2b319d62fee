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
      throw new UsageError(
        message ?? "invalid command line",
        "Run `ci-mirror --help` for the commands and options.",
      );
    });
}

/**
 * Options from `CI_MIRROR_*` variables (`CI_MIRROR_CACHE_DIR=x` → `--cache-dir x`), read from the
 * world we were given: yargs' own `.env()` would read process.env behind our back. Only the
 * command's own options are taken, and the command line wins over them.
 */
const NOT_FROM_ENV = new Set([
  "help",
  "version",
  // A damage guard's override is a decision made on the command line of a reviewed job, never
  // by a pipeline or trigger variable.
  "allow-mass-rewrite",
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
    // Long option names only, and never yargs' own --help/--version: a stray CI_MIRROR_HELP
    // must not turn a sync job into a green job that printed help.
    if (known.has(option) && option.length > 1 && !NOT_FROM_ENV.has(option)) options[option] = value;
  }
  return yargs.config(options);
}
