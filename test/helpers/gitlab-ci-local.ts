/**
 * Run real pipelines of the components with gitlab-ci-local, without Docker: every job runs in the
 * host shell against the freshly built bundle, so what is tested is the YAML users include plus
 * the CLI they run, not a re-implementation of either.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { chmod, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { git, tempDir } from "./fixtures.ts";
import type { TempDir } from "./fixtures.ts";
import type { GitServer } from "./sandbox.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLE = join(ROOT, "dist", "ci-mirror.mjs");
const GITLAB_CI_LOCAL = join(ROOT, "node_modules", ".bin", "gitlab-ci-local");

/**
 * `--shell-isolation` gives each job its own copy of the project, so artifacts and caches really
 * move between jobs as on a runner; `--force-shell-executor` runs jobs that name an `image:` in
 * the host shell instead of aborting on the missing Docker daemon; `--no-artifacts-to-source`
 * keeps the fixture's working tree as the test wrote it.
 */
const GITLAB_CI_LOCAL_FLAGS: readonly string[] = [
  "--shell-isolation",
  "--force-shell-executor",
  "--no-artifacts-to-source",
  "--no-color",
];

/** The fake instance and project path the fixture's `origin` names; `$CI_SERVER_FQDN/$CI_PROJECT_PATH` resolve to them. */
const FIXTURE_HOST = "gitlab.example.com";
const FIXTURE_PROJECT = "tools/ci-mirror";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/**
 * Build the bundle unless it is newer than every source file: the jobs must run the code under
 * test, and a stale bundle would silently test yesterday's CLI.
 */
export async function ensureBundle(): Promise<string> {
  const stale =
    !existsSync(BUNDLE) ||
    statSync(BUNDLE).mtimeMs <
      Math.max(newestMtime(join(ROOT, "src")), statSync(join(ROOT, "package.json")).mtimeMs);
  if (stale) await execa("npx", ["tsx", "scripts/build.ts"], { cwd: ROOT });
  return BUNDLE;
}

/**
 * A directory holding a `ci-mirror` command that runs the bundle, to put first on the jobs' PATH.
 * Made in `beforeAll`, so the caller removes it.
 */
export async function ciMirrorBinDir(bundle: string): Promise<TempDir> {
  const bin = await tempDir("gcl-bin");
  const { path } = bin;
  const wrapper = join(path, "ci-mirror");
  // The same Node that runs the tests, so the jobs do not depend on whichever node PATH finds.
  await writeFile(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${bundle}' "$@"\n`);
  await chmod(wrapper, 0o755);
  return bin;
}

export interface FixtureProject {
  dir: string;
  remove(): Promise<void>;
  /** HEAD, which `@$CI_COMMIT_SHA` in component includes names. */
  sha: string;
}

/**
 * A user project that is also the component project: it holds a copy of this repository's
 * `templates/`, and its `origin` names the same path that `$CI_PROJECT_PATH` gives, so
 * `include: component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` resolves to the
 * copy, as in a component project that tests itself.
 */
export async function createFixtureProject(files: Record<string, string>): Promise<FixtureProject> {
  const temp = await tempDir("gcl-project");
  const dir = temp.path;
  await git(["init", "--quiet", "--initial-branch=main", dir]);
  await cp(join(ROOT, "templates"), join(dir, "templates"), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  // gitlab-ci-local's own state must never be committed into the project it runs.
  await writeFile(join(dir, ".gitignore"), ".gitlab-ci-local/\n");
  await git(["add", "--all"], { cwd: dir });
  await git(["commit", "--quiet", "--message", "fixture project"], { cwd: dir });
  await git(["remote", "add", "origin", `https://${FIXTURE_HOST}/${FIXTURE_PROJECT}.git`], { cwd: dir });
  // A remote HEAD saves gitlab-ci-local a failing lookup and a warning on every run.
  await git(["update-ref", "refs/remotes/origin/main", "HEAD"], { cwd: dir });
  await git(["symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main"], { cwd: dir });
  const sha = await git(["rev-parse", "HEAD"], { cwd: dir });
  return { dir, sha, remove: () => temp.remove() };
}

export interface PipelineRun {
  code: number;
  /** stdout and stderr interleaved as gitlab-ci-local printed them. */
  output: string;
  ms: number;
}

export interface PipelineOptions {
  /** `--variable` values: CI/CD variables of the pipeline, as set in a schedule. */
  variables?: Record<string, string>;
  /** Added to the inherited environment, which the shell executor hands to every job (children included). */
  env?: Record<string, string>;
  /** Extra arguments, e.g. `--file child.yml` or job names. */
  args?: string[];
}

export async function runGitlabCiLocal(dir: string, options: PipelineOptions = {}): Promise<PipelineRun> {
  const args = [...GITLAB_CI_LOCAL_FLAGS, ...(options.args ?? [])];
  for (const [name, value] of Object.entries(options.variables ?? {}))
    args.push("--variable", `${name}=${value}`);
  const started = Date.now();
  const result = await execa(GITLAB_CI_LOCAL, args, {
    cwd: dir,
    env: { ...options.env, GCL_IGNORE_PREDEFINED_VARS: "CI_PIPELINE_SOURCE" },
    all: true,
    reject: false,
  });
  return { code: result.exitCode ?? -1, output: result.all, ms: Date.now() - started };
}

/**
 * Where gitlab-ci-local keeps the artifacts a job exported (with `--shell-isolation`). Job names
 * such as `sync: [alpha]` are not safe file names, so it encodes each run of other characters as
 * unpadded base64; short names like ours are never shortened further.
 */
export function artifactsDir(dir: string, job: string): string {
  const safe = job.replace(/[^\w-]+/g, (run) => Buffer.from(run).toString("base64url"));
  return join(dir, ".gitlab-ci-local", "artifacts", safe);
}

export async function readArtifact(dir: string, job: string, file: string): Promise<string> {
  return readFile(join(artifactsDir(dir, job), file), "utf8");
}

/**
 * The fenced code blocks of one README section (from its heading to the next heading of the same
 * or a higher level), in order, so a test runs exactly what the README tells people to write.
 */
export async function readmeBlocks(heading: string, language = "yaml"): Promise<string[]> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const blocks: string[] = [];
  // Inside any fenced block (`# comment` lines of YAML are not headings); its lines are kept
  // when the block is in the language asked for.
  let fence: { keep: boolean; lines: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (fence == null) {
      const headingLevel = /^(#+) /.exec(line)?.[1]?.length;
      if (headingLevel != null && headingLevel <= level) break;
      if (trimmed.startsWith("```")) fence = { keep: trimmed === `\`\`\`${language}`, lines: [] };
    } else if (trimmed === "```") {
      if (fence.keep) blocks.push(`${fence.lines.join("\n")}\n`);
      fence = undefined;
    } else fence.lines.push(line);
  }
  if (blocks.length === 0) throw new Error(`README.md section "${heading}" has no ${language} block`);
  return blocks;
}

/**
 * A README snippet with its placeholders filled in for the fixture project: `<group>` is the
 * fixture's group (so `<group>/ci-mirror` is the fixture itself) and `<version>` the commit
 * under test, which is how gitlab-ci-local resolves a component from the working tree.
 */
export function fillPlaceholders(
  snippet: string,
  project: FixtureProject,
  extra: Record<string, string> = {},
): string {
  const values: Record<string, string> = {
    group: FIXTURE_PROJECT.split("/")[0] ?? "",
    version: project.sha,
    ...extra,
  };
  const filled = snippet.replace(/<([a-z_-]+)>/g, (match, name: string) => values[name] ?? match);
  const left = /<[a-z_-]+>/.exec(filled);
  if (left != null) throw new Error(`README snippet has a placeholder the test does not fill: ${left[0]}`);
  return filled;
}

/**
 * A mirrors.yml for `names`: each mirror's upstream `up/<name>` and target `target/<name>` on
 * `server`, read with UPSTREAM_TOKEN and written with TARGET_TOKEN (the pipeline's variables).
 */
export function mirrorsYml(server: GitServer, names: readonly string[]): string {
  const lines = ["version: 1", "defaults:", "  target:", "    token: TARGET_TOKEN", "mirrors:"];
  for (const name of names) {
    lines.push(
      `  - name: ${name}`,
      `    source: ${server.repoUrl(`up/${name}`)}`,
      "    source_token: UPSTREAM_TOKEN",
      `    target: { url: ${server.repoUrl(`target/${name}`)} }`,
    );
  }
  return `${lines.join("\n")}\n`;
}
