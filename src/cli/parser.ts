import yargs, { type ArgumentsCamelCase, type Argv } from "yargs";
import type { ExitCode } from "../errors/tool-error.ts";
import { UsageError } from "../errors/tool-error.ts";
import { VERSION } from "../version.ts";
import type { GlobalOptions, LazyCommand } from "./command.ts";
import { flagRefusal } from "./flags.ts";
import type { CliWorld, CommandWorld } from "./world.ts";
import { auditCommand } from "./commands/audit.ts";
import { demoCommand } from "./commands/demo.ts";
import { planCommand } from "./commands/plan.ts";
import { pushMirrorsCommand } from "./commands/push-mirrors.ts";
import { sandboxCommand } from "./commands/sandbox.ts";
import { syncCommand } from "./commands/sync.ts";
import { validateCommand } from "./commands/validate.ts";

/**
 * The command line: yargs parses and validates, then the chosen command's run module does the
 * work with the world it is given. Handlers only record what to run; main.ts runs it, so exit
 * codes and error rendering live in one place.
 */
export interface Invocation {
  /** Load the command's run module and run it with the parsed command line. */
  run: (world: CommandWorld) => Promise<ExitCode>;
  stopsOnSignal: boolean;
}

/** A command as the parser registers it: its options' type is known only inside `register`. */
type Registration = (parser: Argv<GlobalOptions>) => Argv<GlobalOptions>;

export function buildParser(world: CliWorld, onCommand: (invocation: Invocation) => void): Argv {
  const register =
    <U>({ load, stopsOnSignal, builder, ...command }: LazyCommand<U>): Registration =>
    (parser) =>
      parser.command({
        ...command,
        builder: (y: Argv<GlobalOptions>) => withEnvDefaults(builder(y), world),
        handler: (args: ArgumentsCamelCase<U>) =>
          onCommand({
            run: async (commandWorld) => (await load())(args, commandWorld),
            stopsOnSignal: stopsOnSignal === true,
          }),
      });
  // In the order `--help` lists them.
  const commands: Registration[] = [
    register(syncCommand),
    register(validateCommand),
    register(demoCommand),
    register(pushMirrorsCommand),
    register(auditCommand),
    register(planCommand),
    register(sandboxCommand),
  ];
  let parser = yargs()
    .scriptName("ci-mirror")
    .usage("$0 <command> [options]\n\nMirror git repositories from scheduled GitLab pipelines.")
    .option("debug", { type: "boolean", default: false, describe: "Show stack traces and git's own output" });
  for (const add of commands) parser = add(parser);
  return parser
    .demandCommand(1, "Say which command to run.")
    .strict()
    .recommendCommands()
    .version(VERSION)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, Number.parseInt(world.env.COLUMNS ?? "100", 10) || 100))
    .exitProcess(false)
    .fail((message, error) => {
      // A flag refused by its coerce function (flags.ts) reaches here as yargs' own error.
      const refused = message == null ? undefined : flagRefusal(message);
      if (refused !== undefined) throw refused;
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
