import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";

export type Env = Record<string, string>;

export interface ProcessRun {
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  exitCode: number;
  stdout: Buffer;
  /** Only the end of stderr is kept: it is for error messages, and a big clone can be chatty. */
  stderr: string;
}

export interface RunOptions {
  cwd?: string | undefined;
  env: Env;
  input?: string | Buffer;
}

const STDERR_KEEP = 16_384;

/**
 * Spawn a program and wait for it, timing only the child. Plain `child_process.spawn` rather than
 * execa: the baselines launch up to a hundred processes per measurement, and whatever the harness
 * adds per spawn would be billed to raw git, not to ci-mirror.
 */
export function runProcess(file: string, args: readonly string[], options: RunOptions): Promise<ProcessRun> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input == null ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      err = (err + chunk.toString("utf8")).slice(-STDERR_KEEP);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolveRun({
        ms: performance.now() - started,
        exitCode: code ?? (signal == null ? -1 : 128),
        stdout: Buffer.concat(out),
        stderr: err,
      });
    });
    if (options.input != null && child.stdin != null) child.stdin.end(options.input);
  });
}

/** Last non-empty lines of a stderr, for a one-line failure reason. */
export function tail(text: string, lines = 3): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .slice(-lines)
    .join(" | ");
}

/**
 * GNU time's `-f %M` reports the peak RSS of the largest single process it waited for, which
 * for a Node program that runs git includes the git children (Linux folds reaped children's
 * peaks into the parent's). BSD and busybox `time` lack `-f`/`-o`; then that figure is skipped.
 */
export async function gnuTimeAvailable(env: Env): Promise<boolean> {
  try {
    const run = await runProcess(GNU_TIME, ["-f", "%M", "-o", "/dev/null", "true"], { env });
    return run.exitCode === 0;
  } catch {
    return false;
  }
}

const GNU_TIME = "/usr/bin/time";

export interface MeasuredNode {
  run: ProcessRun;
  /** Peak RSS of the Node process itself, in KiB. */
  nodeRssKb: number | undefined;
  /** Peak RSS of the largest process in the tree (Node or one of its git children), in KiB. */
  treeRssKb: number | undefined;
}

/**
 * Run a Node script, recording its own peak RSS through a one-line `--import` hook that writes
 * `process.resourceUsage().maxRSS` on exit, and the tree's through GNU time when available. Both
 * cost a millisecond or two, which the wall time includes.
 */
export async function runNodeMeasured(
  script: string,
  args: readonly string[],
  options: RunOptions & { scratchFile: string; gnuTime: boolean },
): Promise<MeasuredNode> {
  const nodeFile = `${options.scratchFile}.node-rss`;
  const treeFile = `${options.scratchFile}.tree-rss`;
  const hook = [
    'import { writeFileSync } from "node:fs";',
    `process.on("exit", () => writeFileSync(${JSON.stringify(nodeFile)}, String(process.resourceUsage().maxRSS)));`,
  ].join("");
  const nodeArgs = ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, script, ...args];
  const run = options.gnuTime
    ? await runProcess(GNU_TIME, ["-f", "%M", "-o", treeFile, process.execPath, ...nodeArgs], options)
    : await runProcess(process.execPath, nodeArgs, options);
  const nodeRssKb = await readNumber(nodeFile);
  const treeRssKb = options.gnuTime ? await readNumber(treeFile) : undefined;
  return { run, nodeRssKb, treeRssKb };
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    // GNU time writes "Command exited with non-zero status N" above the figure on failure.
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const value = Number.parseInt(lines[lines.length - 1] ?? "", 10);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  } finally {
    await rm(file, { force: true });
  }
}
