import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import type { ExitCode } from "../errors/tool-error.ts";
import type { CommandWorld } from "./world.ts";

/** The options every command has; parser.ts declares them before the commands. */
export interface GlobalOptions {
  debug: boolean;
}

type Builder<U> = (yargs: Argv<GlobalOptions>) => Argv<U>;

/** The options a builder declares, as yargs infers them. */
export type OptionsOf<B extends Builder<unknown>> = ReturnType<B> extends Argv<infer U> ? U : never;

/** The parsed command line a command runs with: what its builder declares, camel-cased by yargs. */
export type ArgsOf<B extends Builder<unknown>> = ArgumentsCamelCase<OptionsOf<B>>;

/** A command's work, given its parsed command line and the world. */
type RunCommand<U> = (args: ArgumentsCamelCase<U>, world: CommandWorld) => Promise<ExitCode>;

/**
 * A yargs command whose work lives in a module of its own, imported only when the command runs:
 * `--help`, `--version` and a no-op scheduled sync should not pay for modules they never use.
 * parser.ts gives it the handler (which only records what to run); main.ts runs it, so exit codes
 * and error rendering live in one place. `U` is what the builder declares, so a run module that
 * expects an option the builder does not declare (or of another type) does not compile.
 */
export interface LazyCommand<U> extends Omit<CommandModule<GlobalOptions, U>, "builder" | "handler"> {
  command: string;
  describe: string;
  builder: Builder<U>;
  load: () => Promise<RunCommand<U>>;
  /**
   * The command stops on the world's signal by itself (sync stops its git, frees its lock and
   * writes its reports; the sandbox closes its servers). Any other command is abandoned when the
   * signal fires, and the run ends with the cancellation's exit code.
   */
  stopsOnSignal?: true;
}
