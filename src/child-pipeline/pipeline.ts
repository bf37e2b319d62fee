import type { Config } from "../config/types.ts";
import { UsageError } from "../errors/tool-error.ts";
import { assignShards } from "./shards.ts";
import { shellQuote } from "../util/shell-quote.ts";

/** GitLab refuses a `parallel:matrix` that expands to more than 200 jobs. */
const MATRIX_LIMIT = 200;
/** GitLab's limit on a job name; a job that another job `needs` must stay within 128. */
const JOB_NAME_LIMIT = 255;
const NEEDS_NAME_LIMIT = 128;
/** The child declares its own single stage: it is a separate pipeline, and the parent's stage names mean nothing there. */
const CHILD_STAGE = "sync";
const CACHE_DIR = ".ci-mirror/cache";
/**
 * Jobs the child may have unless told otherwise. GitLab.com refuses a pipeline of more than 500
 * jobs on Free (1,500 Premium, 2,000 Ultimate: the `ci_pipeline_size` plan limit, checked per
 * pipeline, a child being a pipeline of its own), and counts at most 500 active jobs per project
 * on Free (`ci_active_jobs`, every running pipeline's jobs). 200 leaves room for the parent's
 * jobs and for a second run (a schedule and a manual run) at the same time.
 */
export const DEFAULT_MAX_JOBS = 200;
/**
 * The largest child configuration written. GitLab reads at most 5 MB from an artifact include
 * (`max_artifacts_content_include_size`, once fixed in lib/gitlab/ci/artifact_file_reader.rb),
 * and refuses a configuration whose parsed size passes `max_yaml_size_bytes` (2 MB by default,
 * measured in memory, where YAML takes more room than on disk). 1 MiB stays clear of both.
 */
export const CHILD_CONFIG_LIMIT_BYTES = 1024 * 1024;
/**
 * Longest mirror list one shard job passes to `--mirror`. Linux refuses to start a program with
 * a single argument longer than 128 KiB (MAX_ARG_STRLEN); the job would fail before ci-mirror ran.
 */
const SHARD_ARGUMENT_LIMIT = 100_000;
/**
 * The released runtime image (ci-mirror, git, git-lfs, openssh-client). The registry path is a
 * placeholder until the project's home is final; the tag follows package.json (a test checks it
 * and the templates' defaults).
 */
export const DEFAULT_IMAGE = "registry.gitlab.com/ci-mirror/ci-mirror:0.1.0";

// Same rule as the config's mirror names; repeated here because a name becomes a matrix value,
// a cache key and a resource group, and GitLab rejects those silently or late.
const MIRROR_NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const JOB_PREFIX = /^[a-z0-9][a-z0-9._-]*$/i;

export interface ChildPipelineOptions {
  /** Config path as the child jobs see it: relative to the project directory. */
  configFile: string;
  /** Subset of mirror names; undefined or empty means every mirror. */
  only?: readonly string[] | undefined;
  image: string;
  jobPrefix: string;
  dryRun: boolean;
  cache: boolean;
  /** GitLab duration for each job, e.g. `1h`. */
  timeout: string;
  /** Mirrors synced at once when one job syncs several; a matrix job syncs one. */
  concurrency: number;
  /** One shell line run before the CLI, for images that do not ship ci-mirror. Empty: none. */
  beforeScript?: string | undefined;
  /** Jobs the child may have: up to this many mirrors get a job each, more are sharded. */
  maxJobs: number;
}

export interface SyncJob {
  stage: string;
  image: string;
  before_script?: string[];
  script: string[];
  parallel?: { matrix: { MIRROR: string[] }[] };
  cache?: { key: string; paths: string[]; when: "always" };
  resource_group?: string;
  interruptible?: boolean;
  timeout?: string;
  retry?: { max: number; when: string[] };
  artifacts?: {
    when: "always";
    expire_in: string;
    paths: string[];
    reports: { junit: string };
  };
}

export interface ChildPipeline {
  stages: string[];
  jobs: Record<string, SyncJob>;
  /** The mirrors the child syncs, in config order. */
  mirrors: string[];
  /** One job per mirror, or shard jobs that sync several each (the fleet is past `maxJobs`). */
  layout: "per-mirror" | "shards";
  /** Number of jobs GitLab creates: a matrix job counts once per mirror. */
  jobCount: number;
}

/**
 * Turn a config into the child pipeline's jobs. Up to `maxJobs` mirrors (counting the whole
 * config, not the `only` selection): one job per mirror, as matrix jobs of at most 200 entries.
 * Past it: `maxJobs` shards, each mirror in the shard rendezvous hashing gives it, one job per
 * shard syncing its mirrors with `sync --mirror a,b,c`. Whether a run is narrowed or not, a mirror
 * is always in the same job, cache and resource group. Pure, so the CLI only reads the config and
 * writes YAML. Throws a UsageError (exit 2) for anything GitLab would refuse later, when it is
 * harder to read.
 */
export function planPipeline(
  config: Pick<Config, "file" | "mirrors">,
  options: ChildPipelineOptions,
): ChildPipeline {
  checkOptions(options);
  const all = config.mirrors.map((mirror) => mirror.name);
  const names = selectMirrors(all, options.only);
  const jobs: Record<string, SyncJob> = {};
  if (names.length === 0) {
    // A child pipeline without jobs fails the trigger job ("downstream pipeline can not be created").
    jobs[`${options.jobPrefix}-sync-none`] = noOpJob(config.file, options);
    return { stages: [CHILD_STAGE], jobs, mirrors: [], layout: "per-mirror", jobCount: 1 };
  }
  if (all.length > options.maxJobs) {
    const selected = new Set(names);
    for (const [shard, members] of assignShards(all, options.maxJobs)) {
      const chosen = members.filter((name) => selected.has(name));
      if (chosen.length === 0) continue;
      const jobName = `${options.jobPrefix}-shard-${shard}`;
      checkJobName(jobName);
      jobs[jobName] = shardJob(shard, chosen, options);
    }
    return {
      stages: [CHILD_STAGE],
      jobs,
      mirrors: names,
      layout: "shards",
      jobCount: Object.keys(jobs).length,
    };
  }
  const chunks = chunk(names, MATRIX_LIMIT);
  chunks.forEach((chunkNames, index) => {
    const jobName = `${options.jobPrefix}-sync-${index + 1}`;
    for (const name of chunkNames) checkJobName(`${jobName}: [${name}]`);
    jobs[jobName] = syncJob(chunkNames, options);
  });
  return { stages: [CHILD_STAGE], jobs, mirrors: names, layout: "per-mirror", jobCount: names.length };
}

function checkOptions(options: ChildPipelineOptions): void {
  if (!JOB_PREFIX.test(options.jobPrefix))
    throw new UsageError(
      `job prefix "${options.jobPrefix}" must start with a letter or digit and hold only letters, digits, ".", "_" and "-"`,
    );
  if (options.image.trim() === "") throw new UsageError("--image must name a container image");
  if (options.timeout.trim() === "") throw new UsageError("--timeout must be a GitLab duration such as 1h");
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new UsageError("--concurrency must be a whole number of at least 1");
  if (!Number.isInteger(options.maxJobs) || options.maxJobs < 1)
    throw new UsageError("--max-jobs must be a whole number of at least 1", [
      "maxJobs",
      { defaultJobs: DEFAULT_MAX_JOBS },
    ]);
}

/** Config order is kept so job numbering is stable between runs with the same config. */
function selectMirrors(all: readonly string[], only: readonly string[] | undefined): string[] {
  const seen = new Map<string, string>();
  for (const name of all) {
    if (!MIRROR_NAME.test(name) || name.length > 63)
      throw new UsageError(`mirror name "${name}" cannot be a CI matrix value`, "mirrorName");
    const earlier = seen.get(name.toLowerCase());
    // Cache keys and resource groups are per name; two mirrors sharing one would share a lock.
    if (earlier != null) throw new UsageError(`mirror names "${earlier}" and "${name}" differ only in case`);
    seen.set(name.toLowerCase(), name);
  }
  if (only == null || only.length === 0) return [...all];
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const name of only) {
    const match = seen.get(name.toLowerCase());
    if (match == null) unknown.push(name);
    else wanted.add(match);
  }
  if (unknown.length > 0)
    throw new UsageError(
      `no mirror named ${unknown.map((name) => `"${name}"`).join(", ")} in the config`,
      "onlyNames",
    );
  return all.filter((name) => wanted.has(name));
}

function checkJobName(full: string): void {
  // GitLab names a matrix job `<job>: [<value>]`. Nothing in the child `needs` these jobs, so
  // 255 applies; 128 would if a later job were to `needs` one.
  if (full.length > JOB_NAME_LIMIT)
    throw new UsageError(`job name "${full}" is longer than GitLab's ${JOB_NAME_LIMIT} characters`, [
      "jobName",
      { needsLimit: NEEDS_NAME_LIMIT },
    ]);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** A job's sync line; `mirror` and the report paths are shell words, quoted by the caller. */
interface SyncLine {
  mirror: string;
  /** For a job that syncs several mirrors. */
  concurrency?: number;
  reports: { json: string; xml: string };
}

function syncCommand(line: SyncLine, options: ChildPipelineOptions): string {
  const { reports } = line;
  return [
    "ci-mirror sync",
    `--mirror ${line.mirror}`,
    `--config ${shellQuote(options.configFile)}`,
    `--cache-dir ${CACHE_DIR}`,
    ...(line.concurrency == null ? [] : [`--concurrency ${line.concurrency}`]),
    `--report ${reports.json}`,
    `--junit ${reports.xml}`,
    ...(options.dryRun ? ["--dry-run"] : []),
  ].join(" ");
}

function syncJob(names: string[], options: ChildPipelineOptions): SyncJob {
  // The key is per mirror, so each job restores only its own bare repo (the whole cache dir is
  // cached because that job's cache dir holds nothing else), and two pipelines (a schedule and a
  // manual run) never push the same target at once.
  return jobFor(
    { mirror: '"$MIRROR"', reports: { json: '"reports/$MIRROR.json"', xml: '"reports/$MIRROR.xml"' } },
    "ci-mirror-$MIRROR",
    options,
    { parallel: { matrix: [{ MIRROR: names }] } },
  );
}

/**
 * One shard: its mirrors, listed in the script, synced `concurrency` at a time. The sync prints a
 * collapsible log section and writes a JUnit test case per mirror, so the shard reads like the
 * jobs it replaces. Cache key and resource group are the shard's, under the job prefix: another
 * include of the component (another config) has shards of its own.
 */
function shardJob(shard: number, names: string[], options: ChildPipelineOptions): SyncJob {
  const list = names.join(",");
  if (list.length > SHARD_ARGUMENT_LIMIT)
    throw new UsageError(
      `shard ${shard} would pass ${names.length} mirror names (${list.length} characters) on one command line, past what Linux starts a program with`,
      "shardTooLong",
    );
  return jobFor(
    {
      mirror: shellQuote(list),
      concurrency: options.concurrency,
      reports: { json: `reports/shard-${shard}.json`, xml: `reports/shard-${shard}.xml` },
    },
    `ci-mirror-${options.jobPrefix}-shard-${shard}`,
    options,
  );
}

/**
 * A sync job around its sync line; `key` is both its cache key and its resource group, and
 * `extra` (a matrix) goes after the script.
 */
function jobFor(
  line: SyncLine,
  key: string,
  options: ChildPipelineOptions,
  extra: Pick<SyncJob, "parallel"> = {},
): SyncJob {
  return {
    stage: CHILD_STAGE,
    image: options.image,
    ...beforeScript(options),
    script: [syncCommand(line, options)],
    ...extra,
    ...(options.cache ? { cache: cacheOf(key) } : {}),
    resource_group: key,
    ...jobSettings(options),
  };
}

function cacheOf(key: string): NonNullable<SyncJob["cache"]> {
  return { key, paths: [`${CACHE_DIR}/`], when: "always" };
}

function jobSettings(
  options: ChildPipelineOptions,
): Pick<SyncJob, "interruptible" | "timeout" | "retry" | "artifacts"> {
  return {
    interruptible: true,
    timeout: options.timeout,
    retry: { max: 2, when: ["runner_system_failure", "stuck_or_timeout_failure", "scheduler_failure"] },
    artifacts: {
      when: "always",
      expire_in: "30 days",
      paths: ["reports/"],
      reports: { junit: "reports/*.xml" },
    },
  };
}

function noOpJob(configFile: string, options: ChildPipelineOptions): SyncJob {
  return {
    stage: CHILD_STAGE,
    image: options.image,
    script: [`echo ${shellQuote(`ci-mirror: no mirrors to sync in ${configFile}; nothing to do.`)}`],
    interruptible: true,
    timeout: options.timeout,
  };
}

/**
 * The before_script input's line, then a check that names what is missing: the plan job ran
 * ci-mirror in the same image, but a clear line beats "command not found" if a runner differs.
 */
export const CLI_CHECK =
  'command -v ci-mirror >/dev/null || { echo "error ENOCIMIRROR: ci-mirror is not installed in this job\'s image; the plan job ran it in the same image input and before_script" >&2; exit 127; }';

function beforeScript(options: ChildPipelineOptions): Pick<SyncJob, "before_script"> {
  const line = options.beforeScript?.trim() ?? "";
  return { before_script: line === "" ? [CLI_CHECK] : [line, CLI_CHECK] };
}
