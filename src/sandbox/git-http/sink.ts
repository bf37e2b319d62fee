import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Readable } from "node:stream";

/** Response writer that every handler goes through, so byte counts and "drop" faults apply to all. */
export interface ResponseSink {
  start(status: number, headers: OutgoingHttpHeaders): void;
  /** False means the socket is backed up: wait for the response's "drain" before writing more. */
  write(chunk: Buffer): boolean;
  end(): void;
  readonly started: boolean;
}

export function createSink(
  res: ServerResponse,
  hooks: {
    onStatus: (status: number) => void;
    onBytes: (n: number) => void;
    dropAfter: () => number | undefined;
    onDrop: () => void;
    /** Body offset of a byte to damage, once. */
    corruptAt?: () => number | undefined;
    onCorrupt?: () => void;
  },
): ResponseSink {
  let started = false;
  let dropped = false;
  let sent = 0;

  function drop(): void {
    dropped = true;
    hooks.onDrop();
    // Let what was written reach the client, then close mid-body: the client sees a truncated
    // response, like a proxy or load balancer cutting the connection.
    res.socket?.destroySoon();
  }

  return {
    get started() {
      return started;
    },
    start(status, headers) {
      started = true;
      hooks.onStatus(status);
      res.writeHead(status, headers);
      if (hooks.dropAfter() === 0) {
        res.flushHeaders();
        drop();
      }
    },
    write(written) {
      if (dropped || res.destroyed) return true;
      let chunk = written;
      const at = hooks.corruptAt?.();
      if (at != null && at >= sent && at < sent + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[at - sent] = (chunk[at - sent] ?? 0) ^ 0xff;
        hooks.onCorrupt?.();
      }
      const limit = hooks.dropAfter();
      if (limit != null && sent + chunk.length >= limit) {
        const part = chunk.subarray(0, limit - sent);
        if (part.length > 0) res.write(part);
        sent += part.length;
        hooks.onBytes(part.length);
        drop();
        return true;
      }
      sent += chunk.length;
      hooks.onBytes(chunk.length);
      return res.write(chunk);
    },
    end() {
      if (!dropped && !res.destroyed) res.end();
    },
  };
}

export async function streamToSink(source: Readable, sink: ResponseSink, res: ServerResponse): Promise<void> {
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (res.destroyed) break;
    if (!sink.write(chunk)) {
      await new Promise<void>((resolveDrain) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          resolveDrain();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  source.destroy();
}
