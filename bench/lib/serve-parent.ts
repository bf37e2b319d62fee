import type { HostMessage, HostRequest } from "./child-host.ts";

/**
 * Child side of child-host.ts: answer the parent's calls over the IPC channel, and tell it the
 * server's URL once ready. Call this after the server has started, from the host module.
 */
export function serveParent<Call extends { op: string }>(
  url: string,
  /** The value (or promise of it) to send back for one call. */
  answer: (request: Call) => unknown,
  close: () => Promise<void>,
): void {
  let closed = false;
  process.on("message", (request: HostRequest<Call>) => {
    // As from an async function: a throw in `answer` becomes a failed reply, not a crash.
    const reply =
      request.op === "close"
        ? close().then(() => null)
        : new Promise<unknown>((resolve) => resolve(answer(request as Call)));
    reply.then(
      (value) => {
        send({ kind: "reply", id: request.id, value });
        if (request.op === "close") {
          closed = true;
          // With the server closed and the channel gone, nothing keeps the process alive.
          process.disconnect();
        }
      },
      (error: unknown) => send({ kind: "failed", id: request.id, message: String(error) }),
    );
  });
  // The bench died without closing us: do not linger holding a port (and any server children).
  process.on("disconnect", () => {
    if (!closed) void close();
  });
  send({ kind: "ready", url });
}

function send(message: HostMessage): void {
  process.send?.(message);
}
