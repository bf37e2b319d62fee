import { existsSync } from "node:fs";
import { copyFile, readFile, stat, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../scripts/bundle.ts";
import { HERMETIC_GIT_ENV } from "./helpers/sandbox.ts";
import { runCli, writeConfig } from "./helpers/cli.ts";
import { buildRepo, listRefs, tempDir } from "./helpers/fixtures.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN, uniqueName, useGitServer } from "./helpers/sync-env.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(ROOT, "dist", "ci-mirror.mjs");

const server = useGitServer();

beforeAll(async () => {
  // Building takes about a second; an existing bundle is used as it is.
  if (!existsSync(BUNDLE)) await execa("npx", ["tsx", "scripts/build.ts"], { cwd: ROOT });
});

interface BundleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a bundle as its own process with nothing inherited: no NODE_PATH, no NODE_OPTIONS, no git
 * config of whoever runs the tests.
 */
async function runBundle(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; direct?: boolean } = {},
): Promise<BundleRun> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...HERMETIC_GIT_ENV,
    CI_MIRROR_RETRY_DELAY: "10",
    ...options.env,
  };
  const [command, argv] = options.direct === true ? [file, args] : [process.execPath, [file, ...args]];
  const result = await execa(command, argv, {
    cwd: options.cwd ?? ROOT,
    env,
    extendEnv: false,
    reject: false,
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** A workspace with a config mirroring a fresh upstream into an empty target on the git server. */
async function mirrorSetup() {
  const name = uniqueName("b");
  const upstream = await server().createRepo(`up/${name}`, { flavor: "github" });
  await buildRepo(upstream, { commits: 3, branches: 2, tags: 2, pullRefs: 1 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const { path: dir } = await tempDir("bundle-ws");
  await writeConfig(dir, [
    { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
  ]);
  return { name, upstream, target, dir, env: { UPSTREAM_TOKEN, TARGET_TOKEN } };
}

async function expectMirrored(upstream: string, target: string): Promise<void> {
  const expected = [...(await listRefs(upstream))].filter(
    ([ref]) => ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/"),
  );
  expect(expected.length).toBeGreaterThan(2);
  expect(await listRefs(target)).toEqual(new Map(expected));
}

const GOOD_CONFIG = [
  "version: 1",
  "mirrors:",
  "  - name: alpha",
  "    source: https://github.com/example/alpha.git",
  "    target: { url: https://gitlab.example.com/mirrors/alpha.git }",
].join("\n");

const BAD_CONFIG = [
  "version: 1",
  "mirrors:",
  "  - name: alpha",
  "    source: https://github.com/example/alpha.git",
  "    divergence: sometimes",
].join("\n");

async function configDir(): Promise<string> {
  const { path } = await tempDir("bundle-cfg");
  await writeFile(join(path, "good.yml"), `${GOOD_CONFIG}\n`);
  await writeFile(join(path, "bad.yml"), `${BAD_CONFIG}\n`);
  return path;
}

describe("the single-file bundle", () => {
  it("starts with a node shebang, is executable, and runs by itself", async () => {
    const text = await readFile(BUNDLE, "utf8");
    const { mode } = await stat(BUNDLE);

    const run = await runBundle(BUNDLE, ["--version"], { direct: true });

    expect(text.split("\n")[0]).toBe("#!/usr/bin/env node");
    expect(mode & 0o111).toBe(0o111);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await packageVersion());
  });

  it("prints the version from package.json", async () => {
    const run = await runBundle(BUNDLE, ["--version"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await packageVersion());
  });

  it("lays out --help as the unbundled CLI does with the real string-width", async () => {
    // The bundle measures text with src/cli/text-width.ts instead (see scripts/bundle.ts).
    const { path: cwd } = await tempDir("bundle-help");
    for (const args of [["--help"], ["sync", "--help"], ["push-mirrors", "--help"]]) {
      for (const columns of ["100", "50"]) {
        const env = { COLUMNS: columns };

        const bundled = await runBundle(BUNDLE, args, { cwd, env });
        const source = await runCli(args, { cwd, env });

        expect(bundled.code).toBe(0);
        expect(bundled.stdout).toBe(source.stdout.trimEnd());
      }
    }
  });

  it("loads no Unicode tables (no Intl.Segmenter) when all its text is ASCII", async () => {
    // string-width builds an Intl.Segmenter as it loads (~45 ms); the bundle's shim loads it only
    // for non-ASCII text (scripts/bundle.ts). A preload counts the segmenters built.
    const { path: dir } = await tempDir("bundle-segmenter");
    const preload = join(dir, "count-segmenters.mjs");
    await writeFile(
      preload,
      [
        "const Real = Intl.Segmenter;",
        "let built = 0;",
        "class Counting extends Real { constructor(...args) { super(...args); built += 1; } }",
        'Object.defineProperty(Intl, "Segmenter", { value: Counting });',
        'process.on("exit", () => process.stderr.write(`segmenters built: ${built}\\n`));',
      ].join("\n"),
    );
    for (const args of [["--version"], ["--help"], ["sync", "--help"]]) {
      const run = await execa(process.execPath, ["--import", preload, BUNDLE, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        extendEnv: false,
        reject: false,
      });

      expect(run.exitCode).toBe(0);
      expect(run.stderr).toContain("segmenters built: 0");
    }
  });

  it("validates a good config with 0 and a bad one with 2, without a stack trace", async () => {
    const cwd = await configDir();

    const good = await runBundle(BUNDLE, ["validate", "--config", "good.yml"], { cwd });
    const bad = await runBundle(BUNDLE, ["validate", "--config", "bad.yml"], { cwd });

    expect(good.code).toBe(0);
    expect(good.stdout).toBe("good.yml: OK, 1 mirror (alpha)");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^bad\.yml:5:\d+ +mirrors\[0\]\.divergence +expected `overwrite`/m);
    expect(bad.stderr).toContain("error ECONFIG");
    expect(bad.stderr).not.toMatch(/^\s+at /m);
    expect(bad.stderr).not.toContain("internal error");
  });

  it("mirrors a repository with a real sync", async () => {
    const setup = await mirrorSetup();

    const run = await runBundle(BUNDLE, ["sync", "--all"], { cwd: setup.dir, env: setup.env });

    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1 of 1 mirrors ok");
    await expectMirrored(setup.upstream, setup.target);
  });

  it("imports nothing but Node built-ins", async () => {
    const { path: dir } = await tempDir("bundle-meta");

    const { externals } = await bundle(join(dir, "ci-mirror.mjs"));

    // Sanity: the check does see the built-ins, so an empty list cannot pass for a clean one.
    expect(externals).toContain("node:child_process");
    expect(externals.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
  });

  it("works as a lone file copied out of the project, with no NODE_PATH", async () => {
    const setup = await mirrorSetup();
    const { path: lonely } = await tempDir("bundle-copy");
    const copy = join(lonely, "ci-mirror.mjs");
    await copyFile(BUNDLE, copy);
    // Nothing above the copy may hold a node_modules it could quietly resolve packages from.
    expect(lonely.startsWith(ROOT.endsWith(sep) ? ROOT : `${ROOT}${sep}`)).toBe(false);
    for (let dir = lonely; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, "node_modules")), `${dir} has a node_modules`).toBe(false);
    }

    const version = await runBundle(copy, ["--version"], { cwd: lonely });
    const sync = await runBundle(copy, ["sync", "--all"], { cwd: setup.dir, env: setup.env });

    expect(version.code).toBe(0);
    expect(version.stdout).toBe(await packageVersion());
    expect(sync.stderr).not.toMatch(/error/i);
    expect(sync.code).toBe(0);
    await expectMirrored(setup.upstream, setup.target);
  });
});
