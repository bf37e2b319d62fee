import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { expectNoCanary, filesUnder, runTexts } from "./helpers/canary.ts";
import { buildRepo, listRefs, pushLfsObjects, tempDir } from "./helpers/fixtures.ts";
import { startSshServer, sshAvailable } from "./helpers/sshd.ts";
import { TARGET_TOKEN, UPSTREAM_TOKEN, uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

const server = useGitServer();
// CI installs every tool; a developer machine without one skips that suite and says so.
const inCi = process.env.CI != null && process.env.CI !== "" && process.env.CI !== "false";
const hasLfs = (await execa("git", ["lfs", "version"], { reject: false })).exitCode === 0;

describe("secrets", () => {
  it("never puts a token in git's argv, the cache, the output or the reports, yet authenticates", async () => {
    const name = uniqueName("sec");
    const upstream = await server().createRepo(`up/${name}`);
    await buildRepo(upstream, { commits: 3, branches: 2, tags: 1 });
    await server().createRepo(`mirror/${name}`, { flavor: "gitlab", protectedBranches: ["main"] });
    // A git on PATH that records its argv before running the real one.
    const { path: bin } = await tempDir("bin");
    const argvLog = join(bin, "argv.log");
    const realGit = (await execa("sh", ["-c", "command -v git"])).stdout.trim();
    await writeFile(
      join(bin, "git"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`,
    );
    await chmod(join(bin, "git"), 0o755);
    const ws = await workspace({ PATH: `${bin}:${process.env.PATH ?? ""}` });
    await ws.configure([
      { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
    ]);
    server().resetStats();

    const first = await ws.sync("--all", "--report", "report.json", "--junit", "junit.xml");
    const { forceBranch } = await import("./helpers/fixtures.ts");
    await forceBranch(upstream, "main");
    const rejected = await ws.sync("--all", "--report", "report2.json", "--debug");

    expect(first.code).toBe(0);
    expect(rejected.code).toBe(1);
    const authorizations = server().requests.map((request) => request.authorization);
    expect(authorizations).toContain(`Basic ${Buffer.from(`oauth2:${UPSTREAM_TOKEN}`).toString("base64")}`);
    expect(authorizations).toContain(`Basic ${Buffer.from(`oauth2:${TARGET_TOKEN}`).toString("base64")}`);
    const argv = await readFile(argvLog, "utf8");
    expect(argv).toContain("push --porcelain");
    const workspaceFiles = await filesUnder(ws.dir);
    expectNoCanary(
      [UPSTREAM_TOKEN, TARGET_TOKEN],
      [
        { where: "git argv", text: argv },
        ...runTexts("first sync", first),
        ...runTexts("rejected sync", rejected),
        ...workspaceFiles,
      ],
    );
    expect(workspaceFiles.map((file) => file.text).join("\n")).toContain("refs/heads/main");
  });
});

describe.skipIf(!hasLfs && !inCi)("Git LFS", () => {
  it("mirrors the LFS objects before the refs that point at them", async () => {
    const name = uniqueName("lfs");
    const upstream = await server().createRepo(`up/${name}`);
    const built = await buildRepo(upstream, { commits: 2, lfsFiles: 3, lfsFileSize: 4096 });
    await pushLfsObjects(server(), `up/${name}`, built.lfsObjects);
    await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
    const ws = await workspace();
    await ws.configure([
      { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
    ]);

    const run = await ws.sync("--all");

    expect(run.stdout + run.stderr).not.toContain("warning");
    expect(run.code).toBe(0);
    expect(built.lfsObjects.length).toBe(3);
    for (const object of built.lfsObjects)
      expect(server().hasLfsObject(`mirror/${name}`, object.oid)).toBe(true);
  });

  it("warns loudly when a repository uses LFS but lfs is off", async () => {
    const name = uniqueName("lfs-off");
    const upstream = await server().createRepo(`up/${name}`);
    const built = await buildRepo(upstream, { commits: 1, lfsFiles: 1 });
    await pushLfsObjects(server(), `up/${name}`, built.lfsObjects);
    await server().createRepo(`mirror/${name}`);
    const ws = await workspace();
    await ws.configure([
      {
        name,
        source: server().repoUrl(`up/${name}`),
        target: server().repoUrl(`mirror/${name}`),
        extra: ["lfs: false"],
      },
    ]);

    const run = await ws.sync("--all");

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("warning: the repository uses Git LFS but lfs is off");
    expect(server().lfsObjectCount(`mirror/${name}`)).toBe(0);
  });
});

describe.skipIf(!sshAvailable() && !inCi)("SSH upstream", () => {
  it("mirrors over SSH with the given key and known_hosts, and fails closed on an unknown host key", async () => {
    const ssh = await startSshServer();
    try {
      const name = uniqueName("ssh");
      const { path: dir } = await tempDir("ssh-up");
      const upstream = join(dir, "up.git");
      await buildRepo(upstream, { commits: 2, branches: 2, tags: 1 });
      const target = await server().createRepo(`mirror/${name}`);
      const knownHosts = await readFile(ssh.knownHostsFile, "utf8");
      const ws = await workspace({
        SSH_KEY_FILE: ssh.clientKeyFile,
        KNOWN: knownHosts,
        WRONG: ssh.wrongKnownHostsFile,
      });
      const entry = (known: string) => ({
        name,
        source: ssh.repoUrl(upstream),
        target: server().repoUrl(`mirror/${name}`),
        extra: ["ssh_key: SSH_KEY_FILE", `known_hosts: ${known}`],
      });
      const sourceWithoutToken = async (known: string) => {
        const file = await ws.configure([entry(known)]);
        await writeFile(
          file,
          (await readFile(file, "utf8")).replace("    source_token: UPSTREAM_TOKEN\n", ""),
        );
      };

      await sourceWithoutToken("WRONG");
      const refused = await ws.sync("--all");

      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("EHOSTKEY");
      expect(await listRefs(target)).toEqual(new Map());

      await sourceWithoutToken("KNOWN");
      const run = await ws.sync("--all");

      expect(run.code).toBe(0);
      expect(await listRefs(target)).toEqual(await listRefs(upstream));
    } finally {
      await ssh.stop();
    }
  });
});
