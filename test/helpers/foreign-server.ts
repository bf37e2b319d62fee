import { onTestFinished } from "vitest";
import { startGitServer, type GitServer } from "./sandbox.ts";
import { git } from "./fixtures.ts";

/**
 * Someone else's git server: it serves and accepts anything from anyone, and records every request
 * it gets (with its Authorization header), so a test can check that ci-mirror sent it nothing.
 * Closed when the current test finishes.
 */
export async function foreignServerForThisTest(): Promise<GitServer> {
  const server = await startGitServer({ authorize: () => ({ access: "write" }) });
  onTestFinished(() => server.close());
  return server;
}

/** A copy of the repository at `barePath` under `name` on `server`, so a git conversation with it can go on. */
export async function copyRepo(server: GitServer, name: string, barePath: string): Promise<void> {
  const path = await server.createRepo(name);
  await git(["push", "--quiet", "--mirror", path], { cwd: barePath });
}
