import type { RefMap } from "../git/ls-remote.ts";

/**
 * Ref names too long to work with. git sets no length limit of its own, but it keeps refs as
 * files (and lock files) named after them: a part between slashes longer than a file name may be
 * (255 bytes, NAME_MAX) or a name longer than a path may be (4096 bytes, PATH_MAX) can be
 * neither fetched into the cache nor pushed to a target that stores refs as files. An upstream
 * can still advertise one, from packed refs or a reftable. Such refs are skipped with a warning
 * instead of failing the mirror, and no ref pattern ever sees a name past these bounds: that is
 * what bounds the work of the config's `/regex/` patterns.
 */
const MAX_REF_BYTES = 4096;
const MAX_REF_PART_BYTES = 255;

function isStorableRefName(ref: string): boolean {
  if (ref.length > MAX_REF_BYTES || Buffer.byteLength(ref) > MAX_REF_BYTES) return false;
  return ref
    .split("/")
    .every((part) => part.length <= MAX_REF_PART_BYTES && Buffer.byteLength(part) <= MAX_REF_PART_BYTES);
}

/** The refs whose names git can store, and a warning naming those it cannot, if any. */
export function storableRefs(refs: RefMap, side: "upstream" | "target"): { refs: RefMap; warning?: string } {
  const skipped = [...refs.keys()].filter((ref) => !isStorableRefName(ref));
  if (skipped.length === 0) return { refs };
  const kept: RefMap = new Map([...refs].filter(([ref]) => isStorableRefName(ref)));
  const shown = skipped
    .slice(0, 3)
    .map((ref) => `${ref.slice(0, 60)}… (${Buffer.byteLength(ref)} bytes)`)
    .join(", ");
  const more = skipped.length > 3 ? ` and ${skipped.length - 3} more` : "";
  const count =
    skipped.length === 1 ? `1 ${side} ref whose name is` : `${skipped.length} ${side} refs whose names are`;
  return {
    refs: kept,
    warning: `skipped ${count} too long for git to store (over ${MAX_REF_BYTES} bytes, or over ${MAX_REF_PART_BYTES} between two slashes): ${shown}${more}`,
  };
}
