import { resolve } from "node:path";
import { GitError } from "../../errors/git-error.ts";
import { ToolError } from "../../errors/tool-error.ts";
import { hardenedGitEnv, outsideAnyRepository } from "../../git/environment.ts";
import { lfsInstalled } from "../../git/lfs.ts";
import { gitVersion } from "../../git/version.ts";
import { planPipeline } from "../../child-pipeline/pipeline.ts";
import { childPipelineYaml } from "../../child-pipeline/serialise.ts";
import { Printer } from "../../output/printer.ts";
import { loadCommandConfig } from "../command-config.ts";
import { writeWhole } from "../report-files.ts";
import type { CommandWorld } from "../world.ts";
import type { PlanArgs } from "./plan.ts";

/** Write the child pipeline for the config; the parent's trigger job runs it. */
export async function runPlan(args: PlanArgs, world: CommandWorld): Promise<0> {
  // With the environment given, the config's token variables that this job cannot see are
  // warned about here, once, instead of failing in every sync job of the child.
  const printer = new Printer(world.stdout, world.stderr, world.redactor);
  const config = await loadCommandConfig(args.config, world, printer, { checkVariables: true });
  const pipeline = planPipeline(config, {
    configFile: args.config,
    only: args.only,
    image: args.image,
    jobPrefix: args.jobPrefix,
    dryRun: args.dryRun,
    cache: args.cache,
    timeout: args.timeout,
    concurrency: args.concurrency,
    beforeScript: args.beforeScript,
    maxJobs: args.maxJobs,
  });
  await checkImageTools(world, printer);
  await writeWhole(resolve(world.cwd, args.out), childPipelineYaml(pipeline, args.config));
  const jobs = Object.keys(pipeline.jobs);
  const mirrors = `${pipeline.mirrors.length} mirror${pipeline.mirrors.length === 1 ? "" : "s"}`;
  const dryRun = args.dryRun ? ", dry run" : "";
  printer.out(
    pipeline.mirrors.length === 0
      ? `${args.out}: no mirrors to sync; one no-op job (${jobs.join(", ")})`
      : pipeline.layout === "shards"
        ? `${args.out}: ${mirrors} in ${jobs.length} shard job${jobs.length === 1 ? "" : "s"} (the config has more than --max-jobs ${args.maxJobs} mirrors)${dryRun}`
        : `${args.out}: ${mirrors} in ${jobs.length} job${jobs.length === 1 ? "" : "s"} (${jobs.join(", ")})${dryRun}`,
  );
  return 0;
}

/**
 * The plan job runs in the image (and after the before_script) that every sync job of the child
 * runs in, so what the sync jobs will lack is known here: one clear failure instead of one per
 * sync job. ci-mirror itself is there, or this would not run; the templates check for it before.
 */
async function checkImageTools(world: CommandWorld, printer: Printer): Promise<void> {
  const ctx = {
    cwd: world.cwd,
    env: outsideAnyRepository(hardenedGitEnv(world.env)),
    networkTimeoutMs: 60_000,
    signal: world.signal,
  };
  try {
    await gitVersion(ctx);
  } catch (error) {
    if (!(error instanceof GitError) || error.kind !== "missing-tool") throw error;
    throw new ToolError(
      "EGITMISSING",
      "git is not installed in this image, and every sync job runs in the same image",
      { fix: "image", cause: error },
    );
  }
  if (!(await lfsInstalled(ctx)))
    printer.err(
      "warning: git-lfs is not installed in this image: sync jobs will mirror no Git LFS objects (a mirror with `lfs: true` fails, one that uses LFS under `lfs: auto` warns)",
    );
}
