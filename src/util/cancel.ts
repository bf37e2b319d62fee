/**
 * Why a run was asked to stop. The process boundary (cli/bin.ts) aborts the run's AbortSignal
 * with one of these when the job is cancelled; the core reads it back to say what stopped it
 * and to exit as a shell would have: 128 + the signal's number.
 */
export type StopSignal = "SIGINT" | "SIGTERM";

export class Cancellation extends Error {
  readonly signal: StopSignal;

  constructor(signal: StopSignal) {
    super(`cancelled by ${signal}`);
    this.name = "Cancellation";
    this.signal = signal;
  }
}

export const CANCEL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type CancelExitCode = (typeof CANCEL_EXIT_CODES)[StopSignal];

/** The signal that cancelled the run, when it was; an abort for another reason counts as SIGTERM. */
export function stopSignalOf(signal: AbortSignal | undefined): StopSignal | undefined {
  if (signal?.aborted !== true) return undefined;
  return signal.reason instanceof Cancellation ? signal.reason.signal : "SIGTERM";
}
