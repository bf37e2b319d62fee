import type { Config } from "../config/types.ts";
import { UsageError } from "../errors/tool-error.ts";
import { shellQuote } from "./shell.ts";

/** GitLab refuses a `parallel:matrix` that expands to more than 200 jobs. */
export const MATRIX_LIMIT = 200;
/** GitLab's limit on a job name; a job that another job `needs` must stay within 128. */
export const JOB_NAME_LIMIT = 255;
export const NEEDS_NAME_LIMIT = 128;
/** The child declares its own single stage: it is a separate pipeline, and the parent's stage names mean nothing there. */
export const CHILD_STAGE = "sync";
export const CACHE_DIR = ".ci-mirror/cache";
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

export interface PlanOptions {
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
}

export interface SyncJob {
  stage: string;
  image: string;
  variables?: Record<string, string>;
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
}

/**
 * Turn a config into the child pipeline's jobs: one matrix job per chunk of at most 200 mirrors,
 * each matrix entry syncing one mirror. Pure, so the CLI only reads the config and writes YAML.
 * Throws a UsageError (exit 2) for anything GitLab would refuse later, when it is harder to read.
 */
export function planPipeline(config: Pick<Config, "file" | "mirrors">, options: PlanOptions): ChildPipeline {
  checkOptions(options);
  const names = selectMirrors(
    config.mirrors.map((mirror) => mirror.name),
    options.only,
  );
  const jobs: Record<string, SyncJob> = {};
  if (names.length === 0) {
    // A child pipeline without jobs fails the trigger job ("downstream pipeline can not be created").
    jobs[`${options.jobPrefix}-sync-none`] = noOpJob(config.file, options);
    return { stages: [CHILD_STAGE], jobs, mirrors: [] };
  }
  const chunks = chunk(names, MATRIX_LIMIT);
  chunks.forEach((chunkNames, index) => {
    const jobName = `${options.jobPrefix}-sync-${index + 1}`;
    for (const name of chunkNames) checkJobNameLength(jobName, name);
    jobs[jobName] = syncJob(chunkNames, options);
  });
  return { stages: [CHILD_STAGE], jobs, mirrors: names };
}

function checkOptions(options: PlanOptions): void {
  if (!JOB_PREFIX.test(options.jobPrefix))
    throw new UsageError(
      `job prefix "${options.jobPrefix}" must start with a letter or digit and hold only letters, digits, ".", "_" and "-"`,
    );
  if (options.image.trim() === "") throw new UsageError("--image must name a container image");
  if (options.timeout.trim() === "") throw new UsageError("--timeout must be a GitLab duration such as 1h");
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new UsageError("--concurrency must be a whole number of at least 1");
}

/** Config order is kept so job numbering is stable between runs with the same config. */
function selectMirrors(all: readonly string[], only: readonly string[] | undefined): string[] {
  const seen = new Map<string, string>();
  for (const name of all) {
    if (!MIRROR_NAME.test(name) || name.length > 63)
      throw new UsageError(
        `mirror name "${name}" cannot be a CI matrix value`,
        "Use letters, digits, '.', '_' and '-' (at most 63 characters).",
      );
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
      "Check the names given with --only (or MIRROR_ONLY); `ci-mirror validate` lists them.",
    );
  return all.filter((name) => wanted.has(name));
}

function checkJobNameLength(jobName: string, mirror: string): void {
  // GitLab names a matrix job `<job>: [<value>]`. Nothing in the child `needs` these jobs, so
  // 255 applies; 128 would if a later job were to `needs` one.
  const full = `${jobName}: [${mirror}]`;
  if (full.length > JOB_NAME_LIMIT)
    throw new UsageError(
      `job name "${full}" is longer than GitLab's ${JOB_NAME_LIMIT} characters`,
      `Use a shorter job prefix (keep names within ${NEEDS_NAME_LIMIT} if other jobs need them).`,
    );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function syncJob(names: string[], options: PlanOptions): SyncJob {
  const command = [
    "ci-mirror sync",
    '--mirror "$MIRROR"',
    `--config ${shellQuote(options.configFile)}`,
    `--cache-dir ${CACHE_DIR}`,
    '--report "reports/$MIRROR.json"',
    '--junit "reports/$MIRROR.xml"',
    ...(options.dryRun ? ["--dry-run"] : []),
  ].join(" ");
  const job: SyncJob = {
    stage: CHILD_STAGE,
    image: options.image,
    variables: { CI_MIRROR_CONCURRENCY: String(options.concurrency) },
    ...beforeScript(options),
    script: [command],
    parallel: { matrix: [{ MIRROR: names }] },
  };
  if (options.cache) {
    // The key is per mirror, so each job restores only its own bare repo; the whole cache dir is
    // cached because that job's cache dir holds nothing else.
    job.cache = { key: "ci-mirror-$MIRROR", paths: [`${CACHE_DIR}/`], when: "always" };
  }
  // Two pipelines (a schedule and a manual run) must never push the same target at once.
  job.resource_group = "ci-mirror-$MIRROR";
  job.interruptible = true;
  job.timeout = options.timeout;
  job.retry = { max: 2, when: ["runner_system_failure", "stuck_or_timeout_failure", "scheduler_failure"] };
  job.artifacts = {
    when: "always",
    expire_in: "30 days",
    paths: ["reports/"],
    reports: { junit: "reports/*.xml" },
  };
  return job;
}

function noOpJob(configFile: string, options: PlanOptions): SyncJob {
  return {
    stage: CHILD_STAGE,
    image: options.image,
    script: [`echo ${shellQuote(`ci-mirror: no mirrors to sync in ${configFile}; nothing to do.`)}`],
    interruptible: true,
    timeout: options.timeout,
  };
}

function beforeScript(options: PlanOptions): Pick<SyncJob, "before_script"> {
  const line = options.beforeScript?.trim() ?? "";
  return line === "" ? {} : { before_script: [line] };
}
