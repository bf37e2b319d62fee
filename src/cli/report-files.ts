import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { ToolError } from "../errors/tool-error.ts";
import { isDiskFull } from "../util/disk-full.ts";
import type { Redactor } from "../util/redact.ts";

/** A report the user asked for (`--report`, `--junit`), and how to render it. */
export interface ReportFile {
  /** As given on the command line, relative to the world's cwd; undefined: not asked for. */
  file: string | undefined;
  render: () => string;
}

/**
 * Write each file asked for: rendered, redacted as text (reports are artifacts anyone with access
 * to the pipeline can read), and put in place whole. One file that cannot be written does not cost
 * the others; then one error names every one that failed: EDISKFULL when a full disk refused one
 * (the previous report is still there, whole), EREPORT otherwise.
 *
 * Whole: the text goes to a scratch file beside the target, which is renamed over it, so a reader
 * (GitLab's artifact upload, a later job, the user) never sees half a report, and a full disk
 * leaves the previous file as it was.
 */
export async function writeReportFiles(
  cwd: string,
  files: readonly ReportFile[],
  redactor: Pick<Redactor, "redact">,
): Promise<void> {
  const problems: string[] = [];
  // The directory of the first report a full disk refused: a full disk is said the same way
  // wherever it strikes (EDISKFULL), naming where to make room.
  let full: string | undefined;
  for (const { file, render } of files) {
    if (file == null) continue;
    const path = resolve(cwd, file);
    try {
      await writeWhole(path, redactor.redact(render()));
    } catch (error) {
      if (full === undefined && isDiskFull(error)) full = dirname(path);
      problems.push(`${path} (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (problems.length === 0) return;
  const message = `could not write ${problems.join(", ")}`;
  if (full !== undefined) throw new ToolError("EDISKFULL", message, { fix: ["at", { where: full }] });
  throw new ToolError("EREPORT", message);
}

/**
 * Put `text` in place at `path` whole (see writeReportFiles), not redacted: for a file that is
 * not a report, such as the child pipeline `plan` writes, whose `before_script` is the user's own
 * and may hold a URL with credentials on purpose.
 */
export async function writeWhole(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const scratch = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(scratch, text, { flag: "wx" });
    await rename(scratch, path);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}
