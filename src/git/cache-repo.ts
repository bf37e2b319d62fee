import { lstat, mkdir, readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GitError } from "../errors/git-error.ts";
import { hasForeignLinks, removeForeignFiles, removeStrayRefs, rewriteConfig } from "./cache-contents.ts";
import { namingRedirects } from "./redirect.ts";
import { lines, runGit, wantsProgress, type GitContext } from "./runner.ts";
import type { Env } from "../util/env.ts";
import { outsideAnyRepository } from "./environment.ts";
import type { RefMap } from "./ls-remote.ts";

/**
 * The per-mirror bare repository under the cache dir. It keeps the upstream's branches and tags
 * under `refs/upstream/*` (an empty cache starts them from the target's); it never holds a
 * remote, a URL with credentials, or a working tree.
 */
export const UPSTREAM_NS = "refs/upstream/";

/**
 * The context for git commands in the cache repository at `path`. `GIT_DIR` names it, so git
 * never goes looking for a repository (a `.git` planted inside the cache, or a directory around
 * it) and reads only the config ci-mirror wrote.
 */
export function cacheRepoContext(path: string, env: Env, networkTimeoutMs: number): GitContext {
  return { cwd: path, env: { ...env, GIT_DIR: path }, networkTimeoutMs };
}

export interface OpenedCache {
  /** False when there is no cache repository (yet): the directory is empty. */
  exists: boolean;
  /** What the restored cache held that ci-mirror does not write, now removed (cache-contents.ts). */
  removed: string[];
}

/**
 * Open the cache repository as the CI cache restored it, made safe before git reads anything in
 * it (cache-contents.ts). Its directory is made either way: git needs a cwd. A directory that is
 * not a repository, or whose files link to elsewhere, is emptied for a new cache. Damage (a file
 * where the directory should be, refs git cannot read) is left for the damage check to judge.
 */
export async function openCacheRepo(ctx: GitContext): Promise<OpenedCache> {
  if (await isSomethingElse(ctx.cwd)) return { exists: false, removed: [] };
  await mkdir(ctx.cwd, { recursive: true });
  if ((await lstat(ctx.cwd)).isSymbolicLink() || (await hasForeignLinks(ctx.cwd))) {
    await emptyDirectory(ctx.cwd);
    return { exists: false, removed: ["links to other directories (the cache was emptied)"] };
  }
  if (!(await isFile(join(ctx.cwd, "HEAD")))) {
    await emptyDirectory(ctx.cwd);
    return { exists: false, removed: [] };
  }
  const removed = [
    ...(await removeForeignFiles(ctx.cwd)),
    ...(await rewriteConfig(ctx)).map((key) => `config ${key}`),
  ];
  const inside = await runGit(ctx, ["rev-parse", "--is-bare-repository"], { okExitCodes: [128] });
  if (inside.stdout.trim() !== "true") {
    await emptyDirectory(ctx.cwd);
    return { exists: false, removed };
  }
  try {
    removed.push(...(await removeStrayRefs(ctx, UPSTREAM_NS)));
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
  }
  return { exists: true, removed };
}

/** Whether the cache repository exists, once opened. Its directory is made either way: git needs a cwd. */
export async function cacheRepoExists(ctx: GitContext): Promise<boolean> {
  await mkdir(ctx.cwd, { recursive: true });
  const inside = await runGit(ctx, ["rev-parse", "--is-bare-repository"], { okExitCodes: [128] });
  return inside.stdout.trim() === "true";
}

/** Create an empty cache repository (the directory exists and is empty: openCacheRepo saw to it). */
export async function initCacheRepo(ctx: GitContext): Promise<void> {
  // No template: nothing but the repository itself (no sample hooks, no info/exclude).
  await runGit(ctx, ["init", "--quiet", "--bare", "--template=", "."]);
  await rewriteConfig(ctx);
}

/**
 * Create the cache repository as a bare clone of every branch and tag of `url`, stored under
 * `namespace`. Only for a cache that does not exist yet. A clone, unlike a fetch, has index-pack
 * check that the pack is complete and connected while it reads it, instead of walking every new
 * object again afterwards (`rev-list --objects`): on the first mirror of a large repository
 * that walk takes minutes. The clone's remote section (the URL) is removed: the cache never
 * holds a remote. Tokens reach git through the environment, never the URL. Returns the refs as
 * stored, keyed like listCachedRefs.
 */
export async function cloneCacheRepo(
  ctx: GitContext,
  url: string,
  namespace: string,
  env: Env,
): Promise<RefMap> {
  // What a failed attempt left behind is ours to clear: the directory is not a repository.
  await rm(ctx.cwd, { recursive: true, force: true });
  // The clone works in no repository: the one it creates is named by its path.
  const parent = { ...ctx, cwd: dirname(ctx.cwd), env: outsideAnyRepository(ctx.env) };
  await mkdir(parent.cwd, { recursive: true });
  // `clone -c` writes these into the new repository's config. The refspecs put every branch and
  // tag straight into the namespace, as packed refs: moving 800 refs there afterwards, as loose
  // refs, costs most of a second. A bare clone still keeps its own copy under refs/heads/.
  const config = [
    `remote.origin.fetch=+refs/heads/*:${namespace}heads/*`,
    `remote.origin.fetch=+refs/tags/*:${namespace}tags/*`,
  ];
  await namingRedirects(url, "git-upload-pack", () =>
    runGit(
      parent,
      [
        "clone",
        "--bare",
        wantsProgress(ctx) ? "--progress" : "--quiet",
        "--no-tags",
        "--template=",
        ...config.flatMap((entry) => ["-c", entry]),
        "--",
        url,
        basename(ctx.cwd),
      ],
      { network: true, env, progress: true },
    ),
  );
  // The remote (its URL and refspecs) goes with everything else that is not ci-mirror's config.
  await rewriteConfig(ctx);
  const refs = await refsUnder(ctx, ["refs/heads/", "refs/tags/", namespace]);
  const commands: string[] = [];
  const stored: RefMap = new Map();
  for (const [ref, sha] of refs) {
    if (ref.startsWith(namespace)) {
      stored.set(`refs/${ref.slice(namespace.length)}`, sha);
      continue;
    }
    // A git that did not honour the refspecs above left the refs where a bare clone puts them.
    const moved = `${namespace}${ref.slice("refs/".length)}`;
    if (!refs.has(moved)) {
      commands.push(`create ${moved} ${sha}`);
      stored.set(ref, sha);
    }
    commands.push(`delete ${ref} ${sha}`);
  }
  await updateRefs(ctx, commands);
  return stored;
}

/** Refs under a namespace, keyed by their name with the namespace replaced by `refs/`. */
export async function listCachedRefs(ctx: GitContext, namespace: string): Promise<RefMap> {
  const refs: RefMap = new Map();
  for (const [name, sha] of await refsUnder(ctx, [namespace])) {
    refs.set(`refs/${name.slice(namespace.length)}`, sha);
  }
  return refs;
}

/** Full ref name → object id, for every ref under these prefixes. */
async function refsUnder(ctx: GitContext, prefixes: readonly string[]): Promise<RefMap> {
  const { stdout } = await runGit(ctx, ["for-each-ref", "--format=%(objectname)\t%(refname)", ...prefixes]);
  const refs: RefMap = new Map();
  for (const line of lines(stdout)) {
    const [sha, name] = line.split("\t");
    if (sha != null && name != null) refs.set(name, sha);
  }
  return refs;
}

/** Ref updates (`create`, `update`, `delete` lines) in one transaction: all land or none. */
async function updateRefs(ctx: GitContext, commands: readonly string[]): Promise<void> {
  if (commands.length === 0) return;
  await runGit(ctx, ["update-ref", "--stdin"], { input: `start\n${commands.join("\n")}\nprepare\ncommit\n` });
}

/** Which of these object ids the cache already has (one `cat-file` for all of them). */
export async function presentObjects(ctx: GitContext, shas: Iterable<string>): Promise<Set<string>> {
  const unique = [...new Set(shas)];
  if (unique.length === 0) return new Set();
  const { stdout } = await runGit(ctx, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], {
    input: `${unique.join("\n")}\n`,
  });
  // Missing objects come back as "<sha> missing".
  return new Set(
    lines(stdout)
      .filter((line) => !line.endsWith(" missing"))
      .map((line) => line.split(" ")[0] ?? ""),
  );
}

/**
 * True when every object reachable from these tips is in the cache, as git's own check after a
 * fetch asks it: the walk stops at what the cache's refs already reach.
 */
export async function isConnected(ctx: GitContext, tips: readonly string[]): Promise<boolean> {
  if (tips.length === 0) return true;
  const { exitCode } = await runGit(ctx, ["rev-list", "--objects", "--quiet", "--stdin", "--not", "--all"], {
    input: `${[...new Set(tips)].join("\n")}\n`,
    okExitCodes: [128],
  });
  return exitCode === 0;
}

export async function isShallow(ctx: GitContext): Promise<boolean> {
  const { stdout } = await runGit(ctx, ["rev-parse", "--is-shallow-repository"]);
  return stdout.trim() === "true";
}

/** True when `ancestor` is reachable from `descendant` (tags are peeled to their commits). */
export async function isAncestor(ctx: GitContext, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await runGit(ctx, ["merge-base", "--is-ancestor", ancestor, descendant], {
    okExitCodes: [1],
  });
  return exitCode === 0;
}

/** True when every commit reachable from `sha` is also reachable from one of `tips`. */
export async function isContainedIn(ctx: GitContext, sha: string, tips: readonly string[]): Promise<boolean> {
  if (tips.length === 0) return false;
  const { stdout } = await runGit(ctx, ["rev-list", "--count", "--stdin"], {
    input: `${sha}\n${tips.map((tip) => `^${tip}`).join("\n")}\n`,
  });
  return stdout.trim() === "0";
}

/**
 * Make a namespace hold exactly `refs` (names in `refs/…` form) in one transaction.
 * Objects must already be present.
 */
export async function setNamespace(
  ctx: GitContext,
  namespace: string,
  refs: RefMap,
  known?: RefMap,
): Promise<void> {
  // `known`: the namespace as the caller just listed it, saving a second listing.
  const current = known ?? (await listCachedRefs(ctx, namespace));
  const commands: string[] = [];
  for (const [name, sha] of refs) {
    if (current.get(name) !== sha) commands.push(`update ${namespace}${name.slice("refs/".length)} ${sha}`);
  }
  for (const name of current.keys()) {
    if (!refs.has(name)) commands.push(`delete ${namespace}${name.slice("refs/".length)}`);
  }
  await updateRefs(ctx, commands);
}

/** Housekeeping after a successful run, in the foreground so the CI cache saves a finished repo. */
export async function collectGarbage(ctx: GitContext): Promise<void> {
  await runGit(ctx, ["gc", "--auto", "--quiet"]);
}

/**
 * What is wrong with the cache repository, or undefined when nothing is (or there is no cache
 * yet). Looks at the cache alone, never at a remote, so nothing a server says or sends can make
 * a healthy cache look damaged. A quick look: is it a bare repository, can its refs be read, are
 * the objects they point at there. With `deep`, after a step failed, also two `git fsck` runs:
 * one walks every commit and tree, packed or loose, and finds each object they name; the other
 * reads every loose object back whole. Packed blobs are not hashed again: that would cost minutes
 * on a large repository, and a walk already reads the parts of a pack that history needs.
 */
export async function cacheDamage(
  ctx: GitContext,
  options: { deep?: boolean } = {},
): Promise<string | undefined> {
  let entries: string[];
  try {
    entries = await readdir(ctx.cwd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") return "it is a file, not a repository";
    throw error;
  }
  // openCacheRepo() made the directory before the first run filled it.
  if (entries.length === 0) return undefined;
  try {
    const bare = await runGit(ctx, ["rev-parse", "--is-bare-repository"], { okExitCodes: [128] });
    if (bare.stdout.trim() !== "true") return "it is not a bare git repository";
    const refs = await refsUnder(ctx, []);
    const present = await presentObjects(ctx, refs.values());
    const lost = [...refs.keys()].filter((ref) => !present.has(refs.get(ref) ?? ""));
    const [first] = lost;
    if (first !== undefined) {
      return lost.length === 1
        ? `${first} points at an object it does not have`
        : `${lost.length} refs point at objects it does not have, ${first} among them`;
    }
    for (const scope of options.deep === true ? ["--connectivity-only", "--no-full"] : []) {
      // The walk covers the whole history: give it the time a network operation gets.
      const { stdout, stderr } = await runGit(ctx, ["fsck", scope, "--no-dangling", "--no-progress"], {
        network: true,
        okExitCodes: [1, 2, 3, 4, 5, 6, 7],
      });
      const found = lines(`${stdout}\n${stderr}`).find(
        (line) => !FSCK_STYLE.test(line) && FSCK_DAMAGE.test(line),
      );
      if (found !== undefined) return `git fsck: ${found.replace(/^error:\s*/, "")}`;
    }
  } catch (error) {
    // git could not even read it (packed-refs cut short, say). A hang or a full disk is no sign.
    if (
      error instanceof GitError &&
      !["timeout", "missing-tool", "cancelled", "disk-full"].includes(error.kind)
    )
      return error.message;
    throw error;
  }
  return undefined;
}

// fsck's lines for lost or unreadable data. Its complaints about how an object is written
// ("error in commit …: badTimezone") are no damage: upstreams publish such objects, and the
// cache stores them faithfully.
const FSCK_STYLE = /^(error|warning) in /;
const FSCK_DAMAGE =
  /^missing |^broken link|corrupt|invalid sha1 pointer|unable to|cannot|bad object|^fatal:/i;

/** Remove the cache repository, whatever is there (a file where it should be, too). */
export async function discardCache(ctx: GitContext): Promise<void> {
  await rm(ctx.cwd, { recursive: true, force: true });
}

/** Whether something other than a directory is where the cache repository should be. */
async function isSomethingElse(path: string): Promise<boolean> {
  try {
    return !(await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function emptyDirectory(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}
