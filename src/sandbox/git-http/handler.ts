import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { authorize, fromDecision, identify, parseAuthorization } from "./auth.ts";
import { runBackend } from "./cgi.ts";
import type { CgiHost } from "./cgi.ts";
import type { ArmedFault, FaultTable } from "./faults.ts";
import { handleLfs } from "./lfs.ts";
import { sendError, sendText } from "./replies.ts";
import { classify } from "./routes.ts";
import { createSink } from "./sink.ts";
import type { StatsBook } from "./stats.ts";
import type { Access, GitServerOptions, RecordedRequest } from "./types.ts";

/** The server's live state, as one request needs it. */
export interface ServerState {
  /** Kept whole, so the `authorize` hook is called on the options object it was given on. */
  options: GitServerOptions;
  tokens: Map<string, Access>;
  publicRepos: Set<string>;
  stats: StatsBook;
  faults: FaultTable;
  closing: AbortSignal;
  cgi: CgiHost;
  /** Read per request: the URL is known only once the server listens. */
  url(): string;
  repoPath(name: string): string;
}

/** Route, record and authenticate one request, apply the injected faults, then serve it. */
export async function handleRequest(
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { options } = state;
  const parsed = new URL(req.url ?? "/", "http://sandbox");
  const route = classify(req.method ?? "GET", parsed);
  const authorization = req.headers.authorization;
  const record: RecordedRequest = {
    repo: route.repo,
    method: req.method ?? "GET",
    path: parsed.pathname,
    service: route.service,
    authorization,
    status: 0,
  };
  state.stats.requests.push(record);
  const stats = route.repo == null ? undefined : state.stats.of(route.repo);
  if (stats != null) stats.requests += 1;
  const isUploadPack = route.kind === "upload-pack";

  let killChild: () => void = () => undefined;
  // Filled in once auth has passed; the sink reads it lazily.
  const armed: { drop?: ArmedFault | undefined; corrupt?: ArmedFault | undefined } = {};
  const sink = createSink(res, {
    onStatus: (status) => (record.status = status),
    onBytes: (n) => {
      if (stats == null) return;
      stats.bytesSent += n;
      if (isUploadPack) stats.uploadPackBytesSent += n;
    },
    dropAfter: () =>
      armed.drop != null && armed.drop.remaining > 0 ? Math.max(0, armed.drop.afterBytes ?? 0) : undefined,
    onDrop: () => {
      if (armed.drop != null) armed.drop.remaining -= 1;
      killChild();
    },
    corruptAt: () =>
      armed.corrupt != null && armed.corrupt.remaining > 0
        ? Math.max(0, armed.corrupt.afterBytes ?? 0)
        : undefined,
    onCorrupt: () => {
      if (armed.corrupt != null) armed.corrupt.remaining -= 1;
    },
  });
  const countIn = (n: number): void => {
    if (stats != null) stats.bytesReceived += n;
  };
  const lfs = route.kind === "lfs";

  if (route.repo == null) {
    sendText(sink, 404, "Not Found\n");
    return;
  }
  // A moved repository sends everyone elsewhere, signed in or not.
  const redirect = state.faults.take(route, "redirect");
  if (redirect != null) {
    const location = `${(redirect.location ?? "").replace(/\/+$/, "")}${parsed.pathname}${parsed.search}`;
    sendText(sink, redirect.status ?? 302, `Moved to ${location}\n`, { location });
    return;
  }
  const caller =
    options.authorize == null
      ? identify(authorization, state.tokens)
      : fromDecision(
          await options.authorize({
            repo: route.repo,
            need: route.need,
            kind: route.kind,
            ...parseAuthorization(authorization),
          }),
        );
  const denied = caller.denied?.status ?? authorize(caller, route.need, state.publicRepos.has(route.repo));
  if (denied != null) {
    sendError(sink, denied, lfs, caller.denied?.message ?? caller.writeDeniedMessage);
    return;
  }

  // Faults hit only requests that would otherwise be served: a 401 probe that precedes the
  // authenticated retry must not use up a fault aimed at the real request.
  const latency = state.faults.take(route, "latency");
  if (latency != null) {
    try {
      await sleep(latency.ms ?? 0, undefined, { signal: state.closing });
    } catch {
      return;
    }
    if (res.destroyed) return;
  }
  if (state.faults.take(route, "stall") != null) {
    await untilGone(req, state.closing);
    return;
  }
  if (state.faults.take(route, "status-500") != null) {
    sendText(sink, 500, "Internal Server Error (injected fault)\n");
    return;
  }
  // Armed now, used up only when it fires (see Fault.afterBytes).
  armed.drop = state.faults.find(route, "drop");
  armed.corrupt = state.faults.find(route, "corrupt");

  if (lfs) {
    await handleLfs({
      req,
      res,
      sink,
      countIn,
      caller,
      repo: route.repo,
      rest: route.rest,
      dir: state.repoPath(route.repo),
      baseUrl: state.url(),
    });
    return;
  }
  const child = runBackend(state.cgi, { req, res, sink, route, caller, record, countIn });
  killChild = () => child.kill("SIGKILL");
}

/** Resolves when the client hangs up or the server shuts down, whichever comes first. */
function untilGone(req: IncomingMessage, closing: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (closing.aborted || req.socket.destroyed) {
      resolve();
      return;
    }
    closing.addEventListener("abort", () => resolve(), { once: true });
    req.socket.once("close", () => resolve());
  });
}
