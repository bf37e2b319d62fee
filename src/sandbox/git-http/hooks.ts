import { writeFile } from "node:fs/promises";
import { join } from "node:path";

const PROTECTED_FILE = "ci-mirror-protected-branches";

// One pre-receive check that decides the whole push, like GitLab's: exit 1 declines every ref.
export const PRE_RECEIVE_HOOK = `#!/bin/sh
# Written by the ci-mirror sandbox server: GitLab-style protected branches.
# The pattern list is a file so the test can change it between pushes.
list="\${GIT_DIR:-.}/${PROTECTED_FILE}"
zero=0000000000000000000000000000000000000000
[ -s "$list" ] || exit 0
while read -r old new ref; do
  case "$ref" in
    refs/heads/*) branch=\${ref#refs/heads/} ;;
    *) continue ;;
  esac
  protected=no
  while IFS= read -r pattern; do
    [ -n "$pattern" ] || continue
    # Unquoted on purpose: the pattern is a glob, and in \`case\` a * also matches '/'.
    case "$branch" in
      $pattern) protected=yes ;;
    esac
  done < "$list"
  [ "$protected" = yes ] || continue
  if [ "$new" = "$zero" ]; then
    echo "GitLab: You can only delete protected branches using the web interface." >&2
    exit 1
  fi
  if [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new"; then
    echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
    exit 1
  fi
done
exit 0
`;

export async function writeProtected(repoDir: string, patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    if (pattern.trim() === "" || /[\r\n]/.test(pattern)) {
      throw new Error(`invalid protected branch pattern: ${JSON.stringify(pattern)}`);
    }
  }
  await writeFile(join(repoDir, PROTECTED_FILE), patterns.map((p) => `${p}\n`).join(""));
}
