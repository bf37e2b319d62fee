/**
 * The GitLab responses we branch on, parsed with zod and camelCased into the port's types.
 * Tolerant on purpose: extra fields are dropped, and a value GitLab adds later (a new
 * `update_status`) becomes "unknown" rather than failing a whole listing.
 */
import * as z from "zod";
import type { MirrorUpdateStatus, Project, ProtectedBranch, RemoteMirror, TokenInfo, Group } from "./port.ts";

const nullableString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const KNOWN_STATUSES = ["none", "scheduled", "started", "finished", "failed", "to_retry"] as const;

const updateStatus = z
  .string()
  .nullish()
  .transform((value): MirrorUpdateStatus => {
    const known: readonly string[] = KNOWN_STATUSES;
    return value != null && known.includes(value) ? (value as MirrorUpdateStatus) : "unknown";
  });

export const projectSchema = z
  .object({
    id: z.number(),
    path_with_namespace: z.string(),
    http_url_to_repo: z.string(),
    default_branch: nullableString,
    archived: z.boolean().optional().default(false),
    visibility: z.string().optional().default("private"),
  })
  .transform((p): Project => ({
    id: p.id,
    pathWithNamespace: p.path_with_namespace,
    httpUrlToRepo: p.http_url_to_repo,
    defaultBranch: p.default_branch,
    archived: p.archived,
    visibility: p.visibility,
  }));

export const groupSchema = z
  .object({ id: z.number(), full_path: z.string() })
  .transform((g): Group => ({ id: g.id, fullPath: g.full_path }));

export const remoteMirrorSchema = z
  .object({
    id: z.number(),
    // GitLab sends null when it cannot parse the stored URL.
    url: nullableString,
    enabled: z.boolean(),
    only_protected_branches: z.boolean().optional().default(false),
    keep_divergent_refs: z.boolean().nullish(),
    // Premium only: absent on CE.
    mirror_branch_regex: nullableString,
    auth_method: z.string().nullish(),
    update_status: updateStatus,
    last_error: nullableString,
    last_update_at: nullableString,
    last_update_started_at: nullableString,
    last_successful_update_at: nullableString,
  })
  .transform((m): RemoteMirror => ({
    id: m.id,
    url: m.url ?? "",
    enabled: m.enabled,
    onlyProtectedBranches: m.only_protected_branches,
    keepDivergentRefs: m.keep_divergent_refs ?? false,
    mirrorBranchRegex: m.mirror_branch_regex,
    authMethod: m.auth_method ?? "password",
    updateStatus: m.update_status,
    lastError: m.last_error,
    lastUpdateAt: m.last_update_at,
    lastUpdateStartedAt: m.last_update_started_at,
    lastSuccessfulUpdateAt: m.last_successful_update_at,
  }));

export const protectedBranchSchema = z
  .object({ name: z.string(), allow_force_push: z.boolean().optional().default(false) })
  .transform((b): ProtectedBranch => ({ name: b.name, allowForcePush: b.allow_force_push }));

export const tokenSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    scopes: z.array(z.string()),
    expires_at: nullableString,
    active: z.boolean().optional().default(true),
  })
  .transform((t): TokenInfo => ({
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    expiresAt: t.expires_at,
    active: t.active,
  }));

export const publicKeySchema = z.object({ public_key: z.string() }).transform((k) => k.public_key);
