import { GitError } from "../errors/git-error.ts";
import { isToolError } from "../errors/tool-error.ts";
import { cacheDamage, discardCache } from "../git/cache-repo.ts";
import type { GitContext } from "../git/runner.ts";

/**
 * A cache restored from CI storage can be damaged: a pack lost, an object cut short, packed-refs
 * garbled, a file where the repository should be. It never damages the target (git checks what
 * it sends, and the target checks what it receives), but it fails every run the same way. The
 * cure is cheap: discard it, and the run starts a new one from the target, the near side.
 *
 * Damage is judged by looking at the cache alone, never by what a server said, so an upstream
 * that sends a bad pack fails the run as itself and the cache is kept. One discard per run at
 * most: a run that fails again afterwards fails for another reason.
 */
export interface CacheRecovery {
  /** Before the cache is used: discards it when a quick look finds it damaged. */
  open(): Promise<void>;
  /**
   * After a step failed: true when the cache was to blame and has been discarded, so the caller
   * may run the sync again. Failures that cannot come from the cache are not looked into.
   */
  recover(error: unknown): Promise<boolean>;
  /** The line said when the cache was discarded, for the report's warnings. */
  readonly warning: string | undefined;
}

export function cacheRecovery(cache: GitContext, log: (line: string) => void): CacheRecovery {
  let opened = false;
  let warning: string | undefined;

  async function discard(damage: string): Promise<void> {
    await discardCache(cache);
    warning = `discarded the damaged cache (${damage}); starting a new one`;
    log(warning);
  }

  return {
    get warning() {
      return warning;
    },
    async open() {
      opened = true;
      if (warning !== undefined) return;
      const damage = await cacheDamage(cache);
      if (damage !== undefined) await discard(damage);
    },
    async recover(error) {
      if (!opened || warning !== undefined || !couldBeTheCache(error)) return false;
      let damage: string | undefined;
      try {
        damage = await cacheDamage(cache, { deep: true });
      } catch {
        // The look itself failed (a hang, a permission): the original failure is the one to report.
        return false;
      }
      if (damage === undefined) return false;
      await discard(damage);
      return true;
    },
  };
}

/**
 * Failures whose cause lies outside the cache: credentials, host keys, a refused redirect, a
 * missing git, time, a cancelled run, a full disk (a new cache would not fit either).
 */
const NOT_THE_CACHE: ReadonlySet<GitError["kind"]> = new Set([
  "auth",
  "host-key",
  "redirect",
  "missing-tool",
  "timeout",
  "cancelled",
  "disk-full",
]);

function couldBeTheCache(error: unknown): boolean {
  if (error instanceof GitError) return !NOT_THE_CACHE.has(error.kind);
  // The fetch did not bring every object the refs need: a cache that lost objects looks like that.
  return isToolError(error) && error.code === "EINCOMPLETE";
}
