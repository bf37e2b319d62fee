/**
 * GitLab's refusals of a push mirror (400s from `POST`/`PUT …/remote_mirrors`) as one plain line
 * naming the mirror, GitLab's own reason, and what to do about it.
 */
import { ToolError } from "../../errors/tool-error.ts";
import { GitLabRefusal } from "../../gitlab/errors.ts";
import { scrubMirrorUrl } from "../../gitlab/mirror-url.ts";

const FIXES: readonly (readonly [RegExp, string])[] = [
  [
    /cannot mirror a repository to itself/i,
    "point the mirror at another repository: a project cannot push to its own",
  ],
  [
    /Maximum number of push mirrors \((\d+)\)/,
    "GitLab allows $1 enabled push mirrors per project: disable or delete one first, or declare this one `enabled: false`",
  ],
  [
    /mirror_branch_regex not valid RE2 syntax/,
    "GitLab matches branch names with RE2, which has no lookaround or backreferences: rewrite mirror_branch_regex (`ci-mirror validate` checks it)",
  ],
  [
    /url is blocked: Requests to (localhost|loopback|the local network|the link local network|the shared address space)/,
    "the host is, or resolves to, a local address and this GitLab does not allow requests to the local network: use a public host, or ask an admin to allow them (Admin area > Settings > Network > Outbound requests)",
  ],
  [/url is blocked/, "use an https://, http://, ssh:// or git:// URL that GitLab accepts"],
  [
    /url has already been taken/,
    "the project already has a push mirror with this URL (credentials do not count): `ci-mirror push-mirrors list` shows it",
  ],
  [/mutually exclusive/, "set only one of only_protected_branches and mirror_branch_regex"],
  [/Invalid SSH host key/, "give host keys as known_hosts lines, or as `<type> <base64>` keys"],
];

/** A GitLabRefusal for one mirror, re-worded; any other error is returned as it is. */
export function mirrorRefusal(error: unknown, project: string, url: string): unknown {
  if (!(error instanceof GitLabRefusal)) return error;
  const reasons = error.reasons.join("; ");
  let fix = "Correct what GitLab names, then run again.";
  for (const [pattern, text] of FIXES) {
    const match = pattern.exec(reasons);
    if (match != null) {
      fix = capitalise(text.replace("$1", match[1] ?? ""));
      break;
    }
  }
  return new ToolError(
    "EGITLABREFUSED",
    `push mirror ${scrubMirrorUrl(url)} of ${project}: GitLab refused it: ${reasons}`,
    { fix, cause: error },
  );
}

function capitalise(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
