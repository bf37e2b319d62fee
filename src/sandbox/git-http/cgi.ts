import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Caller } from "./auth.ts";
import type { Env } from "../../util/env.ts";
import { gitOk } from "../git.ts";
import { sendText } from "./replies.ts";
import type { Route } from "./routes.ts";
import type { ResponseSink } from "./sink.ts";
import type { RecordedRequest } from "./types.ts";

/** What every CGI run shares: the backend binary, the repos it serves, and the children to kill on close. */
export interface CgiHost {
  backend: string;
  root: string;
  baseEnv: Env;
  children: Set<ChildProcess>;
}

/** One request handed to the CGI, already routed and authorized. */
export interface CgiCall {
  req: IncomingMessage;
  res: ServerResponse;
  sink: ResponseSink;
  route: Route;
  caller: Caller;
  record: RecordedRequest;
  countIn: (n: number) => void;
}

export async function findBackend(env: Env): Promise<string> {
  return join(await gitOk(["--exec-path"], { env }), "git-http-backend");
}

export function runBackend(host: CgiHost, call: CgiCall): ChildProcess {
  const { req, res, sink, route, caller, record, countIn } = call;
  const env: Env = {
    ...host.baseEnv,
    GIT_PROJECT_ROOT: host.root,
    GIT_HTTP_EXPORT_ALL: "1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: `/${route.repo ?? ""}.git${route.rest}`,
    QUERY_STRING: (req.url ?? "").split("?")[1] ?? "",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
  };
  setIf(env, "CONTENT_TYPE", req.headers["content-type"]);
  // Without CONTENT_LENGTH (chunked uploads) http-backend reads the body to EOF, which is what we want.
  setIf(env, "CONTENT_LENGTH", req.headers["content-length"]);
  // git gzips large request bodies; http-backend inflates them itself when told the encoding.
  setIf(env, "HTTP_CONTENT_ENCODING", req.headers["content-encoding"]);
  // Protocol v2 is negotiated through this header; http-backend hands it on to upload-pack.
  setIf(env, "GIT_PROTOCOL", header(req, "git-protocol"));
  if (caller.access === "read" || caller.access === "write") env.REMOTE_USER = caller.user ?? "token";
  Object.assign(env, caller.env);

  const child = spawn(host.backend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
  host.children.add(child);
  child.on("error", () => undefined);

  // Request body: forwarded with backpressure, counted as it goes. The CGI may exit without
  // reading all of it (a refused push); the rest is then read and discarded so the keep-alive
  // connection stays usable instead of stalling on a paused request.
  let forwarding = true;
  function stopForwarding(): void {
    forwarding = false;
    req.resume();
  }
  child.stdin.on("error", stopForwarding);
  req.on("data", (chunk: Buffer) => {
    countIn(chunk.length);
    if (forwarding && !child.stdin.write(chunk)) {
      req.pause();
      child.stdin.once("drain", () => req.resume());
    }
  });
  req.on("end", () => child.stdin.end());

  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 16_384) stderr += chunk.toString("utf8");
  });

  // Response: a CGI header block ("Status: 200 OK", headers, blank line), then the body.
  let head: Buffer | undefined = Buffer.alloc(0);
  child.stdout.on("data", (chunk: Buffer) => {
    let body = chunk;
    if (head != null) {
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (parsed == null) {
        if (head.length > 65_536) child.kill("SIGKILL");
        return;
      }
      head = undefined;
      sink.start(parsed.status, parsed.headers);
      body = parsed.rest;
    }
    if (body.length > 0 && !sink.write(body)) {
      child.stdout.pause();
      res.once("drain", () => child.stdout.resume());
    }
  });
  child.on("close", () => {
    host.children.delete(child);
    stopForwarding();
    if (stderr.length > 0) record.cgiStderr = stderr;
    if (!sink.started) sendText(sink, 502, "Bad Gateway: git http-backend sent no response\n");
    else sink.end();
  });
  res.on("close", () => {
    // The client went away (or a fault dropped it): nobody will read what the CGI produces.
    if (child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
  });
  return child;
}

function parseCgiHead(
  buffer: Buffer,
): { status: number; headers: Record<string, string | string[]>; rest: Buffer } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  let end: number;
  let skip: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    end = crlf;
    skip = 4;
  } else if (lf >= 0) {
    end = lf;
    skip = 2;
  } else {
    return undefined;
  }
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of buffer.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") {
      status = Number.parseInt(value, 10) || 500;
      continue;
    }
    const previous = headers[name];
    if (previous == null) headers[name] = value;
    else headers[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return { status, headers, rest: buffer.subarray(end + skip) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function setIf(env: Env, key: string, value: string | undefined): void {
  if (value != null && value !== "") env[key] = value;
}
