import { ConfigError, isToolError, type ExitCode } from "../errors/tool-error.ts";
import { formatIssues } from "../config/format-issues.ts";
import { Redactor } from "../util/redact.ts";
import { CANCEL_EXIT_CODES, stopSignalOf } from "../util/cancel.ts";
import { buildParser, type Invocation } from "./parser.ts";
import type { CliWorld } from "./world.ts";

/**
 * Run the CLI against a given world and return the exit code: 0 all good, 1 a mirror failed,
 * 2 usage or config error, 3 the cache dir is held by another run, 130/143 cancelled by
 * SIGINT/SIGTERM (the README's exit-code table). Nothing here ends the process; bin.ts sets the
 * exit code.
 */
export async function main(argv: readonly string[], world: CliWorld): Promise<ExitCode> {
  const debug = argv.includes("--debug") || world.env.CI_MIRROR_DEBUG === "true";
  let invocation: Invocation | undefined;
  const redactor = new Redactor();
  try {
    const parser = buildParser(world, (chosen) => {
      invocation = chosen;
    });
    let printed = "";
    await parser.parseAsync([...argv], {}, (_error: unknown, _args: unknown, output: string) => {
      printed = output;
    });
    if (printed) world.stdout.write(`${printed}\n`);
    if (invocation == null) return 0;
    const work = invocation.run({ ...world, redactor, debug });
    return invocation.stopsOnSignal ? await work : await orCancelled(world, work);
  } catch (error) {
    return renderError(error, world, debug, redactor);
  }
}

/** The command's exit code, or the cancellation's as soon as the world's signal fires. */
async function orCancelled(world: CliWorld, work: Promise<ExitCode>): Promise<ExitCode> {
  const signal = world.signal;
  if (signal == null) return work;
  let onAbort = (): void => undefined;
  const cancelled = new Promise<ExitCode>((resolve) => {
    onAbort = () => {
      const stopSignal = stopSignalOf(signal) ?? "SIGTERM";
      world.stderr.write(`cancelled by ${stopSignal}\n`);
      resolve(CANCEL_EXIT_CODES[stopSignal]);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, cancelled]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function renderError(error: unknown, world: CliWorld, debug: boolean, redactor: Redactor): ExitCode {
  // The command's own redactor: it knows every secret the command registered before failing.
  const write = (line: string): void => {
    world.stderr.write(`${redactor.redact(line)}\n`);
  };
  if (error instanceof ConfigError) {
    write(formatIssues(error.file, error.issues));
    write(`error ${error.code}: ${error.message}`);
    write(`fix: ${error.fix}`);
    return error.exitCode;
  }
  if (isToolError(error)) {
    write(`error ${error.code}: ${error.message}`);
    write(`fix: ${error.fix}`);
    if (debug && error.stack != null) write(error.stack);
    return error.exitCode;
  }
  write(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  write(
    debug && error instanceof Error && error.stack != null
      ? error.stack
      : "Run again with --debug for the stack trace.",
  );
  return 1;
}
