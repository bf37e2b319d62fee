import type { Argv } from "yargs";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";

function demoBuilder(yargs: Argv<GlobalOptions>) {
  return yargs.option("keep", {
    type: "boolean",
    default: false,
    describe: "Keep the demo's temporary directory",
  });
}

export type DemoArgs = ArgsOf<typeof demoBuilder>;

export const demoCommand: LazyCommand<OptionsOf<typeof demoBuilder>> = {
  command: "demo",
  describe: "Run a local upstream and target on loopback and mirror between them",
  builder: demoBuilder,
  load: async () => (await import("./demo-run.ts")).runDemo,
};
