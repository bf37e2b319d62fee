import type { Argv } from "yargs";
import { commaList, positiveInteger, positiveNumber } from "./flags.ts";

/** Option groups shared by several commands. */
export function withConfigOption<T>(yargs: Argv<T>) {
  return yargs.option("config", {
    alias: "c",
    type: "string",
    default: "mirrors.yml",
    describe: "Config file",
  });
}

export function withSyncOptions<T>(yargs: Argv<T>) {
  return (
    withConfigOption(yargs)
      .option("mirror", {
        alias: "m",
        type: "string",
        array: true,
        describe: "Mirror(s) to sync, by name; repeat or comma-separate",
        coerce: commaList(),
      })
      .option("all", { type: "boolean", default: false, describe: "Sync every mirror in the config" })
      .option("concurrency", {
        alias: "j",
        type: "number",
        default: 4,
        describe: "Mirrors synced at once",
        coerce: positiveInteger("--concurrency"),
      })
      .option("cache-dir", {
        type: "string",
        default: ".ci-mirror/cache",
        describe: "Bare repos kept between runs (point a CI cache: at it)",
      })
      .option("dry-run", {
        type: "boolean",
        default: false,
        describe: "Show the plan per ref; change nothing",
      })
      .option("report", { type: "string", describe: "Write a JSON report with per-ref results and timings" })
      .option("junit", { type: "string", describe: "Write a JUnit XML report, one test case per mirror" })
      .option("allow-mass-delete", {
        type: "boolean",
        default: false,
        describe: "Allow deletions past max_deletions, or syncing an empty upstream",
      })
      .option("allow-mass-rewrite", {
        type: "boolean",
        default: false,
        describe: "Allow forced updates (rewritten branches, moved tags) past max_rewrites",
      })
      .option("timeout", {
        type: "number",
        default: 60,
        describe: "Minutes before one git network operation is killed",
        coerce: positiveNumber("--timeout", "minutes"),
      })
      .option("batch-size", {
        type: "number",
        default: 200,
        describe: "Refs per git push",
        coerce: positiveInteger("--batch-size"),
      })
      .option("retries", {
        type: "number",
        default: 3,
        describe: "Attempts for a transient network failure",
        coerce: positiveInteger("--retries"),
      })
      // Tests and the demo shorten the backoff (env CI_MIRROR_RETRY_DELAY); not for users.
      .option("retry-delay", {
        type: "number",
        default: 2_000,
        hidden: true,
        describe: "First backoff in ms",
      })
      // Tests show every progress meter (--progress-interval 0); not for users.
      .option("progress-interval", {
        type: "number",
        hidden: true,
        describe: "Seconds between two progress lines of a mirror in a log",
      })
  );
}
