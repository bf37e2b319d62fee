import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../src/config/types.ts";
import { UsageError } from "../src/errors/tool-error.ts";
import {
  planPipeline,
  type ChildPipeline,
  type ChildPipelineOptions,
} from "../src/child-pipeline/pipeline.ts";
import { childPipelineYaml } from "../src/child-pipeline/serialise.ts";
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
  maxJobs: 1000,
};

function fleet(count: number): Pick<Config, "file" | "mirrors"> {
  const mirrors = Array.from({ length: count }, (_, i) => ({ name: `repo-${i + 1}` }));
  return { file: "mirrors.yml", mirrors: mirrors as Config["mirrors"] };
}

function matrixNames(pipeline: ChildPipeline, job: string): string[] {
  return pipeline.jobs[job]?.parallel?.matrix[0]?.MIRROR ?? [];
}

function asYaml(pipeline: ChildPipeline): unknown {
  const docs = yamlDocuments(childPipelineYaml(pipeline, "mirrors.yml"));
  expect(docs).toHaveLength(1);
  return docs[0];
}

describe("planPipeline", () => {
  it.each([
    [1, ["mirror-sync-1"]],
    [2, ["mirror-sync-1"]],
    [200, ["mirror-sync-1"]],
    [201, ["mirror-sync-1", "mirror-sync-2"]],
    [1000, ["mirror-sync-1", "mirror-sync-2", "mirror-sync-3", "mirror-sync-4", "mirror-sync-5"]],
  ])("%i mirrors → jobs %j of at most 200, valid for GitLab", (count, jobs) => {
    const pipeline = planPipeline(fleet(count), options);
    expect(Object.keys(pipeline.jobs)).toEqual(jobs);
    for (const job of jobs) expect(matrixNames(pipeline, job).length).toBeLessThanOrEqual(200);
    expect(jobs.flatMap((job) => matrixNames(pipeline, job))).toEqual(pipeline.mirrors);
    expect(pipeline.mirrors).toHaveLength(count);
    expect(schemaErrors(asYaml(pipeline))).toEqual([]);
  });

  it("syncs one mirror per matrix job with a per-mirror cache, lock and reports", () => {
    const job = planPipeline(fleet(2), options).jobs["mirror-sync-1"];
    expect(job?.script).toEqual([
      'ci-mirror sync --mirror "$MIRROR" --config mirrors.yml --cache-dir .ci-mirror/cache --report "reports/$MIRROR.json" --junit "reports/$MIRROR.xml"',
    ]);
    expect(job?.cache).toEqual({ key: "ci-mirror-$MIRROR", paths: [".ci-mirror/cache/"], when: "always" });
    expect(job?.resource_group).toBe("ci-mirror-$MIRROR");
    expect(job?.interruptible).toBe(true);
    expect(job?.timeout).toBe("1h");
    expect(job?.retry?.max).toBe(2);
    expect(job?.artifacts?.reports.junit).toBe("reports/*.xml");
    expect(job?.image).toBe(options.image);
  });

  it.each([
    [{ dryRun: true }, (p: ChildPipeline) => p.jobs["mirror-sync-1"]?.script[0]?.endsWith(" --dry-run")],
    [{ cache: false }, (p: ChildPipeline) => p.jobs["mirror-sync-1"]?.cache === undefined],
    [{ jobPrefix: "fleet" }, (p: ChildPipeline) => "fleet-sync-1" in p.jobs],
    [{ timeout: "3h 30m" }, (p: ChildPipeline) => p.jobs["mirror-sync-1"]?.timeout === "3h 30m"],
    [
      { configFile: "ci/my mirrors.yml" },
      (p: ChildPipeline) => p.jobs["mirror-sync-1"]?.script[0]?.includes("--config 'ci/my mirrors.yml'"),
    ],
    [
      { beforeScript: "npm i -g ci-mirror" },
      (p: ChildPipeline) => p.jobs["mirror-sync-1"]?.before_script?.[0] === "npm i -g ci-mirror",
    ],
  ] as const)("option %j", (changed, check) => {
    const pipeline = planPipeline(fleet(3), { ...options, ...changed });
    expect(check(pipeline)).toBe(true);
    expect(schemaErrors(asYaml(pipeline))).toEqual([]);
  });

  it.each([
    [
      ["repo-3", "repo-1"],
      ["repo-1", "repo-3"],
    ],
    [["REPO-2"], ["repo-2"]],
    [[], ["repo-1", "repo-2", "repo-3"]],
  ])("--only %j selects %j in config order", (only, expected) => {
    expect(planPipeline(fleet(3), { ...options, only }).mirrors).toEqual(expected);
  });

  it("writes one no-op job when there is nothing to sync", () => {
    const pipeline = planPipeline(fleet(0), options);
    expect(Object.keys(pipeline.jobs)).toEqual(["mirror-sync-none"]);
    expect(pipeline.jobs["mirror-sync-none"]?.script[0]).toContain("no mirrors to sync");
    expect(schemaErrors(asYaml(pipeline))).toEqual([]);
  });

  it.each([
    ["an unknown --only name", fleet(2), { only: ["nope"] }, /no mirror named "nope"/],
    [
      "names differing in case",
      { file: "m", mirrors: [{ name: "a" }, { name: "A" }] },
      {},
      /differ only in case/,
    ],
    ["a name GitLab cannot take", { file: "m", mirrors: [{ name: "a b" }] }, {}, /matrix value/],
    ["a bad job prefix", fleet(1), { jobPrefix: "-x" }, /job prefix/],
    ["a job name past 255", fleet(1), { jobPrefix: "p".repeat(250) }, /255/],
  ] as const)("refuses %s with a usage error", (_label, config, changed, message) => {
    const run = (): unknown =>
      planPipeline(config as Pick<Config, "file" | "mirrors">, { ...options, ...changed });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });

  it("checks against a schema that does reject invalid jobs", () => {
    expect(schemaErrors({ job: { script: "x", retry: 7 } })).not.toEqual([]);
  });
});

describe("ci-mirror plan", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ci-mirror-plan-"));
    await writeFile(
      join(dir, "mirrors.yml"),
      [
        "version: 1",
        "defaults:",
        "  target:",
        "    url: https://gitlab.example.com/mirror/{name}.git",
        "    token: TARGET_TOKEN",
        "mirrors:",
        "  - name: tool",
        "    source: https://git.example.org/team/tool.git",
        "  - name: docs",
        "    source: https://git.example.org/team/docs.git",
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a valid child pipeline", async () => {
    const run = await runCli(["plan", "--out", "out/child.yml", "--only", "docs", "--dry-run"], { cwd: dir });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1 mirror in 1 job (mirror-sync-1), dry run");
    const text = await readFile(join(dir, "out/child.yml"), "utf8");
    expect(text).toMatch(/^# Generated by `ci-mirror plan`/);
    const [child] = yamlDocuments(text);
    expect(schemaErrors(child)).toEqual([]);
    expect(text).toContain("- docs");
    expect(text).not.toContain("- tool");
    expect(text).toContain("--dry-run");
  });

  it("exits 2 naming git when the image the sync jobs share has none, before writing a child", async () => {
    const empty = await mkdtemp(join(tmpdir(), "ci-mirror-no-git-"));
    try {
      const run = await runCli(["plan", "--out", "no-git.yml"], { cwd: dir, env: { PATH: empty } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("error EGITMISSING: git is not installed in this image");
      expect(run.stderr).toContain("before_script");
      await expect(readFile(join(dir, "no-git.yml"))).rejects.toThrow();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("warns, once, when the image has git but no git-lfs", async () => {
    const gitOnly = await mkdtemp(join(tmpdir(), "ci-mirror-git-only-"));
    try {
      const git = (await execa("sh", ["-c", "command -v git"])).stdout.trim();
      await symlink(git, join(gitOnly, "git"));
      const run = await runCli(["plan", "--out", "no-lfs.yml"], { cwd: dir, env: { PATH: gitOnly } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr.match(/warning: git-lfs is not installed in this image/g)).toHaveLength(1);
    } finally {
      await rm(gitOnly, { recursive: true, force: true });
    }
  });

  it("exits 2 on an unknown --only name", async () => {
    const run = await runCli(["plan", "--out", "child.yml", "--only", "tool,nope"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no mirror named "nope"');
  });

  it("takes CI_MIRROR_ONLY from the environment: it only narrows a plan", async () => {
    const run = await runCli(["plan", "--out", "env.yml"], { cwd: dir, env: { CI_MIRROR_ONLY: "tool" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1 mirror in 1 job");
  });
});
