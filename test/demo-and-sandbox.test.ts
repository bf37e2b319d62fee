import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";

describe("ci-mirror demo", () => {
  it("runs plan, per-mirror sync, an incremental run, a no-op run and an audit that finds the broken mirror", async () => {
    const { path: dir } = await tempDir("demo");

    const run = await runCli(["demo"], { cwd: dir });

    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("created the target project mirror/tool");
    expect(run.stdout).toMatch(/updated\s+refs\/heads\/main/);
    expect(run.stdout).toMatch(/deleted\s+refs\/heads\/old-experiment/);
    expect(run.stdout).toMatch(/OK\s+tool: up-to-date \(4 up-to-date\)/);
    expect(run.stdout).toMatch(
      /apps\/web\s+http:\/\/\*{5}:\*{5}@127\.0\.0\.1:\d+\/org\/web-archive\.git\s+failed\s+never\s+FAIL/,
    );
    expect(run.stdout).toContain("demo finished: every step did what it should");
    expect(run.stdout).not.toMatch(/demo-[0-9a-f]{24}/);
  }, 120_000);
});

describe("ci-mirror sandbox", () => {
  it("serves a GitLab API with the token it prints, until it is told to stop", async () => {
    const { path: dir } = await tempDir("sandbox");
    const stop = new AbortController();
    let stdout = "";
    let announce: (value: { url: string; token: string }) => void = () => {};
    const printed = new Promise<{ url: string; token: string }>((resolve) => {
      announce = resolve;
    });
    const exitCode = main(["sandbox", "--json"], {
      cwd: dir,
      env: {},
      stdout: {
        write: (chunk: string) => {
          stdout += chunk;
          if (stdout.includes("\n")) announce(JSON.parse(stdout) as { url: string; token: string });
        },
      },
      stderr: { write: () => true },
      signal: stop.signal,
    });

    const { url, token } = await printed;
    const self = await fetch(`${url}/api/v4/personal_access_tokens/self`, {
      headers: { "PRIVATE-TOKEN": token },
    });
    const group = await fetch(`${url}/api/v4/groups/mirror`, { headers: { "PRIVATE-TOKEN": token } });
    stop.abort();

    expect(self.status).toBe(200);
    expect(((await self.json()) as { scopes: string[] }).scopes).toEqual(["api"]);
    expect(group.status).toBe(200);
    expect(await exitCode).toBe(0);
    await expect(fetch(`${url}/api/v4/version`)).rejects.toThrow();
  });
});
