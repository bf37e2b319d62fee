import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LfsObjectInfo } from "./types.ts";

// Objects are kept inside the bare repository, one file per oid.
const LFS_DIR = "lfs-store";
export const OID = /^[0-9a-f]{64}$/;

export function lfsStoreOf(repoDir: string): string {
  return join(repoDir, LFS_DIR);
}

export async function storeLfsObject(repoDir: string, content: Buffer): Promise<LfsObjectInfo> {
  const oid = createHash("sha256").update(content).digest("hex");
  const dir = lfsStoreOf(repoDir);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, oid), content);
  return { oid, size: content.length };
}

export function hasStoredLfsObject(repoDir: string, oid: string): boolean {
  return existsSync(join(lfsStoreOf(repoDir), oid));
}

export function countStoredLfsObjects(repoDir: string): number {
  const dir = lfsStoreOf(repoDir);
  return existsSync(dir) ? readdirSync(dir).filter((f) => OID.test(f)).length : 0;
}
