import { mkdir, open, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { ToolError } from "../errors/tool-error.ts";

/**
 * One run at a time per cache dir. The lock is a file created with O_EXCL and kept fresh by a
 * heartbeat; a lock whose heartbeat stopped (a killed job, or a lock file restored from a CI
 * cache by another runner) is taken over instead of blocking forever.
 */
export const LOCK_FILE = ".ci-mirror.lock";
const HEARTBEAT_MS = 15_000;
const STALE_AFTER_MS = 120_000;

export interface CacheLock {
  release(): Promise<void>;
}

export async function acquireCacheLock(cacheDir: string, now: () => number = Date.now): Promise<CacheLock> {
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, LOCK_FILE);
  const owner = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date(now()).toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(owner);
      await handle.close();
      const timer = setInterval(() => {
        const time = new Date();
        utimes(path, time, time).catch(() => {});
      }, HEARTBEAT_MS);
      timer.unref();
      return {
        release: async () => {
          clearInterval(timer);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age =
        now() -
        (await stat(path).then(
          (info) => info.mtimeMs,
          () => now(),
        ));
      if (age > STALE_AFTER_MS) {
        await rm(path, { force: true });
        continue;
      }
      const holder = await readFile(path, "utf8").catch(() => "unknown");
      throw new ToolError("ELOCKED", `the cache dir is in use by another ci-mirror run (${holder.trim()})`, {
        fix: `Wait for that run to finish, or give this run its own --cache-dir. A lock left by a killed run expires ${STALE_AFTER_MS / 1000}s after its last heartbeat.`,
      });
    }
  }
  throw new ToolError("ELOCKED", "could not take the cache dir lock", { fix: "Run again." });
}
