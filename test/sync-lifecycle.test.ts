import { existsSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { LOCK_FILE } from "../src/util/cache-lock.ts";
import { buildRepo, listRefs } from "./helpers/fixtures.ts";
import { killProcessesUnder, processesUnder, within } from "./helpers/processes.ts";
import { uniqueName, useGitServer, workspace, type Workspace } from "./helpers/sync-env.ts";

const server = useGitServer();
const workspaces: string[] = [];

afterEach(async () => {
  server().clearFaults();
  for (const dir of workspaces.splice(0)) await killProcessesUnder(dir);
});

async function pair() {
  const name = uniqueName("life");
  const upstream = await server().createRepo(`up/${name}`);
  await buildRepo(upstream, { commits: 5, branches: 2, tags: 1 });
  const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
  return {
    name,
    upstream,
    target,
    entry: { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
  };
}

async function trackedWorkspace(): Promise<Workspace & { real: string }> {
  const ws = await workspace();
  const real = await realpath(ws.dir);
  workspaces.push(real);
  return { ...ws, real };
}

describe("a host that stalls", () => {
  it("sync --all --timeout ends, syncs the healthy mirror, writes the report and leaves no git behind", async () => {
    const ws = await trackedWorkspace();
    const healthy = await pair();
    const stalled = await pair();
    await ws.configure([healthy.entry, stalled.entry]);
    // Every request to the stalled upstream is taken and never answered.
    server().inject({ repo: `up/${stalled.name}`, kind: "stall", times: Infinity });

    const run = await within(
      30_000,
      ws.sync("--all", "--timeout", "0.02", "--retries", "1", "--report", "report.json"),
      "sync --all against a stalled host",
    );

    expect(run.code).toBe(1);
    expect(await listRefs(healthy.target)).toEqual(await listRefs(healthy.upstream));
    const report = JSON.parse(await readFile(join(ws.dir, "report.json"), "utf8")) as RunReport;
    const byName = new Map(report.mirrors.map((mirror) => [mirror.name, mirror]));
    expect(byName.get(healthy.name)?.status).toBe("synced");
    expect(byName.get(stalled.name)?.status).toBe("failed");
    expect(byName.get(stalled.name)?.error?.code).toBe("EGITTIMEOUT");
    expect(await processesUnder(ws.real)).toEqual([]);
    expect(existsSync(join(ws.dir, ".ci-mirror/cache", LOCK_FILE))).toBe(false);
  });
});
