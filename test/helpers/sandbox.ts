/**
 * The sandbox as the tests and the bench start it: with this process's PATH, so that its servers
 * run the same git as the tests do. (The sandbox reads no environment of its own.) Tests import
 * the sandbox from here only; eslint.config.js holds that.
 */
import {
  startGitLabSandbox as startGitLab,
  startGitServer as startGit,
  type GitLabSandbox,
  type GitLabSandboxOptions,
  type GitServer,
  type GitServerOptions,
} from "../../src/sandbox/index.ts";

export * from "../../src/sandbox/index.ts";

export function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  return startGit({ env: process.env, ...options });
}

export function startGitLabSandbox(options: GitLabSandboxOptions = {}): Promise<GitLabSandbox> {
  return startGitLab({ env: process.env, ...options });
}
