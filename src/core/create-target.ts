import type { GitLabSettings, MirrorConfig } from "../config/types.ts";
import { ToolError } from "../errors/tool-error.ts";
import type { Env } from "../util/env.ts";
import type { GitLabPort } from "../gitlab/port.ts";
import type { Redactor } from "../util/redact.ts";
import { scrubUrlCredentials } from "../util/redact.ts";

/**
 * `create_target`: a mirror whose target project does not exist yet gets it created in its
 * group through the GitLab API, before the first push. The project's path is the target URL's
 * path below the GitLab base URL: `https://gitlab.example.com/mirror/tools/x.git` with base
 * `https://gitlab.example.com` is project `x` in group `mirror/tools`.
 */
/** `defaultBranch`: the upstream's (`refs/heads/main`), made the new project's default branch. */
export type TargetCreator = (mirror: MirrorConfig, defaultBranch: string | undefined) => Promise<string>;

function targetProjectPath(targetUrl: string, gitlabUrl: string): { namespacePath: string; path: string } {
  const target = new URL(targetUrl);
  const base = new URL(gitlabUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  if (target.host !== base.host || !target.pathname.startsWith(`${basePath}/`)) {
    throw new ToolError(
      "ECREATETARGET",
      `the target ${scrubUrlCredentials(targetUrl)} is not on ${gitlabUrl}`,
      { fix: "notOnGitLab" },
    );
  }
  const full = target.pathname
    .slice(basePath.length + 1)
    .replace(/\.git$/, "")
    .replace(/\/+$/, "");
  const cut = full.lastIndexOf("/");
  if (cut <= 0) {
    throw new ToolError("ECREATETARGET", `the target ${scrubUrlCredentials(targetUrl)} names no group`, {
      fix: "noGroup",
    });
  }
  return { namespacePath: full.slice(0, cut), path: full.slice(cut + 1) };
}

/**
 * Builds the creator lazily: the GitLab client (and gitbeaker) is only loaded by a run that
 * actually has a target to create.
 */
export function targetCreator(gitlab: GitLabSettings, env: Env, redactor: Redactor): TargetCreator {
  let port: Promise<{ port: GitLabPort; url: string }> | undefined;
  return async (mirror, defaultBranch) => {
    port ??= (async () => {
      const [{ resolveGitLabSettings }, { createGitLabClient }] = await Promise.all([
        import("../gitlab/settings.ts"),
        import("../gitlab/client.ts"),
      ]);
      const settings = resolveGitLabSettings(gitlab, env, { redactor });
      return { port: createGitLabClient({ ...settings, redactor }), url: settings.url };
    })();
    const { port: api, url } = await port;
    const where = targetProjectPath(mirror.target.url, url);
    const visibility = mirror.createTarget?.visibility ?? "private";
    const created = await api
      .createProject({
        ...where,
        visibility,
        description:
          mirror.createTarget?.description ?? `Mirror of ${scrubUrlCredentials(mirror.source.url)}`,
        // A short name: GitLab ignores a full ref here (gitlab-org/gitlab#516857).
        defaultBranch: defaultBranch?.replace(/^refs\/heads\//, ""),
      })
      .catch((error: unknown) => {
        throw visibilityRefusal(error, `${where.namespacePath}/${where.path}`, visibility);
      });
    return created.pathWithNamespace;
  };
}

// GitLab refuses a project more open than its group ("public is not allowed in a private group.").
function visibilityRefusal(error: unknown, project: string, visibility: string): unknown {
  // By shape, not `instanceof GitLabRefusal`: gitlab/errors.ts would load gitbeaker into every sync.
  const reasons: unknown = error instanceof ToolError && "reasons" in error ? error.reasons : [];
  const reason = (Array.isArray(reasons) ? reasons : []).find(
    (r): r is string => typeof r === "string" && r.startsWith("visibility_level "),
  );
  if (reason == null) return error;
  return new ToolError(
    "ECREATETARGET",
    `cannot create ${project}: GitLab refused it: ${reason.slice("visibility_level ".length)}`,
    { fix: ["visibility", { visibility }], cause: error },
  );
}
