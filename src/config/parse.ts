import { LineCounter, parseDocument } from "yaml";
import type { Document, YAMLError } from "yaml";
import type * as z from "zod";
import type { ConfigIssue } from "../errors/tool-error.ts";
import { formatPath, type PathIssue, type PathSegment } from "./config-path.ts";
import { canShowKey } from "./env-var-name.ts";
import { dedupeIssues, sortIssues } from "./issue-order.ts";
import {
  auditSettings,
  draftMirror,
  draftPushMirror,
  finishMirror,
  gitlabSettings,
  type ConfigDraft,
} from "./normalise.ts";
import { checkRules, nothingToDo } from "./rules.ts";
import { fromSchemaIssues } from "./schema-issues.ts";
import {
  auditSchema,
  configFileSchema,
  defaultsSchema,
  gitlabSchema,
  mirrorSchema,
  pushMirrorSchema,
  type AuditInput,
  type DefaultsInput,
  type GitLabInput,
  type MirrorInput,
  type PushMirrorInput,
} from "./schema.ts";
import type { Config, MirrorConfig } from "./types.ts";
import { collectWarnings } from "./warnings.ts";
import { YamlPositions } from "./yaml-positions.ts";

export type ConfigResult =
  | { ok: true; config: Config; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[]; warnings: ConfigIssue[] };

// Enough for any hand-written config; far too few for a "billion laughs" document.
const MAX_ALIAS_COUNT = 100;

/**
 * Parses, validates and normalises a config file's text. Pure: `file` is only used in the result,
 * and `env`, when given, only to warn about CI/CD variables the config names but that are unset.
 * Every problem is reported, not only the first: schema issues, and the cross-field rules for the
 * mirrors whose entries are valid.
 */
export function parseConfig(
  text: string,
  file: string,
  env?: Record<string, string | undefined>,
): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const positions = new YamlPositions(doc, lineCounter);

  const yaml = yamlProblems(doc, positions);
  if (yaml.fatal) return failure(yaml.issues, yaml.warnings);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return failure(
      [...yaml.issues, { path: "", message: `the YAML cannot be read: ${reason}` }],
      yaml.warnings,
    );
  }
  if (raw == null) {
    const message = "the file is empty: it needs `version: 1` and `mirrors:`, `push_mirrors:` or `audit:`";
    return failure([{ path: "", message, line: 1, column: 1 }], yaml.warnings);
  }

  const parsed = configFileSchema.safeParse(raw);
  const usable: UsableParts = parsed.success
    ? {
        defaults: parsed.data.defaults,
        mirrors: (parsed.data.mirrors ?? []).map((input, index) => ({ input, index })),
        gitlab: parsed.data.gitlab,
        gitlabKnown: true,
        pushMirrors: (parsed.data.push_mirrors ?? []).map((input, index) => ({ input, index })),
        audit: parsed.data.audit,
      }
    : usableParts(raw);
  const draft: ConfigDraft = {
    defaults: usable.defaults,
    mirrors: usable.mirrors.map(({ input, index }) =>
      draftMirror(index, input, usable.defaults, positions.positionOf(["mirrors", index])?.line),
    ),
    gitlab: usable.gitlab,
    gitlabKnown: usable.gitlabKnown,
    pushMirrors: usable.pushMirrors.map(({ input, index }) =>
      draftPushMirror(index, input, positions.positionOf(["push_mirrors", index])?.line),
    ),
    audit: usable.audit,
  };

  const issues = [
    ...yaml.issues,
    ...nothingToDo(raw).map((issue) => locateIssue(positions, issue)),
    ...(parsed.success ? [] : fromSchemaIssues(parsed.error.issues)).map((issue) =>
      locateIssue(positions, issue),
    ),
    ...checkRules(draft).map((issue) => locateIssue(positions, issue)),
  ];
  const warnings = sortIssues(
    dedupeIssues([
      ...yaml.warnings,
      ...collectWarnings(draft, env).map((issue) => locateIssue(positions, issue)),
    ]),
  );
  if (issues.length > 0) return failure(issues, warnings);

  const mirrors = draft.mirrors
    .map(finishMirror)
    .filter((mirror): mirror is MirrorConfig => mirror !== undefined);
  const config: Config = {
    version: 1,
    file,
    mirrors,
    gitlab: gitlabSettings(draft.gitlab),
    pushMirrors: draft.pushMirrors.map((pushMirror) => pushMirror.decl),
    audit: draft.audit === undefined ? undefined : auditSettings(draft.audit),
  };
  return { ok: true, config, warnings };
}

function failure(issues: readonly ConfigIssue[], warnings: ConfigIssue[]): ConfigResult {
  return { ok: false, issues: sortIssues(dedupeIssues(issues)), warnings };
}

function locateIssue(positions: YamlPositions, issue: PathIssue): ConfigIssue {
  const position = positions.positionOf(issue.path, issue.at);
  return {
    path: formatPath(issue.path),
    message: issue.message,
    line: position?.line,
    column: position?.column,
  };
}

interface YamlProblems {
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
  /** Whether the document is too broken to validate further. */
  fatal: boolean;
}

// A duplicate key leaves a usable document (the last value wins), so validation goes on.
const NON_FATAL_ERRORS = new Set(["DUPLICATE_KEY"]);

function yamlProblems(doc: Document, positions: YamlPositions): YamlProblems {
  return {
    issues: withoutCascades(doc.errors.map((error) => yamlIssue(error, positions))),
    warnings: doc.warnings.map((warning) => yamlIssue(warning, positions)),
    fatal: doc.errors.some((error) => !NON_FATAL_ERRORS.has(error.code)),
  };
}

function yamlIssue(problem: YAMLError, positions: YamlPositions): ConfigIssue {
  const start = problem.pos[0];
  const path = positions.pathAt(start);
  const position = positions.offsetPosition(start);
  return {
    path: formatPath(path),
    message:
      problem.code === "DUPLICATE_KEY"
        ? duplicateKeyMessage(path.at(-1))
        : `YAML: ${withoutSource(problem.message)}`,
    line: position.line,
    column: position.column,
  };
}

// Some parser messages end by quoting the offending text, which may be a secret on a broken line;
// the line and column already say where it is.
function withoutSource(message: string): string {
  return message.replace(/:\s*".*"$/s, "");
}

function duplicateKeyMessage(key: PathSegment | undefined): string {
  const shown = typeof key === "string" && canShowKey(key) ? ` \`${key}\`` : "";
  return `duplicate key${shown}: each key may appear once in a map`;
}

// One syntax error makes the parser trip over much of what follows; past the first error on a
// line, and past a handful in all, the rest are echoes that bury the one worth fixing.
const MAX_YAML_ERRORS = 5;

function withoutCascades(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const lines = new Set<number | undefined>();
  const kept = issues.filter((issue) => {
    if (lines.has(issue.line)) return false;
    lines.add(issue.line);
    return true;
  });
  const shown = kept.slice(0, MAX_YAML_ERRORS);
  const next = kept[MAX_YAML_ERRORS];
  if (next === undefined) return shown;
  const more = kept.length - shown.length;
  const message = `${more} more YAML error${more === 1 ? "" : "s"} from here on, probably caused by the ones above`;
  return [...shown, { path: "", message, line: next.line, column: next.column }];
}

interface UsableParts {
  defaults: DefaultsInput | undefined;
  mirrors: { input: MirrorInput; index: number }[];
  gitlab: GitLabInput | undefined;
  gitlabKnown: boolean;
  pushMirrors: { input: PushMirrorInput; index: number }[];
  audit: AuditInput | undefined;
}

/**
 * When the file as a whole fails the schema, the parts that pass on their own still get the
 * cross-field rules, so fixing one problem does not reveal a new batch. If `defaults` is broken,
 * no mirror is checked: every mirror depends on it and the rules would report phantom problems.
 */
function usableParts(raw: unknown): UsableParts {
  const none: UsableParts = {
    defaults: undefined,
    mirrors: [],
    gitlab: undefined,
    gitlabKnown: true,
    pushMirrors: [],
    audit: undefined,
  };
  if (!isRecord(raw)) return none;
  const defaults = defaultsSchema.optional().safeParse(raw["defaults"]);
  const gitlab = gitlabSchema.optional().safeParse(raw["gitlab"]);
  const audit = auditSchema.optional().safeParse(raw["audit"]);
  return {
    defaults: defaults.data,
    mirrors: defaults.success ? validEntries(raw["mirrors"], mirrorSchema) : [],
    gitlab: gitlab.data,
    gitlabKnown: gitlab.success,
    pushMirrors: validEntries(raw["push_mirrors"], pushMirrorSchema),
    audit: audit.data,
  };
}

function validEntries<T>(list: unknown, schema: z.ZodType<T>): { input: T; index: number }[] {
  const entries: unknown[] = Array.isArray(list) ? list : [];
  return entries.flatMap((entry, index) => {
    const parsed = schema.safeParse(entry);
    return parsed.success ? [{ input: parsed.data, index }] : [];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value != null && !Array.isArray(value);
}
