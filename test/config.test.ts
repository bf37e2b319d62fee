import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatIssues, loadConfig, parseConfig } from "../src/config/index.ts";
import type { MirrorConfig } from "../src/config/index.ts";
import { ConfigError, type ConfigIssue } from "../src/errors/tool-error.ts";
import { configOf, expectOneIssue, issuesOf, yaml } from "./helpers/config.ts";

function warningsOf(text: string, env?: Record<string, string | undefined>): ConfigIssue[] {
  return parseConfig(text, "mirrors.yml", env).warnings;
}

/** The mirror's patterns as written, which is what the tests care about. */
function patternSources(mirror: MirrorConfig): { branches: string[]; tags: string[]; exclude: string[] } {
  return {
    branches: mirror.refs.branches.map((pattern) => pattern.source),
    tags: mirror.refs.tags.map((pattern) => pattern.source),
    exclude: mirror.refs.exclude.map((pattern) => pattern.source),
  };
}

const EXAMPLE = yaml(
  "version: 1",
  "defaults:",
  "  target:",
  "    url: https://gitlab.example.com/mirror/{name}.git   # {name} = the mirror's name",
  "    token: MIRROR_TOKEN",
  "  refs:",
  '    branches: ["*"]',
  '    tags: ["*"]',
  "    exclude: []",
  "  divergence: overwrite",
  "  prune: true",
  "  max_deletions: 25%",
  "  lfs: auto",
  "mirrors:",
  "  - name: gitlab", // line 15
  "    source: https://gitlab.com/gitlab-org/gitlab.git",
  "  - name: private-tool", // line 17
  "    source: https://git.example.org/team/tool.git",
  "    source_token: UPSTREAM_TOKEN",
  '    refs: { branches: [main, "release/*"], tags: ["v*"] }',
  "  - name: over-ssh", // line 21
  "    source: git@github.com:org/repo.git",
  "    ssh_key: MIRROR_SSH_KEY",
  "    known_hosts: MIRROR_KNOWN_HOSTS",
  "  - name: elsewhere", // line 25
  "    source: https://github.com/org/tool.git",
  "    target: { url: https://git.example.net/copies/tool.git, token: OTHER_TOKEN }",
);

describe("parseConfig: the documented example", () => {
  const config = configOf(EXAMPLE);
  const byName = new Map(config.mirrors.map((mirror) => [mirror.name, mirror]));

  it("keeps the file name, the version and the order of the mirrors", () => {
    expect(config.file).toBe("mirrors.yml");
    expect(config.version).toBe(1);
    expect(config.mirrors.map((mirror) => [mirror.name, mirror.line])).toEqual([
      ["gitlab", 15],
      ["private-tool", 17],
      ["over-ssh", 21],
      ["elsewhere", 25],
    ]);
  });

  it.each([
    ["gitlab", "https://gitlab.com/gitlab-org/gitlab.git", "https://gitlab.example.com/mirror/gitlab.git"],
    [
      "private-tool",
      "https://git.example.org/team/tool.git",
      "https://gitlab.example.com/mirror/private-tool.git",
    ],
    ["over-ssh", "ssh://git@github.com/org/repo.git", "https://gitlab.example.com/mirror/over-ssh.git"],
    ["elsewhere", "https://github.com/org/tool.git", "https://git.example.net/copies/tool.git"],
  ])("%s: source %s, target %s", (name, source, target) => {
    const mirror = byName.get(name);
    expect(mirror?.source.url).toBe(source);
    expect(mirror?.target.url).toBe(target);
  });

  it("merges endpoint credentials from defaults and from the mirror", () => {
    expect(byName.get("gitlab")?.source).toEqual({ url: "https://gitlab.com/gitlab-org/gitlab.git" });
    expect(byName.get("gitlab")?.target).toEqual({
      url: "https://gitlab.example.com/mirror/gitlab.git",
      token: "MIRROR_TOKEN",
    });
    expect(byName.get("private-tool")?.source.token).toBe("UPSTREAM_TOKEN");
    expect(byName.get("over-ssh")?.source).toEqual({
      url: "ssh://git@github.com/org/repo.git",
      sshKey: "MIRROR_SSH_KEY",
      knownHosts: "MIRROR_KNOWN_HOSTS",
    });
    expect(byName.get("elsewhere")?.target).toEqual({
      url: "https://git.example.net/copies/tool.git",
      token: "OTHER_TOKEN",
    });
  });

  it.each([
    ["gitlab", { branches: ["*"], tags: ["*"], exclude: [] }],
    ["private-tool", { branches: ["main", "release/*"], tags: ["v*"], exclude: [] }],
    ["elsewhere", { branches: ["*"], tags: ["*"], exclude: [] }],
  ])("%s selects refs %j", (name, refs) => {
    const mirror = byName.get(name);
    expect(mirror && patternSources(mirror)).toEqual(refs);
  });

  it("compiles the patterns", () => {
    const [main, release] = byName.get("private-tool")?.refs.branches ?? [];
    expect(main?.matches("main")).toBe(true);
    expect(main?.matches("maintenance")).toBe(false);
    expect(release?.matches("release/1.x/hotfix")).toBe(true);
  });

  it("fills in the policies", () => {
    for (const mirror of config.mirrors) {
      expect([mirror.divergence, mirror.prune, mirror.maxDeletions, mirror.lfs]).toEqual([
        "overwrite",
        true,
        { kind: "percent", value: 25 },
        "auto",
      ]);
    }
  });
});

describe("parseConfig: defaults and overrides", () => {
  const minimal = yaml(
    "version: 1",
    "mirrors:",
    "  - name: a",
    "    source: https://example.com/a.git",
    "    target: { url: https://example.org/a.git }",
  );

  it("uses the built-in defaults when neither the mirror nor `defaults` says", () => {
    const [mirror] = configOf(minimal).mirrors;
    expect(mirror && patternSources(mirror)).toEqual({ branches: ["*"], tags: ["*"], exclude: [] });
    expect(mirror?.divergence).toBe("overwrite");
    expect(mirror?.prune).toBe(true);
    expect(mirror?.maxDeletions).toEqual({ kind: "percent", value: 25 });
    expect(mirror?.maxRewrites).toEqual({ kind: "percent", value: 50 });
    expect(mirror?.lfs).toBe("auto");
  });

  it.each([
    ["lfs: true", { lfs: "on" }],
    ["lfs: false", { lfs: "off" }],
    ["lfs: auto", { lfs: "auto" }],
    ["max_deletions: 0", { maxDeletions: { kind: "count", value: 0 } }],
    ["max_deletions: 10", { maxDeletions: { kind: "count", value: 10 } }],
    ['max_deletions: "100%"', { maxDeletions: { kind: "percent", value: 100 } }],
    ["max_deletions: 12.5%", { maxDeletions: { kind: "percent", value: 12.5 } }],
    ["max_rewrites: 0", { maxRewrites: { kind: "count", value: 0 } }],
    ["max_rewrites: 10%", { maxRewrites: { kind: "percent", value: 10 } }],
    ["divergence: keep", { divergence: "keep" }],
    ["divergence: fail", { divergence: "fail" }],
    ["prune: false", { prune: false }],
  ])("a mirror's `%s` wins over defaults", (setting, expected) => {
    const text = yaml(
      "version: 1",
      "defaults: { lfs: auto, max_deletions: 5, max_rewrites: 5, divergence: overwrite, prune: true }",
      "mirrors:",
      "  - name: a",
      "    source: https://example.com/a.git",
      "    target: { url: https://example.org/a.git }",
      `    ${setting}`,
    );
    expect(configOf(text).mirrors[0]).toMatchObject(expected);
  });

  it("replaces only the `refs` lists a mirror gives", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'https://example.org/{name}.git' }",
      "  refs: { branches: [main], tags: [v*], exclude: [tmp/*] }",
      "mirrors:",
      "  - name: a",
      "    source: https://example.com/a.git",
      "    refs: { tags: [], exclude: [refs/heads/wip/*] }",
    );
    const [mirror] = configOf(text).mirrors;
    expect(mirror && patternSources(mirror)).toEqual({
      branches: ["main"],
      tags: [],
      exclude: ["refs/heads/wip/*"],
    });
  });

  it("merges `target` key by key with `defaults.target` and fills in `{name}` everywhere", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'https://example.org/{name}.git', token: SHARED, username: bot }",
      "mirrors:",
      "  - name: a",
      "    source: https://example.com/a.git",
      "    target: { token: OWN }",
      "  - name: b",
      "    source: https://example.com/b.git",
      "    target: { url: 'https://other.example/x/{name}/{name}.git' }",
    );
    const [a, b] = configOf(text).mirrors;
    expect(a?.target).toEqual({ url: "https://example.org/a.git", token: "OWN", username: "bot" });
    expect(b?.target).toEqual({ url: "https://other.example/x/b/b.git", token: "SHARED", username: "bot" });
  });

  it.each([
    ["git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git"],
    ["example.com:team/repo.git", "ssh://example.com/team/repo.git"],
    ["ssh://git@example.com:2222/repo.git", "ssh://git@example.com:2222/repo.git"],
    ["file:///srv/git/repo.git", "file:///srv/git/repo.git"],
    ["/srv/git/repo.git", "/srv/git/repo.git"],
  ])("normalises the source %s to %s", (source, url) => {
    const text = yaml(
      "version: 1",
      "mirrors:",
      "  - name: a",
      `    source: "${source}"`,
      "    known_hosts: KNOWN_HOSTS",
      "    target: { url: https://example.org/a.git }",
    );
    expect(configOf(text).mirrors[0]?.source.url).toBe(url);
  });

  it("follows YAML anchors and merge keys", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: &shared { url: 'https://example.org/{name}.git', token: SHARED }",
      "mirrors:",
      "  - name: a",
      "    source: https://example.com/a.git",
      "    target:",
      "      <<: *shared",
      "      url: https://elsewhere.example/{name}.git",
    );
    expect(configOf(text).mirrors[0]?.target).toEqual({
      url: "https://elsewhere.example/a.git",
      token: "SHARED",
    });
  });
});

/** A valid one-mirror config with `extra` lines appended to the mirror (lines 5 onwards). */
function oneMirror(...extra: string[]): string {
  return yaml(
    "version: 1",
    "mirrors:",
    "  - name: a", // line 3
    "    source: https://example.com/a.git",
    ...extra,
  );
}

const WITH_TARGET = "    target: { url: https://example.org/a.git }";

describe("parseConfig: each kind of problem, with its path and position", () => {
  it.each<[string, string, string, number | undefined, number | undefined, string]>([
    // [case, yaml, path, line, column, message part]
    [
      "unknown key with a typo",
      yaml(
        "version: 1",
        "defaults:",
        "  target: { url: 'https://example.org/{name}.git' }",
        "  refs:",
        "    brnaches: [main]",
        "mirrors:",
        "  - name: a",
        "    source: https://example.com/a.git",
      ),
      "defaults.refs.brnaches",
      5,
      5,
      "unknown key `brnaches` (did you mean `branches`?)",
    ],
    [
      "unknown key in another spelling",
      oneMirror(WITH_TARGET, "    maxDeletions: 3"),
      "mirrors[0].maxDeletions",
      6,
      5,
      "unknown key `maxDeletions` (did you mean `max_deletions`?)",
    ],
    [
      "unknown key without a close match",
      yaml(
        "version: 1",
        "colour: blue",
        "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git } }]",
      ),
      "colour",
      2,
      1,
      "unknown key `colour`; expected one of `version`, `gitlab`, `defaults`, `mirrors`, `push_mirrors`, `audit`",
    ],
    [
      "endpoint key on the mirror",
      oneMirror(WITH_TARGET, "    token: MIRROR_TOKEN"),
      "mirrors[0].token",
      6,
      5,
      "unknown key `token` (did you mean `source_token`, or `token` under `target`?)",
    ],
    [
      "missing version",
      yaml("mirrors:", "  - { name: a, source: /srv/a.git, target: { url: /srv/b.git } }"),
      "version",
      1,
      1,
      "missing `version: 1`",
    ],
    [
      "wrong version",
      yaml("version: 2", "mirrors:", "  - { name: a, source: /srv/a.git, target: { url: /srv/b.git } }"),
      "version",
      1,
      10,
      "unsupported `version`: this ci-mirror reads `version: 1`",
    ],
    [
      "no mirrors key",
      yaml("version: 1", "defaults: { prune: false }"),
      "mirrors",
      1,
      1,
      "nothing to do: add `mirrors:`, `push_mirrors:` or `audit:`",
    ],
    ["empty mirrors list", yaml("version: 1", "mirrors: []"), "mirrors", 2, 10, "nothing to do"],
    ["mirrors key without a value", yaml("version: 1", "mirrors:"), "mirrors", 2, 1, "nothing to do"],
    [
      "mirrors is not a list",
      yaml("version: 1", "mirrors: { name: a }"),
      "mirrors",
      2,
      10,
      "expected a list of mirrors, got a map",
    ],
    [
      "mirror entry is not a map",
      yaml("version: 1", "mirrors:", "  - https://example.com/a.git"),
      "mirrors[0]",
      3,
      5,
      "expected a map with at least `name` and `source`, got a string",
    ],
    [
      "missing name",
      yaml("version: 1", "mirrors:", "  - source: https://example.com/a.git", WITH_TARGET),
      "mirrors[0].name",
      3,
      5,
      "missing required key `name`",
    ],
    [
      "missing source",
      yaml("version: 1", "mirrors:", "  - name: a", WITH_TARGET),
      "mirrors[0].source",
      3,
      5,
      "missing required key `source`",
    ],
    [
      "name with a bad character",
      yaml(
        "version: 1",
        "mirrors:",
        "  - name: my mirror",
        "    source: /srv/a.git",
        "    target: { url: /srv/b.git }",
      ),
      "mirrors[0].name",
      3,
      11,
      "mirror names start with a letter or digit",
    ],
    [
      "name too long",
      yaml(
        "version: 1",
        "mirrors:",
        `  - name: ${"n".repeat(64)}`,
        "    source: /srv/a.git",
        "    target: { url: /srv/b.git }",
      ),
      "mirrors[0].name",
      3,
      11,
      "at most 63 characters; this one has 64",
    ],
    [
      "a number where a name belongs",
      yaml("version: 1", "mirrors:", "  - { name: 2024, source: /srv/a.git, target: { url: /srv/b.git } }"),
      "mirrors[0].name",
      3,
      13,
      "expected a name (a string), got a number; put it in quotes",
    ],
    [
      "a number where a pattern belongs",
      oneMirror(WITH_TARGET, "    refs: { tags: [1.0] }"),
      "mirrors[0].refs.tags[0]",
      6,
      20,
      "expected a pattern (a string), got a number; put it in quotes",
    ],
    [
      "an alias bomb",
      yaml(
        "version: 1",
        "x: &a [x, x, x, x, x, x, x, x, x, x]",
        "y: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
        "z: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
        "mirrors: []",
      ),
      "",
      undefined,
      undefined,
      "the YAML cannot be read: Excessive alias count",
    ],
    [
      "duplicate name, ignoring case",
      yaml(
        "version: 1",
        "defaults: { target: { url: 'https://example.org/{name}.git' } }",
        "mirrors:",
        "  - name: Tool", // line 4
        "    source: https://example.com/a.git",
        "  - name: other",
        "    source: https://example.com/b.git",
        "  - name: tool", // line 8
        "    source: https://example.com/c.git",
      ),
      "mirrors[2].name",
      8,
      11,
      "duplicate mirror name `tool`: `Tool` is already used (line 4)",
    ],
    [
      "duplicate YAML key",
      oneMirror(WITH_TARGET, "    source: https://example.com/b.git"),
      "mirrors[0].source",
      6,
      5,
      "duplicate key `source`",
    ],
    [
      "YAML syntax error",
      yaml("version: 1", "mirrors:", "  - name: [a", "    source: x"),
      "mirrors[0].source",
      4,
      5,
      "YAML: ",
    ],
    [
      "several YAML documents",
      yaml("version: 1", "---", "mirrors: []"),
      "",
      2,
      1,
      "YAML: Source contains multiple documents",
    ],
    ["empty file", "", "", 1, 1, "the file is empty"],
    ["only a comment", "# nothing yet\n", "", 1, 1, "the file is empty"],
    [
      "root is a list",
      yaml("- version: 1"),
      "",
      1,
      1,
      "expected a map with `version` and `mirrors`, `push_mirrors` or `audit`, got a list",
    ],
    [
      "credentials in the source URL",
      oneMirror(WITH_TARGET).replace("https://example.com/a.git", "https://bot:pa55word@example.com/a.git"),
      "mirrors[0].source",
      4,
      13,
      "the URL contains credentials: put the token in a CI/CD variable and name it in `source_token`",
    ],
    [
      "credentials in the target URL",
      oneMirror("    target: { url: https://oauth2:pa55word@example.org/a.git }"),
      "mirrors[0].target.url",
      5,
      20,
      "the URL contains credentials: put the token in a CI/CD variable and name it in `token`",
    ],
    [
      "unsupported URL scheme",
      oneMirror("    target: { url: ftp://example.org/a.git }"),
      "mirrors[0].target.url",
      5,
      20,
      "unsupported URL scheme `ftp://`",
    ],
    [
      "relative path",
      yaml("version: 1", "mirrors:", "  - name: a", "    source: ./repo.git", WITH_TARGET),
      "mirrors[0].source",
      4,
      13,
      "not a URL or an absolute path",
    ],
    [
      "Windows path",
      yaml("version: 1", "mirrors:", "  - name: a", "    source: 'C:\\repos\\a.git'", WITH_TARGET),
      "mirrors[0].source",
      4,
      13,
      "Windows paths are not supported",
    ],
    [
      "unknown placeholder",
      oneMirror("    target: { url: 'https://example.org/{nmae}.git' }"),
      "mirrors[0].target.url",
      5,
      20,
      "unknown `{nmae}` in the URL: the only placeholder is `{name}`",
    ],
    [
      "`{name}` in the source",
      yaml(
        "version: 1",
        "mirrors:",
        "  - name: a",
        "    source: https://example.com/{name}.git",
        WITH_TARGET,
      ),
      "mirrors[0].source",
      4,
      13,
      "`{name}` is only replaced in target URLs",
    ],
    [
      "token given as a value",
      oneMirror("    target: { url: https://example.org/a.git, token: my-token-value }"),
      "mirrors[0].target.token",
      5,
      54,
      "expected the NAME of a CI/CD variable, not its value",
    ],
    [
      "token written as a $reference",
      oneMirror(WITH_TARGET, "    source_token: $UPSTREAM_TOKEN"),
      "mirrors[0].source_token",
      6,
      19,
      "write the variable name without `$`: `UPSTREAM_TOKEN`",
    ],
    [
      "known_hosts of the wrong type",
      oneMirror(WITH_TARGET, "    known_hosts: [a, b]"),
      "mirrors[0].known_hosts",
      6,
      18,
      "expected the NAME of a CI/CD variable, got a list",
    ],
    [
      "invalid regex",
      oneMirror(WITH_TARGET, '    refs: { branches: [main, "/v(/"] }'),
      "mirrors[0].refs.branches[1]",
      6,
      30,
      "invalid regular expression `/v(/`: Unterminated group",
    ],
    [
      "stateful regex flag",
      oneMirror(WITH_TARGET, '    refs: { tags: ["/^v/g"] }'),
      "mirrors[0].refs.tags[0]",
      6,
      20,
      "unsupported regex flag `g` in `/^v/g`",
    ],
    [
      "empty pattern",
      oneMirror(WITH_TARGET, '    refs: { exclude: [""] }'),
      "mirrors[0].refs.exclude[0]",
      6,
      23,
      "empty pattern",
    ],
    [
      "patterns not in a list",
      oneMirror(WITH_TARGET, "    refs: { branches: main }"),
      "mirrors[0].refs.branches",
      6,
      23,
      'expected a list of patterns, e.g. [main, "release/*"], got a string',
    ],
    [
      "refs not a map",
      oneMirror(WITH_TARGET, "    refs: [main]"),
      "mirrors[0].refs",
      6,
      11,
      "expected a map with `branches`, `tags` and/or `exclude`, got a list",
    ],
    [
      "target not a map",
      oneMirror("    target: https://example.org/a.git"),
      "mirrors[0].target",
      5,
      13,
      "expected a map like `{ url: …, token: … }`, got a string",
    ],
    [
      "bad divergence",
      oneMirror(WITH_TARGET, "    divergence: force"),
      "mirrors[0].divergence",
      6,
      17,
      "expected `overwrite`, `keep` or `fail`",
    ],
    [
      "prune not a boolean",
      oneMirror(WITH_TARGET, "    prune: yes"),
      "mirrors[0].prune",
      6,
      12,
      "expected `true` or `false`, got a string",
    ],
    [
      "negative max_deletions",
      oneMirror(WITH_TARGET, "    max_deletions: -1"),
      "mirrors[0].max_deletions",
      6,
      20,
      "a count of deletions must be a whole number, 0 or more",
    ],
    [
      "fractional max_deletions",
      oneMirror(WITH_TARGET, "    max_deletions: 2.5"),
      "mirrors[0].max_deletions",
      6,
      20,
      "a count of deletions must be a whole number",
    ],
    [
      "percentage over 100",
      oneMirror(WITH_TARGET, "    max_deletions: 150%"),
      "mirrors[0].max_deletions",
      6,
      20,
      "a percentage must be between 0% and 100%",
    ],
    [
      "max_deletions neither count nor percentage",
      oneMirror(WITH_TARGET, "    max_deletions: lots"),
      "mirrors[0].max_deletions",
      6,
      20,
      'expected a count (e.g. `10`) or a percentage (e.g. `"25%"`)',
    ],
    [
      "negative max_rewrites",
      oneMirror(WITH_TARGET, "    max_rewrites: -3"),
      "mirrors[0].max_rewrites",
      6,
      19,
      "a count of forced updates must be a whole number, 0 or more",
    ],
    [
      "max_rewrites neither count nor percentage",
      oneMirror(WITH_TARGET, "    max_rewrites: half"),
      "mirrors[0].max_rewrites",
      6,
      19,
      'expected a count (e.g. `10`) or a percentage (e.g. `"25%"`)',
    ],
    [
      "max_rewrites in defaults, fractional",
      yaml(
        "version: 1",
        "defaults:",
        "  target: { url: 'https://example.org/{name}.git' }",
        "  max_rewrites: 1.5",
        "mirrors:",
        "  - name: a",
        "    source: https://example.com/a.git",
      ),
      "defaults.max_rewrites",
      4,
      17,
      "a count of forced updates must be a whole number",
    ],
    [
      "max_rewrites percentage over 100",
      oneMirror(WITH_TARGET, "    max_rewrites: 101%"),
      "mirrors[0].max_rewrites",
      6,
      19,
      "a percentage must be between 0% and 100%",
    ],
    [
      "lfs: on (a string in YAML 1.2)",
      oneMirror(WITH_TARGET, "    lfs: on"),
      "mirrors[0].lfs",
      6,
      10,
      "expected `auto`, `true` or `false`",
    ],
    [
      "no target URL anywhere",
      oneMirror("    target: { token: MIRROR_TOKEN }"),
      "mirrors[0].target.url",
      5,
      13,
      "no target URL: set `defaults.target.url` (with `{name}`) or this mirror's `target.url`",
    ],
    [
      "no target at all",
      oneMirror(),
      "mirrors[0].target.url",
      3,
      5,
      "no target URL: set `defaults.target.url`",
    ],
    [
      "SSH source without known_hosts",
      yaml("version: 1", "mirrors:", "  - name: a", "    source: git@example.com:a.git", WITH_TARGET),
      "mirrors[0].known_hosts",
      3,
      5,
      "the source is an SSH URL, so `known_hosts` is required",
    ],
    [
      "SSH target without known_hosts",
      oneMirror("    target:", "      url: ssh://git@example.org/a.git", "      ssh_key: KEY"),
      "mirrors[0].target.known_hosts",
      6,
      7,
      "the target is an SSH URL, so `target.known_hosts` is required",
    ],
    [
      "no refs selected",
      oneMirror(WITH_TARGET, "    refs: { branches: [], tags: [] }"),
      "mirrors[0].refs",
      6,
      11,
      "`branches` and `tags` are both empty, so nothing would be mirrored",
    ],
    [
      "target is the source",
      oneMirror("    target: { url: 'HTTPS://EXAMPLE.COM/a/' }"),
      "mirrors[0].target.url",
      5,
      20,
      "the target is the same repository as the source",
    ],
    [
      "two mirrors push to one target",
      yaml(
        "version: 1",
        "defaults: { target: { url: https://example.org/all.git } }",
        "mirrors:",
        "  - name: a", // line 4
        "    source: https://example.com/a.git",
        "  - name: b", // line 6
        "    source: https://example.com/b.git",
      ),
      "mirrors[1].target.url",
      6,
      5,
      "pushes to the same target as mirror `a` (line 4); add `{name}` to `defaults.target.url`",
    ],
  ])("%s", (_case, text, path, line, column, message) => {
    expectOneIssue(text, { path, line, column }, message);
  });

  it("reports an SSH target inherited from defaults once, at `defaults.target`", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'git@example.org:mirrors/{name}.git' }",
      "mirrors:",
      "  - { name: a, source: https://example.com/a.git }",
      "  - { name: b, source: https://example.com/b.git }",
      "  - name: c",
      "    source: https://example.com/c.git",
      "    target: { known_hosts: HOSTS }",
    );
    expect(issuesOf(text)).toEqual([
      {
        path: "defaults.target.known_hosts",
        message: expect.stringContaining("`target.known_hosts` is required") as string,
        line: 3,
        column: 11,
      },
    ]);
  });

  it("points into the anchor when a merged value is wrong", () => {
    const text = yaml(
      "version: 1",
      "mirrors:",
      "  - &base",
      "    name: a",
      "    source: https://example.com/a.git",
      "    target: { url: 'https://example.org/{name}.git' }",
      "    prune: sometimes", // line 7
      "  - <<: *base",
      "    name: b",
    );
    const issues = issuesOf(text);
    expect(issues.map((issue) => [issue.path, issue.line])).toEqual([
      ["mirrors[0].prune", 7],
      ["mirrors[1].prune", 7],
    ]);
  });
});

describe("parseConfig: all problems at once", () => {
  it("reports schema problems and rule problems of the valid mirrors together, in file order", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'https://example.org/{name}.git', token: glpat-0123456789abcdefABCD }",
      "mirrors:",
      "  - name: a",
      "    source: https://example.com/a.git",
      "    prune: maybe", // 7
      "  - name: b", // 8
      "    source: git@example.com:b.git",
      "  - name: B", // 10
      "    source: https://example.com/c.git",
      "  - name: d",
      "    source: https://example.com/d.git",
      "    refs: { brnaches: [x] }", // 14
    );
    const issues = parseConfig(text, "mirrors.yml");
    // `defaults` is broken, so no rule is checked: they would all depend on it.
    expect(issues.ok).toBe(false);
    expect(!issues.ok && issues.issues.map((issue) => [issue.path, issue.line])).toEqual([
      ["defaults.target.token", 3],
      ["mirrors[0].prune", 7],
      ["mirrors[3].refs.brnaches", 14],
    ]);

    const fixedDefaults = text.replace("glpat-0123456789abcdefABCD", "MIRROR_TOKEN");
    expect(issuesOf(fixedDefaults).map((issue) => [issue.path, issue.line])).toEqual([
      ["mirrors[0].prune", 7],
      ["mirrors[1].known_hosts", 8],
      ["mirrors[2].name", 10],
      ["mirrors[3].refs.brnaches", 14],
    ]);
  });

  it("keeps validating after a duplicate key", () => {
    const text = yaml(
      "version: 1",
      "version: 1",
      "mirrors:",
      "  - { name: a, source: /srv/a.git, target: { url: /srv/b.git }, lfs: maybe }",
      "  - { name: b, source: /srv/b.git }",
    );
    expect(issuesOf(text).map((issue) => [issue.path, issue.line, issue.message])).toEqual([
      ["version", 2, "duplicate key `version`: each key may appear once in a map"],
      ["mirrors[0].lfs", 4, "expected `auto`, `true` or `false`"],
      ["mirrors[1].target.url", 5, expect.stringContaining("no target URL") as string],
    ]);
  });
});

describe("parseConfig: YAML syntax errors", () => {
  it("reports the first error of each line, and a handful at most", () => {
    const text = yaml(
      "version: 1",
      "mirrors:",
      "  - name: [a",
      "  x: }",
      "  ]]]",
      "  - {{",
      " ::",
      "  y: ]",
      "  z: ]",
    );
    const issues = issuesOf(text);
    expect(issues.length).toBeLessThanOrEqual(6);
    expect(new Set(issues.map((issue) => issue.line)).size).toBe(issues.length);
    expect(issues.at(-1)?.message).toMatch(
      /^\d+ more YAML errors? from here on, probably caused by the ones above$/,
    );
  });
});

describe("parseConfig: secrets are never repeated", () => {
  const SECRET = "glpat-Zx9Qw3Er5Ty7Ui9Op1As";

  it.each([
    ["as a target token", oneMirror(`    target: { url: https://example.org/a.git, token: ${SECRET} }`)],
    ["as a source token", oneMirror(WITH_TARGET, `    source_token: "${SECRET}"`)],
    ["as an SSH key", oneMirror(WITH_TARGET, `    ssh_key: ${SECRET}`)],
    ["as known_hosts", oneMirror(WITH_TARGET, `    known_hosts: "$${SECRET}"`)],
    ["as an inline private key", oneMirror(WITH_TARGET, `    ssh_key: "-----BEGIN OPENSSH ${SECRET}"`)],
    [
      "in the source URL",
      oneMirror(WITH_TARGET).replace("https://example.com", `https://oauth2:${SECRET}@example.com`),
    ],
    ["as the user of a URL", oneMirror(`    target: { url: "https://${SECRET}@example.org/a.git" }`)],
    ["in an scp-style URL", oneMirror(`    target: { url: "bot:${SECRET}@example.org:a.git" }`)],
    ["as an unknown key", oneMirror(WITH_TARGET, `    ${SECRET}: 1`)],
    ["as a duplicated key", yaml("version: 1", `${SECRET}: 1`, `${SECRET}: 2`, "mirrors: []")],
    [
      "on a broken line",
      yaml("version: 1", "mirrors:", "  - name: [a", `  source_token: ${SECRET} ]]`, `  - ${SECRET}`),
    ],
    [
      "as a GitHub token that looks like a name",
      oneMirror(WITH_TARGET, "    source_token: ghp_Zx9Qw3Er5Ty7Ui9Op1AsDf3Gh5Jk7Lz"),
    ],
    [
      "in a token of the wrong type",
      oneMirror(`    target: { url: https://example.org/a.git, token: { value: ${SECRET} } }`),
    ],
  ])("%s", (_case, text) => {
    const result = parseConfig(text, "mirrors.yml");
    expect(result.ok).toBe(false);
    const printed = formatIssues("mirrors.yml", result.ok ? [] : result.issues);
    expect(printed).not.toBe("");
    expect(printed).not.toContain("Zx9Qw3Er5Ty7");
    expect(printed).not.toContain("pa55");
  });
});

describe("parseConfig: warnings", () => {
  it.each<[string, string, string | undefined, string | undefined]>([
    [
      "token over plain http",
      oneMirror("    target: { url: http://git.example.org/a.git, token: T }"),
      "mirrors[0].target.url",
      "the token would be sent unencrypted over http:// to `git.example.org`; use https://",
    ],
    [
      "source token over plain http",
      yaml(
        "version: 1",
        "mirrors:",
        "  - { name: a, source: http://example.com/a.git, source_token: T, target: { url: /srv/b.git } }",
      ),
      "mirrors[0].source",
      "sent unencrypted over http:// to `example.com`",
    ],
    [
      "http to localhost",
      oneMirror("    target: { url: http://localhost:8080/a.git, token: T }"),
      undefined,
      undefined,
    ],
    [
      "http to 127.0.0.1",
      oneMirror("    target: { url: http://127.0.0.1/a.git, token: T }"),
      undefined,
      undefined,
    ],
    ["http to ::1", oneMirror("    target: { url: 'http://[::1]/a.git', token: T }"), undefined, undefined],
    [
      "http without a token",
      oneMirror("    target: { url: http://example.org/a.git }"),
      undefined,
      undefined,
    ],
    [
      "no deletion limit with overwrite and prune",
      oneMirror(WITH_TARGET, "    max_deletions: 100%"),
      "mirrors[0].max_deletions",
      "`max_deletions: 100%` lets one run delete every ref of the target",
    ],
    [
      "no deletion limit, but keep",
      oneMirror(WITH_TARGET, "    max_deletions: 100%", "    divergence: keep"),
      undefined,
      undefined,
    ],
    [
      "no deletion limit, but no prune",
      oneMirror(WITH_TARGET, "    max_deletions: 100%", "    prune: false"),
      undefined,
      undefined,
    ],
    [
      "no rewrite limit with overwrite",
      oneMirror(WITH_TARGET, "    max_rewrites: 100%"),
      "mirrors[0].max_rewrites",
      "`max_rewrites: 100%` lets one run rewrite the history of every ref of the target",
    ],
    [
      "no rewrite limit, but keep",
      oneMirror(WITH_TARGET, "    max_rewrites: 100%", "    divergence: keep"),
      undefined,
      undefined,
    ],
    [
      "SSH key for an HTTPS source",
      oneMirror(WITH_TARGET, "    ssh_key: KEY"),
      "mirrors[0].ssh_key",
      "`ssh_key` is ignored: the source is not an SSH URL",
    ],
    [
      "token for an SSH target",
      oneMirror("    target: { url: 'ssh://git@example.org/a.git', token: T, known_hosts: H }"),
      "mirrors[0].target.token",
      "`token` is ignored",
    ],
  ])("%s", (_case, text, path, message) => {
    const result = parseConfig(text, "mirrors.yml");
    expect(result.ok).toBe(true);
    if (path === undefined) {
      expect(result.warnings).toEqual([]);
    } else {
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]?.path).toBe(path);
      expect(result.warnings[0]?.message).toContain(message);
    }
  });

  it("reports a limit inherited from defaults once", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'https://example.org/{name}.git' }",
      "  max_deletions: 100%",
      "mirrors:",
      "  - { name: a, source: https://example.com/a.git }",
      "  - { name: b, source: https://example.com/b.git }",
    );
    expect(warningsOf(text).map((warning) => [warning.path, warning.line, warning.column])).toEqual([
      ["defaults.max_deletions", 4, 18],
    ]);
  });

  it("names unset CI/CD variables, once each, only when an environment is given", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'https://example.org/{name}.git', token: MIRROR_TOKEN }",
      "mirrors:",
      "  - { name: a, source: https://example.com/a.git, source_token: UPSTREAM }",
      "  - { name: b, source: https://example.com/b.git, source_token: UPSTREAM }",
      "  - { name: c, source: https://example.com/c.git, source_token: EMPTY }",
    );
    expect(warningsOf(text)).toEqual([]);
    const env = { MIRROR_TOKEN: "set", EMPTY: "" };
    expect(warningsOf(text, env).map((warning) => [warning.path, warning.line, warning.message])).toEqual([
      [
        "mirrors[0].source_token",
        5,
        "CI/CD variable `UPSTREAM` is not set (or is empty) in this environment",
      ],
      ["mirrors[2].source_token", 7, "CI/CD variable `EMPTY` is not set (or is empty) in this environment"],
    ]);
  });

  it("returns warnings alongside errors too", () => {
    const text = yaml(
      "version: 1",
      "mirrors:",
      "  - { name: a, source: /srv/a.git, target: { url: /srv/b.git }, lfs: maybe }",
      "  - { name: b, source: /srv/b.git, target: { url: http://example.org/b.git, token: T } }",
    );
    const result = parseConfig(text, "mirrors.yml");
    expect(result.ok).toBe(false);
    expect(result.warnings.map((warning) => [warning.path, warning.line])).toEqual([
      ["mirrors[1].target.url", 4],
    ]);
  });
});

describe("formatIssues", () => {
  it("prints one line per issue in file order", () => {
    const issues: ConfigIssue[] = [
      {
        path: "mirrors[1].refs.brnaches",
        message: "unknown key `brnaches` (did you mean `branches`?)",
        line: 12,
        column: 7,
      },
      { path: "version", message: "missing `version: 1`", line: 1, column: 1 },
      { path: "", message: "the file is empty" },
    ];
    expect(formatIssues("ci/mirrors.yml", issues)).toBe(
      [
        "ci/mirrors.yml  the file is empty",
        "ci/mirrors.yml:1:1  version  missing `version: 1`",
        "ci/mirrors.yml:12:7  mirrors[1].refs.brnaches  unknown key `brnaches` (did you mean `branches`?)",
      ].join("\n"),
    );
  });

  it("formats what parseConfig returns", () => {
    const result = parseConfig(oneMirror(WITH_TARGET, "    prune: 1"), "mirrors.yml");
    expect(formatIssues("mirrors.yml", result.ok ? [] : result.issues)).toBe(
      "mirrors.yml:6:12  mirrors[0].prune  expected `true` or `false`, got a number",
    );
  });
});

describe("loadConfig", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ci-mirror-config-"));
    await writeFile(join(dir, "mirrors.yml"), EXAMPLE);
    await writeFile(join(dir, "bad.yml"), oneMirror(WITH_TARGET, "    prune: 1", "    lfs: maybe"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads and parses a file relative to cwd", async () => {
    const { config, warnings } = await loadConfig("mirrors.yml", { cwd: dir });
    expect(config.file).toBe("mirrors.yml");
    expect(config.mirrors.map((mirror) => mirror.name)).toEqual([
      "gitlab",
      "private-tool",
      "over-ssh",
      "elsewhere",
    ]);
    expect(warnings).toEqual([]);
  });

  it("throws a ConfigError with every issue", async () => {
    const error: unknown = await loadConfig("bad.yml", { cwd: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error instanceof ConfigError && error.issues.map((issue) => issue.path)).toEqual([
      "mirrors[0].prune",
      "mirrors[0].lfs",
    ]);
    expect(error instanceof ConfigError && error.exitCode).toBe(2);
  });

  it("says how to pass --config when the file is missing", async () => {
    const error: unknown = await loadConfig("nope.yml", { cwd: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const issues = error instanceof ConfigError ? error.issues : [];
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain("config file not found");
    expect(issues[0]?.message).toContain("`--config <file>`");
  });

  it("passes the environment on for variable warnings", async () => {
    const { warnings } = await loadConfig("mirrors.yml", { cwd: dir, env: { MIRROR_TOKEN: "x" } });
    expect(warnings.map((warning) => warning.message)).toContain(
      "CI/CD variable `UPSTREAM_TOKEN` is not set (or is empty) in this environment",
    );
  });
});
