import yargs, { type Argv } from "yargs";
import { UsageError } from "../errors/tool-error.ts";
import { VERSION } from "../version.ts";
import type { CliWorld } from "./world.ts";
import { syncBuilder } from "./commands/sync.ts";
import { validateBuilder } from "./commands/validate.ts";
import { demoBuilder } from "./commands/demo.ts";

/**
 * The command line: yargs parses and validates, then a command's `run…` function does the work
 * with the world it is given. Handlers only record which command ran; main.ts runs it, so
 * exit codes and error rendering live in one place.
 */
export type Invocation = { command: "sync" | "validate" | "demo"; args: Record<string, unknown> };

export function buildParser(world: CliWorld, onCommand: (invocation: Invocation) => void): Argv {
  const record = (command: Invocation["command"]) => (args: Record<string, unknown>) =>
    onCommand({ command, args });
  return yargs()
    .scriptName("ci-mirror")
    .usage("$0 <command> [options]\n\nMirror git repositories from scheduled GitLab pipelines.")
    .env("CI_MIRROR")
    .command("sync", "Mirror upstreams to their targets", (y) => syncBuilder(y), record("sync"))
    .command(
      "validate",
      "Check a config file and print every problem",
      (y) => validateBuilder(y),
      record("validate"),
    )
    .command(
      "demo",
      "Run a local upstream and target on loopback and mirror between them",
      (y) => demoBuilder(y),
      record("demo"),
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
