import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { buildRepo, commitOnBranch, listRefs, tempDir } from "./helpers/fixtures.ts";
import { uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";

/**
 * A real full disk: a tmpfs of 1 MiB as the cache dir, so that git itself meets ENOSPC and
 * prints what it prints. Mounting needs root with CAP_SYS_ADMIN; where the test may not mount
 * (an unprivileged container), it is skipped, and the classification is still tested against
 * git's words in git-errors.test.ts.
 */
async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  const result = await execa("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { reject: false });
  return result.exitCode === 0;
}

async function unmount(dir: string): Promise<void> {
  await execa("umount", [dir], { reject: false });
}

async function canMount(): Promise<boolean> {
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

const server = useGitServer();

describe.skipIf(!(await canMount()))(
  "a full disk (the cache dir on a 1 MiB tmpfs; needs root to mount)",
  () => {
    it("fails the mirror as a full disk naming the cache dir, without retries or blaming the cache", async () => {
      const name = uniqueName("full");
      const upstream = await server().createRepo(`up/${name}`);
      await buildRepo(upstream, { commits: 2 });
      // Random bytes do not compress: the pack is bigger than the disk.
      await commitOnBranch(upstream, "main", { "big.bin": randomBytes(3_000_000) });
      const target = await server().createRepo(`mirror/${name}`, { flavor: "gitlab" });
      const ws = await workspace();
      await ws.configure([
        { name, source: server().repoUrl(`up/${name}`), target: server().repoUrl(`mirror/${name}`) },
      ]);
      const { path: disk } = await tempDir("small-disk");
      expect(await mountTmpfs(disk, "1m")).toBe(true);
      try {
        const run = await ws.sync("--all", "--cache-dir", disk, "--report", "r.json");

        expect(run.code).toBe(1);
        const mirror = (JSON.parse(await readFile(join(ws.dir, "r.json"), "utf8")) as RunReport).mirrors[0]!;
        expect(mirror.error?.code).toBe("EDISKFULL");
        expect(mirror.error?.message).toContain("No space left on device");
        expect(mirror.error?.fix).toContain(disk);
        expect(run.stderr).not.toMatch(/retry \d/);
        expect(run.stderr).not.toContain("discarded");
        expect(await listRefs(target)).toEqual(new Map());
      } finally {
        await unmount(disk);
      }
    });
  },
);
