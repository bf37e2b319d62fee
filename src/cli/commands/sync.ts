import type { Argv } from "yargs";
import { withSyncOptions } from "../options.ts";

export function syncBuilder<T>(yargs: Argv<T>) {
  return withSyncOptions(yargs).example([
    ["$0 sync --mirror gitlab", "Sync one mirror (one CI job per mirror)"],
    ["$0 sync --all --concurrency 8", "Sync every mirror, eight at a time"],
    ["$0 sync --all --dry-run", "Show what would change, change nothing"],
  ]);
}

export type SyncArgs = Awaited<ReturnType<typeof syncBuilder>["argv"]>;
