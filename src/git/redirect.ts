import { GitError } from "../errors/git-error.ts";

export type GitService = "git-upload-pack" | "git-receive-pack";

// The question is asked only after git failed; a server that does not answer it soon is not
// worth holding the run for.
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Run a git call that talks to `url`. git is told not to follow redirects for endpoints that
 * carry credentials, and then says only "returned error: 302": in that case the server is asked
 * once more, without credentials and without following, where it meant to send us, so the error
 * names the place (a moved repository is told apart from a server sending tokens elsewhere).
 */
export async function namingRedirects<T>(
  url: string,
  service: GitService,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof GitError) || error.kind !== "redirect") throw error;
    const status = /returned error: (?<status>30\d)/.exec(error.message)?.groups?.status ?? "30x";
    const location = await redirectLocation(url, service);
    const where = location == null ? "elsewhere" : `to ${location}`;
    throw new GitError(
      "redirect",
      error.verb,
      `git ${error.verb} refused a redirect: ${url} answered HTTP ${status}, ${where}`,
      { cause: error },
    );
  }
}

/**
 * Where `url` redirects git's first request, as the repository base URL git would move to; or
 * undefined when it does not say (or does not redirect this request).
 */
async function redirectLocation(url: string, service: GitService): Promise<string | undefined> {
  if (!/^https?:\/\//i.test(url)) return undefined;
  const suffix = `/info/refs?service=${service}`;
  const asked = `${url.replace(/\/+$/, "")}${suffix}`;
  try {
    const response = await fetch(asked, {
      redirect: "manual",
      headers: { "user-agent": "git/ci-mirror" },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || location == null) return undefined;
    const absolute = new URL(location, asked).href;
    return absolute.endsWith(suffix) ? absolute.slice(0, -suffix.length) : absolute;
  } catch {
    return undefined;
  }
}
