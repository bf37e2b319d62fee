// Typed lint rules: the house style is enforced by tools, not by review comments.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The parts of src/ and what each must not import. cli → core → git/gitlab; config is pure; git
 * and gitlab never reach up; errors/ and util/ are leaves that every part may use. The sandbox
 * and the demo are not product code: nothing of the product imports them, except the `sandbox`
 * and `demo` commands (SANDBOX_COMMANDS), and the sandbox imports nothing of the product but
 * util/. Tests, the bench and scripts may import anything, the sandbox through their helper.
 */
const PARTS = [
  "cli",
  "core",
  "config",
  "git",
  "gitlab",
  "output",
  "notify",
  "child-pipeline",
  "errors",
  "util",
  "sandbox",
  "demo",
];
const NOT_PRODUCT = ["sandbox", "demo"];
const ABOVE_GIT = ["cli", "core", "output", "notify", "child-pipeline"];
const except = (...kept) => PARTS.filter((part) => !kept.includes(part));
const FORBIDDEN = {
  cli: [...NOT_PRODUCT],
  // Core returns reports; output/ renders them and cli/ writes them.
  core: ["cli", "output", ...NOT_PRODUCT],
  config: [...ABOVE_GIT, "git", "gitlab", ...NOT_PRODUCT],
  git: [...ABOVE_GIT, "gitlab", ...NOT_PRODUCT],
  gitlab: [...ABOVE_GIT, "git", ...NOT_PRODUCT],
  output: ["cli", "notify", ...NOT_PRODUCT],
  notify: ["cli", "git", "output", "child-pipeline", ...NOT_PRODUCT],
  "child-pipeline": ["cli", "core", "output", "notify", "git", "gitlab", ...NOT_PRODUCT],
  errors: except("errors", "util"),
  util: except("errors", "util"),
  sandbox: except("sandbox", "util"),
  demo: ["core", "config", "git", "gitlab", "output", "notify", "child-pipeline"],
};
/** Parts another may import types from, and nothing else: the demo runs CLI command lines. */
const TYPES_ONLY = { demo: ["cli"] };
/** The run modules of the commands that start the sandbox and the demo, loaded only when they run. */
const SANDBOX_COMMANDS = ["src/cli/commands/sandbox-run.ts", "src/cli/commands/demo-run.ts"];
/** Modules a part must not load at all. */
const NETWORK = ["node:http", "node:https", "node:http2", "node:net", "node:tls", "node:dns", "node:dgram"];
const BANNED_MODULES = {
  config: [...NETWORK, "node:child_process", "execa", "@gitbeaker/rest", "nodemailer"].map((name) => ({
    name,
    message: "src/config is pure: no network, no git, no GitLab.",
  })),
};

/** Whatever runs inside the CLI takes its world (env, argv, cwd, streams, signals) as arguments. */
const PROCESS_MESSAGE =
  "Only src/cli/bin.ts touches the process; take what you need (env, cwd, streams, signal) as an argument.";
const PROCESS_WORLD = [
  ...["env", "argv", "argv0", "execArgv", "cwd", "chdir", "exit", "exitCode"],
  ...["on", "once", "off", "addListener", "prependListener", "removeListener", "removeAllListeners"],
  ...["stdin", "stdout", "stderr"],
].map((property) => ({ object: "process", property, message: PROCESS_MESSAGE }));
const PROCESS_MODULE = ["process", "node:process"].map((name) => ({ name, message: PROCESS_MESSAGE }));
const PROCESS_EXIT = {
  object: "process",
  property: "exit",
  message: "Return an exit code; only src/cli/bin.ts ends the process.",
};

const SANDBOX_ENTRY_ONLY = {
  regex: "(?:^|/)sandbox/(?!index\\.ts$)",
  caseSensitive: true,
  message: "Import the sandbox from its entry, src/sandbox/index.ts.",
};
const SANDBOX_THROUGH_HELPER = {
  regex: "(?:^|/)src/sandbox/",
  caseSensitive: true,
  message:
    "Tests and the bench start the sandbox through test/helpers/sandbox.ts, which gives it their PATH.",
};

// Imports in src/ are relative, so what a specifier reaches is fixed by the file's depth.
// (Part names are plain words and dashes: nothing in them needs escaping in a regex.)
const up = (depth) => "\\.\\./".repeat(depth);
const reaching = (depth, parts) => `^${up(depth)}(?:${parts.join("|")})/`;

/** The import rules of a file of `part`, `depth` directories below src/. */
function boundaries(part, depth, forbidden) {
  const typesOnly = TYPES_ONLY[part] ?? [];
  const outside = `^${up(depth + 1)}(?:test|bench|scripts)/`;
  const patterns = [
    {
      regex: outside,
      caseSensitive: true,
      message: "Product code never imports test, bench or script code.",
    },
  ];
  if (forbidden.length > 0) {
    patterns.push({
      regex: reaching(depth, forbidden),
      caseSensitive: true,
      message: `src/${part} must not import this part of src/ (see the parts in eslint.config.js).`,
    });
  }
  if (typesOnly.length > 0) {
    patterns.push({
      regex: reaching(depth, typesOnly),
      caseSensitive: true,
      allowTypeImports: true,
      message: `src/${part} may import only types from here.`,
    });
  }
  if (part !== "sandbox") patterns.push(SANDBOX_ENTRY_ONLY);
  const unloadable = [...forbidden, ...typesOnly];
  // esquery regexes cannot hold a slash; \x2F stands for one.
  const lazy = (unloadable.length > 0 ? `${outside}|${reaching(depth, unloadable)}` : outside).replaceAll(
    "/",
    "\\x2F",
  );
  return {
    "no-restricted-imports": [
      "error",
      { paths: [...PROCESS_MODULE, ...(BANNED_MODULES[part] ?? [])], patterns },
    ],
    "no-restricted-syntax": [
      "error",
      {
        selector: `ImportExpression[source.value=/${lazy}/]`,
        message: `src/${part} must not load this part of src/, lazily or not.`,
      },
    ],
  };
}

/** One block per part and depth (src/<part>/*.ts is depth 1), and one for the two commands. */
function partBlocks() {
  const blocks = [];
  for (const part of PARTS) {
    for (let depth = 1; depth <= 4; depth += 1) {
      blocks.push({
        files: [`src/${part}/${"*/".repeat(depth - 1)}*.ts`],
        ignores: ["src/cli/bin.ts", ...SANDBOX_COMMANDS],
        rules: boundaries(part, depth, FORBIDDEN[part]),
      });
    }
  }
  const commandsMay = FORBIDDEN.cli.filter((part) => !NOT_PRODUCT.includes(part));
  blocks.push({ files: SANDBOX_COMMANDS, rules: boundaries("cli", 2, commandsMay) });
  return blocks;
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always", { null: "never" }],
      "no-restricted-properties": ["error", PROCESS_EXIT],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/bin.ts"],
    rules: { "no-restricted-properties": ["error", ...PROCESS_WORLD] },
  },
  ...partBlocks(),
  {
    files: ["src/config/**/*.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        ...["fetch", "WebSocket", "XMLHttpRequest"].map((name) => ({
          name,
          message: "src/config is pure: no network.",
        })),
      ],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts", "*.config.ts"],
    ignores: ["test/helpers/sandbox.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [SANDBOX_THROUGH_HELPER] }] },
  },
  {
    files: ["eslint.config.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
