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
    // GitLab's defaults: local requests are not allowed, so a push mirror to loopback is refused.
    const project = await fetch(`${url}/api/v4/projects`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": token, "content-type": "application/json" },
      body: JSON.stringify({ name: "app" }),
    });
    const projectId = ((await project.json()) as { id: number }).id;
    const mirror = await fetch(`${url}/api/v4/projects/${projectId}/remote_mirrors`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": token, "content-type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:9/x.git" }),
    });
    stop.abort();

    expect(JSON.parse(stdout)).toMatchObject({ allowLocalRequests: false });
    expect(mirror.status).toBe(400);
    expect(await mirror.json()).toEqual({
      message: { url: ["is blocked: Requests to localhost are not allowed"] },
    });

    expect(self.status).toBe(200);
    expect(((await self.json()) as { scopes: string[] }).scopes).toEqual(["api"]);
    expect(group.status).toBe(200);
    expect(await exitCode).toBe(0);
    await expect(fetch(`${url}/api/v4/version`)).rejects.toThrow();
  });

  it("says which local-request setting it runs with, and takes --allow-local-requests", async () => {
    const { path: dir } = await tempDir("sandbox-text");
    for (const [args, expected] of [
      [[], "local requests: not allowed, GitLab's default"],
      [["--allow-local-requests"], "local requests: allowed (--allow-local-requests)"],
    ] as const) {
      const stop = new AbortController();
      let stdout = "";
      let announce: () => void = () => {};
      const printed = new Promise<void>((resolve) => {
        announce = resolve;
      });
      const exitCode = main(["sandbox", ...args], {
        cwd: dir,
        env: {},
        stdout: {
          write: (chunk: string) => {
            stdout += chunk;
            if (stdout.includes("Stop with Ctrl-C")) announce();
          },
        },
        stderr: { write: () => true },
        signal: stop.signal,
      });
      await printed;
      stop.abort();
      expect(await exitCode).toBe(0);
      expect(stdout).toContain(expected);
    }
  });
});
