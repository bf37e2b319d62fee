import { describe, expect, it } from "vitest";
import { isLoopbackHost, parseRepoUrl, repoIdentity, type RepoUrlProblem } from "../src/config/repo-url.ts";

/** The normalised URL, or the problem's name. */
function normalised(written: string): string {
  const result = parseRepoUrl(written);
  return result.ok ? result.value.url : result.problem;
}

describe("parseRepoUrl", () => {
  it.each([
    ["https://gitlab.com/gitlab-org/gitlab.git", "https://gitlab.com/gitlab-org/gitlab.git"],
    ["http://localhost:8080/a.git", "http://localhost:8080/a.git"],
    ["ssh://git@example.com:2222/a.git", "ssh://git@example.com:2222/a.git"],
    ["git://example.com/a.git", "git://example.com/a.git"],
    ["file:///srv/git/a.git", "file:///srv/git/a.git"],
    ["/srv/git/a.git", "/srv/git/a.git"],
    ["  https://example.com/a.git  ", "https://example.com/a.git"],
    ["git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git"],
    ["github.com:org/repo.git", "ssh://github.com/org/repo.git"],
    ["git@example.com:/srv/repo.git", "ssh://git@example.com/srv/repo.git"],
    ["git@example.com:~/repo.git", "ssh://git@example.com/~/repo.git"],
    ["git@[::1]:repo.git", "ssh://git@[::1]/repo.git"],
  ])("accepts %s as %s", (written, url) => {
    expect(normalised(written)).toBe(url);
  });

  it.each<[string, RepoUrlProblem]>([
    ["", "empty"],
    ["   ", "empty"],
    ["https://user:secret@example.com/a.git", "credentials"],
    ["https://glpat-secret@example.com/a.git", "credentials"],
    ["http://:secret@example.com/a.git", "credentials"],
    ["ssh://git:secret@example.com/a.git", "credentials"],
    ["git://user@example.com/a.git", "credentials"],
    ["user:secret@example.com:a.git", "credentials"],
    ["ftp://example.com/a.git", "unsupported-scheme"],
    ["git+ssh://example.com/a.git", "unsupported-scheme"],
    ["ssh:///a.git", "no-host"],
    ["https://exa mple.com/a.git", "invalid"],
    ["example.com:", "relative-path"],
    ["C:\\repos\\a.git", "windows-path"],
    ["c:/repos/a.git", "windows-path"],
    ["C:repo", "windows-path"],
    ["./a.git", "relative-path"],
    ["a.git", "relative-path"],
    ["dir/a:b", "relative-path"],
    ["github.com/org/repo", "relative-path"],
  ])("rejects %j: %s", (written, problem) => {
    expect(normalised(written)).toBe(problem);
  });

  it("reports the unsupported scheme, which holds no secret", () => {
    expect(parseRepoUrl("FTP://example.com/a")).toEqual({
      ok: false,
      problem: "unsupported-scheme",
      scheme: "ftp",
    });
  });
});

describe("repoIdentity", () => {
  function identity(written: string): string {
    const result = parseRepoUrl(written);
    if (!result.ok) throw new Error(`not a URL: ${written}`);
    return repoIdentity(result.value);
  }

  it.each([
    ["https://github.com/org/repo.git", "git@github.com:org/repo"],
    ["https://GitHub.com/org/repo/", "ssh://git@github.com:22/org/repo.git"],
    ["/srv/git/a.git", "file:///srv/git/a"],
    // Default ports: 443 for https, 80 for http, 22 for ssh (scp-style is ssh on 22).
    ["https://example.com:443/a.git", "http://example.com/a"],
    ["git@example.com:a.git", "https://example.com/a"],
    ["https://example.com:8443/a.git", "https://example.com:8443/a"],
    ["http://example.com:8443/a.git", "https://example.com:8443/a"],
    ["ssh://git@example.com:2222/a.git", "ssh://example.com:2222/a"],
  ])("%s is the same repository as %s", (a, b) => {
    expect(identity(a)).toBe(identity(b));
  });

  it.each([
    ["https://github.com/org/repo.git", "https://github.com/org/repo2.git"],
    ["https://github.com/org/repo.git", "https://gitlab.com/org/repo.git"],
    ["https://github.com/org/Repo.git", "https://github.com/org/repo.git"],
    // Two services on one host are two repositories.
    ["http://127.0.0.1:3000/a.git", "http://127.0.0.1:3001/a.git"],
    ["https://example.com/a.git", "https://example.com:8443/a.git"],
    ["ssh://git@example.com:2222/a.git", "git@example.com:a.git"],
    ["ssh://git@example.com:2222/a.git", "https://example.com:2222/a.git"],
  ])("%s is not %s", (a, b) => {
    expect(identity(a)).not.toBe(identity(b));
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["git.localhost", true],
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["[::1]", true],
    ["::1", true],
    ["example.com", false],
    ["localhost.example.com", false],
    ["10.0.0.1", false],
  ])("%s → %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
