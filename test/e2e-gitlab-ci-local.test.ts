/**
 * The README's Quick start, exactly as written (read from the README, placeholders filled in for
 * the fixture project), run end to end under gitlab-ci-local: a user project with only a
 * mirrors.yml and that `.gitlab-ci.yml`, mirroring repositories on the sandbox git server and
 * auditing push mirrors on the GitLab sandbox, with the built bundle as the `ci-mirror` the jobs
 * call.
 *
 * gitlab-ci-local runs the dynamic child pipeline but ignores `strategy: depend`, so a failing sync
 * never fails its pipeline run; every failure check therefore also runs the generated child YAML
 * directly with `--file`, whose exit code is the child's. That the trigger job then fails the
 * parent is GitLab's documented `strategy: depend`, verified from the docs only.
 */
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { GitServer } from "./helpers/sandbox.ts";
import { startGitServer } from "./helpers/sandbox.ts";
import { startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";
import { CLI_CHECK, DEFAULT_IMAGE } from "../src/child-pipeline/pipeline.ts";
import { buildRepo, commitOnBranch, listRefs } from "./helpers/fixtures.ts";
import type { TempDir } from "./helpers/fixtures.ts";
import {
  artifactsDir,
  ciMirrorBinDir,
  createFixtureProject,
  ensureBundle,
  fillPlaceholders,
  readArtifact,
  readmeBlocks,
  runGitlabCiLocal,
} from "./helpers/gitlab-ci-local.ts";
import type { FixtureProject, PipelineOptions, PipelineRun } from "./helpers/gitlab-ci-local.ts";

const UPSTREAM_TOKEN = "e2e-upstream-2c7d90aa";
const TARGET_TOKEN = "e2e-target-5be13f07";
const BETA_TARGET_TOKEN = "e2e-target-beta-91e0c4d2";
const BETA_UPSTREAM_TOKEN = "e2e-upstream-beta-3f6a81c9";
const MIRRORS = ["alpha", "beta"] as const;
const AUDITED = "fleet/app";

const HOUR = 3_600_000;

let server: GitServer;
let gitlab: GitLabSandbox;
let auditToken: string;
let mirrorId: number;
let project: FixtureProject;
let bin: TempDir;

function repoName(kind: "up" | "target", mirror: string): string {
  return `${kind}/${mirror}`;
}

function mirrorsYml(): string {
  const lines = [
    "version: 1",
    "gitlab:",
    `  url: ${gitlab.url}`,
    "  token: AUDIT_TOKEN",
    "audit:",
    `  projects: [${AUDITED}]`,
    "defaults:",
    "  target:",
    "    token: TARGET_TOKEN",
    "mirrors:",
  ];
  for (const name of MIRRORS) {
    // beta's own token variables let one run break exactly one mirror's upstream or target.
    lines.push(
      `  - name: ${name}`,
      `    source: ${server.repoUrl(repoName("up", name))}`,
      `    source_token: ${name === "beta" ? "BETA_UPSTREAM_TOKEN" : "UPSTREAM_TOKEN"}`,
    );
    const token = name === "beta" ? ", token: BETA_TARGET_TOKEN" : "";
    lines.push(`    target: { url: ${server.repoUrl(repoName("target", name))}${token} }`);
  }
  return `${lines.join("\n")}\n`;
}

/** As a schedule would set them: CI/CD variables, not the runner's environment. */
function variables(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    UPSTREAM_TOKEN,
    TARGET_TOKEN,
    BETA_TARGET_TOKEN,
    BETA_UPSTREAM_TOKEN,
    AUDIT_TOKEN: auditToken,
    ...overrides,
  };
}

/**
 * gitlab-ci-local hands `--variable`s to the parent's jobs only (as GitLab does without
 * `forward:pipeline_variables`) and does not forward them to a child, while the environment
 * reaches every job. So a whole-pipeline run also puts the tokens in the environment, for the
 * child it starts; a direct child run gets them as variables only, as GitLab's child would.
 */
function pipeline(
  overrides: Record<string, string> = {},
  options: { args?: string[]; tokensInEnv?: boolean } = {},
): PipelineOptions {
  return {
    variables: variables(overrides),
    env: {
      ...(options.tokensInEnv === false ? {} : variables(overrides)),
      PATH: `${bin.path}:${process.env.PATH ?? ""}`,
      // Retries in tests wait milliseconds, not seconds.
      CI_MIRROR_RETRY_DELAY: "10",
    },
    args: options.args ?? [],
  };
}

/** The generated child pipeline, run by itself with `--file`: its exit code is the child's. */
async function runChild(overrides: Record<string, string> = {}): Promise<PipelineRun> {
  await copyFile(join(artifactsDir(project.dir, "mirror-plan"), "child.yml"), join(project.dir, "child.yml"));
  return runGitlabCiLocal(
    project.dir,
    pipeline(overrides, { args: ["--file", "child.yml"], tokensInEnv: false }),
  );
}

async function expectMirrored(name: string): Promise<void> {
  const upstream = [...(await listRefs(server.repoPath(repoName("up", name))))].filter(
    ([ref]) => ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/"),
  );
  expect(upstream.length).toBeGreaterThan(3);
  expect(await listRefs(server.repoPath(repoName("target", name)))).toEqual(new Map(upstream));
}

beforeAll(async () => {
  const bundle = await ensureBundle();
  bin = await ciMirrorBinDir(bundle);
  server = await startGitServer({
    tokens: {
      [UPSTREAM_TOKEN]: "read",
      [BETA_UPSTREAM_TOKEN]: "read",
      [TARGET_TOKEN]: "write",
      [BETA_TARGET_TOKEN]: "write",
    },
  });
  for (const [i, name] of MIRRORS.entries()) {
    const upstream = await server.createRepo(repoName("up", name), { flavor: "github" });
    await buildRepo(upstream, { commits: 3, branches: 2, tags: 2, pullRefs: 1, seed: `e2e-${i}` });
    await server.createRepo(repoName("target", name), { flavor: "gitlab" });
  }
  gitlab = await startGitLabSandbox();
  const bot = gitlab.addUser("audit-bot");
  auditToken = gitlab.addToken(bot, { scopes: ["api"], name: "audit" });
  gitlab.addProject("fleet", "app");
  gitlab.addMember("fleet", "audit-bot", 40);
  mirrorId = gitlab.addRemoteMirror(AUDITED, { url: "https://mirror.example/org/app.git", enabled: true }).id;
  gitlab.setMirrorState(AUDITED, mirrorId, {
    updateStatus: "finished",
    lastSuccessfulUpdateAt: new Date(Date.now() - HOUR),
    lastUpdateStartedAt: new Date(Date.now() - HOUR),
  });
  project = await createFixtureProject({ ".gitlab-ci.yml": "", "mirrors.yml": mirrorsYml() });
  // The Quick start as the README shows it; gitlab-ci-local reads the working tree's file.
  const [quickStart = ""] = await readmeBlocks("### Quick start");
  await writeFile(join(project.dir, ".gitlab-ci.yml"), fillPlaceholders(quickStart, project));
}, 60_000);

afterAll(async () => {
  await gitlab?.close();
  await server?.close();
  await project?.remove();
  await bin?.remove();
});

describe("the README's Quick start under gitlab-ci-local", { timeout: 120_000 }, () => {
  it("plans, syncs every mirror in the child matrix, and audits, all green", async () => {
    const run = await runGitlabCiLocal(project.dir, pipeline());

    expect(run.output).toMatch(/PASS\s+mirror-plan/);
    expect(run.output).toMatch(/PASS\s+mirror-audit/);
    for (const name of MIRRORS) expect(run.output).toContain(`mirror-sync-1: [${name}]`);
    expect(run.output).not.toMatch(/FAIL/);
    expect(run.code, run.output).toBe(0);
    for (const name of MIRRORS) await expectMirrored(name);

    const child = parse(await readArtifact(project.dir, "mirror-plan", "child.yml")) as Record<
      string,
      unknown
    >;
    expect(child).toMatchObject({
      "mirror-sync-1": { parallel: { matrix: [{ MIRROR: [...MIRRORS] }] } },
    });

    const junit = await readArtifact(project.dir, "mirror-audit", "reports/audit.xml");
    expect(junit).toContain("<testsuite");
    expect(junit).toContain(AUDITED);
    expect(junit).not.toContain("<failure");
    const report = JSON.parse(
      await readArtifact(project.dir, "mirror-audit", "reports/audit.json"),
    ) as unknown;
    expect(report).toMatchObject({
      counts: { projects: 1, mirrors: 1, ok: 1, fail: 0 },
      projects: [{ project: AUDITED, verdict: "ok" }],
    });
  });

  it("runs the generated child pipeline by itself with the same variables, syncing new upstream commits", async () => {
    const tip = await commitOnBranch(server.repoPath(repoName("up", "alpha")), "main", {
      "new.txt": "new\n",
    });

    const run = await runChild();

    expect(run.code, run.output).toBe(0);
    for (const name of MIRRORS)
      expect(run.output).toMatch(new RegExp(`PASS\\s+mirror-sync-1: \\[${name}\\]`));
    expect((await listRefs(server.repoPath(repoName("target", "alpha")))).get("refs/heads/main")).toBe(tip);
    for (const name of MIRRORS) await expectMirrored(name);
    const expected = { alpha: "synced", beta: "up-to-date" } as const;
    for (const name of MIRRORS) {
      const job = `mirror-sync-1: [${name}]`;
      const sync = JSON.parse(await readArtifact(project.dir, job, `reports/${name}.json`)) as unknown;
      expect(sync).toMatchObject({ ok: true, mirrors: [{ name, status: expected[name] }] });
      expect(await readArtifact(project.dir, job, `reports/${name}.xml`)).toContain("<testsuite");
    }
  });

  it("pipeline and trigger variables cannot steer the jobs: the image, before_script, config and audit thresholds come from inputs only", async () => {
    gitlab.setMirrorState(AUDITED, mirrorId, {
      updateStatus: "finished",
      lastSuccessfulUpdateAt: new Date(Date.now() - HOUR),
      lastUpdateStartedAt: new Date(Date.now() - HOUR),
    });
    // What a trigger-token holder could send as `variables[...]`: each overrides a job's YAML
    // variable of the same name, and would run in every sync job, with the tokens.
    const hostile = {
      CI_MIRROR_IMAGE: "registry.example.net/hostile:1",
      CI_MIRROR_BEFORE_SCRIPT: "touch hostile-before-script",
      CI_MIRROR_CONFIG: "elsewhere.yml",
      CI_MIRROR_MAX_AGE: "1m",
      CI_MIRROR_STUCK_AFTER: "1s",
    };

    const run = await runGitlabCiLocal(project.dir, {
      ...pipeline(hostile),
      args: ["mirror-plan", "mirror-audit"],
    });

    expect(run.output).toMatch(/PASS\s+mirror-plan/);
    expect(run.output).toMatch(/PASS\s+mirror-audit/);
    expect(run.code, run.output).toBe(0);
    const childText = await readArtifact(project.dir, "mirror-plan", "child.yml");
    expect(childText).not.toContain("hostile");
    const child = parse(childText) as Record<string, { image?: string; before_script?: unknown }>;
    expect(child["mirror-sync-1"]?.image).toBe(DEFAULT_IMAGE);
    expect(child["mirror-sync-1"]?.before_script).toEqual([CLI_CHECK]);
    const report = JSON.parse(
      await readArtifact(project.dir, "mirror-audit", "reports/audit.json"),
    ) as unknown;
    expect(report).toMatchObject({
      counts: { ok: 1, fail: 0 },
      projects: [{ project: AUDITED, verdict: "ok" }],
    });
  });

  it("a broken push mirror and a broken upstream: the healthy mirror is synced, the broken one's job and the audit fail, the pipeline is red", async () => {
    const alphaTip = await commitOnBranch(server.repoPath(repoName("up", "alpha")), "main", {
      "alpha.txt": "alpha\n",
    });
    const betaTip = await commitOnBranch(server.repoPath(repoName("up", "beta")), "main", {
      "beta.txt": "beta\n",
    });
    gitlab.setMirrorState(AUDITED, mirrorId, {
      updateStatus: "failed",
      lastError: "remote: HTTP Basic: Access denied",
    });

    const run = await runGitlabCiLocal(project.dir, pipeline({ BETA_UPSTREAM_TOKEN: "not-a-valid-token" }));

    // The audit fails in `test`, and the mirrors in `deploy` run all the same.
    expect(run.output).toMatch(/FAIL\s+mirror-audit/);
    expect(run.output).toMatch(/PASS\s+mirror-plan/);
    // Child jobs are reported with or without their trigger job's name in front.
    expect(run.output).toMatch(/PASS\s+(\[mirror-sync\] -> )?mirror-sync-1: \[alpha\]/);
    expect(run.output).toMatch(/FAIL\s+(\[mirror-sync\] -> )?mirror-sync-1: \[beta\]/);
    expect(run.code, run.output).toBe(1);
    expect((await listRefs(server.repoPath(repoName("target", "alpha")))).get("refs/heads/main")).toBe(
      alphaTip,
    );
    await expectMirrored("alpha");
    expect((await listRefs(server.repoPath(repoName("target", "beta")))).get("refs/heads/main")).not.toBe(
      betaTip,
    );
    const junit = await readArtifact(project.dir, "mirror-audit", "reports/audit.xml");
    expect(junit).toContain("<failure");
    expect(junit).toContain("Access denied");
    const report = JSON.parse(
      await readArtifact(project.dir, "mirror-audit", "reports/audit.json"),
    ) as unknown;
    expect(report).toMatchObject({ counts: { fail: 1 }, projects: [{ project: AUDITED, verdict: "fail" }] });

    // The child's own exit code (what `strategy: depend` hands to the trigger job), this time
    // with beta's target refusing the push.
    const child = await runChild({ BETA_TARGET_TOKEN: "not-a-valid-token" });
    expect(child.code, child.output).not.toBe(0);
    expect(child.output).toMatch(/FAIL\s+mirror-sync-1: \[beta\]/);
    expect(child.output).toMatch(/PASS\s+mirror-sync-1: \[alpha\]/);
  });
});
