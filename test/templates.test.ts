import { access, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE } from "../src/child-pipeline/pipeline.ts";
import {
  COMPONENTS,
  readInputs,
  templateUrl,
  withDefaultImage,
  withInputTables,
  type InputSpec,
} from "../scripts/inputs-table-lib.ts";
import { interpolate, schemaErrors, yamlDocuments, type InputValues } from "./helpers/gitlab-ci-schema.ts";

const GITLAB_DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"];
const GLOBAL_KEYWORDS = [
  "default",
  "stages",
  "variables",
  "workflow",
  "include",
  "image",
  "services",
  "cache",
];

async function templateDocuments(component: string): Promise<[unknown, Record<string, unknown>]> {
  const docs = yamlDocuments(await readFile(templateUrl(component), "utf8"));
  expect(docs).toHaveLength(2);
  return [docs[0], docs[1] as Record<string, unknown>];
}

function defaults(inputs: Record<string, InputSpec>): InputValues {
  return Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.default]));
}

/** Non-default values of every type, to catch positions that only validate with the defaults. */
function flipped(inputs: Record<string, InputSpec>): InputValues {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, input]): [string, unknown] => {
      if (input.type === "boolean") return [name, input.default !== true];
      if (input.type === "number") return [name, 16];
      if (name === "stage") return [name, "mirrors"];
      if (name === "image") return [name, "node:20-bookworm"];
      if (["timeout", "max_age", "stuck_after"].includes(name)) return [name, "3h 30m"];
      if (name === "notify_webhook") return [name, "X_WEBHOOK_URL"];
      if (name === "only") return [name, "tool, docs"];
      return [name, `x-${name}`];
    }),
  );
}

describe.each(COMPONENTS)("templates/%s.yml", (component) => {
  it("has a header that validates on its own", async () => {
    const [header] = await templateDocuments(component);
    expect(schemaErrors(header)).toEqual([]);
  });

  it("validates after interpolation with the defaults and with other values", async () => {
    const [, body] = await templateDocuments(component);
    const inputs = await readInputs(component);
    expect(schemaErrors(interpolate(body, defaults(inputs)))).toEqual([]);
    expect(schemaErrors(interpolate(body, flipped(inputs)))).toEqual([]);
  });

  it("describes every input and gives it a default", async () => {
    const inputs = await readInputs(component);
    for (const [name, input] of Object.entries(inputs)) {
      expect(input.description, name).toBeTruthy();
      expect("default" in input, `${name} has a default`).toBe(true);
    }
  });

  it("defaults to one of GitLab's default stages and the released image", async () => {
    const inputs = await readInputs(component);
    expect(GITLAB_DEFAULT_STAGES).toContain(inputs.stage?.default);
    expect(inputs.image?.default).toBe(DEFAULT_IMAGE);
  });

  it("starts every job from `needs`, never from earlier stages, so no other component's failure can stop it", async () => {
    const [, body] = await templateDocuments(component);
    const inputs = await readInputs(component);
    for (const values of [defaults(inputs), flipped(inputs)]) {
      const jobs = interpolate(body, values) as Record<string, { needs?: unknown }>;
      const own = Object.keys(jobs);
      for (const [name, job] of Object.entries(jobs)) {
        expect(Array.isArray(job.needs), `${name} has needs`).toBe(true);
        for (const need of job.needs as unknown[])
          expect(own, `${name} needs ${String(need)}`).toContain(need);
      }
    }
  });

  it("adds jobs only, named from inputs", async () => {
    const [, body] = await templateDocuments(component);
    for (const key of Object.keys(body)) {
      expect(GLOBAL_KEYWORDS).not.toContain(key);
      expect(key).toMatch(/\$\[\[ inputs\.(job_prefix|job_name) \]\]/);
    }
  });
});

describe("templates/mirror.yml", () => {
  it("triggers the plan job's artifact, keeps pipeline variables out of the child and follows the child", async () => {
    const [, body] = await templateDocuments("mirror");
    const jobs = interpolate(body, defaults(await readInputs("mirror"))) as Record<
      string,
      { script?: string[]; trigger?: Record<string, unknown> }
    >;
    expect(jobs["mirror-sync"]?.trigger).toEqual({
      include: [{ artifact: "child.yml", job: "mirror-plan" }],
      strategy: "depend",
      forward: { pipeline_variables: false, yaml_variables: true },
    });
    const script = jobs["mirror-plan"]?.script?.join("\n") ?? "";
    expect(script).toContain("ci-mirror plan");
    expect(script).toContain("--out child.yml");
    expect(script).toContain('--only "${MIRROR_ONLY:-$only}"');
    expect(script).toContain("--dry-run=false");
  });
});

/**
 * Shell variables a job script may read. Anything else could be set by a pipeline or trigger
 * variable of the same name: MIRROR_ONLY is read by design (it only narrows a run) and
 * CI_PIPELINE_SOURCE only ever turns push-mirrors into a dry run.
 */
const READ_BY_DESIGN = new Set(["MIRROR_ONLY", "CI_PIPELINE_SOURCE"]);

describe.each(COMPONENTS)("templates/%s.yml and pipeline variables", (component) => {
  it("sets no job or rule variables, and its scripts read only what they assigned themselves", async () => {
    const [, body] = await templateDocuments(component);
    const jobs = interpolate(body, defaults(await readInputs(component))) as Record<
      string,
      { variables?: unknown; rules?: { variables?: unknown }[]; before_script?: string[]; script?: string[] }
    >;
    for (const [name, job] of Object.entries(jobs)) {
      expect(job.variables, `${name}: variables`).toBeUndefined();
      for (const rule of job.rules ?? []) expect(rule.variables, `${name}: rule variables`).toBeUndefined();
      const text = [...(job.before_script ?? []), ...(job.script ?? [])].join("\n");
      const assigned = new Set(
        [...text.matchAll(/\bread -r (\w+)|\b(\w+)=/g)].map((match) => match[1] ?? match[2] ?? ""),
      );
      for (const [, read] of text.matchAll(/\$\{?(\w+)/g)) {
        expect(assigned.has(read ?? "") || READ_BY_DESIGN.has(read ?? ""), `${name} reads $${read}`).toBe(
          true,
        );
      }
    }
  });

  it("constrains its text inputs with a regex that the defaults and other values pass", async () => {
    const inputs = await readInputs(component);
    for (const [name, input] of Object.entries(inputs)) {
      const regex = (input as { regex?: string }).regex;
      if (input.type != null && input.type !== "string") continue;
      if (["stage", "job_name"].includes(name)) continue;
      expect(regex, `${name} has a regex`).toBeTruthy();
      const pattern = new RegExp(regex ?? "");
      expect(pattern.test(String(input.default)), `${name} default`).toBe(true);
      expect(pattern.test(String(flipped(inputs)[name])), `${name} other value`).toBe(true);
      expect(pattern.test("a\nb"), `${name} refuses a second line`).toBe(false);
    }
  });
});

describe("the released image, named in one place", () => {
  it.each(COMPONENTS)(
    "templates/%s.yml has it as its image default, as `npm run docs:inputs` writes it",
    async (component) => {
      const text = await readFile(templateUrl(component), "utf8");
      expect(withDefaultImage(text, DEFAULT_IMAGE)).toBe(text);
      const moved = withDefaultImage(text, "registry.example.org/home/ci-mirror:9.9.9");
      const [header] = yamlDocuments(moved) as [{ spec: { inputs: Record<string, InputSpec> } }];
      expect(header.spec.inputs.image?.default).toBe("registry.example.org/home/ci-mirror:9.9.9");
      expect(moved.replace("registry.example.org/home/ci-mirror:9.9.9", DEFAULT_IMAGE)).toBe(text);
    },
  );
});

describe("package version", () => {
  it("matches the default image tag", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(DEFAULT_IMAGE.endsWith(`:${pkg.version}`)).toBe(true);
  });
});

describe("README", () => {
  it("has the input tables the templates say (run `npm run docs:inputs`)", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    expect(await withInputTables(readme)).toBe(readme);
  });
});

describe("consumer pipelines", () => {
  const files = [
    [
      "examples/user-project/.gitlab-ci.yml",
      new URL("../examples/user-project/.gitlab-ci.yml", import.meta.url),
    ],
    ["this project's .gitlab-ci.yml", new URL("../.gitlab-ci.yml", import.meta.url)],
  ] as const;

  it.each(files)("%s validates, document by document", async (label, url) => {
    const exists = await access(url).then(
      () => true,
      () => false,
    );
    if (!exists) {
      console.warn(`skipped: ${label} does not exist yet`);
      return;
    }
    const docs = yamlDocuments(await readFile(url, "utf8"));
    const header =
      docs.length > 1 ? (docs[0] as { spec?: { inputs?: Record<string, InputSpec> } }) : undefined;
    const inputs = defaults(header?.spec?.inputs ?? {});
    for (const doc of docs) expect(schemaErrors(interpolate(doc, inputs))).toEqual([]);
  });
});
