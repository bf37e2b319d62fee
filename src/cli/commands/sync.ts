import type { Argv } from "yargs";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";
import { withSyncOptions } from "../options.ts";

function syncBuilder(yargs: Argv<GlobalOptions>) {
  return withSyncOptions(yargs).example([
    ["$0 sync --mirror gitlab", "Sync one mirror (one CI job per mirror)"],
    ["$0 sync --all --concurrency 8", "Sync every mirror, eight at a time"],
    ["$0 sync --all --dry-run", "Show what would change, change nothing"],
  ]);
}

export type SyncArgs = ArgsOf<typeof syncBuilder>;

export const syncCommand: LazyCommand<OptionsOf<typeof syncBuilder>> = {
  command: "sync",
  describe: "Mirror upstreams to their targets",
  builder: syncBuilder,
  load: async () => (await import("./sync-run.ts")).runSync,
  stopsOnSignal: true,
};
