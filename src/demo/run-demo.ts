import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliWorld } from "../cli/world.ts";
import { loadConfig } from "../config/index.ts";
import type { SyncSettings } from "../core/sync-context.ts";
import { syncAll } from "../core/sync-all.ts";
import { Printer } from "../output/printer.ts";
import { Redactor } from "../output/redact.ts";
import { startGitServer } from "../sandbox/git-http-server.ts";
import { addPullRef, commitTo, deleteBranch } from "./demo-repos.ts";

/**
 * `ci-mirror demo`: the whole flow on this machine, no network. A GitHub-like upstream and a
 * GitLab-like target are served over smart HTTP on loopback with token auth; ci-mirror does a
 * first mirror, the upstream moves, and an incremental mirror and a no-op run follow.
 */
export async function demo(keep: boolean, world: CliWorld): Promise<0 | 1> {
  const dir = await mkdtemp(join(tmpdir(), "ci-mirror-demo-"));
  const upstreamToken = `demo-upstream-${randomBytes(12).toString("hex")}`;
  const targetToken = `demo-target-${randomBytes(12).toString("hex")}`;
  const server = await startGitServer({
    root: join(dir, "server"),
    tokens: { [upstreamToken]: "read", [targetToken]: "write" },
  });
  const say = (line = ""): void => {
    world.stdout.write(`${line}\n`);
  };
  try {
    const upstream = await server.createRepo("upstream/tool", { flavor: "github" });
    await server.createRepo("mirror/tool", { flavor: "gitlab", protectedBranches: ["main"] });
    await commitTo(
      upstream,
      [
        { branch: "main", files: { "README.md": "# tool\n" }, message: "Initial commit" },
        { branch: "main", files: { "tool.sh": "echo hello\n" }, message: "Add tool" },
        { branch: "feature/login", files: { "login.sh": "echo login\n" }, message: "Start login" },
        { branch: "old-experiment", files: { "x.txt": "x\n" }, message: "Experiment" },
      ],
      ["v1.0.0"],
    );
    await addPullRef(upstream, 1);
    await addPullRef(upstream, 2);

    const configFile = join(dir, "mirrors.yml");
    await writeFile(
      configFile,
      [
        "version: 1",
        "defaults:",
        "  target:",
        `    url: ${server.url}/mirror/{name}.git`,
        "    token: DEMO_TARGET_TOKEN",
        "mirrors:",
        "  - name: tool",
        `    source: ${server.repoUrl("upstream/tool")}`,
        "    source_token: DEMO_UPSTREAM_TOKEN",
        "",
      ].join("\n"),
    );
    const env = { ...world.env, DEMO_UPSTREAM_TOKEN: upstreamToken, DEMO_TARGET_TOKEN: targetToken };
    const sync = async (title: string, dryRun = false): Promise<0 | 1> => {
      say();
      say(`== ${title}`);
      say(`$ ci-mirror sync --all${dryRun ? " --dry-run" : ""}`);
      server.resetStats();
      const code = await runSync(configFile, dir, env, world, dryRun);
      const pulled = server.stats("upstream/tool").uploadPackBytesSent;
      say(`(the upstream served ${pulled} bytes; exit code ${code})`);
      return code;
    };

    say(
      "ci-mirror demo: a GitHub-like upstream and a GitLab-like target on loopback, token auth, no network.",
    );
    say(
      `upstream: ${server.repoUrl("upstream/tool")} (main, feature/login, old-experiment, v1.0.0, refs/pull/1..2)`,
    );
    say(`target:   ${server.repoUrl("mirror/tool")} (empty; main will be protected)`);
    let failures = 0;
    failures += await sync("1. first mirror into an empty target");

    await commitTo(upstream, [
      { branch: "main", files: { "tool.sh": "echo hello, world\n" }, message: "Greet the world" },
      { branch: "release/1.1", files: { "CHANGELOG.md": "1.1\n" }, message: "Prepare 1.1" },
    ]);
    await deleteBranch(upstream, "old-experiment");
    say();
    say("== the upstream moves: a commit on main, a new branch release/1.1, old-experiment deleted");
    failures += await sync("2. what would change", true);
    failures += await sync("3. incremental mirror (only the change travels)");
    failures += await sync("4. scheduled run with nothing new: two ref listings, nothing else");
    say();
    say(failures === 0 ? "demo finished: every run succeeded" : "demo finished with failures");
    if (keep) say(`kept: ${dir}`);
    return failures === 0 ? 0 : 1;
  } finally {
    await server.close();
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

async function runSync(
  configFile: string,
  dir: string,
  env: CliWorld["env"],
  world: CliWorld,
  dryRun: boolean,
): Promise<0 | 1> {
  const redactor = new Redactor();
  const printer = new Printer(world.stdout, world.stderr, redactor);
  const { config } = await loadConfig(configFile, { cwd: dir });
  const settings: SyncSettings = {
    cacheDir: join(dir, "cache"),
    dryRun,
    allowMassDelete: false,
    batchSize: 200,
    networkTimeoutMs: 120_000,
    retry: { attempts: 3, baseDelayMs: 200 },
  };
  const { exitCode } = await syncAll(
    config,
    { concurrency: 1, settings },
    { cwd: dir, env, printer, redactor },
  );
  return exitCode;
}
