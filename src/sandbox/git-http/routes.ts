import type { Access, RequestKind } from "./types.ts";

export interface Route {
  repo: string | undefined;
  /** Path after `<name>.git`, e.g. `/info/refs`. */
  rest: string;
  kind: RequestKind | undefined;
  service: string | undefined;
  need: Access;
}

// Repo names are path segments of a URL and of the disk layout: keep them boring so neither needs escaping.
const REPO_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

export function normalizeName(name: string): string {
  const clean = name.replace(/^\/+/, "").replace(/\.git$/, "");
  if (!REPO_NAME.test(clean) || clean.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`invalid repository name: ${JSON.stringify(name)}`);
  }
  return clean;
}

export function classify(method: string, url: URL): Route {
  const match = /^\/(.+?)\.git(\/.*)?$/.exec(url.pathname);
  const name = match?.[1];
  if (match == null || name == null || !REPO_NAME.test(name)) {
    return { repo: undefined, rest: url.pathname, kind: undefined, service: undefined, need: "read" };
  }
  const rest = match[2] ?? "/";
  const route: Route = { repo: name, rest, kind: undefined, service: undefined, need: "read" };
  if (rest === "/info/refs") {
    route.kind = "info-refs";
    route.service = url.searchParams.get("service") ?? undefined;
  } else if (rest === "/git-upload-pack") {
    route.kind = "upload-pack";
    route.service = "git-upload-pack";
  } else if (rest === "/git-receive-pack") {
    route.kind = "receive-pack";
    route.service = "git-receive-pack";
  } else if (rest.startsWith("/info/lfs/")) {
    route.kind = "lfs";
    route.service = "lfs";
    // Batch uploads also need write access; the LFS handler checks that once it has read the body.
    if (method === "PUT" || rest.startsWith("/info/lfs/locks")) route.need = "write";
  }
  if (route.service === "git-receive-pack") route.need = "write";
  return route;
}
