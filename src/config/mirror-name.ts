/** Mirror names become GitLab job names and cache directory names, hence the narrow alphabet. */
const MIRROR_NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const MAX_MIRROR_NAME_LENGTH = 63;

/** Why `name` cannot name a mirror, or undefined when it can. */
export function mirrorNameProblem(name: string): string | undefined {
  if (name === "") return "the mirror name is empty";
  if (!MIRROR_NAME.test(name)) {
    return "mirror names start with a letter or digit and use only letters, digits, `.`, `_` and `-` (they become job and directory names)";
  }
  if (name.length > MAX_MIRROR_NAME_LENGTH) {
    return `mirror names are at most ${MAX_MIRROR_NAME_LENGTH} characters; this one has ${name.length}`;
  }
  return undefined;
}
