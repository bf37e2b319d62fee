/**
 * What Gitaly's UpdateRemoteMirror does (gitaly:internal/gitaly/service/remote/update_remote_mirror.go):
 * compare the project's `refs/heads/*` and `refs/tags/*` with the remote's, then create, update
 * (forced unless keep_divergent_refs) and delete (only merged, only without keep_divergent_refs)
 * the matching refs, the default branch in the first batch, ten refspecs per `git push`.
 */
import { re2ToRegExp } from "../../util/re2-syntax.ts";
import { runGit } from "../git.ts";
import type { Env } from "../../util/env.ts";

export interface MirrorPushOptions {
  repoDir: string;
  env: Env;
  /** Without credentials: they travel in an `http.extraHeader`, never on a command line. */
  url: string;
  user: string | null;
  password: string | null;
  keepDivergentRefs: boolean;
  /** Branch-name regex alternatives; empty means every branch, as in Gitaly. */
  branchPatterns: string[];
  /** EE mirror_branch_regex: Rails sends the local branch names it matches (unanchored). */
  branchRegex: string | null;
  defaultBranch: string;
}

/** A failed git command, worded like Gitaly's wrapped `exit status` errors. */
export class GitCommandError extends Error {}

const BATCH_SIZE = 10;
const MAX_DIVERGENT_REPORTED = 100;

export async function pushToMirror(options: MirrorPushOptions): Promise<{ divergentRefs: string[] }> {
  const env = { ...options.env, ...credentialConfig(options.user, options.password) };
  const local = await localRefs(options);
  const remote = await remoteRefs(options, env);
  const matcher = refMatcher([...options.branchPatterns, ...regexBranches(options.branchRegex, local)]);

  const refspecs: string[] = [];
  const divergent: string[] = [];
  for (const [ref, oid] of local) {
    if (!matcher.test(ref)) continue;
    const theirs = remote.get(ref);
    if (theirs === oid) continue;
    if (theirs == null) refspecs.push(`${oid}:${ref}`);
    else if (!options.keepDivergentRefs) refspecs.push(`+${oid}:${ref}`);
    else if (await isAncestor(options, theirs, oid)) refspecs.push(`${oid}:${ref}`);
    else if (divergent.length < MAX_DIVERGENT_REPORTED) divergent.push(ref);
  }
  // Remote-only refs go only if they are merged into the local default branch.
  const defaultTip = local.get(`refs/heads/${options.defaultBranch}`);
  if (!options.keepDivergentRefs && defaultTip != null) {
    for (const [ref, oid] of remote) {
      if (local.has(ref) || !matcher.test(ref)) continue;
      if (await isAncestor(options, oid, defaultTip)) refspecs.push(`:${ref}`);
    }
  }
  const defaultRef = `refs/heads/${options.defaultBranch}`;
  refspecs.sort((a, b) => Number(b.endsWith(`:${defaultRef}`)) - Number(a.endsWith(`:${defaultRef}`)));
  for (let i = 0; i < refspecs.length; i += BATCH_SIZE) {
    const batch = refspecs.slice(i, i + BATCH_SIZE);
    const result = await runGit(["push", "--quiet", options.url, ...batch], { cwd: options.repoDir, env });
    if (result.code !== 0) throw commandError("git push", result.code, result.stderr);
  }
  return { divergentRefs: divergent };
}

function regexBranches(regex: string | null, local: Map<string, string>): string[] {
  // EE RemoteMirror#options_for_update: only when `mirror_branch_regex.present?` ("" means all).
  if (regex == null || regex.trim() === "") return [];
  // Gitlab::UntrustedRegexp is RE2; its JavaScript equivalent for the patterns RE2 accepts.
  const pattern = re2ToRegExp(regex);
  return [...local.keys()]
    .filter((ref) => ref.startsWith("refs/heads/"))
    .map((ref) => ref.slice("refs/heads/".length))
    .filter((name) => pattern.test(name))
    .map(escapeRegExp);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The matcher Gitaly builds: tags always, branches only when they match a pattern.
function refMatcher(patterns: string[]): RegExp {
  if (patterns.length === 0) return /^refs\/(heads|tags)\/.+$/;
  return new RegExp(`^refs/tags/.+$|^refs/heads/(${patterns.join("|")})$`);
}

function credentialConfig(user: string | null, password: string | null): Env {
  if (user == null && password == null) return {};
  const basic = Buffer.from(`${user ?? ""}:${password ?? ""}`).toString("base64");
  // Env-scoped config: not in argv (visible to `ps`), not in any file.
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

async function localRefs(options: MirrorPushOptions): Promise<Map<string, string>> {
  const result = await runGit(
    ["for-each-ref", "--format=%(objectname) %(refname) %(symref)", "refs/heads", "refs/tags"],
    { cwd: options.repoDir, env: options.env },
  );
  if (result.code !== 0) throw commandError("git for-each-ref", result.code, result.stderr);
  const refs = new Map<string, string>();
  for (const line of result.stdout.split("\n")) {
    const [oid, ref, symref] = line.split(" ");
    // Symbolic refs are skipped, as Gitaly does.
    if (oid != null && ref != null && (symref ?? "") === "") refs.set(ref, oid);
  }
  return refs;
}

async function remoteRefs(options: MirrorPushOptions, env: Env): Promise<Map<string, string>> {
  const result = await runGit(["ls-remote", "--heads", "--tags", options.url], { cwd: options.repoDir, env });
  if (result.code !== 0) throw commandError("git ls-remote", result.code, result.stderr);
  const refs = new Map<string, string>();
  for (const line of result.stdout.split("\n")) {
    const [oid, ref] = line.split("\t");
    if (oid != null && ref != null && !ref.endsWith("^{}")) refs.set(ref, oid);
  }
  return refs;
}

// An object the project does not have cannot be an ancestor: git errors, and that counts as "no".
async function isAncestor(
  options: MirrorPushOptions,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const result = await runGit(["merge-base", "--is-ancestor", ancestor, descendant], {
    cwd: options.repoDir,
    env: options.env,
  });
  return result.code === 0;
}

// Shape of the notes' example: `push to mirror: git push: exit status 128, stderr: "fatal: ..."`.
function commandError(command: string, code: number, stderr: string): GitCommandError {
  return new GitCommandError(
    `push to mirror: ${command}: exit status ${code}, stderr: ${JSON.stringify(stderr.trim())}`,
  );
}
