import { defineConfig } from "vitest/config";
import { ClosingLineReporter } from "./test/helpers/closing-line-reporter.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", new ClosingLineReporter()],
    // Git-heavy suites spawn many processes; two cores is the budget.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Hermetic git: no user or system config can change what the tests see.
    env: {
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
      GIT_AUTHOR_NAME: "ci-mirror test",
      GIT_AUTHOR_EMAIL: "test@ci-mirror.invalid",
      GIT_COMMITTER_NAME: "ci-mirror test",
      GIT_COMMITTER_EMAIL: "test@ci-mirror.invalid",
    },
  },
});
