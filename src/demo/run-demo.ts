import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliWorld } from "../cli/world.ts";
import type { ExitCode } from "../errors/tool-error.ts";
import { sandboxGitEnv } from "../sandbox/index.ts";
import { startDemoServers } from "./demo-servers.ts";
import { addPullRef, commitTo, deleteBranch } from "./demo-repos.ts";

/** Runs one ci-mirror command line, exactly as a user or a CI job would type it. */
export type RunCommand = (argv: readonly string[], world: CliWorld) => Promise<ExitCode>;

/**
 * `ci-mirror demo`: the whole flow on this machine, no network. A GitHub-like upstream host and
 * a local GitLab (the sandbox: REST API and git) run on loopback with token auth. The demo runs
 * what the CI components run — `plan`, then one `sync --mirror` per child job, then `audit` — and
 * shows a first mirror, an incremental one, a no-op scheduled run, and an audit that catches a
 * broken push mirror.
 */
export async function demo(keep: boolean, world: CliWorld, run: RunCommand): Promise<0 | 1> {
  const dir = await mkdtemp(join(tmpdir(), "ci-mirror-demo-"));
  const say = (line = ""): void => {
    world.stdout.write(`${line}\n`);
  };
  const servers = await startDemoServers(
    join(dir, "servers"),
    `demo-${randomBytes(12).toString("hex")}`,
    world.env,
  );
  // The demo's own git, for the upstreams' history: on the CLI's PATH, and no one's config.
  const git = sandboxGitEnv(world.env, dir, { name: "ci-mirror demo", email: "demo@ci-mirror.invalid" });
  try {
    const { upstreams, gitlab } = servers;
    const tool = await upstreams.createRepo("org/tool", { flavor: "github" });
    await upstreams.createRepo("org/lib", { flavor: "github" });
    await commitTo(
      git,
      tool,
      [
        { branch: "main", files: { "README.md": "# tool\n" }, message: "Initial commit" },
        { branch: "main", files: { "tool.sh": "echo hello\n" }, message: "Add tool" },
        { branch: "feature/login", files: { "login.sh": "echo login\n" }, message: "Start login" },
        { branch: "old-experiment", files: { "x.txt": "x\n" }, message: "Experiment" },
      ],
      ["v1.0.0"],
    );
    await addPullRef(git, tool, 1);
    await addPullRef(git, tool, 2);
    await commitTo(git, upstreams.repoPath("org/lib"), [
      { branch: "main", files: { "lib.txt": "lib\n" }, message: "Initial commit" },
    ]);
    const brokenMirror = await servers.seedPushMirrors();

    const configFile = join(dir, "mirrors.yml");
    await writeFile(configFile, servers.config());
    const env = { ...world.env, ...servers.env };
    const step = async (title: string, argv: string[], expected: ExitCode): Promise<boolean> => {
      say();
      say(`== ${title}`);
      say(`$ ci-mirror ${argv.join(" ")}`);
      upstreams.resetStats();
      const code = await run(argv, { ...world, cwd: dir, env });
      const served = upstreams.stats("org/tool").uploadPackBytesSent;
      say(`(exit code ${code}${served > 0 ? `; the upstream of tool served ${served} bytes` : ""})`);
      return code === expected;
    };

    say(
      "ci-mirror demo: a GitHub-like upstream host and a local GitLab (API and git), on loopback, no network.",
    );
    say(`GitLab:    ${gitlab.url}  (group mirror/ is where mirrors land; they are created on first sync)`);
    say(
      `upstreams: ${upstreams.repoUrl("org/tool")} (main, feature/login, old-experiment, v1.0.0, refs/pull/*)`,
    );
    say(`           ${upstreams.repoUrl("org/lib")}`);
    say();
    say("mirrors.yml:");
    for (const line of (await readFile(configFile, "utf8")).trimEnd().split("\n")) say(`  ${line}`);

    const results: boolean[] = [];
    results.push(
      await step(
        "1. the mirror component's plan job writes the child pipeline",
        ["plan", "--out", "child.yml"],
        0,
      ),
    );
    const child = await readFile(join(dir, "child.yml"), "utf8");
    for (const line of child.trimEnd().split("\n")) say(`  | ${line}`);
    results.push(
      await step(
        "2. child job `mirror-sync-1: [tool]` (creates mirror/tool, first mirror)",
        ["sync", "--mirror", "tool"],
        0,
      ),
    );
    results.push(await step("3. child job `mirror-sync-1: [lib]`", ["sync", "--mirror", "lib"], 0));

    await commitTo(git, tool, [
      { branch: "main", files: { "tool.sh": "echo hello, world\n" }, message: "Greet the world" },
      { branch: "release/1.1", files: { "CHANGELOG.md": "1.1\n" }, message: "Prepare 1.1" },
    ]);
    await deleteBranch(git, tool, "old-experiment");
    say();
    say("== upstream tool moves: a commit on main, a new branch release/1.1, old-experiment deleted");
    results.push(await step("4. what the next run would do", ["sync", "--mirror", "tool", "--dry-run"], 0));
    results.push(
      await step("5. incremental mirror: only the change travels", ["sync", "--mirror", "tool"], 0),
    );
    results.push(
      await step(
        "6. the next scheduled run: two ref listings per mirror, nothing else",
        ["sync", "--all"],
        0,
      ),
    );
    results.push(
      await step(
        `7. the audit component checks GitLab's own push mirrors (one is broken: ${brokenMirror})`,
        ["audit"],
        1,
      ),
    );
    say();
    const ok = results.every(Boolean);
    say(
      ok
        ? "demo finished: every step did what it should (the audit's exit code 1 is the point of step 7)"
        : "demo finished with unexpected results",
    );
    if (keep) say(`kept: ${dir}`);
    return ok ? 0 : 1;
  } finally {
    await servers.close();
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}
