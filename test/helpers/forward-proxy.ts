/**
 * A recording forward proxy on loopback (http:// only; CONNECT tunnels are refused and noted),
 * for the proxy tests and for checking that nothing was sent to a proxy nobody configured.
 */
import { Agent, createServer, request } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import { onTestFinished } from "vitest";

interface ProxiedRequest {
  method: string;
  /** The absolute URI the client asked the proxy for. */
  url: string;
  authorization: string | undefined;
  /** Status the proxy passed back; 0 until the server answered. */
  status: number;
}

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`, for `http_proxy`. */
  url: string;
  readonly requests: ProxiedRequest[];
  /** `host:port` of every CONNECT (https://) request; each tunnel is refused. */
  readonly tunnels: string[];
  close(): Promise<void>;
}

// Headers about one connection, not about the request: a proxy must not pass them on.
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * A forward proxy for plain http:// on 127.0.0.1, as a client sees one: it takes absolute-URI
 * requests and streams them to the origin and back. It only forwards to 127.0.0.1, so a test
 * cannot reach anything else through it.
 */
async function startForwardProxy(): Promise<ForwardProxy> {
  // Its own agent, so closing the proxy leaves no pooled connection to the git server behind.
  const agent = new Agent({ keepAlive: false });
  const requests: ProxiedRequest[] = [];
  const proxy = createServer((req, res) => {
    const target = URL.canParse(req.url ?? "") ? new URL(req.url ?? "") : undefined;
    if (target?.protocol !== "http:" || target.hostname !== "127.0.0.1") {
      res.writeHead(400).end("this proxy takes absolute http://127.0.0.1 URIs only\n");
      return;
    }
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      url: target.href,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(record);
    const outbound = request(
      {
        host: "127.0.0.1",
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: endToEnd(req.headers),
        agent,
      },
      (answer) => {
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        pipeline(answer, res).catch(() => res.destroy());
      },
    );
    outbound.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    pipeline(req, outbound).catch(() => outbound.destroy());
  });
  const tunnels: string[] = [];
  proxy.on("connect", (req: IncomingMessage, socket: Duplex) => {
    tunnels.push(req.url ?? "");
    // There is no TLS server to tunnel to; the request alone shows whom git asked.
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tunnels,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** A proxy closed when the current test finishes. */
export async function proxyForThisTest(): Promise<ForwardProxy> {
  const proxy = await startForwardProxy();
  onTestFinished(() => proxy.close());
  return proxy;
}
