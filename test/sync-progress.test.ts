import { describe, expect, it } from "vitest";
import { commitOnBranch, listRefs } from "./helpers/fixtures.ts";
import { mirrorPair, TARGET_TOKEN, UPSTREAM_TOKEN, useGitServer, workspace } from "./helpers/sync-env.ts";

/** What a long first mirror shows while it runs, and what --debug adds. */
const server = useGitServer();

function pair() {
  return mirrorPair(server(), "p", { commits: 30, branches: 3, tags: 2, bytesPerCommit: 20_000 });
}

describe("progress", () => {
  it("shows git's own progress of a clone and a push: objects, bytes and throughput", async () => {
    const p = await pair();
    const ws = await workspace();
    await ws.configure([{ name: p.name, source: p.source, target: p.targetUrl }]);

    // Every meter change, not one line every few seconds: the transfer here takes milliseconds.
    const run = await ws.sync("--all", "--progress-interval", "0");

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`^\\[${p.name}\\] clone: Receiving objects: +\\d+% \\(\\d+/\\d+\\)`, "m"),
    );
    expect(run.stderr).toMatch(
      /clone: Receiving objects: 100% \(\d+\/\d+\), [\d.]+ [KMG]iB \| [\d.]+ [KMG]iB\/s/,
    );
    expect(run.stderr).toMatch(new RegExp(`^\\[${p.name}\\] push: Writing objects: +\\d+%`, "m"));
    expect(await listRefs(p.target)).toEqual(await listRefs(p.upstream));
  });

  it("is throttled in a log: a short transfer prints no progress line at all", async () => {
    const p = await pair();
    const ws = await workspace();
    await ws.configure([{ name: p.name, source: p.source, target: p.targetUrl }]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/Receiving objects|Writing objects/);
  });
});

describe("--debug", () => {
  it("shows git's commands and their output, never a token", async () => {
    const p = await pair();
    const ws = await workspace();
    await ws.configure([{ name: p.name, source: p.source, target: p.targetUrl }]);
    expect((await ws.sync("--all")).code).toBe(0);
    await commitOnBranch(p.upstream, "main", { "new.txt": "new\n" });

    const run = await ws.sync("--all", "--debug");

    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`[${p.name}] $ git ls-remote --heads --tags -- ${p.source}`);
    expect(run.stderr).toMatch(
      new RegExp(`^\\[${p.name}\\] \\$ git fetch .* -- ${p.source.replace(/[.]/g, "\\.")}$`, "m"),
    );
    // What git answered: the listing's lines, and how each command ended.
    expect(run.stderr).toMatch(/\| [0-9a-f]{40}\trefs\/heads\/main/);
    expect(run.stderr).toMatch(/git push exited 0 in \d+ms/);
    expect(run.stdout + run.stderr).not.toContain(UPSTREAM_TOKEN);
    expect(run.stdout + run.stderr).not.toContain(TARGET_TOKEN);
    expect(run.stdout + run.stderr).not.toContain(Buffer.from(`oauth2:${TARGET_TOKEN}`).toString("base64"));
  });
});
