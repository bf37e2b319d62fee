import { dirname, isAbsolute, relative } from "node:path";
import { ToolError } from "../errors/tool-error.ts";

/** The directories ci-mirror writes to, as far as the caller knows them. */
export interface WritePlaces {
  cacheDir?: string | undefined;
  tempDir?: string | undefined;
}

/** A write that failed for want of room: no space left, or over a quota. */
export function isDiskFull(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === "ENOSPC" || code === "EDQUOT";
}

/**
 * A write of ci-mirror's own (Node, not git) that found the disk full (`ENOSPC`) or the quota used
 * up (`EDQUOT`), as an error that says which directory to free: the cache dir, the temp dir, or
 * the one the file is in. `file` names what was written when the error does not (a failed
 * `write`, unlike a failed `open`, carries no path). Undefined for any other error.
 */
export function diskFullError(error: unknown, places: WritePlaces, file?: string): ToolError | undefined {
  if (!isDiskFull(error)) return undefined;
  const { code, path } = error as { code?: unknown; path?: unknown };
  const written = typeof path === "string" ? path : file;
  const { cacheDir, tempDir } = places;
  const where =
    written === undefined
      ? "the cache dir or the temp dir"
      : cacheDir !== undefined && within(written, cacheDir)
        ? `the cache dir (${cacheDir})`
        : tempDir !== undefined && within(written, tempDir)
          ? `the temp dir (${tempDir}; TMPDIR moves it)`
          : dirname(written);
  const what = code === "ENOSPC" ? "no space left on device" : "disk quota exceeded";
  return new ToolError("EDISKFULL", `could not write ${written ?? "a file"}: ${what}`, {
    fix: ["at", { where }],
    cause: error,
  });
}

function within(file: string, dir: string): boolean {
  const path = relative(dir, file);
  return path === "" || (!path.startsWith("..") && !isAbsolute(path));
}
