import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/core/result.ts";
import { buildRepo, commitOnBranch, listRefs, tempDir } from "./helpers/fixtures.ts";
import { uniqueName, useGitServer, workspace } from "./helpers/sync-env.ts";
import { canMount, mountTmpfs, unmount } from "./helpers/tmpfs.ts";

// A real full disk: a tmpfs of 1 MiB as the cache dir, so that git itself meets ENOSPC and prints
// what it prints. Where the test may not mount, it is skipped, and the classification is still
// tested against git's words in git-errors.test.ts.
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
