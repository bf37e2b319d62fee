/**
 * What must not outlive the process, undone synchronously when it exits without finishing its
 * run: a second signal, or a crash. The run itself stops its git processes and releases its
 * lock on every ordinary path; this is the last line behind it. No dependencies: the process
 * boundary loads it at every start.
 */
const cleanups = new Set<() => void>();

/** Register a synchronous cleanup; it must be quick and must not throw. */
export function onAbruptExit(cleanup: () => void): void {
  cleanups.add(cleanup);
}

export function runAbruptExitCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: the other cleanups still run.
    }
  }
}
