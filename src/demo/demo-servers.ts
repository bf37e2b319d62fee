import {
  manualClock,
  startGitLabSandbox,
  startGitServer,
  type GitLabSandbox,
  type GitServer,
} from "../sandbox/index.ts";
import type { Env } from "../util/env.ts";

const DEMO_HISTORY_MS = 20 * 60_000;

/**
 * The demo's world: an upstream host like GitHub (plain smart HTTP with a read token) and a
 * local GitLab, whose API token also pushes over git. `seedPushMirrors` gives GitLab two push
 * mirrors of its own, one healthy and one with a revoked credential, for the audit to find.
 */
export interface DemoServers {
  upstreams: GitServer;
  gitlab: GitLabSandbox;
  /** Variables the demo's commands see: tokens by the names the config uses. */
  env: Record<string, string>;
  config(): string;
  /** Creates and runs the push mirrors of project apps/web; returns the broken one's description. */
  seedPushMirrors(): Promise<string>;
  close(): Promise<void>;
}

/** `env` is the CLI's: the servers' git finds its programs on its PATH. */
export async function startDemoServers(root: string, secret: string, env: Env): Promise<DemoServers> {
  const upstreamToken = `${secret}-upstream`;
  const upstreams = await startGitServer({ env, root, tokens: { [upstreamToken]: "write" } });
  // The demo's upstreams and mirror targets are on loopback: GitLab's "allow requests to the
  // local network" setting, which the sandbox models, must be on. GitLab runs a push mirror's
  // update in the background and retries a failing one 5 minutes apart; the demo's GitLab lives
  // on a clock of its own, started 20 minutes ago, and moves it on through those waits.
  const gitlab = await startGitLabSandbox({
    env,
    allowLocalRequests: true,
    clock: manualClock(new Date(Date.now() - DEMO_HISTORY_MS)),
  });
  const bot = gitlab.addUser("mirror-bot");
  gitlab.addGroup("mirror");
  gitlab.addGroup("apps");
  gitlab.addMember("mirror", "mirror-bot", 40);
  gitlab.addMember("apps", "mirror-bot", 40);
  const gitlabToken = gitlab.addToken(bot, { scopes: ["api"], name: "ci-mirror demo" });

  return {
    upstreams,
    gitlab,
    env: { DEMO_UPSTREAM_TOKEN: upstreamToken, DEMO_GITLAB_TOKEN: gitlabToken },
    config: () =>
      [
        "version: 1",
        "gitlab:",
        `  url: ${gitlab.url}`,
        "  token: DEMO_GITLAB_TOKEN",
        "defaults:",
        "  target:",
        `    url: ${gitlab.url}/mirror/{name}.git`,
        "    token: DEMO_GITLAB_TOKEN",
        "  create_target: true",
        "mirrors:",
        "  - name: tool",
        `    source: ${upstreams.repoUrl("org/tool")}`,
        "    source_token: DEMO_UPSTREAM_TOKEN",
        "  - name: lib",
        `    source: ${upstreams.repoUrl("org/lib")}`,
        "    source_token: DEMO_UPSTREAM_TOKEN",
        "audit:",
        "  groups: [apps]",
        "",
      ].join("\n"),
    seedPushMirrors: async () => {
      gitlab.addProject("apps", "web");
      await gitlab.commitFiles("apps/web", "main", { "index.html": "<h1>web</h1>\n" }, "Initial commit");
      await upstreams.createRepo("org/web-copy");
      await upstreams.createRepo("org/web-archive");
      const healthy = gitlab.addRemoteMirror("apps/web", {
        url: withCredentials(upstreams.repoUrl("org/web-copy"), upstreamToken),
        enabled: true,
      });
      const broken = gitlab.addRemoteMirror("apps/web", {
        url: withCredentials(upstreams.repoUrl("org/web-archive"), "revoked-credential"),
        enabled: true,
      });
      // A sync only enqueues the update; waiting for it moves the sandbox's clock through
      // GitLab's delays, the broken mirror's three retries included.
      for (const mirror of [healthy, broken]) {
        await fetch(`${gitlab.url}/api/v4/projects/apps%2Fweb/remote_mirrors/${mirror.id}/sync`, {
          method: "POST",
          headers: { "PRIVATE-TOKEN": gitlabToken },
          redirect: "error",
        });
        await gitlab.waitForMirror("apps/web", mirror.id);
      }
      return `apps/web → ${new URL(upstreams.repoUrl("org/web-archive")).pathname} with a revoked credential; GitLab retried it three times, 5 minutes apart, then marked it failed`;
    },
    close: async () => {
      await gitlab.close();
      await upstreams.close();
    },
  };
}

function withCredentials(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.username = "oauth2";
  parsed.password = token;
  return parsed.toString();
}
