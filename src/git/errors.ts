import { GitError } from "../errors/git-error.ts";

/**
 * Translate a failed git process into a GitError whose kind decides retry and whose message
 * a person can act on. The patterns are git's and libcurl's own English messages (we run git
 * with LC_ALL=C so they are stable). Messages never include argv or URLs with secrets: argv
 * holds none by design, and everything printed is redacted again on the way out.
 */
interface FailureLike {
  stderr?: unknown;
  timedOut?: boolean;
  code?: string;
  exitCode?: number;
  shortMessage?: string;
  /** Where git ran: the cache repository, or the cache dir for a clone. */
  cwd?: string;
}

// git's and libcurl's words for each kind of failure; the fix for each is in the catalog.
const PATTERNS: ReadonlyArray<{ kind: GitError["kind"]; test: RegExp }> = [
  {
    kind: "host-key",
    test: /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i,
  },
  {
    // http.followRedirects=false (credentials.ts): git stops at the redirect and says only this.
    kind: "redirect",
    test: /The requested URL returned error: 30[0-8]\b/,
  },
  {
    kind: "auth",
    test: /Authentication failed|could not read (Username|Password)|HTTP Basic: Access denied|returned error: 40[13]\b|Permission denied \(publickey|Permission denied, please try again|terminal prompts disabled|access denied|not authorized/i,
  },
  {
    kind: "not-found",
    test: /repository '.*' not found|returned error: 404\b|does not appear to be a git repository|Repository not found|No such file or directory/i,
  },
  {
    kind: "shallow",
    test: /shallow update not allowed|is a shallow repository/i,
  },
  {
    kind: "transient",
    test: /returned error: 5\d\d\b|RPC failed|early EOF|unexpected disconnect|the remote end hung up|Connection reset|Connection refused|Connection timed out|Operation timed out|Could not resolve host|Failed to connect|transfer closed|remote end hung up|SSL_read|GnuTLS recv error|curl \d+ |fetch-pack: invalid index-pack output|index-pack failed|protocol error: bad pack header|Empty reply from server/i,
  },
];

export function classifyGitFailure(verb: string, error: unknown): GitError {
  const failure = (error ?? {}) as FailureLike;
  const stderr = typeof failure.stderr === "string" ? failure.stderr : "";
  const detail = lastMeaningfulLine(stderr);
  const words = gitWords(stderr);
  if (failure.code === "ENOENT") {
    return new GitError("missing-tool", verb, "git is not installed or not on PATH", { cause: error });
  }
  if (failure.timedOut === true) {
    return new GitError("timeout", verb, `git ${verb} timed out`, { cause: error, detail: words });
  }
  // Before the network patterns: git follows a failed write with "index-pack failed", which
  // would read as a broken connection and be retried, to fail the same way each time.
  const full = ownLines(stderr).findLast((line) => DISK_FULL.test(line));
  if (full !== undefined) {
    const where = failure.cwd ?? "the cache dir";
    return new GitError("disk-full", verb, `git ${verb} failed: ${full.replace(/^(fatal|error):\s*/, "")}`, {
      fix: ["git", { where }],
      cause: error,
      detail: words,
    });
  }
  for (const pattern of PATTERNS) {
    if (pattern.test.test(stderr)) {
      return new GitError(pattern.kind, verb, `git ${verb} failed: ${detail}`, {
        cause: error,
        detail: words,
      });
    }
  }
  const exit = typeof failure.exitCode === "number" ? ` (exit ${failure.exitCode})` : "";
  return new GitError("other", verb, `git ${verb} failed${exit}: ${detail || "no error output"}`, {
    cause: error,
    detail: words,
  });
}

const DISK_FULL = /No space left on device|Disk quota exceeded/i;

/**
 * The lines git wrote about this machine, without those it relays from the server (`remote: …`,
 * `remote unpack failed: …`, `[remote rejected]`): a server's full disk is not ours, and a hostile
 * one must not be able to make us say so.
 */
function ownLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^remote[:\s]|remote (error|rejected|unpack failed)/i.test(line));
}

export type RemoteSide = "upstream" | "target";

// What to do depends on which side failed: the catalog has each side's fix for these.
const SIDED: ReadonlySet<GitError["kind"]> = new Set(["auth", "not-found", "host-key"]);

/**
 * The same failure, told as the failure of one side: which side and URL (config URLs never hold
 * credentials, and output is redacted anyway), git's own words, and a fix for that side.
 */
export function onSide(error: GitError, side: RemoteSide, url: string): GitError {
  return new GitError(error.kind, error.verb, `${side} ${url}: ${error.message}`, {
    fix: SIDED.has(error.kind) ? side : error.fixChoice,
    cause: error,
    detail: error.detail,
  });
}

// git's progress meters: how far it got, never why it failed.
const PROGRESS =
  /^(remote: )?(Enumerating objects|Counting objects|Compressing objects|Receiving objects|Resolving deltas|Writing objects|Total \d|Delta compression|Unpacking objects|Checking connectivity|Cloning into|Updating files)/;
const MAX_WORDS = 6;

/**
 * git's last few meaningful lines, as it wrote them: one line often says too little
 * ("Could not read from remote repository.") where the line before it says why ("'…' does not
 * appear to be a git repository"). A progress meter rewrites its line with CR: only its last
 * state counts, and meters are left out.
 */
export function gitWords(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => (line.split("\r").findLast((part) => part.trim() !== "") ?? "").trim())
    .filter((line) => line.length > 0 && !PROGRESS.test(line))
    .slice(-MAX_WORDS);
}

/** git's last `fatal:`/`error:` line says what went wrong; progress lines before it do not. */
function lastMeaningfulLine(stderr: string): string {
  const candidates = stderr
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const fatal = candidates.filter((line) => /^(fatal|error):/.test(line));
  const chosen = fatal.at(-1) ?? candidates.at(-1) ?? "";
  return chosen.replace(/^(fatal|error):\s*/, "");
}
