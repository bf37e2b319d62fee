/**
 * Proxies from `http_proxy`, `https_proxy` and `no_proxy` reach git: ci-mirror passes its
 * environment on to git, and git's libcurl reads the proxy settings from there. (libcurl takes
 * `http_proxy` in lower case only; `HTTP_PROXY` is ignored because a CGI environment can carry one
 * from a request header. Hence the lower-case names here.)
 *
 * Loopback and proxies: libcurl (7.88 when this was written) has no built-in exception for
 * loopback addresses. With `http_proxy` set, it sends requests for `http://127.0.0.1:…` (and
 * `http://localhost:…`) to the proxy like any other (`GIT_TRACE_CURL=1` shows "Connected to
 * 127.0.0.1 port <proxy port>" and an absolute-URI request line), and only `no_proxy` makes it
 * connect directly. So both the git server and the proxy can stay on 127.0.0.1, and the tests can
 * tell the two cases apart: with the proxy, every request the server answered was one the proxy
 * forwarded; with `no_proxy=127.0.0.1`, the proxy sees nothing. Should a libcurl ever skip the
 * proxy for loopback by itself, the first test fails rather than passing without proving anything.
 */
import { describe, expect, it } from "vitest";
import { listRefs } from "./helpers/fixtures.ts";
import { proxyForThisTest } from "./helpers/forward-proxy.ts";
import { mirrorPair, TARGET_TOKEN, UPSTREAM_TOKEN, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

function pair() {
  return mirrorPair(server(), "p", { commits: 3, branches: 2, tags: 2 });
}

/** The token of a Basic `Authorization` header, whatever user name it was sent with. */
function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic (?<encoded>\S+)$/.exec(header ?? "");
  if (match?.groups?.["encoded"] == null) return undefined;
  const decoded = Buffer.from(match.groups["encoded"], "base64").toString("utf8");
  return decoded.slice(decoded.indexOf(":") + 1);
}

describe("sync behind a proxy", () => {
  it("sends every git request through http_proxy, with the token still attached", async () => {
    const repos = await pair();
    const proxy = await proxyForThisTest();
    const ws = await workspace({ http_proxy: proxy.url });
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    server().resetStats();

    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(await listRefs(repos.upstream));
    const toUpstream = proxy.requests.filter((proxied) => proxied.url.includes(`/up/${repos.name}.git/`));
    const toTarget = proxy.requests.filter((proxied) => proxied.url.includes(`/mirror/${repos.name}.git/`));
    expect(toUpstream.some((proxied) => proxied.url.includes("git-upload-pack"))).toBe(true);
    expect(toTarget.some((proxied) => proxied.url.includes("git-receive-pack"))).toBe(true);
    // Nothing went around the proxy: the server answered exactly the requests the proxy forwarded.
    expect(toUpstream.length + toTarget.length).toBe(proxy.requests.length);
    expect(server().requests.length).toBe(proxy.requests.length);
    // Each side's own token went through the proxy and was accepted: no 401 on the way.
    expect(toUpstream.map((proxied) => basicPassword(proxied.authorization))).toEqual(
      toUpstream.map(() => UPSTREAM_TOKEN),
    );
    expect(toTarget.map((proxied) => basicPassword(proxied.authorization))).toEqual(
      toTarget.map(() => TARGET_TOKEN),
    );
    expect(proxy.requests.every((proxied) => proxied.status >= 200 && proxied.status < 300)).toBe(true);
  });

  it("goes direct for hosts in no_proxy, and the proxy sees nothing", async () => {
    const repos = await pair();
    const proxy = await proxyForThisTest();
    const ws = await workspace({ http_proxy: proxy.url, no_proxy: "127.0.0.1" });
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);
    server().resetStats();

    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(await listRefs(repos.upstream));
    expect(server().requests.length).toBeGreaterThan(0);
    expect(proxy.requests).toEqual([]);
  });

  it("asks https_proxy for a tunnel to an https:// host", async () => {
    const repos = await pair();
    const proxy = await proxyForThisTest();
    const ws = await workspace({ https_proxy: proxy.url });
    // The git server speaks plain HTTP, so nothing could answer this URL directly either.
    const httpsSource = repos.source.replace(/^http:/, "https:");
    const authority = new URL(httpsSource).host;
    await ws.configure([{ name: repos.name, source: httpsSource, target: repos.targetUrl }]);
    server().resetStats();

    const run = await ws.sync("--all", "--retries", "1");

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("CONNECT");
    expect(proxy.tunnels).toContain(authority);
    expect(proxy.tunnels.every((tunnel) => tunnel === authority)).toBe(true);
    // The refused tunnel was the only way in: the upstream was never reached.
    expect(server().requests.some((recorded) => recorded.repo === `up/${repos.name}`)).toBe(false);
    expect(await listRefs(repos.target)).toEqual(new Map());
  });
});
