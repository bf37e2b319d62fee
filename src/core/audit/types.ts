/**
 * What `ci-mirror audit` reports. These shapes are the `--json`/`--report` output and the
 * notification payload: keep them stable; add fields, and name any other change in CHANGELOG.md.
 */
import type { ErrorReport } from "../../errors/catalog.ts";

export type Verdict = "ok" | "warn" | "fail";

export interface MirrorAudit {
  /** Full path of the project the mirror belongs to. */
  project: string;
  /** null for a mirror declared in `push_mirrors` that GitLab does not have. */
  id: number | null;
  /** As GitLab shows it: credentials already scrubbed. */
  url: string;
  enabled: boolean;
  updateStatus: string;
  lastSuccessfulUpdateAt: string | null;
  lastUpdateStartedAt: string | null;
  lastError: string | null;
  /** Listed in `push_mirrors`. */
  declared: boolean;
  verdict: Verdict;
  /** Why the verdict is not ok, in plain words; empty when ok. */
  reasons: string[];
  /** A failed mirror's error: the code of its first failed rule, every failed rule in the message. */
  error?: ErrorReport | undefined;
  /** Set when `--resync-failed` asked GitLab to push this mirror again. */
  resync?: { requested: boolean; error?: ErrorReport | undefined } | undefined;
}

export interface ProjectAudit {
  /** Full path when known, otherwise the reference as configured (id or path, or a group). */
  project: string;
  id: number | null;
  verdict: Verdict;
  /** The API error that stopped this project (or group) from being audited. */
  error?: ErrorReport | undefined;
  /** Project-level findings such as "no push mirrors". */
  notes: string[];
  mirrors: MirrorAudit[];
}

export interface TokenCheck {
  verdict: Verdict;
  message: string;
  name?: string | undefined;
  expiresAt?: string | null | undefined;
  daysLeft?: number | null | undefined;
}

export interface AuditCounts {
  projects: number;
  mirrors: number;
  ok: number;
  warn: number;
  fail: number;
  resynced: number;
}

export interface AuditReport {
  tool: "ci-mirror";
  command: "audit";
  version: string;
  checkedAt: string;
  ok: boolean;
  settings: { maxAgeMs: number; stuckAfterMs: number; resyncFailed: boolean };
  token: TokenCheck;
  counts: AuditCounts;
  projects: ProjectAudit[];
  /** Filled in by the CLI after notifying: what went out, and what could not. */
  notifications?: { sent: string[]; warnings: string[] } | undefined;
  /** GitLab API calls made, to spot a runaway audit. */
  requestCount: number;
}

export function worst(verdicts: Iterable<Verdict>): Verdict {
  let result: Verdict = "ok";
  for (const verdict of verdicts) {
    if (verdict === "fail") return "fail";
    if (verdict === "warn") result = "warn";
  }
  return result;
}
