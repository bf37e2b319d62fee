import { describe, expect, it } from "vitest";
import { formatIssues, parseConfig } from "../src/config/index.ts";
import { configOf, expectOneIssue, issuesOf, yaml } from "./helpers/config.ts";

const EXAMPLE = yaml(
  "version: 1",
  "gitlab:",
  "  url: https://gitlab.example.com/",
  "  token: GITLAB_TOKEN",
  "defaults:",
  "  create_target: true",
  "  target: { url: 'https://gitlab.example.com/mirror/{name}.git', token: MIRROR_TOKEN }",
  "mirrors:",
  "  - name: shared", // line 9
  "    source: https://example.com/shared.git",
  "  - name: own", // line 11
  "    source: https://example.com/own.git",
  "    create_target: { visibility: internal, description: Copy of own }",
  "  - name: never", // line 14
  "    source: https://example.com/never.git",
  "    create_target: false",
  "push_mirrors:",
  "  - project: group/app", // line 18
  "    url: https://github.com/org/app.git",
  "    username: oauth2",
  "    token: GITHUB_PUSH_TOKEN",
  "    enabled: true",
  "    only_protected_branches: false",
  "    keep_divergent_refs: true",
  "    mirror_branch_regex: null",
  "    auth_method: password",
  "  - project: 42", // line 27
  "    url: ssh://git@example.org/app.git",
  "    auth_method: ssh_public_key",
  "    enabled: false",
  "    mirror_branch_regex: ^release/",
  "audit:",
  "  projects: [group/app, 42]",
  "  groups: [group]",
  "  max_age: 24h",
  "  stuck_after: 1h",
);

describe("parseConfig: the GitLab sections of the example", () => {
  const config = configOf(EXAMPLE);

  it("normalises `gitlab`, without the trailing slash", () => {
    expect(config.gitlab).toStrictEqual({ url: "https://gitlab.example.com", token: "GITLAB_TOKEN" });
  });

  it("takes `create_target` from the mirror, else from defaults", () => {
    expect(config.mirrors.map((mirror) => [mirror.name, mirror.createTarget])).toEqual([
      ["shared", { visibility: "private" }],
      ["own", { visibility: "internal", description: "Copy of own" }],
      ["never", undefined],
    ]);
  });

  it("lists the push mirrors in file order, with defaults and lines", () => {
    expect(config.pushMirrors).toStrictEqual([
      {
        project: "group/app",
        url: "https://github.com/org/app.git",
        username: "oauth2",
        token: "GITHUB_PUSH_TOKEN",
        enabled: true,
        onlyProtectedBranches: false,
        keepDivergentRefs: true,
        mirrorBranchRegex: null,
        authMethod: "password",
        line: 18,
      },
      {
        project: "42",
        url: "ssh://git@example.org/app.git",
        username: undefined,
        token: undefined,
        enabled: false,
        onlyProtectedBranches: false,
        keepDivergentRefs: false,
        mirrorBranchRegex: "^release/",
        authMethod: "ssh_public_key",
        line: 27,
      },
    ]);
  });

  it("converts the audit durations to milliseconds", () => {
    expect(config.audit).toStrictEqual({
      projects: ["group/app", "42"],
      groups: ["group"],
      maxAgeMs: 86_400_000,
      stuckAfterMs: 3_600_000,
    });
  });

  it("has no warnings when every variable is set", () => {
    const env = {
      GITLAB_TOKEN: "x",
      MIRROR_TOKEN: "x",
      GITHUB_PUSH_TOKEN: "x",
    };
    expect(parseConfig(EXAMPLE, "mirrors.yml", env).warnings).toEqual([]);
  });
});

describe("parseConfig: GitLab defaults", () => {
  it("applies every default to a minimal push mirror", () => {
    const config = configOf(
      yaml("version: 1", "push_mirrors:", "  - { project: group/app, url: https://github.com/org/app.git }"),
    );
    expect(config.mirrors).toEqual([]);
    expect(config.gitlab).toStrictEqual({ url: undefined, token: "GITLAB_TOKEN" });
    expect(config.audit).toBeUndefined();
    expect(config.pushMirrors).toStrictEqual([
      {
        project: "group/app",
        url: "https://github.com/org/app.git",
        username: undefined,
        token: undefined,
        enabled: true,
        onlyProtectedBranches: false,
        keepDivergentRefs: false,
        mirrorBranchRegex: null,
        authMethod: "password",
        line: 3,
      },
    ]);
  });

  it.each([
    ["an https URL with a token", "https://github.com/org/app.git", "token: T", "oauth2"],
    ["an https URL with a user", "https://github.com/org/app.git", "token: T, username: bot", "bot"],
    ["an https URL without a token", "https://github.com/org/app.git", "enabled: true", undefined],
    ["an ssh URL with a token", "ssh://git@example.org/app.git", "token: T", undefined],
  ])("`username` for %s", (_case, url, extra, username) => {
    const text = yaml("version: 1", "push_mirrors:", `  - { project: group/app, url: '${url}', ${extra} }`);
    expect(configOf(text).pushMirrors[0]?.username).toBe(username);
  });

  it("reads a project id written as a number or as digits", () => {
    const text = yaml(
      "version: 1",
      "push_mirrors:",
      "  - { project: 42, url: https://github.com/org/a.git }",
      "  - { project: '7', url: https://github.com/org/b.git }",
      "audit: { projects: [42, '7', group/sub/app] }",
    );
    const config = configOf(text);
    expect(config.pushMirrors.map((pushMirror) => pushMirror.project)).toEqual(["42", "7"]);
    expect(config.audit?.projects).toEqual(["42", "7", "group/sub/app"]);
  });

  it("fills in the audit defaults", () => {
    const text = yaml("version: 1", "audit:", "  groups: [group, group/sub]");
    expect(configOf(text).audit).toStrictEqual({
      projects: [],
      groups: ["group", "group/sub"],
      maxAgeMs: 86_400_000,
      stuckAfterMs: 3_600_000,
    });
  });

  it.each([
    ["https://gitlab.example.com", "https://gitlab.example.com"],
    ["https://gitlab.example.com//", "https://gitlab.example.com"],
    ["https://example.com/gitlab/", "https://example.com/gitlab"],
    ["https://gitlab.example.com:8443", "https://gitlab.example.com:8443"],
    ["http://localhost:8080", "http://localhost:8080"],
  ])("keeps the GitLab URL %s as %s", (url, normalised) => {
    const text = yaml("version: 1", `gitlab: { url: '${url}' }`, "audit: { groups: [g] }");
    expect(configOf(text).gitlab.url).toBe(normalised);
  });

  it.each<[string, string, object | undefined]>([
    ["nothing", "", undefined],
    ["true", "create_target: true", { visibility: "private" }],
    ["false", "create_target: false", undefined],
    ["a visibility", "create_target: { visibility: public }", { visibility: "public" }],
    ["a description", "create_target: { description: Copy }", { visibility: "private", description: "Copy" }],
    ["an empty map", "create_target: {}", { visibility: "private" }],
  ])("`create_target` set to %s", (_case, setting, expected) => {
    const text = yaml(
      "version: 1",
      "mirrors:",
      "  - name: a",
      "    source: https://example.com/a.git",
      "    target: { url: https://gitlab.example.com/copies/a.git }",
      ...(setting === "" ? [] : [`    ${setting}`]),
    );
    expect(configOf(text).mirrors[0]?.createTarget).toEqual(expected);
  });

  it("replaces the shared `create_target` as a whole", () => {
    const text = yaml(
      "version: 1",
      "defaults:",
      "  target: { url: 'https://gitlab.example.com/copies/{name}.git' }",
      "  create_target: { visibility: internal, description: Shared }",
      "mirrors:",
      "  - { name: a, source: https://example.com/a.git }",
      "  - { name: b, source: https://example.com/b.git, create_target: true }",
      "  - { name: c, source: https://example.com/c.git, create_target: false }",
      "  - { name: d, source: https://example.com/d.git, create_target: { description: Own } }",
    );
    expect(configOf(text).mirrors.map((mirror) => mirror.createTarget)).toEqual([
      { visibility: "internal", description: "Shared" },
      { visibility: "private" },
      undefined,
      { visibility: "private", description: "Own" },
    ]);
  });
});

describe("parseConfig: something to do", () => {
  it.each([
    [
      "mirrors only",
      yaml("version: 1", "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git } }]"),
    ],
    [
      "push mirrors and an empty mirrors list",
      yaml("version: 1", "mirrors: []", "push_mirrors: [{ project: g/a, url: https://example.org/a.git }]"),
    ],
    ["an audit and no mirrors key", yaml("version: 1", "audit: { groups: [g] }")],
    [
      "an audit and a mirrors key without a value",
      yaml("version: 1", "mirrors:", "audit: { projects: [g/a] }"),
    ],
  ])("accepts %s", (_case, text) => {
    expect(parseConfig(text, "mirrors.yml").ok).toBe(true);
  });

  it.each<[string, string, number, number]>([
    ["no section at all", yaml("version: 1", "gitlab: { token: T }"), 1, 1],
    ["empty lists", yaml("version: 1", "mirrors: []", "push_mirrors: []"), 2, 10],
    ["lists without values", yaml("version: 1", "mirrors:", "push_mirrors:"), 2, 1],
  ])("rejects %s", (_case, text, line, column) => {
    expect(issuesOf(text)).toEqual([
      {
        path: "mirrors",
        message: "nothing to do: add `mirrors:`, `push_mirrors:` or `audit:`",
        line,
        column,
      },
    ]);
  });

  it("reports a broken section rather than nothing to do", () => {
    const text = yaml("version: 1", "push_mirrors: { project: g/a }", "audit: [g]");
    expect(issuesOf(text).map((issue) => [issue.path, issue.message])).toEqual([
      ["push_mirrors", "expected a list of push mirrors, got a map"],
      ["audit", "expected a map with `projects`, `groups`, `max_age` and/or `stuck_after`, got a list"],
    ]);
  });

  it("names the new sections when the file is empty", () => {
    expect(issuesOf("")[0]?.message).toBe(
      "the file is empty: it needs `version: 1` and `mirrors:`, `push_mirrors:` or `audit:`",
    );
  });
});

describe("parseConfig: durations", () => {
  const auditWith = (maxAge: string): string =>
    yaml("version: 1", "audit:", "  groups: [g]", `  max_age: ${maxAge}`, "  stuck_after: 1s");

  it.each([
    ["90s", 90_000],
    ["45m", 2_700_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["'  2h '", 7_200_000],
  ])("reads %s as %d ms", (written, ms) => {
    expect(configOf(auditWith(written)).audit?.maxAgeMs).toBe(ms);
  });

  it.each([
    ["24", "a duration needs a unit: s, m, h or d (e.g. `90m`, `24h` or `7d`)"],
    ["'24'", "a duration needs a unit: s, m, h or d (e.g. `90m`, `24h` or `7d`)"],
    ["1w", "unknown unit `w`: use s, m, h or d (e.g. `90m`, `24h` or `7d`)"],
    ["24H", "unknown unit `H`: use s, m, h or d"],
    ["-1h", "a duration must be more than 0"],
    ["0h", "a duration must be more than 0"],
    ["1.5h", "a duration is a whole number: use a smaller unit (`90m`, not `1.5h`)"],
    ["1h30m", "expected a duration: a whole number and a unit, s, m, h or d (e.g. `90m`, `24h` or `7d`)"],
    ["''", "expected a duration: a whole number and a unit"],
    ["99999999999999d", "the duration is too long"],
    ["[24h]", "expected a duration like `24h`, got a list"],
  ])("rejects %s", (written, message) => {
    const issues = issuesOf(auditWith(written));
    expect(issues.map((issue) => [issue.path, issue.line, issue.column])).toEqual([["audit.max_age", 4, 12]]);
    expect(issues[0]?.message).toContain(message);
  });
});

/** A valid config with one push mirror; `extra` lines go into its entry (lines 5 onwards). */
function onePushMirror(...extra: string[]): string {
  return yaml(
    "version: 1",
    "push_mirrors:",
    "  - project: group/app", // line 3
    "    url: https://github.com/org/app.git",
    ...extra,
  );
}

describe("parseConfig: each GitLab problem, with its path and position", () => {
  it.each<[string, string, string, number, number, string]>([
    // [case, yaml, path, line, column, message]
    [
      "gitlab.url with another scheme",
      yaml("version: 1", "gitlab:", "  url: ssh://gitlab.example.com", "audit: { groups: [g] }"),
      "gitlab.url",
      3,
      8,
      "expected an https:// (or http://) URL, e.g. `https://gitlab.example.com`, or `https://example.com/gitlab` with a relative root",
    ],
    [
      "gitlab.url without a scheme",
      yaml("version: 1", "gitlab:", "  url: gitlab.example.com", "audit: { groups: [g] }"),
      "gitlab.url",
      3,
      8,
      "not a valid URL; expected GitLab's base URL, e.g. `https://gitlab.example.com`, or `https://example.com/gitlab` with a relative root",
    ],
    [
      "gitlab.url with credentials",
      yaml(
        "version: 1",
        "gitlab:",
        "  url: https://root:pa55word@gitlab.example.com",
        "audit: { groups: [g] }",
      ),
      "gitlab.url",
      3,
      8,
      "the URL contains credentials: put the token in a CI/CD variable and name it in `gitlab.token`",
    ],
    [
      "gitlab.url of a project",
      yaml("version: 1", "gitlab:", "  url: https://gitlab.example.com/group/app", "audit: { groups: [g] }"),
      "gitlab.url",
      3,
      8,
      "expected GitLab's base URL, not the URL of a project or group: `https://gitlab.example.com`, or `https://example.com/gitlab` with a relative root",
    ],
    [
      "gitlab.url of a repository",
      yaml("version: 1", "gitlab:", "  url: https://gitlab.example.com/app.git", "audit: { groups: [g] }"),
      "gitlab.url",
      3,
      8,
      "expected GitLab's base URL, not the URL of a project or group",
    ],
    [
      "gitlab.url of the API",
      yaml("version: 1", "gitlab:", "  url: https://gitlab.example.com/api/v4", "audit: { groups: [g] }"),
      "gitlab.url",
      3,
      8,
      "expected GitLab's base URL without `/api/v4`: ci-mirror adds the API path itself",
    ],
    [
      "gitlab.url with a query",
      yaml("version: 1", "gitlab:", "  url: https://gitlab.example.com/?x=1", "audit: { groups: [g] }"),
      "gitlab.url",
      3,
      8,
      "expected GitLab's base URL without a query or fragment",
    ],
    [
      "gitlab.token as a value",
      yaml("version: 1", "gitlab:", "  token: my-token-value", "audit: { groups: [g] }"),
      "gitlab.token",
      3,
      10,
      "expected the NAME of a CI/CD variable, not its value",
    ],
    [
      "unknown key in gitlab",
      yaml("version: 1", "gitlab:", "  tokn: GITLAB_TOKEN", "audit: { groups: [g] }"),
      "gitlab.tokn",
      3,
      3,
      "unknown key `tokn` (did you mean `token`?)",
    ],
    [
      "gitlab settings at the root",
      yaml("version: 1", "url: https://gitlab.example.com", "audit: { groups: [g] }"),
      "url",
      2,
      1,
      "unknown key `url` (GitLab's URL goes under `gitlab:`; a mirror's target under `defaults.target` or the mirror)",
    ],
    [
      "audit settings at the root",
      yaml("version: 1", "max_age: 24h", "audit: { groups: [g] }"),
      "max_age",
      2,
      1,
      "unknown key `max_age` (audit settings go under `audit:`)",
    ],
    [
      "unknown visibility",
      yaml(
        "version: 1",
        "defaults:",
        "  create_target: { visibility: secret }",
        "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git } }]",
      ),
      "defaults.create_target.visibility",
      3,
      32,
      "expected `private`, `internal` or `public`",
    ],
    [
      "unknown key in create_target",
      yaml(
        "version: 1",
        "mirrors:",
        "  - name: a",
        "    source: /srv/a.git",
        "    target: { url: /srv/b.git }",
        "    create_target: { visiblity: public }",
      ),
      "mirrors[0].create_target.visiblity",
      6,
      22,
      "unknown key `visiblity` (did you mean `visibility`?)",
    ],
    [
      "create_target neither a boolean nor a map",
      yaml(
        "version: 1",
        "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git }, create_target: yes }]",
      ),
      "mirrors[0].create_target",
      2,
      86,
      "expected `true`, `false` or a map like `{ visibility: private, description: … }`, got a string",
    ],
    [
      "empty description",
      yaml(
        "version: 1",
        "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git }, create_target: { description: '' } }]",
      ),
      "mirrors[0].create_target.description",
      2,
      101,
      "the description is empty: leave it out for the default (`Mirror of <source URL>`)",
    ],
    [
      "visibility on the mirror",
      yaml(
        "version: 1",
        "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git }, visibility: public }]",
      ),
      "mirrors[0].visibility",
      2,
      71,
      "unknown key `visibility` (did you mean `create_target: { visibility: … }`?)",
    ],
    [
      "create_target under target",
      yaml(
        "version: 1",
        "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git, create_target: true } }]",
      ),
      "mirrors[0].target.create_target",
      2,
      69,
      "unknown key `create_target` (`create_target` goes next to `target`, on the mirror or in `defaults`)",
    ],
    [
      "push mirror without a project",
      yaml("version: 1", "push_mirrors:", "  - url: https://github.com/org/app.git"),
      "push_mirrors[0].project",
      3,
      5,
      "missing required key `project` (the project's id or full path)",
    ],
    [
      "push mirror without a URL",
      yaml("version: 1", "push_mirrors:", "  - project: group/app"),
      "push_mirrors[0].url",
      3,
      5,
      "missing required key `url` (where the project pushes to)",
    ],
    [
      "push mirror entry not a map",
      yaml("version: 1", "push_mirrors:", "  - group/app"),
      "push_mirrors[0]",
      3,
      5,
      "expected a map with at least `project` and `url`, got a string",
    ],
    [
      "project without its group",
      onePushMirror().replace("group/app", "app"),
      "push_mirrors[0].project",
      3,
      14,
      "a project path includes its group (`group/app`, not `app`); or give the project's numeric id",
    ],
    [
      "project given as a URL",
      onePushMirror().replace("group/app", "https://gitlab.example.com/group/app"),
      "push_mirrors[0].project",
      3,
      14,
      "expected the project's full path (`group/app`), not a URL",
    ],
    [
      "project id 0",
      onePushMirror().replace("group/app", "0"),
      "push_mirrors[0].project",
      3,
      14,
      "a project id is a whole number greater than 0",
    ],
    [
      "project of the wrong type",
      onePushMirror().replace("group/app", "[group/app]"),
      "push_mirrors[0].project",
      3,
      14,
      "expected a project id or full path (e.g. `group/app`), got a list",
    ],
    [
      "credentials in the push mirror URL",
      onePushMirror().replace("https://github.com", "https://bot:pa55word@github.com"),
      "push_mirrors[0].url",
      4,
      10,
      "the URL contains credentials: put the token in a CI/CD variable and name it in `token` (and the user in `username`)",
    ],
    [
      "scp-style push mirror URL",
      onePushMirror().replace("https://github.com/", "git@github.com:"),
      "push_mirrors[0].url",
      4,
      10,
      "GitLab does not accept scp-style `user@host:path` for push mirrors; write it as `ssh://user@host/path`",
    ],
    [
      "file:// push mirror URL",
      onePushMirror().replace("https://github.com/", "file:///srv/"),
      "push_mirrors[0].url",
      4,
      10,
      "unsupported URL scheme `file://` for a push mirror; use https://…, http://…, ssh://… or git://…",
    ],
    [
      "local path as push mirror URL",
      onePushMirror().replace("https://github.com/", "/srv/"),
      "push_mirrors[0].url",
      4,
      10,
      "a push mirror URL must be one of https://…, http://…, ssh://… or git://…",
    ],
    [
      "`{name}` in a push mirror URL",
      onePushMirror().replace("org/app.git", "'org/{name}.git'"),
      "push_mirrors[0].url",
      4,
      10,
      "`{name}` is only replaced in the target URLs of `mirrors`; write the push mirror URL in full",
    ],
    [
      "push mirror token as a value",
      onePushMirror("    token: $GITHUB_PUSH_TOKEN"),
      "push_mirrors[0].token",
      5,
      12,
      "write the variable name without `$`: `GITHUB_PUSH_TOKEN`",
    ],
    [
      "enabled not a boolean",
      onePushMirror("    enabled: yes"),
      "push_mirrors[0].enabled",
      5,
      14,
      "expected `true` or `false`, got a string",
    ],
    [
      "invalid branch regex",
      onePushMirror("    mirror_branch_regex: 'release/(.*'"),
      "push_mirrors[0].mirror_branch_regex",
      5,
      26,
      "not valid RE2 syntax, which GitLab matches branch names with: missing )",
    ],
    [
      "empty branch regex",
      onePushMirror("    mirror_branch_regex: ''"),
      "push_mirrors[0].mirror_branch_regex",
      5,
      26,
      "empty regular expression: leave the key out (or write `null`) for all branches",
    ],
    [
      "branch regex with only protected branches",
      onePushMirror("    only_protected_branches: true", "    mirror_branch_regex: ^main$"),
      "push_mirrors[0].mirror_branch_regex",
      6,
      26,
      "`mirror_branch_regex` and `only_protected_branches: true` are mutually exclusive (GitLab refuses both): keep one",
    ],
    [
      "replaces: the mirror's own URL",
      onePushMirror("    replaces: https://github.com/org/app"),
      "push_mirrors[0].replaces",
      5,
      15,
      "`replaces` names this mirror's own `url`; it is for the URL the mirror had before",
    ],
    [
      "replaces: with credentials",
      onePushMirror("    replaces: https://bot:secret@github.com/org/old.git"),
      "push_mirrors[0].replaces",
      5,
      15,
      "credentials",
    ],
    [
      "unknown auth method",
      onePushMirror("    auth_method: ssh"),
      "push_mirrors[0].auth_method",
      5,
      18,
      "expected `password` or `ssh_public_key`",
    ],
    [
      "ssh_public_key with an https URL",
      onePushMirror("    auth_method: ssh_public_key"),
      "push_mirrors[0].auth_method",
      5,
      18,
      "`auth_method: ssh_public_key` needs an ssh:// URL; for https:// use `auth_method: password` (the default) with `token`",
    ],
    [
      "unknown key in a push mirror",
      onePushMirror("    protected_branches: true"),
      "push_mirrors[0].protected_branches",
      5,
      5,
      "unknown key `protected_branches`; expected one of `project`, `url`, `replaces`, `username`, `token`, `enabled`, `only_protected_branches`, `keep_divergent_refs`, `mirror_branch_regex`, `auth_method`",
    ],
    [
      "misspelt key in a push mirror",
      onePushMirror("    keepDivergentRefs: true"),
      "push_mirrors[0].keepDivergentRefs",
      5,
      5,
      "unknown key `keepDivergentRefs` (did you mean `keep_divergent_refs`?)",
    ],
    [
      "password in a push mirror",
      onePushMirror("    password: GITHUB_PASSWORD"),
      "push_mirrors[0].password",
      5,
      5,
      "unknown key `password` (did you mean `token`, the NAME of the CI/CD variable holding the password?)",
    ],
    [
      "the same push mirror twice",
      yaml(
        "version: 1",
        "push_mirrors:",
        "  - project: Group/App", // line 3
        "    url: https://GitHub.com/org/app.git",
        "  - project: group/app", // line 5
        "    url: https://github.com/org/app/",
      ),
      "push_mirrors[1].url",
      6,
      10,
      "the same project and URL as the push mirror (line 3); declare each push mirror once",
    ],
    [
      "audit project without its group",
      yaml("version: 1", "audit:", "  projects: [group/app, app]"),
      "audit.projects[1]",
      3,
      25,
      "a project path includes its group",
    ],
    [
      "audit group with a trailing slash",
      yaml("version: 1", "audit:", "  groups: [group/]"),
      "audit.groups[0]",
      3,
      12,
      "write the path without a leading or trailing `/`",
    ],
    [
      "audit group with a bad character",
      yaml("version: 1", "audit:", "  groups: ['my group']"),
      "audit.groups[0]",
      3,
      12,
      "not a GitLab path: names of letters, digits, `_`, `-` and `.`, separated by `/` (`group/subgroup`)",
    ],
    [
      "audit group that is empty",
      yaml("version: 1", "audit:", "  groups: ['']"),
      "audit.groups[0]",
      3,
      12,
      "empty: expected a group path (e.g. `group` or `group/subgroup`)",
    ],
    [
      "audit projects not a list",
      yaml("version: 1", "audit:", "  projects: group/app"),
      "audit.projects",
      3,
      13,
      "expected a list of projects, e.g. [group/app, 42], got a string",
    ],
    [
      "audit project listed twice",
      yaml("version: 1", "audit:", "  projects: [group/app, 42, Group/App]"),
      "audit.projects[2]",
      3,
      29,
      "listed twice: the same as `audit.projects[0]` (paths are compared ignoring case)",
    ],
    [
      "audit project id listed twice",
      yaml("version: 1", "audit:", "  projects: [42, '42']"),
      "audit.projects[1]",
      3,
      18,
      "listed twice: the same as `audit.projects[0]`",
    ],
    [
      "audit group listed twice",
      yaml("version: 1", "audit:", "  groups:", "    - group", "    - GROUP"),
      "audit.groups[1]",
      5,
      7,
      "listed twice: the same as `audit.groups[0]` (paths are compared ignoring case)",
    ],
    [
      "stuck_after not shorter than max_age",
      yaml("version: 1", "audit:", "  groups: [g]", "  max_age: 2h", "  stuck_after: 120m"),
      "audit.stuck_after",
      5,
      16,
      "`stuck_after` (120m) must be shorter than `max_age` (2h): a mirror stuck that long is already out of date",
    ],
    [
      "max_age below the default stuck_after",
      yaml("version: 1", "audit:", "  groups: [g]", "  max_age: 30m"),
      "audit.max_age",
      4,
      12,
      "`stuck_after` (1h, the default) must be shorter than `max_age` (30m): a mirror stuck that long is already out of date",
    ],
    [
      "stuck_after above the default max_age",
      yaml("version: 1", "audit:", "  groups: [g]", "  stuck_after: 2d"),
      "audit.stuck_after",
      4,
      16,
      "`stuck_after` (2d) must be shorter than `max_age` (24h, the default)",
    ],
    [
      "unknown key in audit",
      yaml("version: 1", "audit:", "  group: [g]"),
      "audit.group",
      3,
      3,
      "unknown key `group` (did you mean `groups`?)",
    ],
  ])("%s", (_case, text, path, line, column, message) => {
    expectOneIssue(text, { path, line, column }, message);
  });

  it.each([
    ["a lookahead", "^(?=release)", "invalid perl operator: (?="],
    ["a lookbehind", "(?<!wip/).*", "invalid perl operator: (?<!"],
    ["a backreference", "^(a)\\\\1$", "invalid escape sequence: \\1"],
    ["a possessive quantifier", "^main.*+", "bad repetition operator: *+"],
  ])("refuses RE2-only syntax in `mirror_branch_regex`: %s", (_case, regex, message) => {
    expectOneIssue(
      onePushMirror(`    mirror_branch_regex: "${regex}"`),
      { path: "push_mirrors[0].mirror_branch_regex", line: 5, column: 26 },
      `not valid RE2 syntax, which GitLab matches branch names with: ${message}`,
    );
  });

  it("accepts RE2 syntax that JavaScript lacks: `(?P<name>…)` and inline flags", () => {
    const config = configOf(onePushMirror("    mirror_branch_regex: '(?i)^(?P<kind>release|hotfix)/'"));
    expect(config.pushMirrors[0]?.mirrorBranchRegex).toBe("(?i)^(?P<kind>release|hotfix)/");
  });

  it.each([
    ["over HTTPS", "https://gitlab.example.com/group/app.git"],
    ["without .git", "https://gitlab.example.com/Group/App"],
    ["over SSH", "ssh://git@gitlab.example.com/group/app.git"],
  ])("refuses a push mirror to the project's own repository, %s", (_case, url) => {
    const text = yaml(
      "version: 1",
      "gitlab: { url: https://gitlab.example.com }",
      "push_mirrors:",
      `  - { project: group/app, url: '${url}' }`,
    );
    expectOneIssue(
      text,
      { path: "push_mirrors[0].url", line: 4, column: 32 },
      'this is the repository of `group/app` itself, which GitLab refuses ("You cannot mirror a repository to itself.")',
    );
  });

  it("refuses a `replaces` that would delete a declared mirror, or replace one twice", () => {
    const text = yaml(
      "version: 1",
      "push_mirrors:",
      "  - { project: g/a, url: https://example.org/a.git }", // 3
      "  - { project: g/a, url: https://example.org/b.git, replaces: https://example.org/a.git }", // 4
      "  - { project: g/b, url: https://example.org/new.git, replaces: https://example.org/old.git }", // 5
      "  - { project: g/b, url: https://example.org/new2.git, replaces: https://example.org/old.git }", // 6
      "  - { project: g/c, url: https://example.org/c.git, replaces: https://example.org/a.git }", // 7
    );
    expect(issuesOf(text).map((issue) => [issue.path, issue.line, issue.message])).toEqual([
      [
        "push_mirrors[1].replaces",
        4,
        "`replaces` names the URL of the push mirror (line 3), which is still declared; apply would delete it",
      ],
      [
        "push_mirrors[3].replaces",
        6,
        "the push mirror (line 5) already replaces this URL; one mirror can only be replaced once",
      ],
    ]);
  });

  it("reads `replaces` only where it is written", () => {
    const config = configOf(
      yaml(
        "version: 1",
        "push_mirrors:",
        "  - { project: g/a, url: https://example.org/new.git, replaces: ' https://example.org/old.git ' }",
      ),
    );
    expect(config.pushMirrors[0]?.replaces).toBe("https://example.org/old.git");
    expect("replaces" in (configOf(EXAMPLE).pushMirrors[0] ?? {})).toBe(false);
  });

  it("checks the valid push mirrors when others are broken", () => {
    const text = yaml(
      "version: 1",
      "push_mirrors:",
      "  - { project: g/a, url: https://example.org/a.git, enabled: maybe }", // 3
      "  - { project: g/b, url: https://example.org/b.git, auth_method: ssh_public_key }", // 4
      "  - { project: g/b, url: https://example.org/b.git }", // 5
      "audit: { max_age: 1w }", // 6
    );
    expect(issuesOf(text).map((issue) => [issue.path, issue.line])).toEqual([
      ["push_mirrors[0].enabled", 3],
      ["push_mirrors[1].auth_method", 4],
      ["push_mirrors[2].url", 5],
      ["audit.max_age", 6],
    ]);
  });
});

describe("parseConfig: GitLab secrets are never repeated", () => {
  const SECRET = "glpat-Zx9Qw3Er5Ty7Ui9Op1As";

  it.each([
    ["as the API token", yaml("version: 1", `gitlab: { token: ${SECRET} }`, "audit: { groups: [g] }")],
    ["in the GitLab URL", yaml("version: 1", `gitlab: { url: 'https://${SECRET}@gitlab.example.com' }`)],
    ["as a push mirror token", onePushMirror(`    token: ${SECRET}`)],
    [
      "in a push mirror URL",
      onePushMirror().replace("https://github.com", `https://oauth2:${SECRET}@github.com`),
    ],
    [
      "in an scp-style push mirror URL",
      onePushMirror().replace("https://github.com/", `${SECRET}@github.com:`),
    ],
    ["as a project", onePushMirror().replace("group/app", SECRET)],
    ["as a group", yaml("version: 1", `audit: { groups: ['${SECRET}/x'], max_age: 1w }`)],
    ["as a push mirror key", onePushMirror(`    ${SECRET}: 1`)],
  ])("%s", (_case, text) => {
    const result = parseConfig(text, "mirrors.yml");
    expect(result.ok).toBe(false);
    const printed = formatIssues("mirrors.yml", result.ok ? [] : result.issues);
    expect(printed).not.toBe("");
    expect(printed).not.toContain("Zx9Qw3Er5Ty7");
  });
});

describe("parseConfig: GitLab warnings", () => {
  it.each<[string, string, string | undefined, string | undefined]>([
    [
      "the API over plain http",
      yaml("version: 1", "gitlab: { url: 'http://gitlab.example.com' }", "audit: { groups: [g] }"),
      "gitlab.url",
      "the GitLab API token would be sent unencrypted over http:// to `gitlab.example.com`; use https://",
    ],
    [
      "the API over plain http to localhost",
      yaml("version: 1", "gitlab: { url: 'http://localhost:8080' }", "audit: { groups: [g] }"),
      undefined,
      undefined,
    ],
    [
      "the API over plain http to 127.0.0.1",
      yaml("version: 1", "gitlab: { url: 'http://127.0.0.1/gitlab' }", "audit: { groups: [g] }"),
      undefined,
      undefined,
    ],
    [
      "a push mirror token over plain http",
      onePushMirror("    token: T").replace("https://github.com", "http://git.example.org"),
      "push_mirrors[0].url",
      "GitLab would send the token unencrypted over http:// to `git.example.org`; use https://",
    ],
    [
      "a token with ssh_public_key",
      onePushMirror("    token: T", "    auth_method: ssh_public_key").replace(
        "https://github.com/",
        "ssh://git@github.com/",
      ),
      "push_mirrors[0].token",
      "`token` is ignored with `auth_method: ssh_public_key`: GitLab pushes with a key pair of its own",
    ],
    [
      "a password over ssh",
      onePushMirror("    token: T").replace("https://github.com/", "ssh://git@github.com/"),
      undefined,
      undefined,
    ],
    [
      "an audit with nothing to check",
      yaml("version: 1", "audit:", "  max_age: 2d"),
      "audit",
      "`audit` lists no `projects` or `groups` and there are no `push_mirrors`, so there is nothing to audit",
    ],
    [
      "an audit of the push mirrors only",
      yaml("version: 1", "push_mirrors: [{ project: g/a, url: https://example.org/a.git }]", "audit: {}"),
      undefined,
      undefined,
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

  it("names the API token and GitLab's URL when the environment lacks them", () => {
    const text = yaml(
      "version: 1",
      "push_mirrors:",
      "  - { project: g/a, url: https://example.org/a.git, token: PUSH_TOKEN }", // line 3
    );
    const warnings = (env: Record<string, string>): [string, string][] =>
      parseConfig(text, "mirrors.yml", env).warnings.map((warning) => [warning.path, warning.message]);
    expect(warnings({})).toEqual([
      ["gitlab.token", "CI/CD variable `GITLAB_TOKEN` is not set (or is empty) in this environment"],
      ["gitlab.url", "no `gitlab.url`, and `CI_SERVER_URL` is not set in this environment: set `gitlab.url`"],
      ["push_mirrors[0].token", "CI/CD variable `PUSH_TOKEN` is not set (or is empty) in this environment"],
    ]);
    expect(
      warnings({ GITLAB_TOKEN: "x", CI_SERVER_URL: "https://gitlab.example.com", PUSH_TOKEN: "x" }),
    ).toEqual([]);
  });

  it("does not ask for the API token when nothing uses the API", () => {
    const text = yaml(
      "version: 1",
      "mirrors: [{ name: a, source: /srv/a.git, target: { url: /srv/b.git } }]",
    );
    expect(parseConfig(text, "mirrors.yml", {}).warnings).toEqual([]);
  });

  it("asks for the API token when a mirror creates its target", () => {
    const text = yaml(
      "version: 1",
      "gitlab: { url: https://gitlab.example.com, token: API_TOKEN }",
      "mirrors:",
      "  - { name: a, source: /srv/a.git, target: { url: /srv/b.git }, create_target: true }",
    );
    expect(parseConfig(text, "mirrors.yml", {}).warnings.map((warning) => warning.path)).toEqual([
      "gitlab.token",
    ]);
  });
});
