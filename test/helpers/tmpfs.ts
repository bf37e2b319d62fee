import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

/**
 * A real full disk: a small tmpfs mounted on a directory. Mounting needs root with CAP_SYS_ADMIN;
 * where a test may not mount (an unprivileged container), `canMount` says so and the test is
 * skipped.
 */
export async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  const result = await execa("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { reject: false });
  return result.exitCode === 0;
}

export async function unmount(dir: string): Promise<void> {
  await execa("umount", [dir], { reject: false });
}

export async function canMount(): Promise<boolean> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const dir = await mkdtemp(join(tmpdir(), "ci-mirror-mount-probe-"));
  try {
    const mounted = await mountTmpfs(dir, "64k");
    if (mounted) await unmount(dir);
    return mounted;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
