/**
 * Child-process side of server-process.ts: starts the sandbox git server and answers the bench's
 * requests over the IPC channel. Started by `startServerProcess`, never by hand.
 */
import { startGitServer } from "../../test/helpers/sandbox.ts";
import type { GitServer } from "../../test/helpers/sandbox.ts";
import { serveParent } from "./serve-parent.ts";
import type { HostCall, HostOptions } from "./server-process.ts";

async function answer(server: GitServer, request: HostCall): Promise<unknown> {
  switch (request.op) {
    case "createRepo":
      return server.createRepo(request.name, request.options);
    case "stats":
      return server.stats(request.name);
    case "resetStats":
      server.resetStats();
      return null;
  }
}

async function host(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as HostOptions;
  const server = await startGitServer({ root: options.root, tokens: options.tokens });
  serveParent<HostCall>(
    server.url,
    (request) => answer(server, request),
    () => server.close(),
  );
}

await host();
