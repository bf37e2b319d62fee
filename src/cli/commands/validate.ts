import type { Argv } from "yargs";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";
import { withConfigOption } from "../options.ts";

function validateBuilder(yargs: Argv<GlobalOptions>) {
  return withConfigOption(yargs);
}

export type ValidateArgs = ArgsOf<typeof validateBuilder>;

export const validateCommand: LazyCommand<OptionsOf<typeof validateBuilder>> = {
  command: "validate",
  describe: "Check a config file and print every problem",
  builder: validateBuilder,
  load: async () => (await import("./validate-run.ts")).runValidate,
};
