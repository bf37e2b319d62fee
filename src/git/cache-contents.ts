import { lstat, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { outsideAnyRepository } from "./environment.ts";
import { lines, runGit, type GitContext } from "./runner.ts";

/**
 * A restored cache is data, not code. The CI cache comes back from storage other jobs and
 * branches can write, so before git works in a cache repository everything in it that could
 * make git run a program, talk to another host, read objects or config from elsewhere, or answer
 * history questions about other commits than the real ones is removed, and its config is
 * rewritten to exactly what ci-mirror writes. Each function returns what it removed, for the log.
 */

// What ci-mirror writes, and what `git init`/`git clone` write besides (kept when present).
const OWN_KEYS = new Set([
  "core.repositoryformatversion",
  "core.filemode",
  "core.bare",
  "core.logallrefupdates",
  "core.ignorecase",
  "core.precomposeunicode",
  "core.symlinks",
  "gc.autodetach",
  "extensions.objectformat",
]);

/**
 * Files git reads beside the objects and refs, none of which ci-mirror writes: hooks (programs),
 * alternates (objects from other directories), grafts (other parents), and the files of linked
 * worktrees (the repository's config and refs kept elsewhere).
 */
const FOREIGN_FILES = [
  "hooks",
  "objects/info/alternates",
  "objects/info/http-alternates",
  "info/grafts",
  "commondir",
  "gitdir",
  "worktrees",
  "config.worktree",
];

// Through a symbolic link here git would read or write another directory's objects and refs.
const NO_LINKS = ["HEAD", "config", "objects", "objects/info", "objects/pack", "refs", "packed-refs", "info"];

/** Whether the repository's own files are real files and directories, not links to elsewhere. */
export async function hasForeignLinks(dir: string): Promise<boolean> {
  for (const name of NO_LINKS) {
    try {
      if ((await lstat(join(dir, name))).isSymbolicLink()) return true;
    } catch {
      // Absent: nothing to follow.
    }
  }
  return false;
}

/** Remove the files of FOREIGN_FILES; hooks that are git's own `.sample` files go unreported. */
export async function removeForeignFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of FOREIGN_FILES) {
    const path = join(dir, name);
    let entries: string[];
    try {
      entries = (await lstat(path)).isDirectory() ? await readdir(path) : [""];
    } catch {
      continue;
    }
    const real = entries.filter((entry) => !entry.endsWith(".sample"));
    removed.push(...real.map((entry) => (entry === "" ? name : `${name}/${entry}`)));
    await rm(path, { recursive: true, force: true });
  }
  return removed;
}

/**
 * Replace the repository's config with ci-mirror's own: a bare repository, no reflogs, gc in
 * the foreground (a detached gc would outlive the job and race the CI cache upload), and the
 * object format it was created with. Returns the names of the keys it dropped.
 */
export async function rewriteConfig(ctx: GitContext): Promise<string[]> {
  const file = join(ctx.cwd, "config");
  // Read as a plain file: `--file` follows no `include.path`.
  const listed = await runGit(
    { ...ctx, env: outsideAnyRepository(ctx.env) },
    ["config", "--file", file, "--list"],
    { okExitCodes: [1, 3, 128] },
  ).catch(() => ({ stdout: "", exitCode: 128 }));
  const keys = lines(listed.stdout).map((line) => {
    const eq = line.indexOf("=");
    return {
      key: (eq < 0 ? line : line.slice(0, eq)).toLowerCase(),
      value: eq < 0 ? "" : line.slice(eq + 1),
    };
  });
  const sha256 = keys.some((entry) => entry.key === "extensions.objectformat" && entry.value === "sha256");
  const dropped = [...new Set(keys.filter((entry) => !OWN_KEYS.has(entry.key)).map((entry) => entry.key))];
  if (listed.exitCode !== 0 && listed.exitCode !== 1) dropped.push("config (unreadable)");
  const text = [
    "[core]",
    `\trepositoryformatversion = ${sha256 ? 1 : 0}`,
    "\tfilemode = true",
    "\tbare = true",
    "\tlogAllRefUpdates = false",
    "[gc]",
    "\tautoDetach = false",
    ...(sha256 ? ["[extensions]", "\tobjectFormat = sha256"] : []),
    "",
  ].join("\n");
  // Written beside and renamed over: a `config` that is a link is replaced, never written through.
  const scratch = `${file}.ci-mirror`;
  await rm(scratch, { force: true });
  await writeFile(scratch, text, { flag: "wx" });
  await rename(scratch, file);
  return dropped;
}

/**
 * Delete every ref outside `namespace`, and symbolic refs anywhere: ci-mirror keeps only the
 * upstream's refs, each naming its own object. (A replace ref would stand one commit in for
 * another; a symbolic ref would turn an update of one ref into an update of another.)
 */
export async function removeStrayRefs(ctx: GitContext, namespace: string): Promise<string[]> {
  const { stdout } = await runGit(ctx, ["for-each-ref", "--format=%(refname)%00%(symref)"]);
  const stray: string[] = [];
  const commands: string[] = [];
  for (const line of lines(stdout)) {
    const [ref = "", symref = ""] = line.split("\0");
    if (ref.startsWith(namespace) && symref === "") continue;
    stray.push(symref === "" ? ref : `${ref} (symbolic)`);
    // `no-deref`: delete the symbolic ref itself, not the ref it names.
    commands.push("option no-deref", `delete ${ref}`);
  }
  if (commands.length > 0) {
    await runGit(ctx, ["update-ref", "--stdin"], {
      input: `start\n${commands.join("\n")}\nprepare\ncommit\n`,
    });
  }
  return stray;
}
