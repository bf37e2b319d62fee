import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Caller } from "./auth.ts";
import { lfsStoreOf, OID } from "./lfs-store.ts";
import { sendError, sendJson } from "./replies.ts";
import { streamToSink } from "./sink.ts";
import type { ResponseSink } from "./sink.ts";

export interface LfsContext {
  req: IncomingMessage;
  res: ServerResponse;
  sink: ResponseSink;
  countIn: (n: number) => void;
  caller: Caller;
  repo: string;
  rest: string;
  dir: string;
  baseUrl: string;
}

interface BatchObject {
  oid: string;
  size: number;
}

/** The Git LFS batch API with the "basic" transfer adapter, objects kept inside the bare repo. */
export async function handleLfs(ctx: LfsContext): Promise<void> {
  const { req, sink, rest, dir } = ctx;
  if (!existsSync(dir)) {
    sendJson(sink, 404, { message: "Repository not found" });
    return;
  }
  const store = lfsStoreOf(dir);
  const method = req.method ?? "GET";
  if (rest === "/info/lfs/objects/batch" && method === "POST") {
    await lfsBatch(ctx, store);
    return;
  }
  if (rest === "/info/lfs/locks/verify" && method === "POST") {
    // `git lfs push` asks this first; without an answer it warns that the remote cannot lock files.
    await readBody(req, ctx.countIn, 1 << 20);
    sendJson(sink, 200, { ours: [], theirs: [] });
    return;
  }
  const oid = /^\/info\/lfs\/objects\/([0-9a-f]{64})$/.exec(rest)?.[1];
  if (oid != null && method === "GET") {
    const file = join(store, oid);
    if (!existsSync(file)) {
      sendJson(sink, 404, { message: "Object does not exist" });
      return;
    }
    sink.start(200, { "content-type": "application/octet-stream", "content-length": statSync(file).size });
    await streamToSink(createReadStream(file), sink, ctx.res);
    sink.end();
    return;
  }
  if (oid != null && method === "PUT") {
    await lfsUpload(ctx, store, oid);
    return;
  }
  sendJson(sink, 404, { message: "Not found" });
}

async function lfsBatch(ctx: LfsContext, store: string): Promise<void> {
  const { sink, caller } = ctx;
  let request: { operation?: unknown; objects?: unknown; transfers?: unknown };
  try {
    request = JSON.parse((await readBody(ctx.req, ctx.countIn, 16 << 20)).toString("utf8")) as typeof request;
  } catch {
    sendJson(sink, 422, { message: "Invalid JSON in batch request" });
    return;
  }
  const operation = request.operation;
  if (operation !== "download" && operation !== "upload") {
    sendJson(sink, 422, { message: `Unknown operation ${JSON.stringify(operation)}` });
    return;
  }
  if (operation === "upload" && caller.access !== "write") {
    sendError(sink, caller.access === "read" ? 403 : 401, true);
    return;
  }
  if (Array.isArray(request.transfers) && !request.transfers.includes("basic")) {
    sendJson(sink, 422, { message: "Only the basic transfer adapter is supported" });
    return;
  }
  const objects: unknown[] = Array.isArray(request.objects) ? (request.objects as unknown[]) : [];
  const href = (oid: string): string => `${ctx.baseUrl}/${ctx.repo}.git/info/lfs/objects/${oid}`;
  // Hand the caller's own credentials back with each action, as GitLab does, so the transfer
  // works even if the client would not send them to the object URL on its own.
  const authorization = ctx.req.headers.authorization;
  const header = authorization == null ? undefined : { Authorization: authorization };
  const answers = objects.map((raw) => {
    const { oid, size } = asBatchObject(raw);
    if (!OID.test(oid) || !Number.isInteger(size) || size < 0) {
      return { oid, size, error: { code: 422, message: "Invalid object id or size" } };
    }
    const file = join(store, oid);
    const stored = existsSync(file) ? statSync(file).size : undefined;
    if (operation === "download") {
      if (stored == null) return { oid, size, error: { code: 404, message: "Object does not exist" } };
      return {
        oid,
        size: stored,
        authenticated: true,
        actions: { download: { href: href(oid), header, expires_in: 3600 } },
      };
    }
    // An object the server already has needs no upload action: that is how clients skip it.
    if (stored === size) return { oid, size, authenticated: true };
    return {
      oid,
      size,
      authenticated: true,
      actions: { upload: { href: href(oid), header, expires_in: 3600 } },
    };
  });
  sendJson(sink, 200, { transfer: "basic", objects: answers, hash_algo: "sha256" });
}

async function lfsUpload(ctx: LfsContext, store: string, oid: string): Promise<void> {
  await mkdir(store, { recursive: true });
  const temp = join(store, `incoming-${randomBytes(8).toString("hex")}`);
  const hash = createHash("sha256");
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      ctx.countIn(chunk.length);
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(ctx.req, hasher, createWriteStream(temp));
  } catch {
    await rm(temp, { force: true });
    return; // the client went away mid-upload; there is nobody to answer
  }
  if (hash.digest("hex") !== oid) {
    await rm(temp, { force: true });
    sendJson(ctx.sink, 422, { message: "Object content does not match its oid" });
    return;
  }
  await rename(temp, join(store, oid));
  ctx.sink.start(200, { "content-length": 0 });
  ctx.sink.end();
}

function asBatchObject(raw: unknown): BatchObject {
  const value = (typeof raw === "object" && raw != null ? raw : {}) as { oid?: unknown; size?: unknown };
  return {
    oid: typeof value.oid === "string" ? value.oid : "",
    size: typeof value.size === "number" ? value.size : -1,
  };
}

async function readBody(req: IncomingMessage, countIn: (n: number) => void, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    countIn(chunk.length);
    total += chunk.length;
    if (total > limit) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
