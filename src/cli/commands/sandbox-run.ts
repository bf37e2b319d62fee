import { startGitLabSandbox } from "../../sandbox/index.ts";
import type { CliWorld } from "../world.ts";
import type { SandboxArgs } from "./sandbox.ts";

/**
 * `ci-mirror sandbox`: a local GitLab (REST API and git over HTTP) on loopback, seeded with a
 * `mirror` group and a user whose api token it prints, so a config can be tried without touching
 * a real GitLab. Runs until interrupted.
 */
export async function runSandbox(args: SandboxArgs, world: CliWorld): Promise<0> {
  // GitLab's defaults unless told otherwise: push mirrors to localhost or the local network are
  // refused, as `allow_local_requests_from_web_hooks_and_services` is off on a new GitLab.
  const allowLocalRequests = args.allowLocalRequests;
  const gitlab = await startGitLabSandbox({ env: world.env, allowLocalRequests });
  try {
    const user = gitlab.addUser("sandbox-admin", { admin: true });
    gitlab.addGroup("mirror");
    gitlab.addMember("mirror", user.username, 50);
    const token = gitlab.addToken(user, { scopes: ["api"], name: "ci-mirror sandbox" });
    if (args.json) {
      world.stdout.write(
        `${JSON.stringify({ url: gitlab.url, api: `${gitlab.url}/api/v4`, token, group: "mirror", allowLocalRequests })}\n`,
      );
    } else {
      for (const line of [
        `GitLab sandbox: ${gitlab.url}  (API ${gitlab.url}/api/v4, git ${gitlab.url}/<group>/<project>.git)`,
        `token (api scope, user sandbox-admin): ${token}`,
        "group: mirror (create_target: true creates projects in it on the first sync)",
        allowLocalRequests
          ? "local requests: allowed (--allow-local-requests): push mirrors may point at localhost and the local network"
          : "local requests: not allowed, GitLab's default: push mirrors to localhost or the local network are refused (--allow-local-requests allows them)",
        "",
        "Try a config against it:",
        `  export GITLAB_TOKEN=${token}`,
        "  mirrors.yml:",
        "    version: 1",
        "    gitlab:",
        `      url: ${gitlab.url}`,
        "    defaults:",
        `      target: { url: "${gitlab.url}/mirror/{name}.git", token: GITLAB_TOKEN }`,
        "      create_target: true",
        "    mirrors:",
        "      - name: example",
        "        source: https://example.org/your/upstream.git",
        "",
        "Stop with Ctrl-C.",
      ]) {
        world.stdout.write(`${line}\n`);
      }
    }
    await untilAborted(world.signal);
    return 0;
  } finally {
    await gitlab.close();
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  if (signal == null) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
