import type { Access, GitAuthDecision } from "./types.ts";

export interface Caller {
  access: Access | "anonymous" | "unknown-token";
  user: string | undefined;
  env?: Record<string, string> | undefined;
  /** Set by an `authorize` hook: the status and message to refuse with. */
  denied?: { status: 401 | 403 | 404; message: string | undefined };
  writeDeniedMessage?: string | undefined;
}

export function parseAuthorization(authorization: string | undefined): {
  username: string | undefined;
  password: string | undefined;
} {
  if (authorization == null) return { username: undefined, password: undefined };
  const [scheme = "", value = ""] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return {
      username: colon < 0 ? decoded : decoded.slice(0, colon),
      password: colon < 0 ? decoded : decoded.slice(colon + 1),
    };
  }
  if (scheme.toLowerCase() === "bearer") return { username: "token", password: value };
  return { username: undefined, password: undefined };
}

/** GitLab accepts any username with a token as the password; we also take `Bearer <token>`. */
export function identify(authorization: string | undefined, tokens: Map<string, Access>): Caller {
  if (authorization == null) return { access: "anonymous", user: undefined };
  const { username: user, password: token } = parseAuthorization(authorization);
  const access = token == null ? "unknown-token" : (tokens.get(token) ?? "unknown-token");
  return { access, user: user === "" ? "token" : user };
}

export function fromDecision(decision: GitAuthDecision): Caller {
  if ("deny" in decision) {
    return {
      access: "anonymous",
      user: undefined,
      denied: { status: decision.deny, message: decision.message },
    };
  }
  return {
    access: decision.access,
    user: decision.user,
    env: decision.env,
    writeDeniedMessage: decision.writeDeniedMessage,
  };
}

export function authorize(caller: Caller, need: Access, publicRead: boolean): 401 | 403 | undefined {
  // A wrong token is refused even on a public repo, as GitLab does: the client asked to be someone.
  if (caller.access === "unknown-token") return 401;
  if (caller.access === "anonymous") return need === "read" && publicRead ? undefined : 401;
  if (need === "write" && caller.access !== "write") return 403;
  return undefined;
}
