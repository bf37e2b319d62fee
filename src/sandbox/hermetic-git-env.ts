/**
 * The environment for every git that the tests, the sandbox's servers, the demo and the bench run
 * themselves (ci-mirror builds its own for the git it runs: src/git/environment.ts). No system or
 * user config, so nothing on the machine or in the home of whoever runs them changes what git
 * does; no prompt, so a git that would ask for something fails instead of hanging.
 *
 * The locale is left to each caller: git run directly, whose messages a test reads, adds
 * `LC_ALL=C`; a Node process (the CLI, vitest's workers) must keep its own, since it sets the
 * default locale of `localeCompare` and `Intl`.
 */
export const HERMETIC_GIT_ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
} as const satisfies Readonly<Record<string, string>>;

/** Author and committer, for git that writes history (fixtures, seeded projects, the demo). */
export function gitIdentity(name: string, email: string): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  };
}
