import { readFileSync, rmSync } from "node:fs";
import { link, mkdir, open, readFile, readlink, rename, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { ToolError } from "../errors/tool-error.ts";
import { diskFullError } from "./disk-full.ts";
import { onAbruptExit } from "./exit-cleanup.ts";

/**
 * One run at a time per cache dir: a file created with O_EXCL that names its owner.
 *
 * Whether the owner still runs is decided without its help wherever possible. A lock taken on
 * this same system (same host name, same boot, same pid namespace) is alive exactly as long as
 * its process is: `kill(pid, 0)` and the process's start time (a pid can be reused) tell, so a
 * run that is busy for minutes keeps its lock, and a killed run's lock is taken over at once.
 * Only a lock from elsewhere (a cache dir on storage shared between machines, or a lock file
 * restored from a CI cache that another runner saved) falls back to the heartbeat: the file's
 * mtime, refreshed every 15 s, and taken over 120 s after the last beat. The heartbeat runs on
 * the main thread, which ci-mirror never blocks for long (globs match in linear time, ref
 * names are bounded): a worker thread would add its start-up to every run for a case that
 * needs storage shared between machines.
 */
export const LOCK_FILE = ".ci-mirror.lock";
const HEARTBEAT_MS = 15_000;
const STALE_AFTER_MS = 120_000;

export interface CacheLock {
  release(): Promise<void>;
}

/** Who holds a lock. The Linux fields identify the process beyond its pid; elsewhere they are absent. */
interface Owner {
  pid: number;
  host: string;
  since: string;
  /** The kernel's boot id: a pid from before a reboot names nothing. */
  boot?: string | undefined;
  /** The pid namespace: a container sees other pids than its host does. */
  pidNamespace?: string | undefined;
  /** The process's start time in clock ticks since boot: tells a reused pid apart. */
  started?: string | undefined;
}

/** Locks this process holds, by path, with the content it wrote. */
const held = new Map<string, string>();

// A process that exits at once (a second signal, a crash) removes its locks on the way out.
onAbruptExit(() => {
  for (const [path, content] of held) {
    try {
      if (readFileSync(path, "utf8") === content) rmSync(path, { force: true });
    } catch {
      // Gone already.
    }
  }
  held.clear();
});

export async function acquireCacheLock(cacheDir: string, now: () => number = Date.now): Promise<CacheLock> {
  const path = join(cacheDir, LOCK_FILE);
  try {
    await mkdir(cacheDir, { recursive: true });
  } catch (error) {
    throw lockIoError(path, error);
  }
  const me = await currentOwner(now);
  const content = JSON.stringify(me);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLockFile(path, content)) return hold(path, content);
    const holder = await readFile(path, "utf8").catch(() => undefined);
    // Released between our attempt and our look: try again.
    if (holder === undefined) continue;
    if (!(await abandoned(path, holder, me, now))) throw lockedError(holder);
    await takeOver(path, holder);
  }
  throw new ToolError("ELOCKED", "could not take the cache dir lock: other runs keep taking it", {
    fix: "contended",
  });
}

/** Create the lock with its content, or answer false when it exists. Never leaves an empty lock. */
async function createLockFile(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw lockIoError(path, error);
  }
  try {
    await handle.writeFile(content);
    await handle.close();
    return true;
  } catch (error) {
    // A full disk: an empty lock would keep every later run out. Nothing was started yet.
    await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw lockIoError(path, error);
  }
}

function hold(path: string, content: string): CacheLock {
  held.set(path, content);
  const timer = setInterval(() => {
    const time = new Date();
    utimes(path, time, time).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      held.delete(path);
      // Only our own lock: another run may have taken an expired one over (see takeOver).
      const current = await readFile(path, "utf8").catch(() => undefined);
      if (current === content) await rm(path, { force: true });
    },
  };
}

async function abandoned(path: string, holderText: string, me: Owner, now: () => number): Promise<boolean> {
  const holder = parseOwner(holderText);
  if (holder != null && sameSystem(holder, me)) return !(await stillRunning(holder));
  const mtime = await stat(path).then(
    (info) => info.mtimeMs,
    () => undefined,
  );
  return mtime === undefined || now() - mtime > STALE_AFTER_MS;
}

function sameSystem(holder: Owner, me: Owner): boolean {
  return (
    me.boot != null &&
    me.pidNamespace != null &&
    holder.host === me.host &&
    holder.boot === me.boot &&
    holder.pidNamespace === me.pidNamespace
  );
}

async function stillRunning(holder: Owner): Promise<boolean> {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (holder.started == null) return true;
  const started = await startTimeOf(holder.pid);
  return started === undefined || started === holder.started;
}

/**
 * Move the abandoned lock aside, then check that what was moved is the lock judged abandoned: if
 * another run took it over in between, its fresh lock is put back (a link fails if the path was
 * taken again meanwhile, which is then that run's) and we go round again.
 */
async function takeOver(path: string, judged: string): Promise<void> {
  const aside = `${path}.${process.pid}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readFile(aside, "utf8").catch(() => undefined);
  if (moved !== judged) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

let self: Promise<Owner> | undefined;

function currentOwner(now: () => number): Promise<Owner> {
  self ??= (async () => ({
    pid: process.pid,
    host: hostname(),
    since: "",
    boot: await readFile("/proc/sys/kernel/random/boot_id", "utf8").then(
      (text) => text.trim(),
      () => undefined,
    ),
    pidNamespace: await readlink("/proc/self/ns/pid").catch(() => undefined),
    started: await startTimeOf(process.pid),
  }))();
  return self.then((owner) => ({ ...owner, since: new Date(now()).toISOString() }));
}

/** Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces). */
async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner> | null;
    if (typeof value?.pid !== "number" || typeof value.host !== "string") return undefined;
    return {
      pid: value.pid,
      host: value.host,
      since: typeof value.since === "string" ? value.since : "",
      boot: typeof value.boot === "string" ? value.boot : undefined,
      pidNamespace: typeof value.pidNamespace === "string" ? value.pidNamespace : undefined,
      started: typeof value.started === "string" ? value.started : undefined,
    };
  } catch {
    return undefined;
  }
}

function lockedError(holderText: string): ToolError {
  const holder = parseOwner(holderText);
  // The lock file may come from a restored CI cache: only plain words of it are repeated.
  const plain = (text: string): string => (/^[\w.:+-]{1,100}$/.test(text) ? text : "?");
  const who =
    holder == null
      ? "a lock file it cannot read"
      : `held by pid ${holder.pid} on host ${plain(holder.host)}${holder.since !== "" ? ` since ${plain(holder.since)}` : ""}`;
  // Exit 3: nothing was run and the config is fine; a scheduler may simply run again.
  return new ToolError("ELOCKED", `the cache dir is in use by another ci-mirror run (${who})`, {
    fix: ["held", { staleSeconds: STALE_AFTER_MS / 1000 }],
  });
}

function lockIoError(path: string, error: unknown): ToolError {
  // A full disk is said the same way wherever it strikes.
  const full = diskFullError(error, { cacheDir: dirname(path) }, path);
  if (full !== undefined) return full;
  const reason = error instanceof Error ? error.message : String(error);
  return new ToolError("ELOCKWRITE", `could not write the cache dir lock ${path}: ${reason}`, {
    cause: error,
  });
}
