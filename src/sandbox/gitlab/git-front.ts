/**
 * Git over smart HTTP on the sandbox's own base URL, so `http_url_to_repo`
 * (`<url>/<full_path>.git`) works. Requests are handed to the git sandbox server (a real
 * `git http-backend`), where each project's bare repository lives under `p/<id>` so renames and
 * case-insensitive paths need no moves; GitLab's own access rules decide through its auth hook.
 */
import { request } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxGitEnv, runGit } from "../git.ts";
import { startGitServer } from "../git-http/server.ts";
import type { GitServer } from "../git-http/types.ts";
import type { Env } from "../../util/env.ts";
import { settleDefaultBranch } from "./default-branch.ts";
import { authorizeGit } from "./git-auth.ts";
import { GITLAB_PRE_RECEIVE_HOOK, writeProtectedRules } from "./git-hook.ts";
import type { Project } from "./model.ts";
import { projectByPath } from "./store.ts";
import type { Store } from "./store.ts";

export interface GitFront {
  /** True when the request is for a repository rather than the API. */
  handles(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): void;
  repoDir(project: Project): Promise<string>;
  readonly gitEnv: Env;
  close(): Promise<void>;
}

const GIT_PATH = /^\/(?!api\/)(.+?)\.git(\/.*)?$/;

export async function startGitFront(options: {
  /** Whose PATH the sandbox's git runs with. */
  env: Env | undefined;
  store: Store;
  now: () => Date;
  /** Called after a push that changed branches or tags (post-receive's update_remote_mirrors). */
  onRefsChanged: (project: Project) => void;
}): Promise<GitFront> {
  const { store } = options;
  const home = await mkdtemp(join(tmpdir(), "ci-mirror-gl-home-"));
  const gitEnv = sandboxGitEnv(options.env, home, { name: "GitLab Sandbox", email: "sandbox@example.com" });
  const repos = new Map<number, Promise<string>>();
  const server: GitServer = await startGitServer({
    ...(options.env == null ? {} : { env: options.env }),
    authorize: async (req) => {
      const id = /^p\/(\d+)$/.exec(req.repo)?.[1];
      const project = store.projects.find((p) => String(p.id) === id);
      const decision = authorizeGit(store, project, req, options.now());
      // The rules the pre-receive hook enforces are the project's current ones.
      if (project != null && "access" in decision && req.need === "write") {
        await writeProtectedRules(await repoDir(project), project.protectedBranches);
      }
      return decision;
    },
  });

  function repoDir(project: Project): Promise<string> {
    let repo = repos.get(project.id);
    if (repo == null) {
      repo = server.createRepo(`p/${project.id}`, {
        flavor: "gitlab",
        defaultBranch: project.defaultBranch,
        preReceiveHook: GITLAB_PRE_RECEIVE_HOOK,
      });
      repos.set(project.id, repo);
    }
    return repo;
  }

  async function refSnapshot(dir: string): Promise<string> {
    const result = await runGit(["for-each-ref", "refs/heads", "refs/tags"], { cwd: dir, env: gitEnv });
    return result.stdout;
  }

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? "/", "http://sandbox");
    const match = GIT_PATH.exec(parsed.pathname);
    const project = projectByPath(store, match?.[1] ?? "");
    // Unknown projects still go through auth (p/0 never exists): 401 first, then 404.
    const target = `/p/${project?.id ?? 0}.git${match?.[2] ?? ""}${parsed.search}`;
    const pushing = project != null && parsed.pathname.endsWith("/git-receive-pack") && req.method === "POST";
    const dir = project == null ? undefined : await repoDir(project);
    const before = pushing && dir != null ? await refSnapshot(dir) : undefined;
    const upstream = request(`${server.url}${target}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
    if (before == null || dir == null || project == null) return;
    res.on("finish", () => {
      void refSnapshot(dir).then(async (after) => {
        if (after === before) return;
        await settleDefaultBranch(dir, project, gitEnv);
        options.onRefsChanged(project);
      });
    });
  }

  return {
    gitEnv,
    handles: (req) => GIT_PATH.test(new URL(req.url ?? "/", "http://sandbox").pathname),
    serve(req, res) {
      forward(req, res).catch(() => res.destroy());
    },
    repoDir,
    async close() {
      await server.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
