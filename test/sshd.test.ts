import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HERMETIC_GIT_ENV, gitIdentity } from "./helpers/sandbox.ts";
import { shellQuote } from "../src/util/shell-quote.ts";
import { sshAvailable, startSshServer } from "./helpers/sshd.ts";
import type { SshServer } from "./helpers/sshd.ts";

/** The exact ssh invocation ci-mirror relies on: no agent, no user config, fail closed on host keys. */
function gitSshCommand(keyFile: string, knownHostsFile: string): string {
  return [
    "ssh -F /dev/null",
    `-i ${shellQuote(keyFile)}`,
    "-o IdentitiesOnly=yes",
    `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
    "-o StrictHostKeyChecking=yes",
    "-o BatchMode=yes",
  ].join(" ");
}

describe.skipIf(!sshAvailable())("hermetic sshd test server", () => {
  let server: SshServer;
  let work: string;
  let home: string;
  let bare: string;
  let initialCommit: string;

  /** A fully specified environment, so neither git nor ssh picks up anything from the machine or the user. */
  function gitEnv(keyFile: string, knownHostsFile: string): Record<string, string> {
    return {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: home,
      LC_ALL: "C",
      ...HERMETIC_GIT_ENV,
      ...gitIdentity("ci-mirror test", "test@ci-mirror.invalid"),
      GIT_SSH_COMMAND: gitSshCommand(keyFile, knownHostsFile),
    };
  }

  function git(args: readonly string[], keyFile: string, knownHostsFile: string) {
    return execa("git", args, {
      env: gitEnv(keyFile, knownHostsFile),
      extendEnv: false,
      reject: false,
      stdin: "ignore",
    });
  }

  function localGit(args: readonly string[]) {
    return git(args, server.clientKeyFile, server.knownHostsFile);
  }

  beforeAll(async () => {
    server = await startSshServer();
    work = await mkdtemp(join(tmpdir(), "ci-mirror-sshd-test-"));
    home = join(work, "home");
    await mkdir(home);
    bare = join(work, "origin.git");
    expect((await localGit(["init", "--quiet", "--bare", "--initial-branch=main", bare])).exitCode).toBe(0);
    // A commit made directly in the bare repo: an empty tree is enough to have a ref to list.
    const tree = (await localGit(["-C", bare, "mktree"])).stdout.trim();
    initialCommit = (await localGit(["-C", bare, "commit-tree", "-m", "initial", tree])).stdout.trim();
    expect(initialCommit).toMatch(/^[0-9a-f]{40,64}$/);
    expect((await localGit(["-C", bare, "update-ref", "refs/heads/main", initialCommit])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await server?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it("lists refs over ssh with the authorised key and the right host key", async () => {
    const url = server.repoUrl(bare);
    expect(url).toBe(`ssh://${userInfo().username}@127.0.0.1:${server.port}${bare}`);

    const result = await git(["ls-remote", url], server.clientKeyFile, server.knownHostsFile);

    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`${initialCommit}\trefs/heads/main`);
    expect(result.stdout).toContain(`${initialCommit}\tHEAD`);
  });

  it("fails closed when the host key does not match known_hosts", async () => {
    const result = await git(
      ["ls-remote", server.repoUrl(bare)],
      server.clientKeyFile,
      server.wrongKnownHostsFile,
    );

    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `Host key for [127.0.0.1]:${server.port} has changed and you have requested strict checking.`,
    );
    expect(result.stderr).toContain("Host key verification failed.");
  });

  it("fails closed when the host is not in known_hosts at all", async () => {
    const emptyKnownHosts = join(work, "empty_known_hosts");
    await writeFile(emptyKnownHosts, "");

    const result = await git(["ls-remote", server.repoUrl(bare)], server.clientKeyFile, emptyKnownHosts);

    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `No ED25519 host key is known for [127.0.0.1]:${server.port} and you have requested strict checking.`,
    );
    expect(result.stderr).toContain("Host key verification failed.");
  });

  it("rejects a key that is not authorised", async () => {
    const result = await git(
      ["ls-remote", server.repoUrl(bare)],
      server.unauthorisedKeyFile,
      server.knownHostsFile,
    );

    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${userInfo().username}@127.0.0.1: Permission denied (publickey).`);
  });

  it("pushes over ssh", async () => {
    const clone = join(work, "clone");
    const url = server.repoUrl(bare);
    expect((await localGit(["clone", "--quiet", url, clone])).exitCode).toBe(0);
    expect(
      (await localGit(["-C", clone, "commit", "--quiet", "--allow-empty", "-m", "second"])).exitCode,
    ).toBe(0);
    const head = (await localGit(["-C", clone, "rev-parse", "HEAD"])).stdout.trim();

    const push = await localGit(["-C", clone, "push", "--quiet", "origin", "HEAD:refs/heads/feature"]);

    expect(push.stderr).toBe("");
    expect(push.exitCode).toBe(0);
    const pushed = await localGit(["-C", bare, "rev-parse", "refs/heads/feature"]);
    expect(pushed.stdout.trim()).toBe(head);
  });

  it("does not depend on or write to HOME", async () => {
    // ssh takes ~ from the passwd entry, not $HOME; -F /dev/null is what stops it creating ~/.ssh there.
    const passwdSshDir = join(userInfo().homedir, ".ssh");
    const hadPasswdSshDir = existsSync(passwdSshDir);

    const result = await git(
      ["ls-remote", server.repoUrl(bare)],
      server.clientKeyFile,
      server.knownHostsFile,
    );

    expect(result.exitCode).toBe(0);
    expect(await readdir(home)).toEqual([]);
    if (!hadPasswdSshDir) expect(existsSync(passwdSshDir)).toBe(false);
  });

  it("stops cleanly: the port closes, the temp dir goes, and stop() is idempotent", async () => {
    const other = await startSshServer();
    const serverDir = dirname(other.clientKeyFile);
    expect(existsSync(serverDir)).toBe(true);
    expect(await connectError(other.port)).toBeUndefined();

    await Promise.all([other.stop(), other.stop()]);
    await other.stop();

    expect(existsSync(serverDir)).toBe(false);
    expect(await connectError(other.port)).toBe("ECONNREFUSED");
  });
});

/** undefined when something accepts connections on the port, else the error code. */
function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(error.code ?? error.message);
    });
  });
}
