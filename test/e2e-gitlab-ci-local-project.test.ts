/**
 * This project's own pipeline and image. The pipeline is loaded by gitlab-ci-local from a copy of
 * the project, so the component include at `$CI_COMMIT_SHA` really resolves and the self-test's
 * plan job really runs; the Dockerfile cannot be built here (no Docker), so what the image must
 * contain is checked in its text.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { TempDir } from "./helpers/fixtures.ts";
import {
  ROOT,
  artifactsDir,
  ciMirrorBinDir,
  createFixtureProject,
  ensureBundle,
  runGitlabCiLocal,
} from "./helpers/gitlab-ci-local.ts";
import type { FixtureProject } from "./helpers/gitlab-ci-local.ts";

const SELF_TEST_CONFIG = "examples/self-test/mirrors.yml";

let project: FixtureProject;
let bin: TempDir;

beforeAll(async () => {
  bin = await ciMirrorBinDir(await ensureBundle());
  const files: Record<string, string> = {};
  for (const file of [".gitlab-ci.yml", SELF_TEST_CONFIG])
    files[file] = await readFile(join(ROOT, file), "utf8");
  project = await createFixtureProject(files);
}, 60_000);

afterAll(async () => {
  await project?.remove();
  await bin?.remove();
});

interface ListedJob {
  name: string;
  stage: string;
  needs: { job: string }[] | null;
}

describe("this project's .gitlab-ci.yml under gitlab-ci-local", { timeout: 60_000 }, () => {
  it("includes the mirror component from the commit under test, after the image it runs", async () => {
    const run = await runGitlabCiLocal(project.dir, { args: ["--list-json"] });

    expect(run.code, run.output).toBe(0);
    const jobs = JSON.parse(run.output.slice(run.output.indexOf("["))) as ListedJob[];
    const byName = new Map(jobs.map((job) => [job.name, job]));
    for (const name of ["typecheck", "lint", "format", "test", "bundle", "smoke", "container-image"]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get("component-test-plan")).toMatchObject({
      stage: "component-test",
      needs: [{ job: "container-image" }],
    });
    expect(byName.get("component-test-sync")).toMatchObject({ stage: "component-test" });
    for (const name of ["image-release", "catalog-release"]) expect(byName.has(name), name).toBe(true);
  });

  it("plans the self-test child as a dry run on the commit's image, as the input names it", async () => {
    const run = await runGitlabCiLocal(project.dir, {
      env: { PATH: `${bin.path}:${process.env.PATH ?? ""}` },
      variables: { CI_REGISTRY_IMAGE: "registry.example.com/tools/ci-mirror" },
      args: ["component-test-plan"],
    });

    expect(run.code, run.output).toBe(0);
    const child = parse(
      await readFile(join(artifactsDir(project.dir, "component-test-plan"), "child.yml"), "utf8"),
    ) as Record<string, { image: string; script: string[]; cache?: unknown }>;
    const job = child["component-test-sync-1"];
    // Written as the input gives it: the plan job expands nothing (a pipeline variable could
    // stand behind any name), and GitLab expands CI variables in `image:` when the child job runs.
    expect(job?.image).toBe("$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA");
    expect(job?.script.join("\n")).toContain("--dry-run");
    expect(job?.script.join("\n")).toContain(SELF_TEST_CONFIG);
    expect(job?.cache).toBeUndefined();
  });
});

describe("release tags", () => {
  it("only semver tags release", async () => {
    const pipeline = parse(await readFile(join(ROOT, ".gitlab-ci.yml"), "utf8")) as {
      variables: Record<string, string>;
    };
    const [, body = "", flags = ""] = /^\/(.*)\/([a-z]*)$/.exec(pipeline.variables["SEMVER_TAG"] ?? "") ?? [];
    const semver = new RegExp(body, flags);
    for (const tag of ["1.0.0", "0.1.0", "2.3.4-rc.1"]) expect(semver.test(tag), tag).toBe(true);
    for (const tag of ["v1.0.0", "1.0", "latest", "1.0.0 "]) expect(semver.test(tag), tag).toBe(false);
  });
});

describe("Dockerfile", () => {
  async function dockerfile(): Promise<string[]> {
    const text = await readFile(join(ROOT, "Dockerfile"), "utf8");
    // Instructions only: comments out, continuation lines joined.
    return text
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("#"))
      .join("\n")
      .replace(/\\\n/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
  }

  it("starts from a Node LTS (even major) slim image", async () => {
    const from = (await dockerfile()).find((line) => line.startsWith("FROM "));
    const major = Number(/^FROM node:(\d+)-[a-z]+-slim$/.exec(from ?? "")?.[1]);
    expect(major).toBeGreaterThanOrEqual(20);
    expect(major % 2).toBe(0);
  });

  it("installs git, git-lfs, openssh-client and CA certificates", async () => {
    const install = (await dockerfile()).find((line) => line.includes("apt-get install")) ?? "";
    for (const pkg of ["git", "git-lfs", "openssh-client", "ca-certificates"]) {
      expect(install.split(/\s+/), pkg).toContain(pkg);
    }
  });

  it("ships the bundle as /usr/local/bin/ci-mirror, runs as a non-root user, and sets no ENTRYPOINT", async () => {
    const lines = await dockerfile();
    expect(lines).toContain("COPY dist/ci-mirror.mjs /usr/local/bin/ci-mirror");
    expect(lines.find((line) => line.startsWith("USER "))).toMatch(/^USER (?!root\b)\S+$/);
    expect(lines.some((line) => line.startsWith("ENTRYPOINT"))).toBe(false);
  });

  it("warms Node's compile cache as the user that runs the jobs", async () => {
    const lines = await dockerfile();
    const user = lines.findIndex((line) => line.startsWith("USER "));
    const cache = lines.findIndex((line) => line.startsWith("ENV NODE_COMPILE_CACHE="));
    const warm = lines.findIndex((line, index) => index > cache && line === "RUN ci-mirror --version");
    // Node files the cache under the user id: one made by root would never be read by `node`.
    expect(user).toBeGreaterThan(-1);
    expect(cache).toBeGreaterThan(user);
    expect(warm).toBeGreaterThan(cache);
  });

  it("keeps everything but the bundle out of the build context", async () => {
    const ignore = (await readFile(join(ROOT, ".dockerignore"), "utf8"))
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(ignore).toEqual(["*", "!dist/ci-mirror.mjs"]);
  });
});
