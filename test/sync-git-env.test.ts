/**
 * What each git process ci-mirror starts receives in its environment: only the credentials of the
 * endpoint it talks to, and nothing inherited from the job that could change where git sends
 * traffic or what it runs (a pipeline or trigger variable can set any variable).
 */
import { chmod, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tokensIn } from "./helpers/canary.ts";
import { commitOnBranch, listRefs, tempDir } from "./helpers/fixtures.ts";
import { copyRepo, foreignServerForThisTest } from "./helpers/foreign-server.ts";
import { proxyForThisTest } from "./helpers/forward-proxy.ts";
import { gitSpy } from "./helpers/git-spy.ts";
import { mirrorPair, TARGET_TOKEN, UPSTREAM_TOKEN, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

function pair() {
  return mirrorPair(server(), "env", { commits: 3, branches: 2, tags: 1 });
}

describe("credentials per git process", () => {
  it("gives each git process only the token of the endpoint it talks to, and local ones none", async () => {
    const repos = await pair();
    const spy = await gitSpy();
    const ws = await workspace({
      PATH: `${spy.bin}:${process.env.PATH ?? ""}`,
      GITLAB_TOKEN: "gitlab-api-secret-5e1c0a9d",
    });
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);

    // A first mirror (clone from the upstream, push), then a rerun on a fresh runner (the cache is
    // seeded from the target, the upstream's new commit fetched, and pushed).
    expect((await ws.sync("--all")).code).toBe(0);
    await commitOnBranch(repos.upstream, "main", { "next.txt": "next\n" });
    await rm(join(ws.dir, ".ci-mirror"), { recursive: true, force: true });
    const rerun = await ws.sync("--all");

    expect(rerun.code).toBe(0);
    expect(await listRefs(repos.target)).toEqual(await listRefs(repos.upstream));
    const calls = await spy.calls();
    const verbs = (url: string) =>
      calls.filter((call) => call.argv.includes(url)).map((call) => call.argv.split(" ")[0]);
    expect(new Set(verbs(repos.source))).toEqual(new Set(["ls-remote", "clone", "fetch"]));
    expect(new Set(verbs(repos.targetUrl))).toEqual(new Set(["ls-remote", "clone", "push"]));
    for (const call of calls) {
      const env = [...call.env].map(([key, value]) => `${key}=${value}`).join("\n");
      const allowed = call.argv.includes(repos.source)
        ? [UPSTREAM_TOKEN]
        : call.argv.includes(repos.targetUrl)
          ? [TARGET_TOKEN]
          : [];
      const others = [UPSTREAM_TOKEN, TARGET_TOKEN, "gitlab-api-secret-5e1c0a9d"].filter(
        (token) => !allowed.includes(token),
      );
      expect(tokensIn(env, others), `git ${call.argv}`).toEqual([]);
      // The variables that hold the tokens are not passed on at all, not even the endpoint's own.
      for (const name of ["UPSTREAM_TOKEN", "TARGET_TOKEN", "GITLAB_TOKEN"])
        expect(call.env.has(name), `${name} in git ${call.argv}`).toBe(false);
    }
  });
});

describe("the environment git inherits", () => {
  it("keeps pipeline variables from redirecting git, tracing it to files, or running code", async () => {
    const repos = await pair();
    const foreign = await foreignServerForThisTest();
    await copyRepo(foreign, `up/${repos.name}`, repos.upstream);
    await foreign.createRepo(`mirror/${repos.name}`);
    const proxy = await proxyForThisTest();
    const { path: planted } = await tempDir("planted");
    const markers = join(planted, "markers");
    await mkdir(markers);
    // A program that leaves a marker named after itself (and its environment) when anything runs it.
    const marker = async (path: string, name: string) => {
      await writeFile(path, `#!/bin/sh\nenv > '${markers}/${name}'\nexit 1\n`);
      await chmod(path, 0o755);
    };
    await mkdir(join(planted, "template", "hooks"), { recursive: true });
    for (const hook of ["reference-transaction", "post-checkout", "pre-auto-gc"])
      await marker(join(planted, "template", "hooks", hook), `template-${hook}`);
    await mkdir(join(planted, "exec"));
    for (const helper of ["git-remote-http", "git-remote-https", "git-upload-pack", "git-receive-pack"])
      await marker(join(planted, "exec", helper), helper);
    await marker(join(planted, "command"), "command");
    await writeFile(
      join(planted, "global-config"),
      `[url "${foreign.url}/"]\n\tpushInsteadOf = ${server().url}/\n`,
    );
    const traces = join(planted, "traces");
    await mkdir(traces);
    const ws = await workspace({
      // Command-scoped config, both ways git reads it from the environment.
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.proxy",
      GIT_CONFIG_VALUE_0: proxy.url,
      GIT_CONFIG_PARAMETERS: `'url.${foreign.url}/.insteadof'='${server().url}/'`,
      GIT_CONFIG_GLOBAL: join(planted, "global-config"),
      GIT_CONFIG_SYSTEM: join(planted, "global-config"),
      GIT_TEMPLATE_DIR: join(planted, "template"),
      GIT_EXEC_PATH: join(planted, "exec"),
      GIT_SSH_COMMAND: join(planted, "command"),
      GIT_SSH: join(planted, "command"),
      GIT_PROXY_COMMAND: join(planted, "command"),
      GIT_ASKPASS: join(planted, "command"),
      SSH_ASKPASS: join(planted, "command"),
      GIT_EXTERNAL_DIFF: join(planted, "command"),
      GIT_TRACE: join(traces, "trace"),
      GIT_TRACE_CURL: join(traces, "curl"),
      GIT_TRACE_PACKET: join(traces, "packet"),
      GIT_TRACE_REDACT: "0",
      GIT_CURL_VERBOSE: "1",
      GIT_SSL_NO_VERIFY: "1",
      GIT_ALLOW_PROTOCOL: "ext:http:https:file",
    });
    await ws.configure([{ name: repos.name, source: repos.source, target: repos.targetUrl }]);

    const run = await ws.sync("--all", "--report", "report.json");

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(repos.target)).toEqual(await listRefs(repos.upstream));
    expect(foreign.requests).toEqual([]);
    expect(proxy.requests).toEqual([]);
    expect(await readdir(markers)).toEqual([]);
    expect(await readdir(traces)).toEqual([]);
    expect(tokensIn(run.stdout + run.stderr, [UPSTREAM_TOKEN, TARGET_TOKEN])).toEqual([]);
  });
});
