import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";

/**
 * Host a sandbox server in a child process and call it over the IPC channel. In the bench's own
 * process the server would share one event loop with the harness: every spawn the harness makes
 * blocks that loop while it forks, which stalls the server for all requests in flight and bills
 * the harness's own work to the measured CLI. A forge is another machine; here it is at least
 * another process. The child side of the protocol is `serveParent` in serve-parent.ts.
 */

/** Every host understands `close`: it shuts its server down, answers, and lets the process end. */
interface CloseCall {
  op: "close";
}

export type HostRequest<Call> = (Call | CloseCall) & { id: number };

export type HostMessage =
  | { kind: "ready"; url: string }
  | { kind: "reply"; id: number; value: unknown }
  | { kind: "failed"; id: number; message: string };

export interface ChildHost<Call> {
  /** The URL the server in the child listens on. */
  readonly url: string;
  /** Send one call; resolves with the value the child answered with. */
  readonly call: (request: Call) => Promise<unknown>;
  readonly close: () => Promise<void>;
}

export interface ChildHostOptions {
  /** The host module, a TypeScript file run through tsx. */
  script: string;
  args: readonly string[];
  projectDir: string;
  /** What the server is, for error messages: "git server", "GitLab sandbox". */
  name: string;
}

export async function startChildHost<Call extends { op: string }>(
  options: ChildHostOptions,
): Promise<ChildHost<Call>> {
  // tsx as an import hook, resolved from the project, so the host runs the server's TypeScript as is.
  const child = fork(options.script, [...options.args], {
    cwd: options.projectDir,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const url = await new Promise<string>((resolveReady, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`${options.name} process exited early (${code ?? "signal"})`)),
    );
    child.on("message", (message: HostMessage) => {
      if (message.kind === "ready") resolveReady(message.url);
      else if (message.kind === "reply") pending.get(message.id)?.resolve(message.value);
      else pending.get(message.id)?.reject(new Error(`${options.name}: ${message.message}`));
      if (message.kind !== "ready") pending.delete(message.id);
    });
  });
  child.removeAllListeners("exit");
  child.on("exit", () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${options.name} process exited`));
    pending.clear();
  });

  function call(request: Call | CloseCall): Promise<unknown> {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const message: HostRequest<Call> = { ...request, id };
      child.send(message);
    });
  }

  return { url, call, close: () => closeHost(child, call) };
}

async function closeHost(child: ChildProcess, call: (request: CloseCall) => Promise<unknown>): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  await call({ op: "close" });
  await exited;
}
