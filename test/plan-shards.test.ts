/**
 * Fleets past GitLab's job limits: the child pipeline `plan` writes stays within `--max-jobs`
 * (200 by default) and valid for GitLab at any size, and the shard a mirror lands in is stable,
 * so the shards' CI caches stay warm as the fleet changes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../src/config/types.ts";
import { UsageError } from "../src/errors/tool-error.ts";
import {
  CHILD_CONFIG_LIMIT_BYTES,
  DEFAULT_MAX_JOBS,
  planPipeline,
  type ChildPipeline,
  type ChildPipelineOptions,
  type SyncJob,
} from "../src/child-pipeline/pipeline.ts";
import { childPipelineYaml } from "../src/child-pipeline/serialise.ts";
import { assignShards, shardOf } from "../src/child-pipeline/shards.ts";
import { runCli } from "./helpers/cli.ts";
import { schemaErrors, yamlDocuments } from "./helpers/gitlab-ci-schema.ts";

const options: ChildPipelineOptions = {
  configFile: "mirrors.yml",
  image: "registry.example.com/ci-mirror:1",
  jobPrefix: "mirror",
  dryRun: false,
  cache: true,
  timeout: "1h",
  concurrency: 4,
  maxJobs: DEFAULT_MAX_JOBS,
};

function names(count: number, prefix = "repo"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
}

function fleet(mirrorNames: readonly string[]): Pick<Config, "file" | "mirrors"> {
  return { file: "mirrors.yml", mirrors: mirrorNames.map((name) => ({ name })) as Config["mirrors"] };
}

/** The child as GitLab reads it: each job's mirrors, and how many jobs GitLab creates. */
function fromYaml(pipeline: ChildPipeline): {
  jobs: number;
  mirrorsOf: Map<string, string[]>;
  bytes: number;
} {
  const text = childPipelineYaml(pipeline, "mirrors.yml");
  const [child] = yamlDocuments(text) as [Record<string, unknown>];
  expect(schemaErrors(child)).toEqual([]);
  const mirrorsOf = new Map<string, string[]>();
  let jobs = 0;
  for (const [name, value] of Object.entries(child)) {
    if (name === "stages") continue;
    const job = value as SyncJob;
    const matrix = job.parallel?.matrix[0]?.MIRROR;
    if (matrix != null) {
      jobs += matrix.length;
      for (const mirror of matrix) mirrorsOf.set(`${name}: [${mirror}]`, [mirror]);
    } else {
      jobs += 1;
      const list = /--mirror (\S+)/.exec(job.script.join(" "))?.[1] ?? "";
      mirrorsOf.set(name, list.split(","));
    }
  }
  return { jobs, mirrorsOf, bytes: Buffer.byteLength(text) };
}

/** Mirror name → the job that syncs it. */
function jobOf(pipeline: ChildPipeline): Map<string, string> {
  const owner = new Map<string, string>();
  for (const [job, mirrors] of fromYaml(pipeline).mirrorsOf)
    for (const mirror of mirrors) owner.set(mirror, job);
  return owner;
}

describe("plans for fleets of every size", () => {
  it.each([
    [1, "per-mirror"],
    [200, "per-mirror"],
    [1_000, "shards"],
    [10_000, "shards"],
  ] as const)(
    "%i mirrors: valid for GitLab, within max_jobs, every mirror in exactly one job (%s)",
    (count, layout) => {
      const all = names(count);
      const pipeline = planPipeline(fleet(all), options);

      const { jobs, mirrorsOf, bytes } = fromYaml(pipeline);
      expect(pipeline.layout).toBe(layout);
      expect(jobs).toBeLessThanOrEqual(DEFAULT_MAX_JOBS);
      expect(pipeline.jobCount).toBe(jobs);
      expect(bytes).toBeLessThan(CHILD_CONFIG_LIMIT_BYTES);
      const synced = [...mirrorsOf.values()].flat();
      expect(synced).toHaveLength(count);
      expect(new Set(synced)).toEqual(new Set(all));
    },
  );

  it("10,000 mirrors fill the 200 shards evenly enough: none empty, none past twice the mean", () => {
    const shards = assignShards(names(10_000), 200);
    const sizes = [...shards.values()].map((members) => members.length);
    expect(shards.size).toBe(200);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });
});

describe("stable shards", () => {
  const base = names(10_000);
  const before = jobOf(planPipeline(fleet(base), options));

  function moved(after: Map<string, string>): number {
    return [...before].filter(([mirror, job]) => after.has(mirror) && after.get(mirror) !== job).length;
  }

  it("adding one mirror to 10,000 moves none of the others", () => {
    const after = jobOf(
      planPipeline(fleet([...base.slice(0, 5_000), "newcomer", ...base.slice(5_000)]), options),
    );
    expect(after.get("newcomer")).toBeDefined();
    expect(moved(after)).toBe(0);
  });

  it("removing one mirror moves none of the others", () => {
    const after = jobOf(planPipeline(fleet(base.filter((name) => name !== "repo-4242")), options));
    expect(after.has("repo-4242")).toBe(false);
    expect(moved(after)).toBe(0);
  });

  it("one more shard (max_jobs 200 → 201) moves about 1/201 of the mirrors, at most a few percent", () => {
    const after = jobOf(planPipeline(fleet(base), { ...options, maxJobs: 201 }));
    expect(moved(after) / base.length).toBeLessThan(0.02);
    expect(moved(after)).toBeGreaterThan(0);
  });

  it("a shard does not depend on case or on the order of the config", () => {
    expect(shardOf("Tool", 200)).toBe(shardOf("tool", 200));
    const reversed = jobOf(planPipeline(fleet([...base].reverse()), options));
    expect(moved(reversed)).toBe(0);
  });
});

describe("shard jobs", () => {
  const all = names(450);
  const full = planPipeline(fleet(all), options);

  it("sync their mirrors in one call, with a cache, a lock and reports per shard", () => {
    const [name, job] = Object.entries(full.jobs)[0] ?? [];
    const shard = /^mirror-shard-(\d+)$/.exec(name ?? "")?.[1];
    expect(shard).toBeDefined();
    const members = assignShards(all, DEFAULT_MAX_JOBS).get(Number(shard)) ?? [];
    expect(job?.script).toEqual([
      `ci-mirror sync --mirror ${members.join(",")} --config mirrors.yml --cache-dir .ci-mirror/cache --concurrency 4 --report reports/shard-${shard}.json --junit reports/shard-${shard}.xml`,
    ]);
    expect(job?.cache).toEqual({
      key: `ci-mirror-mirror-shard-${shard}`,
      paths: [".ci-mirror/cache/"],
      when: "always",
    });
    expect(job?.resource_group).toBe(`ci-mirror-mirror-shard-${shard}`);
    expect(job?.parallel).toBeUndefined();
    expect(job?.artifacts?.reports.junit).toBe("reports/*.xml");
    expect(job?.image).toBe(options.image);
  });

  it("a narrowed run syncs each chosen mirror in the job, cache and lock the full run gives it", () => {
    const chosen = ["repo-7", "repo-300", "repo-301"];
    const narrowed = planPipeline(fleet(all), { ...options, only: chosen });
    const fullJobs = jobOf(full);
    const narrowedJobs = jobOf(narrowed);
    expect([...narrowedJobs.keys()].sort()).toEqual([...chosen].sort());
    for (const mirror of chosen) {
      const job = narrowedJobs.get(mirror) ?? "";
      expect(job).toBe(fullJobs.get(mirror));
      expect(narrowed.jobs[job]?.resource_group).toBe(full.jobs[job]?.resource_group);
      expect(narrowed.jobs[job]?.cache?.key).toBe(full.jobs[job]?.cache?.key);
    }
  });

  it("keep --dry-run and --no-cache", () => {
    const pipeline = planPipeline(fleet(all), { ...options, dryRun: true, cache: false });
    for (const job of Object.values(pipeline.jobs)) {
      expect(job.script[0]).toMatch(/ --dry-run$/);
      expect(job.cache).toBeUndefined();
    }
  });
});

describe("limits plan knows", () => {
  it.each([0, -1, 2.5, Number.NaN])("refuses --max-jobs %s", (maxJobs) => {
    const run = (): unknown => planPipeline(fleet(names(3)), { ...options, maxJobs });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/--max-jobs must be a whole number/);
  });

  it("refuses a shard whose mirror list no shell could start", () => {
    const long = names(3_000, "x".repeat(50));
    const run = (): unknown => planPipeline(fleet(long), { ...options, maxJobs: 1 });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/on one command line/);
  });

  it("refuses a child larger than GitLab is sure to read", () => {
    const pipeline = planPipeline(fleet(names(40_000, "y".repeat(50))), { ...options, maxJobs: 2_000 });
    const run = (): unknown => childPipelineYaml(pipeline, "mirrors.yml");
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/KiB of YAML/);
  });
});

describe("ci-mirror plan --max-jobs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ci-mirror-plan-shards-"));
    const lines = [
      "version: 1",
      "defaults:",
      "  target:",
      "    url: https://gitlab.example.com/mirror/{name}.git",
    ];
    lines.push("    token: TARGET_TOKEN", "mirrors:");
    for (const name of names(5))
      lines.push(`  - name: ${name}`, `    source: https://git.example.org/${name}.git`);
    await writeFile(join(dir, "mirrors.yml"), `${lines.join("\n")}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("shards past the limit and says so", async () => {
    const run = await runCli(["plan", "--out", "child.yml", "--max-jobs", "2"], { cwd: dir });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /5 mirrors in [12] shard jobs? \(the config has more than --max-jobs 2 mirrors\)/,
    );
    const [child] = yamlDocuments(await readFile(join(dir, "child.yml"), "utf8"));
    expect(schemaErrors(child)).toEqual([]);
  });

  it("exits 2 with a plain message for a limit it cannot meet", async () => {
    const run = await runCli(["plan", "--out", "child.yml", "--max-jobs", "0"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--max-jobs must be a whole number of at least 1");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
