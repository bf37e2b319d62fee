import type { Argv } from "yargs";
import { DEFAULT_IMAGE, DEFAULT_MAX_JOBS } from "../../child-pipeline/pipeline.ts";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";
import { commaList, positiveInteger } from "../flags.ts";
import { withConfigOption } from "../options.ts";

function planBuilder(yargs: Argv<GlobalOptions>) {
  return withConfigOption(yargs)
    .option("out", {
      alias: "o",
      type: "string",
      demandOption: true,
      describe: "Child pipeline YAML to write",
    })
    .option("only", {
      type: "string",
      array: true,
      describe: "Mirror(s) to include, by name; repeat or comma-separate (default: all)",
      coerce: commaList(),
    })
    .option("image", {
      type: "string",
      default: DEFAULT_IMAGE,
      describe: "Container image of the sync jobs; it must provide ci-mirror and git",
    })
    .option("job-prefix", { type: "string", default: "mirror", describe: "Prefix of the job names" })
    .option("dry-run", {
      type: "boolean",
      default: false,
      describe: "Sync jobs show the plan, change nothing",
    })
    .option("cache", {
      type: "boolean",
      default: true,
      describe: "Keep each bare repo in a CI cache (--no-cache)",
    })
    .option("timeout", { type: "string", default: "1h", describe: "GitLab timeout of each sync job" })
    .option("concurrency", {
      alias: "j",
      type: "number",
      default: 4,
      describe: "Mirrors at once in a shard job (a matrix job syncs one)",
      coerce: positiveInteger("--concurrency"),
    })
    .option("max-jobs", {
      type: "number",
      default: DEFAULT_MAX_JOBS,
      describe: "Most jobs in the child: up to this many mirrors get one each, more are sharded",
      coerce: positiveInteger("--max-jobs", ["maxJobs", { defaultJobs: DEFAULT_MAX_JOBS }]),
    })
    .option("before-script", {
      type: "string",
      default: "",
      describe: "Shell line run before ci-mirror in each sync job (e.g. to install it)",
    })
    .example([
      ["$0 plan --out child.yml", "One job per mirror, or 200 shard jobs past 200 mirrors"],
      ["$0 plan --out child.yml --max-jobs 50", "At most 50 jobs, sharding past 50 mirrors"],
      ["$0 plan --out child.yml --only tool,docs --dry-run", "Two mirrors, changing nothing"],
    ]);
}

export type PlanArgs = ArgsOf<typeof planBuilder>;

export const planCommand: LazyCommand<OptionsOf<typeof planBuilder>> = {
  command: "plan",
  describe: "Write the child pipeline that syncs each mirror in its own CI job",
  builder: planBuilder,
  load: async () => (await import("./plan-run.ts")).runPlan,
};
