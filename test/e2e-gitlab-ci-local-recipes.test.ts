/**
 * The README's recipes for running the components by hand, on a schedule and from a webhook, as
 * the README writes them (read from it, placeholders filled in for the fixture project). Their
 * YAML validates against GitLab's CI schema; the manual run and the trigger API's call run under
 * gitlab-ci-local with the inputs (or, for older instances, the variable) that the README's form,
 * `curl` call and webhook URL send.
 *
 * gitlab-ci-local hands a `--input` to every file it loads, components included, where GitLab
 * gives pipeline inputs to the project's own `.gitlab-ci.yml` only. The recipe's pipeline input is
 * named `mirrors` and the component's `only`, so a narrowed plan here shows that the recipe itself
 * passes the value on. What gitlab-ci-local cannot show (the trigger endpoint reading `inputs[...]`
 * from a form or a query string, schedule inputs) is verified from GitLab's docs only.
 */
import { access, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { GitServer } from "./helpers/sandbox.ts";
import { startGitServer } from "./helpers/sandbox.ts";
import { buildRepo, listRefs } from "./helpers/fixtures.ts";
import type { TempDir } from "./helpers/fixtures.ts";
import { interpolate, schemaErrors, yamlDocuments } from "./helpers/gitlab-ci-schema.ts";
import {
  ROOT,
  artifactsDir,
  ciMirrorBinDir,
  createFixtureProject,
  ensureBundle,
  fillPlaceholders,
  readArtifact,
  readmeBlocks,
  mirrorsYml,
  runGitlabCiLocal,
} from "./helpers/gitlab-ci-local.ts";
import type { FixtureProject, PipelineRun } from "./helpers/gitlab-ci-local.ts";

const SECTION = "### Running by hand, on a schedule, from a webhook";
const UPSTREAM_TOKEN = "e2e-recipe-upstream-4e1f0b9d";
const TARGET_TOKEN = "e2e-recipe-target-7c2a5e31";
/** The README's examples name a mirror `tool`; the fixture has it and one more. */
const MIRRORS = ["tool", "docs"] as const;

let server: GitServer;
let project: FixtureProject;
let bin: TempDir;

/** A run as GitLab would start it from `source`, with the tokens as project variables. */
function run(source: string, args: string[], variables: Record<string, string> = {}): Promise<PipelineRun> {
  const tokens = { UPSTREAM_TOKEN, TARGET_TOKEN };
  return runGitlabCiLocal(project.dir, {
    variables: { CI_PIPELINE_SOURCE: source, ...tokens, ...variables },
    env: { ...tokens, PATH: `${bin.path}:${process.env.PATH ?? ""}`, CI_MIRROR_RETRY_DELAY: "10" },
    args,
  });
}

async function plannedMirrors(): Promise<string[]> {
  const child = parse(await readArtifact(project.dir, "mirror-plan", "child.yml")) as Record<
    string,
    { parallel?: { matrix: { MIRROR: string[] }[] } }
  >;
  return Object.values(child).flatMap((job) => job.parallel?.matrix[0]?.MIRROR ?? []);
}

/** `inputs[name]=value` pairs, as the trigger endpoint reads them from a form or a query string. */
function inputsIn(text: string): Record<string, string> {
  const pairs: [string, string][] = [];
  for (const match of text.matchAll(/inputs\[(\w+)\]=([\w.,-]+)/g))
    pairs.push([match[1] ?? "", match[2] ?? ""]);
  return Object.fromEntries(pairs);
}

beforeAll(async () => {
  bin = await ciMirrorBinDir(await ensureBundle());
  server = await startGitServer({ tokens: { [UPSTREAM_TOKEN]: "read", [TARGET_TOKEN]: "write" } });
  for (const [index, name] of MIRRORS.entries()) {
    const upstream = await server.createRepo(`up/${name}`, { flavor: "github" });
    await buildRepo(upstream, { commits: 2, branches: 1, tags: 1, seed: `recipe-${index}` });
    await server.createRepo(`target/${name}`, { flavor: "gitlab" });
  }
  project = await createFixtureProject({ ".gitlab-ci.yml": "", "mirrors.yml": mirrorsYml(server, MIRRORS) });
  const [recipe = ""] = await readmeBlocks(SECTION);
  await writeFile(join(project.dir, ".gitlab-ci.yml"), fillPlaceholders(recipe, project));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await project?.remove();
  await bin?.remove();
});

describe("the README's recipes", { timeout: 120_000 }, () => {
  it.each(["### Quick start", SECTION])(
    "%s: every YAML block validates against GitLab's CI schema",
    async (heading) => {
      for (const block of await readmeBlocks(heading)) {
        const docs = yamlDocuments(fillPlaceholders(block, project));
        const header =
          docs.length > 1
            ? (docs[0] as { spec?: { inputs?: Record<string, { default?: unknown }> } })
            : undefined;
        const inputs = Object.fromEntries(
          Object.entries(header?.spec?.inputs ?? {}).map(([name, input]) => [name, input.default]),
        );
        for (const doc of docs) expect(schemaErrors(interpolate(doc, inputs))).toEqual([]);
      }
    },
  );

  it("by hand: the Run pipeline form's input syncs just the mirror it names", async () => {
    const planned = await run("web", ["--input", "mirrors=tool", "mirror-plan"]);
    expect(planned.code, planned.output).toBe(0);
    expect(await plannedMirrors()).toEqual(["tool"]);

    // The child by itself (gitlab-ci-local hands a job filter on to a child pipeline it starts).
    await copyFile(
      join(artifactsDir(project.dir, "mirror-plan"), "child.yml"),
      join(project.dir, "child.yml"),
    );
    const child = await run("parent_pipeline", ["--file", "child.yml"]);

    expect(child.code, child.output).toBe(0);
    expect(child.output).toMatch(/PASS\s+mirror-sync-1: \[tool\]/);
    const upstream = [...(await listRefs(server.repoPath("up/tool")))].filter(
      ([ref]) => !ref.startsWith("refs/pull/"),
    );
    expect(await listRefs(server.repoPath("target/tool"))).toEqual(new Map(upstream));
    expect((await listRefs(server.repoPath("target/docs"))).size).toBe(0);
  });

  it("from a webhook: the trigger call and the webhook URL send the same input, and it narrows the plan", async () => {
    const [call = ""] = await readmeBlocks(SECTION, "sh");
    const [url = ""] = await readmeBlocks(SECTION, "text");
    const sent = inputsIn(call);
    expect(sent).toEqual({ mirrors: "tool" });
    expect(inputsIn(decodeURIComponent(url))).toEqual(sent);
    expect(new URL(url.trim().replace(/<\w+>/g, "x")).pathname).toMatch(/\/ref\/main\/trigger\/pipeline$/);

    const args = Object.entries(sent).flatMap(([key, value]) => ["--input", `${key}=${value}`]);
    const result = await run("trigger", [...args, "mirror-plan"]);

    expect(result.code, result.output).toBe(0);
    expect(await plannedMirrors()).toEqual(["tool"]);
  });

  it("older instances: the MIRROR_ONLY variable the README names narrows the plan, and an unknown name fails it", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf(SECTION));
    const [, name = "", value = ""] = /variables\[(\w+)\]=([\w,-]+)/.exec(section) ?? [];
    expect(name).toBe("MIRROR_ONLY");

    const narrowed = await run("trigger", ["mirror-plan"], { [name]: value });
    expect(narrowed.code, narrowed.output).toBe(0);
    expect(await plannedMirrors()).toEqual([value]);

    const unknown = await run("trigger", ["mirror-plan"], { [name]: "nope" });
    expect(unknown.output).toMatch(/FAIL\s+mirror-plan/);
    expect(unknown.output).toContain('no mirror named "nope"');
  });

  it("an input that is not a list of names is refused before any job runs", async () => {
    const result = await run("trigger", ["--input", 'mirrors=tool"; touch hostile-input; "', "mirror-plan"]);

    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/does not match required regex/);
    expect(result.output).not.toMatch(/PASS|FAIL\s+mirror-plan/);
    await expect(access(join(project.dir, "hostile-input"))).rejects.toThrow();
  });
});
