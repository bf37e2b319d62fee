/**
 * An install path that exists: `npm pack` builds the bundle (prepack) and the package installs
 * into an empty prefix and runs; the README's stock-image recipe (a plain Node image plus one
 * `before_script` line) runs under gitlab-ci-local with that package; and a job whose image has
 * no ci-mirror says so.
 *
 * gitlab-ci-local's shell executor ignores `image:`, so the jobs run on this machine with only the
 * packed package installed: no Docker here. That `node:26-trixie` carries git and openssh-client
 * is from its Dockerfile (Node's images build on Debian's buildpack-deps), not run here.
 */
import { cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GitServer } from "./helpers/sandbox.ts";
import { startGitServer } from "./helpers/sandbox.ts";
import { buildRepo, listRefs, tempDir } from "./helpers/fixtures.ts";
import type { TempDir } from "./helpers/fixtures.ts";
import {
  ROOT,
  artifactsDir,
  createFixtureProject,
  fillPlaceholders,
  readmeBlocks,
  runGitlabCiLocal,
} from "./helpers/gitlab-ci-local.ts";
import type { FixtureProject, PipelineRun } from "./helpers/gitlab-ci-local.ts";

const UPSTREAM_TOKEN = "e2e-stock-upstream-5b0e7d21";
const TARGET_TOKEN = "e2e-stock-target-c3f18a64";

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let scratch: TempDir;
let tarball: string;
let packed: PackResult;
let server: GitServer;
let project: FixtureProject;

/** No ci-mirror on it: what the job finds is what its before_script installed, or nothing. */
function bareEnv(prefix: string): Record<string, string> {
  return {
    PATH: `${join(prefix, "bin")}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: join(scratch.path, "home"),
    npm_config_prefix: prefix,
    // The registry is never asked: the package under test comes from the tarball.
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_cache: join(scratch.path, "npm-cache"),
  };
}

beforeAll(async () => {
  scratch = await tempDir("stock-image");
  await mkdir(join(scratch.path, "home"), { recursive: true });
  // Packed from a copy of the sources, so the build `prepack` runs leaves this checkout's dist/
  // (which other suites run) alone.
  const source = join(scratch.path, "source");
  for (const entry of ["package.json", "README.md", "tsconfig.json", "src", "scripts", "templates"])
    await cp(join(ROOT, entry), join(source, entry), { recursive: true });
  await symlink(join(ROOT, "node_modules"), join(source, "node_modules"));
  const out = join(scratch.path, "out");
  await mkdir(out);
  const pack = await execa("npm", ["pack", "--json", "--pack-destination", out], {
    cwd: source,
    env: { npm_config_update_notifier: "false" },
  });
  [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as [PackResult];
  tarball = join(out, packed.filename);

  server = await startGitServer({ tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } });
  const upstream = await server.createRepo("up/tool", { flavor: "github" });
  await buildRepo(upstream, { commits: 2, branches: 1, tags: 1, seed: "stock" });
  await server.createRepo("target/tool", { flavor: "gitlab" });
  const config = [
    "version: 1",
    "mirrors:",
    "  - name: tool",
    `    source: ${server.repoUrl("up/tool")}`,
    "    source_token: UPSTREAM_TOKEN",
    `    target: { url: ${server.repoUrl("target/tool")}, token: TARGET_TOKEN }`,
    "",
  ].join("\n");
  project = await createFixtureProject({ ".gitlab-ci.yml": "", "mirrors.yml": config });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await project?.remove();
  await scratch?.remove();
});

describe("npm pack", { timeout: 120_000 }, () => {
  it("ships the bundle, built at pack time, and the templates, with nothing to install beside them", async () => {
    const files = packed.files.map((file) => file.path).sort();
    expect(files).toContain("dist/ci-mirror.mjs");
    for (const component of ["mirror", "audit", "push-mirrors"])
      expect(files).toContain(`templates/${component}.yml`);
    expect(
      files.filter(
        (file) => !/^(dist\/ci-mirror\.mjs|templates\/[\w-]+\.yml|package\.json|README\.md)$/.test(file),
      ),
    ).toEqual([]);
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { dependencies?: object };
    // The bundle holds every package it runs; a runtime dependency would only make each install slower.
    expect(
      pkg.dependencies ?? {},
      "runtime packages belong in devDependencies: the bundle contains them",
    ).toEqual({});
  });

  it("installs into an empty prefix, and ci-mirror --version and validate run there", async () => {
    const prefix = join(scratch.path, "prefix");
    const env = bareEnv(prefix);
    await execa("npm", ["install", "--global", tarball], { env, extendEnv: false });

    const bin = join(prefix, "bin", "ci-mirror");
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const version = await execa(bin, ["--version"], { env, extendEnv: false });
    expect(version.stdout.trim()).toBe(pkg.version);
    const validate = await execa(
      bin,
      ["validate", "--config", join(ROOT, "examples/self-test/mirrors.yml")],
      {
        env,
        extendEnv: false,
      },
    );
    expect(validate.stdout).toMatch(/mirrors\.yml: OK, \d+ mirrors? /);
    await expect(
      readFile(join(prefix, "lib", "node_modules", "ci-mirror", "templates", "mirror.yml"), "utf8"),
    ).resolves.toContain("spec:");
  });
});

describe("the README's stock-image recipe under gitlab-ci-local", { timeout: 180_000 }, () => {
  async function run(pipeline: string, prefix: string, args: string[]): Promise<PipelineRun> {
    await writeFile(join(project.dir, ".gitlab-ci.yml"), pipeline);
    const tokens = { UPSTREAM_TOKEN, TARGET_TOKEN };
    return runGitlabCiLocal(project.dir, {
      variables: tokens,
      env: { ...bareEnv(prefix), ...tokens, CI_MIRROR_RETRY_DELAY: "10" },
      args,
    });
  }

  it("a job whose image has no ci-mirror says so, and what to do", async () => {
    const [quickStart = ""] = await readmeBlocks("### Quick start");
    const result = await run(fillPlaceholders(quickStart, project), join(scratch.path, "empty-prefix"), [
      "mirror-plan",
    ]);

    expect(result.output).toMatch(/FAIL\s+mirror-plan/);
    expect(result.output).toContain("error ENOCIMIRROR: ci-mirror is not installed in this job's image");
    expect(result.output).toContain("npm install --global ci-mirror@");
  });

  it("plans and syncs with a plain Node image and the one before_script line", async () => {
    const blocks = await readmeBlocks("### Quick start");
    const recipe = blocks.find((block) => block.includes("before_script:")) ?? "";
    expect(recipe).toContain("npm install --global ci-mirror@<version>");
    const pipeline = fillPlaceholders(recipe.replace("ci-mirror@<version>", tarball), project);
    const prefix = join(scratch.path, "job-prefix");

    const planned = await run(pipeline, prefix, ["mirror-plan"]);
    expect(planned.code, planned.output).toBe(0);
    await cp(join(artifactsDir(project.dir, "mirror-plan"), "child.yml"), join(project.dir, "child.yml"));
    const child = await run(pipeline, prefix, ["--file", "child.yml"]);

    expect(child.code, child.output).toBe(0);
    expect(child.output).toMatch(/PASS\s+mirror-sync-1: \[tool\]/);
    const upstream = [...(await listRefs(server.repoPath("up/tool")))].filter(
      ([ref]) => !ref.startsWith("refs/pull/"),
    );
    expect(await listRefs(server.repoPath("target/tool"))).toEqual(new Map(upstream));
  });
});
