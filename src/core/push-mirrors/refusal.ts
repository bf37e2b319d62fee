/**
 * GitLab's refusals of a push mirror (400s from `POST`/`PUT …/remote_mirrors`) as one plain line
 * naming the mirror, GitLab's own reason, and what to do about it.
 */
import type { FixChoice } from "../../errors/catalog.ts";
import { ToolError } from "../../errors/tool-error.ts";
import { GitLabRefusal } from "../../gitlab/errors.ts";
import { scrubMirrorUrl } from "../../gitlab/mirror-url.ts";

// GitLab's words → the catalog's fix for them (EGITLABREFUSED's variants).
const FIXES: readonly (readonly [RegExp, (match: RegExpExecArray) => FixChoice<"EGITLABREFUSED">])[] = [
  [/cannot mirror a repository to itself/i, () => "itself"],
  [/Maximum number of push mirrors \((\d+)\)/, (match) => ["tooMany", { max: match[1] ?? "" }]],
  [/mirror_branch_regex not valid RE2 syntax/, () => "re2"],
  [
    /url is blocked: Requests to (localhost|loopback|the local network|the link local network|the shared address space)/,
    () => "localNetwork",
  ],
  [/url is blocked/, () => "blockedUrl"],
  [/url has already been taken/, () => "taken"],
  [/mutually exclusive/, () => "exclusive"],
  [/Invalid SSH host key/, () => "hostKey"],
];

/** A GitLabRefusal for one mirror, re-worded; any other error is returned as it is. */
export function mirrorRefusal(error: unknown, project: string, url: string): unknown {
  if (!(error instanceof GitLabRefusal)) return error;
  const reasons = error.reasons.join("; ");
  let fix: FixChoice<"EGITLABREFUSED"> | undefined;
  for (const [pattern, choose] of FIXES) {
    const match = pattern.exec(reasons);
    if (match != null) {
      fix = choose(match);
      break;
    }
  }
  return new ToolError(
    "EGITLABREFUSED",
    `push mirror ${scrubMirrorUrl(url)} of ${project}: GitLab refused it: ${reasons}`,
    { fix, cause: error },
  );
}
