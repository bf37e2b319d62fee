/**
 * A source or target that answers with a redirect to another server. git would follow it and then
 * send the endpoint's Authorization header (configured for the URL in the config) to the new host
 * for the rest of the conversation. ci-mirror refuses redirects for any endpoint it holds
 * credentials for, says where the server tried to send it, and the other server hears nothing.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GitServer } from "./helpers/sandbox.ts";
import { tokensIn } from "./helpers/canary.ts";
import { buildRepo, commitOnBranch, listRefs } from "./helpers/fixtures.ts";
import { copyRepo, foreignServerForThisTest } from "./helpers/foreign-server.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();

/** An upstream, its target, and a foreign server that holds copies of both, ready to be redirected to. */
async function setup() {
  const name = uniqueName("redir");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 3, branches: 2, tags: 1 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  const foreign = await foreignServerForThisTest();
  await copyRepo(foreign, `up/${name}`, upstream);
  await foreign.createRepo(`mirror/${name}`);
  const ws = await workspace();
  await ws.configure([
    { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
  ]);
  return { name, upstream, target, foreign, ws };
}

async function expectRefusedAndUnheard(
  run: { code: number; stdout: string; stderr: string },
  foreign: GitServer,
  ws: { dir: string },
  repo: string,
): Promise<void> {
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stdout).toContain("EGITREDIRECT");
  // Where the server tried to send us, so a moved repository is easy to tell from an attack.
  expect(run.stdout).toContain(`${foreign.url}/${repo}.git`);
  expect(foreign.requests).toEqual([]);
  const report = await readFile(join(ws.dir, "report.json"), "utf8");
  expect(tokensIn(run.stdout + run.stderr + report, [UPSTREAM_TOKEN, TARGET_TOKEN])).toEqual([]);
}

describe("redirects", () => {
  it("refuses an upstream that redirects its listing elsewhere", async () => {
    const s = await setup();
    server().inject({
      repo: `up/${s.name}`,
      kind: "redirect",
      location: s.foreign.url,
      times: Infinity,
    });

    const run = await s.ws.sync("--all", "--report", "report.json");

    server().clearFaults();
    await expectRefusedAndUnheard(run, s.foreign, s.ws, `up/${s.name}`);
    expect(await listRefs(s.target)).toEqual(new Map());
  });

  it("refuses an upstream that redirects the fetch after an ordinary listing", async () => {
    const s = await setup();
    expect((await s.ws.sync("--all")).code).toBe(0);
    await commitOnBranch(s.upstream, "main", { "next.txt": "next\n" });
    const before = await listRefs(s.target);
    // The listing's info/refs is served; the fetch's is redirected.
    server().inject({
      repo: `up/${s.name}`,
      on: "info-refs",
      kind: "redirect",
      location: s.foreign.url,
      status: 301,
      skip: 1,
      times: Infinity,
    });

    const run = await s.ws.sync("--all", "--report", "report.json");

    server().clearFaults();
    await expectRefusedAndUnheard(run, s.foreign, s.ws, `up/${s.name}`);
    expect(await listRefs(s.target)).toEqual(before);
  });

  it("refuses a target that redirects its listing elsewhere", async () => {
    const s = await setup();
    server().inject({
      repo: `mirror/${s.name}`,
      kind: "redirect",
      location: s.foreign.url,
      status: 308,
      times: Infinity,
    });

    const run = await s.ws.sync("--all", "--report", "report.json");

    server().clearFaults();
    await expectRefusedAndUnheard(run, s.foreign, s.ws, `mirror/${s.name}`);
    expect(await listRefs(s.target)).toEqual(new Map());
  });

  it("refuses a target that redirects the push elsewhere", async () => {
    const s = await setup();
    server().inject({
      repo: `mirror/${s.name}`,
      kind: "redirect",
      service: "git-receive-pack",
      location: s.foreign.url,
      status: 307,
      times: Infinity,
    });

    const run = await s.ws.sync("--all", "--report", "report.json");

    server().clearFaults();
    await expectRefusedAndUnheard(run, s.foreign, s.ws, `mirror/${s.name}`);
    expect(await listRefs(s.target)).toEqual(new Map());
    expect(await listRefs(join(s.foreign.root, `mirror/${s.name}.git`))).toEqual(new Map());
  });

  it("follows a public upstream that moved: without credentials there is nothing to leak", async () => {
    const s = await setup();
    const file = join(s.ws.dir, "mirrors.yml");
    await writeFile(file, (await readFile(file, "utf8")).replace("    source_token: UPSTREAM_TOKEN\n", ""));
    s.foreign.setPublicRead(`up/${s.name}`, true);
    server().inject({ repo: `up/${s.name}`, kind: "redirect", location: s.foreign.url, times: Infinity });

    const run = await s.ws.sync("--all");

    server().clearFaults();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await listRefs(s.target)).toEqual(await listRefs(s.upstream));
    expect(s.foreign.requests.length).toBeGreaterThan(0);
    expect(s.foreign.requests.map((request) => request.authorization)).toEqual(
      s.foreign.requests.map(() => undefined),
    );
  });
});
