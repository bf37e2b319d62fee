/**
 * Repository fixtures built with `git fast-import`: one process writes a whole history (and its
 * refs) from a generated stream, which is orders of magnitude faster than committing in a loop and
 * makes every object id the same on every run, because names, emails, dates and contents are fixed.
 */
import { createCipheriv, createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { onTestFinished } from "vitest";
import type { GitServer, LfsObjectInfo } from "./sandbox.ts";
import { HERMETIC_GIT_ENV, gitIdentity } from "./sandbox.ts";

/** Environment for every git the fixtures run: no user or system config, fixed identity. */
export const GIT_ENV: Readonly<Record<string, string>> = {
  ...HERMETIC_GIT_ENV,
  ...gitIdentity("ci-mirror test", "test@ci-mirror.invalid"),
  GIT_AUTHOR_DATE: "1700000000 +0000",
  GIT_COMMITTER_DATE: "1700000000 +0000",
  LC_ALL: "C",
};

const IDENT = "ci-mirror test <test@ci-mirror.invalid>";
const BASE_TIME = 1_700_000_000;
const ZERO_SHA = "0".repeat(40);

/** Run git with the hermetic environment; returns trimmed stdout. */
export async function git(
  args: string[],
  options: { cwd?: string; input?: Buffer | string } = {},
): Promise<string> {
  const result = await execa("git", args, {
    ...(options.cwd == null ? {} : { cwd: options.cwd }),
    env: GIT_ENV,
    ...(options.input == null ? {} : { input: options.input }),
    stripFinalNewline: true,
  });
  return result.stdout;
}

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * A fresh directory under the OS temp dir. Inside a test it is removed when the test finishes;
 * elsewhere (beforeAll, benchmarks) the caller removes it with `remove()`.
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `ci-mirror-${prefix}-`));
  function remove(): Promise<void> {
    return rm(path, { recursive: true, force: true });
  }
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a running test: the caller owns the cleanup.
  }
  return { path, remove };
}

export interface RepoSpec {
  /** Linear commits on the default branch (default 1). */
  commits?: number;
  /** Extra branches, each one commit off a main commit; a number generates names, some nested. */
  branches?: number | string[];
  /** Tags on main commits; even-numbered ones are annotated, odd ones lightweight. */
  tags?: number;
  /** `refs/pull/N/head` refs, N = 1..count, as GitHub keeps them. */
  pullRefs?: number;
  /** `refs/merge-requests/N/head` refs, N = 1..count, as GitLab keeps them. */
  mergeRequestRefs?: number;
  /** Bytes of incompressible data each main commit writes (rotating over 100 files); 0 = none. */
  bytesPerCommit?: number;
  /** Files of the first commit, besides the generated ones. */
  files?: Record<string, string | Buffer>;
  /** LFS-tracked `*.bin` files added in the first commit (pointers in git, contents returned). */
  lfsFiles?: number;
  /** Size of each LFS object (default 1024). */
  lfsFileSize?: number;
  /** Default branch name (default "main"). */
  defaultBranch?: string;
  /** Varies the generated contents, so two repos built from one spec can still differ. */
  seed?: string;
}

/** A repository of realistic shape for benchmarks: about 50 MB of history, many refs. */
export const largeRepoSpec: Readonly<RepoSpec> = {
  commits: 5000,
  branches: 300,
  tags: 500,
  pullRefs: 50,
  mergeRequestRefs: 50,
  bytesPerCommit: 10_000,
};

interface LfsObject extends LfsObjectInfo {
  /** Path of the pointer file in the repository. */
  path: string;
  content: Buffer;
}

export interface BuiltRepo {
  path: string;
  /** Tip of the default branch. */
  head: string;
  branches: string[];
  tags: string[];
  lfsObjects: LfsObject[];
}

/**
 * Build (or extend) the bare repository at `barePath` from a spec in one fast-import run.
 * A missing repository is created; HEAD ends up pointing at the default branch.
 */
export async function buildRepo(barePath: string, spec: RepoSpec = {}): Promise<BuiltRepo> {
  const main = spec.defaultBranch ?? "main";
  await ensureBareRepo(barePath, main);
  const stream = new FastImportStream();
  const random = new DeterministicBytes(spec.seed ?? "ci-mirror");
  const commitCount = Math.max(1, spec.commits ?? 1);
  // Extending an existing repository continues its default branch instead of replacing it.
  const existing = await tipOf(barePath, `refs/heads/${main}`);
  const firstTime = existing == null ? BASE_TIME : existing.time + 60;
  const lfsObjects = makeLfsObjects(spec.lfsFiles ?? 0, spec.lfsFileSize ?? 1024, random);

  const mainMarks: number[] = [];
  for (let i = 0; i < commitCount; i++) {
    const changes: FileChange[] = [{ path: `src/file-${i % 50}.txt`, content: textFor(i, spec.seed) }];
    if ((spec.bytesPerCommit ?? 0) > 0) {
      changes.push({ path: `data/blob-${i % 100}.bin`, content: random.next(spec.bytesPerCommit ?? 0) });
    }
    if (i === 0) {
      changes.push({ path: "README.md", content: "# fixture repository\n" });
      for (const [path, content] of Object.entries(spec.files ?? {})) changes.push({ path, content });
      if (lfsObjects.length > 0) {
        changes.push({ path: ".gitattributes", content: "*.bin filter=lfs diff=lfs merge=lfs -text\n" });
        // LFS files live outside data/ so the plain `bytesPerCommit` blobs never look like pointers.
        for (const object of lfsObjects) changes.push({ path: object.path, content: lfsPointer(object) });
      }
    }
    mainMarks.push(
      stream.commit({
        ref: `refs/heads/${main}`,
        time: firstTime + i * 60,
        message: `commit ${i + 1} on ${main}\n`,
        parent: i === 0 ? existing?.sha : `:${mainMarks[i - 1]}`,
        changes,
      }),
    );
  }
  // Side refs and tags spread evenly over main's history, so they fork at many depths.
  function markAt(i: number, of: number): string {
    return `:${mainMarks[Math.floor((i * mainMarks.length) / of)]}`;
  }
  function sideCommit(ref: string, i: number, of: number, label: string): void {
    stream.commit({
      ref,
      time: firstTime + commitCount * 60 + i,
      message: `${label}\n`,
      parent: markAt(i, of),
      changes: [{ path: `side/${label.replace(/[^A-Za-z0-9._-]/g, "_")}.txt`, content: `${label}\n` }],
    });
  }

  const branches = branchNames(spec.branches ?? 0);
  branches.forEach((name, i) => sideCommit(`refs/heads/${name}`, i, branches.length, `branch ${name}`));
  for (let n = 1; n <= (spec.pullRefs ?? 0); n++) {
    sideCommit(`refs/pull/${n}/head`, n - 1, spec.pullRefs ?? 1, `pull ${n}`);
  }
  for (let n = 1; n <= (spec.mergeRequestRefs ?? 0); n++) {
    sideCommit(`refs/merge-requests/${n}/head`, n - 1, spec.mergeRequestRefs ?? 1, `merge request ${n}`);
  }
  const tags: string[] = [];
  const tagCount = spec.tags ?? 0;
  for (let i = 0; i < tagCount; i++) {
    const name = `v1.${Math.floor(i / 100)}.${i % 100}`;
    tags.push(name);
    if (i % 2 === 0) stream.annotatedTag(name, markAt(i, tagCount), BASE_TIME + i, `release ${name}\n`);
    else stream.reset(`refs/tags/${name}`, markAt(i, tagCount));
  }

  // Random blobs cannot delta, yet fast-import would try against each file's previous version;
  // treating them as "big files" skips that and halves the time to build a large repository.
  const bytes = spec.bytesPerCommit ?? 0;
  await fastImport(barePath, stream.finish(), false, bytes > 1024 ? bytes - 1 : undefined);
  await git(["symbolic-ref", "HEAD", `refs/heads/${main}`], { cwd: barePath });
  const head = await git(["rev-parse", `refs/heads/${main}`], { cwd: barePath });
  return { path: barePath, head, branches: [main, ...branches], tags, lfsObjects };
}

/** File contents for `commitOnBranch` / `forceBranch`; null deletes the file. */
export type FileSet = Record<string, string | Buffer | null>;

/**
 * Add one commit on top of `branch` (created from HEAD's commit if missing) in a bare repository,
 * as if someone pushed upstream. Returns the new commit id.
 */
export async function commitOnBranch(
  barePath: string,
  branch: string,
  files: FileSet,
  message = `update ${branch}`,
): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const tip = (await tipOf(barePath, ref)) ?? (await tipOf(barePath, "HEAD"));
  const stream = new FastImportStream();
  stream.commit({
    ref,
    time: (tip?.time ?? BASE_TIME) + 60,
    message: `${message}\n`,
    parent: tip?.sha,
    changes: toChanges(files),
  });
  await fastImport(barePath, stream.finish(), false);
  return git(["rev-parse", ref], { cwd: barePath });
}

/**
 * Rewrite `branch` to a new commit that does not contain its current tip (a force push upstream):
 * the new commit's parent is the tip's parent, or none for a single-commit branch.
 */
export async function forceBranch(barePath: string, branch: string, files: FileSet = {}): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const tip = await tipOf(barePath, ref);
  if (tip == null) throw new Error(`forceBranch: ${ref} does not exist in ${barePath}`);
  const parent = await tipOf(barePath, `${tip.sha}^`);
  const stream = new FastImportStream();
  stream.commit({
    ref,
    time: tip.time + 60,
    // Naming the replaced tip keeps repeated rewrites distinct even with the same files.
    message: `rewrite ${branch} (replaces ${tip.sha})\n`,
    parent: parent?.sha,
    changes: toChanges({ [`rewrite/${branch}.txt`]: `replaces ${tip.sha}\n`, ...files }),
    fromScratch: parent == null,
  });
  await fastImport(barePath, stream.finish(), true);
  return git(["rev-parse", ref], { cwd: barePath });
}

export async function deleteRef(barePath: string, ref: string): Promise<void> {
  await git(["update-ref", "-d", ref], { cwd: barePath });
}

/** Every ref and the object it points at (the tag object for annotated tags, as ls-remote shows). */
export async function listRefs(barePath: string): Promise<Map<string, string>> {
  const out = await git(["for-each-ref", "--format=%(refname) %(objectname)"], { cwd: barePath });
  const refs = new Map<string, string>();
  for (const line of out.split("\n")) {
    const [name, sha] = line.split(" ");
    if (name != null && name !== "" && sha != null) refs.set(name, sha);
  }
  return refs;
}

/** Put LFS objects straight into the sandbox server's store for repository `name`. */
export async function pushLfsObjects(
  server: GitServer,
  name: string,
  objects: ReadonlyArray<{ content: Buffer }>,
): Promise<void> {
  for (const object of objects) await server.putLfsObject(name, object.content);
}

/** The exact pointer file git-lfs writes for an object. */
export function lfsPointer(object: LfsObjectInfo): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${object.oid}\nsize ${object.size}\n`;
}

interface FileChange {
  path: string;
  content: string | Buffer | null;
}

interface CommitSpec {
  ref: string;
  time: number;
  message: string;
  /** A mark (`:N`) or a commit id; undefined = root commit (or continue the ref's in-stream tip). */
  parent: string | undefined;
  changes: FileChange[];
  /** Start from an empty tree even though the ref exists (fast-import would otherwise keep it). */
  fromScratch?: boolean;
}

/** Builds a fast-import stream in memory; blobs are inlined so no marks are spent on them. */
class FastImportStream {
  readonly #chunks: Buffer[] = [];
  #mark = 0;

  commit(spec: CommitSpec): number {
    const mark = ++this.#mark;
    this.#text(`commit ${spec.ref}\nmark :${mark}\n`);
    this.#text(`author ${IDENT} ${spec.time} +0000\ncommitter ${IDENT} ${spec.time} +0000\n`);
    this.#data(spec.message);
    if (spec.parent != null) this.#text(`from ${spec.parent}\n`);
    else if (spec.fromScratch === true) this.#text(`from ${ZERO_SHA}\n`);
    for (const change of spec.changes) {
      if (change.content == null) {
        this.#text(`D ${quotePath(change.path)}\n`);
      } else {
        this.#text(`M 100644 inline ${quotePath(change.path)}\n`);
        this.#data(change.content);
      }
    }
    this.#text("\n");
    return mark;
  }

  annotatedTag(name: string, target: string, time: number, message: string): void {
    this.#text(`tag ${name}\nfrom ${target}\ntagger ${IDENT} ${time} +0000\n`);
    this.#data(message);
  }

  reset(ref: string, target: string): void {
    this.#text(`reset ${ref}\nfrom ${target}\n\n`);
  }

  finish(): Buffer {
    this.#text("done\n");
    return Buffer.concat(this.#chunks);
  }

  #text(text: string): void {
    this.#chunks.push(Buffer.from(text, "utf8"));
  }

  #data(content: string | Buffer): void {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    this.#text(`data ${bytes.length}\n`);
    this.#chunks.push(bytes);
    this.#text("\n");
  }
}

/**
 * Incompressible but reproducible bytes: an AES-CTR keystream keyed by the seed is fast enough to
 * produce tens of megabytes in well under a second, and git cannot compress or delta it away.
 */
class DeterministicBytes {
  readonly #cipher;

  constructor(seed: string) {
    const key = createHash("sha256").update(seed).digest();
    this.#cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  }

  next(size: number): Buffer {
    return this.#cipher.update(Buffer.alloc(size));
  }
}

async function fastImport(
  barePath: string,
  stream: Buffer,
  force: boolean,
  bigFileThreshold?: number,
): Promise<void> {
  const args = bigFileThreshold == null ? [] : ["-c", `core.bigFileThreshold=${bigFileThreshold}`];
  args.push("fast-import", "--quiet", "--done");
  if (force) args.push("--force");
  await git(args, { cwd: barePath, input: stream });
}

async function ensureBareRepo(barePath: string, defaultBranch: string): Promise<void> {
  if (existsSync(join(barePath, "HEAD"))) return;
  await mkdir(barePath, { recursive: true });
  await git(["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`, barePath]);
  // Keep the repository's packs exactly as fast-import and the tests leave them.
  await git(["config", "gc.auto", "0"], { cwd: barePath });
}

async function tipOf(barePath: string, rev: string): Promise<{ sha: string; time: number } | undefined> {
  try {
    const out = await git(["log", "-1", "--format=%H %ct", rev, "--"], { cwd: barePath });
    const [sha, time] = out.split(" ");
    return sha == null || sha === "" ? undefined : { sha, time: Number(time) };
  } catch {
    return undefined;
  }
}

function makeLfsObjects(count: number, size: number, random: DeterministicBytes): LfsObject[] {
  const objects: LfsObject[] = [];
  for (let i = 0; i < count; i++) {
    const content = random.next(size);
    const oid = createHash("sha256").update(content).digest("hex");
    objects.push({ path: `assets/asset-${i}.bin`, oid, size, content });
  }
  return objects;
}

function branchNames(spec: number | string[]): string[] {
  if (Array.isArray(spec)) return spec;
  const names: string[] = [];
  for (let i = 0; i < spec; i++) {
    const id = String(i).padStart(3, "0");
    // A third nested one level, a third two levels: ref code must not assume flat names.
    if (i % 3 === 0) names.push(`branch-${id}`);
    else if (i % 3 === 1) names.push(`feature/topic-${id}`);
    else names.push(`release/2024/r-${id}`);
  }
  return names;
}

function textFor(i: number, seed: string | undefined): string {
  const lines: string[] = [];
  for (let line = 0; line < 20; line++) lines.push(`${seed ?? "line"} ${line} of revision ${i}`);
  return `${lines.join("\n")}\n`;
}

function toChanges(files: FileSet): FileChange[] {
  return Object.entries(files).map(([path, content]) => ({ path, content }));
}

function quotePath(path: string): string {
  // fast-import takes unquoted paths unless they start with '"' or contain a newline.
  if (/[\n"\\]/.test(path) || path.startsWith(" ")) return JSON.stringify(path);
  return path;
}
