import * as z from "zod";
import { DURATION_NEEDS_A_UNIT, durationProblem } from "../util/duration.ts";
import { envVarNameProblem } from "./env-var-name.ts";
import { groupPathProblem, projectRefProblem } from "./gitlab-path.ts";
import { mirrorNameProblem } from "./mirror-name.ts";
import { patternProblem } from "./ref-pattern.ts";
import { re2SyntaxError } from "../util/re2-syntax.ts";
import { gitlabUrlProblem, pushMirrorUrlProblem, sourceUrlProblem, targetUrlProblem } from "./url-checks.ts";

/**
 * The config file as written (snake_case, everything optional that `defaults` can supply).
 * Each value is checked on its own here, so that one pass reports every bad value at once;
 * merging and the checks that involve several keys come later (normalise.ts, rules.ts).
 * Every schema carries its own message: zod's defaults speak about types, not about the file.
 */

/** Message for a value of the wrong type; a missing key gets `missing` or a generic message. */
function expected(what: string, missing?: string): (issue: { readonly input: unknown }) => string {
  return (issue) =>
    issue.input === undefined
      ? (missing ?? "missing required key")
      : `expected ${what}, got ${describeValue(issue.input)}`;
}

/** Like `expected`, for strings: YAML reads unquoted `1.0`, `2024` or `true` as a number or a boolean. */
function expectedText(what: string, missing?: string): (issue: { readonly input: unknown }) => string {
  const message = expected(what, missing);
  return (issue) => {
    const quotable = typeof issue.input === "number" || typeof issue.input === "boolean";
    return quotable ? `${message(issue)}; put it in quotes` : message(issue);
  };
}

/** The kind of a YAML value, never the value: it may be a pasted secret. */
function describeValue(value: unknown): string {
  if (value == null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return `\`${String(value)}\``;
    case "object":
      return "a map";
    default:
      return typeof value;
  }
}

/** Adapts a `(value) => problem | undefined` check to a zod refinement. */
function checkedBy<T>(problemOf: (value: T) => string | undefined) {
  return (value: T, context: z.RefinementCtx<T>): void => {
    const problem = problemOf(value);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem, input: value });
  };
}

const envVarName = z
  .string({ error: expectedText("the NAME of a CI/CD variable") })
  .superRefine(checkedBy(envVarNameProblem));

const username = z
  .string({ error: expectedText("a user name") })
  .superRefine(checkedBy((value: string) => (value.trim() === "" ? "the user name is empty" : undefined)));

const patternList = z
  .array(z.string({ error: expectedText("a pattern (a string)") }).superRefine(checkedBy(patternProblem)), {
    error: expected('a list of patterns, e.g. [main, "release/*"]'),
  })
  .describe("Globs (`*` also crosses `/`, `?` is one character) or regular expressions written as `/…/`.");

const refsSchema = z.strictObject(
  {
    branches: patternList.optional().describe("Branches to mirror. Default: all."),
    tags: patternList.optional().describe("Tags to mirror. Default: all."),
    exclude: patternList
      .optional()
      .describe("Refs never mirrored: short names, or full names when written as `refs/…`. Default: none."),
  },
  { error: expected("a map with `branches`, `tags` and/or `exclude`") },
);

const targetSchema = z.strictObject(
  {
    url: z
      .string({ error: expectedText("a repository URL") })
      .superRefine(checkedBy(targetUrlProblem))
      .optional()
      .describe("Where to push; `{name}` is replaced by the mirror's name."),
    token: envVarName.optional().describe("NAME of the CI/CD variable holding the token for the target."),
    username: username.optional().describe("User name sent with the token (HTTP Basic auth)."),
    ssh_key: envVarName.optional().describe("NAME of the CI/CD variable holding the SSH private key."),
    known_hosts: envVarName
      .optional()
      .describe("NAME of the CI/CD variable holding known_hosts lines; required for SSH."),
  },
  { error: expected("a map like `{ url: …, token: … }`") },
);

const divergence = z
  .enum(["overwrite", "keep", "fail"], { error: "expected `overwrite`, `keep` or `fail`" })
  .describe("What to do when a target branch has commits the source lacks.");

const prune = z
  .boolean({ error: expected("`true` or `false`") })
  .describe("Delete refs from the target that are gone from the source.");

const PERCENT = /^(?<number>\d+(?:\.\d+)?)%$/;

/** A limit on ref changes of one kind in one run: a count, or a percentage of the target's refs. */
function refLimitProblem(counted: string): (value: number | string) => string | undefined {
  return (value) => {
    if (typeof value === "number") {
      return Number.isInteger(value) && value >= 0
        ? undefined
        : `a count of ${counted} must be a whole number, 0 or more`;
    }
    const percent = PERCENT.exec(value.trim())?.groups?.["number"];
    if (percent === undefined) return 'expected a count (e.g. `10`) or a percentage (e.g. `"25%"`)';
    return Number(percent) <= 100 ? undefined : "a percentage must be between 0% and 100%";
  };
}

function refLimit(counted: string) {
  return z
    .union([z.number(), z.string()], {
      error: expected('a count (e.g. `10`) or a percentage (e.g. `"25%"`)'),
    })
    .superRefine(checkedBy(refLimitProblem(counted)));
}

const maxDeletions = refLimit("deletions").describe(
  "Most refs one run may delete from the target: a count or a percentage of its refs.",
);

const maxRewrites = refLimit("forced updates").describe(
  "Most refs one run may force (rewritten history, moved tags) on the target: a count or a percentage of its refs.",
);

const lfs = z
  .union([z.boolean(), z.literal("auto")], { error: "expected `auto`, `true` or `false`" })
  .describe("Mirror Git LFS objects: `auto` when the repository uses LFS and git-lfs is installed.");

const visibility = z
  .enum(["private", "internal", "public"], { error: "expected `private`, `internal` or `public`" })
  .describe("Visibility of the created project. Default: private.");

const createTargetSchema = z.strictObject(
  {
    visibility: visibility.optional(),
    description: z
      .string({ error: expectedText("a description (a string)") })
      .superRefine(
        checkedBy((value: string) =>
          value.trim() === ""
            ? "the description is empty: leave it out for the default (`Mirror of <source URL>`)"
            : undefined,
        ),
      )
      .optional()
      .describe("Description of the created project. Default: `Mirror of <source URL>`."),
  },
  { error: expected("a map like `{ visibility: private }`") },
);

const createTarget = z
  .union([z.boolean(), createTargetSchema], {
    error: expected("`true`, `false` or a map like `{ visibility: private, description: … }`"),
  })
  .describe(
    "Create the target project through the GitLab API when it does not exist yet; `true` means `{ visibility: private }`.",
  );

/** Settings a mirror inherits unless it sets them itself. */
const inheritable = {
  target: targetSchema.optional().describe("Target endpoint, merged key by key with `defaults.target`."),
  refs: refsSchema.optional().describe("Which refs to mirror; each given list replaces the default one."),
  divergence: divergence.optional(),
  prune: prune.optional(),
  max_deletions: maxDeletions.optional(),
  max_rewrites: maxRewrites.optional(),
  lfs: lfs.optional(),
  create_target: createTarget.optional(),
};

export const defaultsSchema = z.strictObject(inheritable, {
  error: expected("a map of settings shared by all mirrors"),
});

export const mirrorSchema = z.strictObject(
  {
    name: z
      .string({ error: expectedText("a name (a string)", "missing required key `name`") })
      .superRefine(checkedBy(mirrorNameProblem))
      .describe("Unique name; becomes the job name and the cache directory name."),
    source: z
      .string({
        error: expectedText("a repository URL", "missing required key `source` (the URL to mirror from)"),
      })
      .superRefine(checkedBy(sourceUrlProblem))
      .describe("URL of the repository to mirror from."),
    source_token: envVarName
      .optional()
      .describe("NAME of the CI/CD variable holding the token for the source."),
    source_username: username.optional().describe("User name sent with the source token."),
    ssh_key: envVarName.optional().describe("NAME of the CI/CD variable holding the SSH key for the source."),
    known_hosts: envVarName
      .optional()
      .describe("NAME of the CI/CD variable holding the source's known_hosts."),
    ...inheritable,
  },
  { error: expected("a map with at least `name` and `source`") },
);

export const gitlabSchema = z.strictObject(
  {
    url: z
      .string({ error: expectedText("GitLab's base URL") })
      .superRefine(checkedBy(gitlabUrlProblem))
      .optional()
      .describe("Base URL of the GitLab whose API ci-mirror uses. Default: `$CI_SERVER_URL`."),
    token: envVarName
      .optional()
      .describe("NAME of the CI/CD variable holding an api-scoped token. Default: `GITLAB_TOKEN`."),
  },
  { error: expected("a map like `{ url: …, token: … }`") },
);

const projectRef = z
  .union([z.number(), z.string()], {
    error: expected(
      "a project id or full path (e.g. `group/app`)",
      "missing required key `project` (the project's id or full path)",
    ),
  })
  .superRefine(checkedBy(projectRefProblem));

const flag = z.boolean({ error: expected("`true` or `false`") });

function branchRegexProblem(value: string): string | undefined {
  if (value === "") return "empty regular expression: leave the key out (or write `null`) for all branches";
  const problem = re2SyntaxError(value);
  if (problem === undefined) return undefined;
  // GitLab refuses the mirror with this same RE2 message; RE2 has no lookaround or backreferences.
  return `not valid RE2 syntax, which GitLab matches branch names with: ${problem}`;
}

export const pushMirrorSchema = z.strictObject(
  {
    project: projectRef.describe("The GitLab project that pushes: its id or full path (`group/app`)."),
    url: z
      .string({
        error: expectedText("a repository URL", "missing required key `url` (where the project pushes to)"),
      })
      .superRefine(checkedBy(pushMirrorUrlProblem))
      .describe("Where GitLab pushes to, without credentials."),
    replaces: z
      .string({ error: expectedText("the old URL of the mirror (a string)") })
      .superRefine(checkedBy(pushMirrorUrlProblem))
      .optional()
      .describe(
        "The URL this mirror had before, without credentials: apply deletes that mirror and creates this one.",
      ),
    username: username.optional().describe("User name put into the URL. Default: `oauth2` with a token."),
    token: envVarName
      .optional()
      .describe("NAME of the CI/CD variable holding the password or token for the URL."),
    enabled: flag.optional().describe("Default: true."),
    only_protected_branches: flag.optional().describe("Push protected branches only. Default: false."),
    keep_divergent_refs: flag
      .optional()
      .describe("Skip refs that diverged on the mirror instead of overwriting them. Default: false."),
    mirror_branch_regex: z
      .string({ error: expectedText("a regular expression (a string) or `null`") })
      .superRefine(checkedBy(branchRegexProblem))
      .nullable()
      .optional()
      .describe("Push only branches matching this regular expression. Default: null (all)."),
    auth_method: z
      .enum(["password", "ssh_public_key"], { error: "expected `password` or `ssh_public_key`" })
      .optional()
      .describe("`ssh_public_key` (ssh:// URLs only): GitLab pushes with a key pair of its own."),
  },
  { error: expected("a map with at least `project` and `url`") },
);

function duration(what: string) {
  return z
    .string({
      error: (issue) =>
        typeof issue.input === "number"
          ? DURATION_NEEDS_A_UNIT
          : expected(`a duration like \`${what}\``)(issue),
    })
    .superRefine(checkedBy(durationProblem));
}

export const auditSchema = z.strictObject(
  {
    projects: z
      .array(projectRef, { error: expected("a list of projects, e.g. [group/app, 42]") })
      .optional()
      .describe("Projects whose push mirrors are checked, by id or full path."),
    groups: z
      .array(
        z.string({ error: expectedText("a group path (a string)") }).superRefine(checkedBy(groupPathProblem)),
        { error: expected("a list of group paths, e.g. [group, group/subgroup]") },
      )
      .optional()
      .describe("Groups whose projects' push mirrors are checked, subgroups included."),
    include_shared: flag
      .optional()
      .describe(
        "Also check projects shared into `groups` from elsewhere (GitLab lists them by default). Default: false.",
      ),
    max_age: duration("24h")
      .optional()
      .describe("A mirror must have succeeded within this long (`90m`, `24h`, `7d`). Default: 24h."),
    stuck_after: duration("1h")
      .optional()
      .describe("An update running for longer than this is stuck. Default: 1h."),
  },
  { error: expected("a map with `projects`, `groups`, `max_age` and/or `stuck_after`") },
);

export const configFileSchema = z.strictObject(
  {
    version: z
      .literal(1, {
        error: (issue) =>
          issue.input === undefined
            ? "missing `version: 1` (the config format version)"
            : "unsupported `version`: this ci-mirror reads `version: 1`",
      })
      .describe("Config format version; must be 1."),
    gitlab: gitlabSchema.optional().describe("The GitLab whose API ci-mirror uses."),
    defaults: defaultsSchema.optional().describe("Settings shared by all mirrors."),
    mirrors: z
      .array(mirrorSchema, {
        error: (issue) => `expected a list of mirrors, got ${describeValue(issue.input)}`,
      })
      .nullable()
      .optional()
      .describe("The repositories to mirror."),
    push_mirrors: z
      .array(pushMirrorSchema, {
        error: (issue) => `expected a list of push mirrors, got ${describeValue(issue.input)}`,
      })
      .nullable()
      .optional()
      .describe("GitLab push mirrors managed as code."),
    audit: auditSchema.optional().describe("Which push mirrors `ci-mirror audit` checks."),
  },
  { error: expected("a map with `version` and `mirrors`, `push_mirrors` or `audit`") },
);

export type DefaultsInput = z.output<typeof defaultsSchema>;
export type MirrorInput = z.output<typeof mirrorSchema>;
export type CreateTargetInput = z.output<typeof createTarget>;
export type GitLabInput = z.output<typeof gitlabSchema>;
export type PushMirrorInput = z.output<typeof pushMirrorSchema>;
export type AuditInput = z.output<typeof auditSchema>;

/** The keys each kind of map accepts, for "did you mean" suggestions. */
export const KNOWN_KEYS = {
  root: Object.keys(configFileSchema.shape),
  defaults: Object.keys(defaultsSchema.shape),
  mirror: Object.keys(mirrorSchema.shape),
  target: Object.keys(targetSchema.shape),
  refs: Object.keys(refsSchema.shape),
  createTarget: Object.keys(createTargetSchema.shape),
  gitlab: Object.keys(gitlabSchema.shape),
  pushMirror: Object.keys(pushMirrorSchema.shape),
  audit: Object.keys(auditSchema.shape),
} satisfies Record<string, readonly string[]>;

export type MapKind = keyof typeof KNOWN_KEYS;
