import { readdir, readFile, readlink } from "node:fs/promises";
import { sep } from "node:path";

export interface LiveProcess {
  pid: number;
  command: string;
}

/**
 * The processes whose working directory lies inside `dir`. Every git a sync starts runs in its
 * cache dir (or a repository below it), so a test's own workspace finds exactly the git
 * processes of its run, never those of tests running beside it. Linux only (/proc).
 */
export async function processesUnder(dir: string): Promise<LiveProcess[]> {
  const found: LiveProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cwd = await readlink(`/proc/${entry}/cwd`);
      if (cwd !== dir && !cwd.startsWith(`${dir}${sep}`)) continue;
      // A zombie has exited already; only its parent's wait is missing.
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      if (/\) Z /.test(stat)) continue;
      const command = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0").join(" ").trim();
      found.push({ pid, command });
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

/** Kill what a failed test left running in its workspace, so one failure does not starve the rest. */
export async function killProcessesUnder(dir: string): Promise<void> {
  for (const { pid } of await processesUnder(dir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * Resolves with the promise's value, or rejects when it has not settled within `ms`. Any
 * thenable: an execa subprocess with `reject: false` is not a `Promise<Result>` to the compiler
 * under exactOptionalPropertyTypes (its `then` yields a narrower Result).
 */
export async function within<P extends PromiseLike<unknown>>(
  ms: number,
  promise: P,
  what: string,
): Promise<Awaited<P>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
