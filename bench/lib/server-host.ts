/**
 * Child-process side of server-process.ts: starts the sandbox git server and answers the bench's
 * requests over the IPC channel. Started by `startServerProcess`, never by hand.
 */
import { startGitServer } from "../../src/sandbox/git-http-server.ts";
import type { GitServer } from "../../src/sandbox/git-http-server.ts";
import type { HostMessage, HostOptions, HostRequest } from "./server-process.ts";

function send(message: HostMessage): void {
  process.send?.(message);
}

async function answer(server: GitServer, request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case "createRepo":
      return server.createRepo(request.name, request.options);
    case "stats":
      return server.stats(request.name);
    case "resetStats":
      server.resetStats();
      return null;
    case "close":
      await server.close();
      return null;
  }
}

async function host(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as HostOptions;
  const server = await startGitServer({ root: options.root, tokens: options.tokens });
  let closed = false;
  process.on("message", (request: HostRequest) => {
    answer(server, request).then(
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
  // The bench died without closing us: do not linger holding a port and http-backend children.
  process.on("disconnect", () => {
    if (!closed) void server.close();
  });
  send({ kind: "ready", url: server.url });
}

await host();
