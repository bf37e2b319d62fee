/**
 * The project repositories' pre-receive hook: GitLab's protected-branch checks
 * (gitlab-org/gitlab:lib/gitlab/checks/branch_check.rb), run by git itself so a refused ref
 * reaches the client as `remote: GitLab: <message>` and "pre-receive hook declined".
 * The rules are rewritten before every push, from the project's protected branches, and the
 * pusher's role arrives in GL_SANDBOX_ACCESS (set by the sandbox's git auth).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProtectedBranch } from "./model.ts";

const RULES_FILE = "gitlab-sandbox-protected-branches";
// Access level 0 is "No one"; above any role, admin (60) included.
const NO_ONE = 1000;

// Seeding writes straight into the bare repository: no GL_SANDBOX_ACCESS, no checks.
export const GITLAB_PRE_RECEIVE_HOOK = `#!/bin/sh
# Written by the ci-mirror GitLab sandbox: protected branch rules.
rules="\${GIT_DIR:-.}/${RULES_FILE}"
zero=0000000000000000000000000000000000000000
[ -n "$GL_SANDBOX_ACCESS" ] || exit 0
[ -s "$rules" ] || exit 0
tab=$(printf '\\t')
while read -r old new ref; do
  case "$ref" in
    refs/heads/*) branch=\${ref#refs/heads/} ;;
    *) continue ;;
  esac
  while IFS="$tab" read -r level force pattern; do
    [ -n "$pattern" ] || continue
    # Unquoted on purpose: GitLab's wildcard * also matches '/', as it does in \`case\`.
    case "$branch" in
      $pattern) ;;
      *) continue ;;
    esac
    if [ "$new" = "$zero" ]; then
      echo "GitLab: You can only delete protected branches using the web interface." >&2
      exit 1
    fi
    if [ "$old" != "$zero" ] && [ "$force" != yes ] && ! git merge-base --is-ancestor "$old" "$new"; then
      echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
      exit 1
    fi
    if [ "$GL_SANDBOX_ACCESS" -lt "$level" ]; then
      echo "GitLab: You are not allowed to push code to protected branches on this project." >&2
      exit 1
    fi
  done < "$rules"
done
exit 0
`;

export async function writeProtectedRules(repoDir: string, branches: ProtectedBranch[]): Promise<void> {
  const lines = branches
    .filter((b) => !/[\t\r\n]/.test(b.name))
    .map((b) => {
      const level = b.pushAccessLevel === 0 ? NO_ONE : b.pushAccessLevel;
      return `${level}\t${b.allowForcePush ? "yes" : "no"}\t${b.name}\n`;
    });
  await writeFile(join(repoDir, RULES_FILE), lines.join(""));
}
