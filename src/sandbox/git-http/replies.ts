import type { OutgoingHttpHeaders } from "node:http";
import type { ResponseSink } from "./sink.ts";

const LFS_MEDIA_TYPE = "application/vnd.git-lfs+json";
const REALM = 'Basic realm="ci-mirror sandbox"';

export function sendText(
  sink: ResponseSink,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders = {},
): void {
  sendBody(sink, status, Buffer.from(text), { "content-type": "text/plain; charset=utf-8", ...headers });
}

export function sendJson(
  sink: ResponseSink,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  sendBody(sink, status, Buffer.from(`${JSON.stringify(value)}\n`), {
    "content-type": LFS_MEDIA_TYPE,
    ...headers,
  });
}

function sendBody(sink: ResponseSink, status: number, body: Buffer, headers: OutgoingHttpHeaders): void {
  sink.start(status, { ...headers, "content-length": body.length });
  sink.write(body);
  sink.end();
}

export function sendError(sink: ResponseSink, status: 401 | 403 | 404, lfs: boolean, custom?: string): void {
  const headers: OutgoingHttpHeaders = status === 401 ? { "www-authenticate": REALM } : {};
  const message =
    custom ??
    (status === 401 ? "HTTP Basic: Access denied" : "You are not allowed to push code to this project.");
  if (lfs) sendJson(sink, status, { message }, headers);
  else sendText(sink, status, `${message}\n`, headers);
}
