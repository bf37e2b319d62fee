/**
 * A fleet past `max_jobs` under gitlab-ci-local: the plan job writes shard jobs, the child runs
 * them, every healthy mirror is really synced, and a broken mirror fails its own shard only.
 * Each shard keeps one JUnit test case and one collapsible log section per mirror.
 *
 * As in the Quick start test, gitlab-ci-local ignores `strategy: depend`, so the child is also run
 * by itself with `--file`, whose exit code is the child's.
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { assignShards } from "../src/child-pipeline/shards.ts";
import type { GitServer } from "./helpers/sandbox.ts";
import { startGitServer } from "./helpers/sandbox.ts";
import { buildRepo, listRefs } from "./helpers/fixtures.ts";
import type { TempDir } from "./helpers/fixtures.ts";
import {
  artifactsDir,
  ciMirrorBinDir,
  createFixtureProject,
  ensureBundle,
  readArtifact,
  mirrorsYml,
  runGitlabCiLocal,
} from "./helpers/gitlab-ci-local.ts";
import type { FixtureProject, PipelineOptions } from "./helpers/gitlab-ci-local.ts";

const UPSTREAM_TOKEN = "e2e-shard-upstream-6d1c2b7e";
const TARGET_TOKEN = "e2e-shard-target-0a93f5c4";
const MAX_JOBS = 2;
const MIRRORS = ["north", "south", "east", "west", "centre"];
const SHARDS = assignShards(MIRRORS, MAX_JOBS);
/** The first mirror of shard 1 has no upstream repository at all. */
const BROKEN = SHARDS.get(1)?.[0] ?? "";

const PIPELINE = [
  "include:",
  "  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/mirror@$CI_COMMIT_SHA",
  "    inputs:",
  `      max_jobs: ${MAX_JOBS}`,
  "      concurrency: 2",
  "",
].join("\n");

let server: GitServer;
let project: FixtureProject;
let bin: TempDir;

function pipeline(args: string[] = []): PipelineOptions {
  const tokens = { UPSTREAM_TOKEN, TARGET_TOKEN };
  return {
    variables: tokens,
    env: { ...tokens, PATH: `${bin.path}:${process.env.PATH ?? ""}`, CI_MIRROR_RETRY_DELAY: "10" },
    args,
  };
}

async function expectMirrored(name: string): Promise<void> {
  const upstream = [...(await listRefs(server.repoPath(`up/${name}`)))].filter(
    ([ref]) => ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/"),
  );
  expect(upstream.length).toBeGreaterThan(2);
  expect(await listRefs(server.repoPath(`target/${name}`))).toEqual(new Map(upstream));
}

beforeAll(async () => {
  bin = await ciMirrorBinDir(await ensureBundle());
  server = await startGitServer({ tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } });
  for (const [index, name] of MIRRORS.entries()) {
    if (name !== BROKEN) {
      const upstream = await server.createRepo(`up/${name}`, { flavor: "github" });
      await buildRepo(upstream, { commits: 2, branches: 1, tags: 1, seed: `shard-${index}` });
    }
    await server.createRepo(`target/${name}`, { flavor: "gitlab" });
  }
  project = await createFixtureProject({
    ".gitlab-ci.yml": PIPELINE,
    "mirrors.yml": mirrorsYml(server, MIRRORS),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await project?.remove();
  await bin?.remove();
});

describe("a sharded child under gitlab-ci-local", { timeout: 120_000 }, () => {
  it("has two shards, one of them holding the broken mirror and others", () => {
    expect(SHARDS.size).toBe(MAX_JOBS);
    expect(SHARDS.get(1)?.length).toBeGreaterThan(1);
  });

  it("syncs every healthy mirror, fails the broken mirror's shard only, one test case and one log section per mirror", async () => {
    const run = await runGitlabCiLocal(project.dir, pipeline());

    expect(run.output).toMatch(/PASS\s+mirror-plan/);
    const child = parse(await readArtifact(project.dir, "mirror-plan", "child.yml")) as Record<
      string,
      unknown
    >;
    expect(Object.keys(child).filter((key) => key !== "stages")).toEqual([
      "mirror-shard-1",
      "mirror-shard-2",
    ]);
    expect(run.output).toMatch(/FAIL\s+(\[mirror-sync\] -> )?mirror-shard-1\b/);
    expect(run.output).toMatch(/PASS\s+(\[mirror-sync\] -> )?mirror-shard-2\b/);
    for (const name of MIRRORS) if (name !== BROKEN) await expectMirrored(name);
    expect((await listRefs(server.repoPath(`target/${BROKEN}`))).size).toBe(0);

    for (const [shard, members] of SHARDS) {
      const job = `mirror-shard-${shard}`;
      const junit = await readArtifact(project.dir, job, `reports/shard-${shard}.xml`);
      expect(junit.match(/<testcase /g)).toHaveLength(members.length);
      for (const name of members) expect(junit).toContain(`name="${name}"`);
      expect((junit.match(/<failure /g) ?? []).length).toBe(members.includes(BROKEN) ? 1 : 0);
      // gitlab-ci-local prints a section's start marker as `<name>_started`; one per mirror.
      const log = run.output.split("\n").filter((line) => line.includes(job));
      for (const name of members)
        expect(log.filter((line) => line.includes(`mirror_${name}_started`))).toHaveLength(1);
    }

    // The child by itself: its exit code is what `strategy: depend` hands to the trigger job.
    await copyFile(
      join(artifactsDir(project.dir, "mirror-plan"), "child.yml"),
      join(project.dir, "child.yml"),
    );
    const direct = await runGitlabCiLocal(project.dir, pipeline(["--file", "child.yml"]));
    expect(direct.code, direct.output).not.toBe(0);
    expect(direct.output).toMatch(/FAIL\s+mirror-shard-1\b/);
    expect(direct.output).toMatch(/PASS\s+mirror-shard-2\b/);
  });
});
