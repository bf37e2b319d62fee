import { defineConfig } from "vitest/config";
import { HERMETIC_GIT_ENV, gitIdentity } from "./test/helpers/sandbox.ts";
import { ClosingLineReporter } from "./test/helpers/closing-line-reporter.ts";

/**
 * The fast project: pure units that start no git, no server and no child process (config, the
 * ref planner, redaction, parsers). Seconds, for the edit-test loop: `npm run test:fast`.
 * Everything else (real git over HTTP, the GitLab sandbox, gitlab-ci-local, the bundle) is the
 * slow project; `npm test` runs both, and CI runs `npm test`.
 */
const FAST = [
  "test/config.test.ts",
  "test/config-gitlab.test.ts",
  "test/config-ref-pattern.test.ts",
  "test/config-repo-url.test.ts",
  "test/error-catalog.test.ts",
  "test/git-errors.test.ts",
  "test/lint-boundaries.test.ts",
  "test/ref-plan.test.ts",
  "test/progress.test.ts",
  "test/push-porcelain.test.ts",
  "test/redact.test.ts",
  "test/required-variables.test.ts",
  "test/text-width.test.ts",
];

export default defineConfig({
  test: {
    reporters: ["default", new ClosingLineReporter()],
    // Git-heavy suites spawn many processes; two cores is the budget.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Project settings extend these; `include` lists merge, so only the projects set it.
    projects: [
      { extends: true, test: { name: "fast", include: FAST } },
      { extends: true, test: { name: "slow", include: ["test/**/*.test.ts"], exclude: FAST } },
    ],
    // Hermetic git: no user or system config can change what the tests see.
    env: { ...HERMETIC_GIT_ENV, ...gitIdentity("ci-mirror test", "test@ci-mirror.invalid") },
  },
});
