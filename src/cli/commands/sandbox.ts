import type { Argv } from "yargs";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";

function sandboxBuilder(yargs: Argv<GlobalOptions>) {
  return yargs
    .option("json", { type: "boolean", default: false, describe: "Print the URLs and token as JSON" })
    .option("allow-local-requests", {
      type: "boolean",
      default: false,
      describe:
        "Let push mirrors reach localhost and the local network (GitLab's admin setting; off by default, as in GitLab)",
    })
    .example([["$0 sandbox", "Start a local GitLab on loopback and print its URL and an api token"]]);
}

export type SandboxArgs = ArgsOf<typeof sandboxBuilder>;

export const sandboxCommand: LazyCommand<OptionsOf<typeof sandboxBuilder>> = {
  command: "sandbox",
  describe: "Run a local GitLab (API and git) on loopback to try a config against",
  builder: sandboxBuilder,
  load: async () => (await import("./sandbox-run.ts")).runSandbox,
  stopsOnSignal: true,
};
