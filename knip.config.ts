import type { KnipConfig } from "knip";

/**
 * Dead code: `npm run knip` (in .ci/run after lint) reports every file, export and dependency
 * that nothing reachable from the entries uses. knip finds most entries itself: the test files,
 * vitest.config.ts and eslint.config.js through its plugins, and src/cli/bin.ts, scripts/ and
 * bench/ through package.json's scripts. The entries below are the ones started some other way.
 */
const config: KnipConfig = {
  entry: [
    // Started by path in a child process of their own, never imported.
    "bench/lib/audit-host.ts",
    "bench/lib/server-host.ts",
    "test/helpers/hold-lock.ts",
    // Bundled by path as the bench's no-op floor (bench/lib/bench-main.ts).
    "bench/floor/noop-floor.ts",
  ],
  project: ["src/**/*.ts", "scripts/**/*.ts", "bench/**/*.ts", "test/**/*.ts", "*.config.{ts,js}"],
  // Run as node_modules/.bin/gitlab-ci-local by test/helpers/gitlab-ci-local.ts, a path knip
  // cannot follow.
  ignoreDependencies: ["gitlab-ci-local"],
  // System tools the tests run when they are there: openssl makes the SMTP TLS tests' certificate;
  // mount and umount give the disk-full test a tiny tmpfs (as root only).
  ignoreBinaries: ["openssl", "mount", "umount"],
};

export default config;
