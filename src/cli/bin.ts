import type { TextSink } from "../output/printer.ts";
import { CANCEL_EXIT_CODES, Cancellation, type StopSignal } from "../util/cancel.ts";
import { runAbruptExitCleanups } from "../util/exit-cleanup.ts";
import { main } from "./main.ts";

// The process boundary: the only place that reads process.argv/env, listens for signals and
// sets the exit code.

// The first SIGINT/SIGTERM (a cancelled CI job, Ctrl-C) asks the run to stop: it stops its git
// processes, releases its lock and writes its reports. A second one exits at once.
const stop = new AbortController();
let received: StopSignal | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (received == null) {
      received = signal;
      stop.abort(new Cancellation(signal));
      return;
    }
    process.stderr.write(`ci-mirror: ${signal} again, stopping at once: reports not written\n`);
    // Asked twice: the one place that must end the process now (the exit handler below cleans up).
    // eslint-disable-next-line no-restricted-properties
    process.exit(CANCEL_EXIT_CODES[signal]);
  });
}
// However the process ends early (a second signal, a crash), no git of ours outlives it and no
// lock of ours stays behind.
process.on("exit", runAbruptExitCleanups);

const exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: tolerant(process.stdout),
  stderr: tolerant(process.stderr),
  signal: stop.signal,
});
if (received != null) {
  // A cancelled run has said all it will say; nothing it left pending (a mirror past its grace
  // time, an API call) is worth waiting for.
  // eslint-disable-next-line no-restricted-properties
  process.exit(exitCode);
}
process.exitCode = exitCode;

/**
 * A stream that may close under us: `ci-mirror sync | head` closes stdout after a few lines. The
 * run goes on (it holds a lock and owes its report files); only its output is dropped.
 */
function tolerant(stream: NodeJS.WriteStream): TextSink {
  let open = true;
  stream.on("error", () => {
    open = false;
  });
  return {
    write: (chunk: string) => {
      if (open && !stream.destroyed) stream.write(chunk);
    },
  };
}
