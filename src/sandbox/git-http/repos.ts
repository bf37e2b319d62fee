import { existsSync } from "node:fs";
import { appendFile, chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Env } from "../../util/env.ts";
import { gitOk } from "../git.ts";
import { PRE_RECEIVE_HOOK, writeProtected } from "./hooks.ts";
import type { RepoFlavor, RepoOptions } from "./types.ts";

// The namespaces each forge manages itself and so refuses pushes into.
const FLAVOR_HIDDEN_REFS: Record<RepoFlavor, string[]> = {
  plain: [],
  gitlab: [
    "refs/merge-requests",
    "refs/pipelines",
    "refs/environments",
    "refs/keep-around",
    "refs/tmp",
    "refs/remotes",
  ],
  github: ["refs/pull", "refs/github-services"],
};

/** Initialise the bare repository `name` (already normalised) at `path`, configured like a forge's. */
export async function initRepo(
  name: string,
  path: string,
  repoOptions: RepoOptions,
  env: Env,
): Promise<void> {
  if (existsSync(path)) throw new Error(`repository ${name} already exists`);
  await mkdir(dirname(path), { recursive: true });
  const branch = repoOptions.defaultBranch ?? "main";
  // An empty template: no sample hooks or description files, only what git needs.
  await gitOk(["init", "--bare", "--quiet", "--template=", `--initial-branch=${branch}`, path], { env });
  const hidden = [...FLAVOR_HIDDEN_REFS[repoOptions.flavor ?? "plain"], ...(repoOptions.hideRefs ?? [])];
  const config = [
    // Smart-HTTP pushes are off unless the server authenticated someone; we do our own auth.
    "[http]",
    "\treceivepack = true",
    // No background gc or auto-packing: pack layout and timing must be the same on every run.
    "[gc]",
    "\tauto = 0",
    "[receive]",
    "\tautogc = false",
    ...hidden.map((ref) => `\thideRefs = ${quoteConfigValue(ref)}`),
    "[uploadpack]",
    "\tallowFilter = true",
    "",
  ].join("\n");
  await appendFile(join(path, "config"), config);
  await mkdir(join(path, "hooks"), { recursive: true });
  const hook = join(path, "hooks", "pre-receive");
  await writeFile(hook, repoOptions.preReceiveHook ?? PRE_RECEIVE_HOOK);
  await chmod(hook, 0o755);
  await writeProtected(path, repoOptions.protectedBranches ?? []);
}

function quoteConfigValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`invalid config value: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
