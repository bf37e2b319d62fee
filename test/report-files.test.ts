/**
 * Report files (`--report`, `--junit`) are written one way for every command (src/cli/report-files.ts):
 * redacted, put in place whole, and a file that cannot be written is EREPORT after the others
 * are written and the run's output is printed.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReportFiles } from "../src/cli/report-files.ts";
import { Redactor } from "../src/util/redact.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/fixtures.ts";
import { startGitLabSandbox, type GitLabSandbox } from "./helpers/sandbox.ts";
import { canMount, mountTmpfs, unmount } from "./helpers/tmpfs.ts";

const mountable = await canMount();

describe("writeReportFiles", () => {
  it("replaces a report whole, redacted, and leaves nothing beside it", async () => {
    const { path: dir } = await tempDir("report-files");
    await writeFile(join(dir, "r.json"), "the previous run's report, longer than the new one\n");
    const redactor = new Redactor();
    redactor.add("report-secret-31c9");

    await writeReportFiles(
      dir,
      [
        { file: "r.json", render: () => `{"said": "report-secret-31c9"}\n` },
        { file: undefined, render: () => "never asked for" },
        { file: "deep/er/j.xml", render: () => "<xml/>\n" },
      ],
      redactor,
    );

    expect(await readFile(join(dir, "r.json"), "utf8")).toBe(`{"said": "[MASKED]"}\n`);
    expect(await readFile(join(dir, "deep/er/j.xml"), "utf8")).toBe("<xml/>\n");
    expect((await readdir(dir)).sort()).toEqual(["deep", "r.json"]);
    expect(await readdir(join(dir, "deep/er"))).toEqual(["j.xml"]);
  });
});

describe("a report that cannot be written", () => {
  let gl: GitLabSandbox;
  let token: string;

  beforeAll(async () => {
    gl = await startGitLabSandbox();
    const bot = gl.addUser("bot");
    token = gl.addToken(bot, { scopes: ["api"] });
    gl.addProject("fleet", "app");
    gl.addMember("fleet", "bot", 40);
    gl.addRemoteMirror("fleet/app", { url: "https://github.example/org/app.git", enabled: true });
  });

  afterAll(async () => {
    await gl.close();
  });

  async function auditDir(label: string): Promise<string> {
    const { path: dir } = await tempDir(label);
    await writeFile(
      join(dir, "mirrors.yml"),
      ["version: 1", "gitlab:", `  url: ${gl.url}`, "audit: { projects: [fleet/app] }", ""].join("\n"),
    );
    return dir;
  }

  it.skipIf(!mountable)(
    "audit, on a full disk (a 64 KiB tmpfs; needs root to mount): is EDISKFULL naming the directory, and the previous report is left whole",
    async () => {
      const dir = await auditDir("audit-full");
      const disk = join(dir, "disk");
      await mkdir(disk);
      expect(await mountTmpfs(disk, "64k")).toBe(true);
      try {
        const previous = `{ "the previous run's": "report" }\n`;
        await writeFile(join(disk, "audit.json"), previous);
        // Fill what is left of the disk.
        await writeFile(join(disk, "filler"), Buffer.alloc(1 << 20)).catch(() => undefined);

        const run = await runCli(["audit", "--report", "disk/audit.json", "--junit", "audit.xml"], {
          cwd: dir,
          env: { GITLAB_TOKEN: token },
        });

        expect(run.stderr).toContain(`error EDISKFULL: could not write ${join(disk, "audit.json")}`);
        expect(run.stderr).toContain(`fix: The disk that holds ${disk} is full.`);
        expect(run.code).toBe(1);
        expect(await readFile(join(disk, "audit.json"), "utf8")).toBe(previous);
        expect((await readdir(disk)).sort()).toEqual(["audit.json", "filler"]);
        expect(existsSync(join(dir, "audit.xml"))).toBe(true);
      } finally {
        await unmount(disk);
      }
    },
  );

  it("audit: is EREPORT naming it, after the table is printed and the other report is written", async () => {
    const { path: dir } = await tempDir("audit-report");
    await writeFile(
      join(dir, "mirrors.yml"),
      ["version: 1", "gitlab:", `  url: ${gl.url}`, "audit: { projects: [fleet/app] }", ""].join("\n"),
    );
    // A file where the report's directory should be: nothing can be written under it.
    await writeFile(join(dir, "blocked"), "");

    const run = await runCli(["audit", "--report", "blocked/audit.json", "--junit", "audit.xml"], {
      cwd: dir,
      env: { GITLAB_TOKEN: token },
    });

    expect(run.stderr).toContain(`error EREPORT: could not write ${join(dir, "blocked/audit.json")}`);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/fleet\/app\s+https:\/\/github\.example\/org\/app\.git/);
    expect(existsSync(join(dir, "audit.xml"))).toBe(true);
  });
});
