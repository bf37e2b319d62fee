import type { ErrorReport } from "../errors/catalog.ts";

/**
 * What a sync reports, per mirror and per ref. These shapes are the `--report` JSON: keep
 * them stable and additive.
 */
export type RefOutcome =
  | "created"
  | "updated"
  | "forced"
  | "deleted"
  | "up-to-date"
  | "rejected"
  | "kept-diverged"
  | "kept-target-only"
  // divergence: fail stopped the mirror at this ref: the target has commits the upstream lacks,
  // or the tag moved. Nothing was pushed.
  | "diverged"
  // --dry-run: what would happen; and, with a reason, the changes a failed mirror did not make
  | "would-create"
  | "would-update"
  | "would-force"
  | "would-delete";

export interface RefReport {
  ref: string;
  outcome: RefOutcome;
  from?: string | undefined;
  to?: string | undefined;
  /** Why, in plain words, for rejections and kept refs. */
  reason?: string | undefined;
}

/**
 * `cancelled`: the run was stopped (SIGINT/SIGTERM) before this mirror finished, or started.
 * `empty`: the upstream has no branches or tags yet, and the target none either.
 */
type MirrorStatus = "up-to-date" | "synced" | "planned" | "failed" | "cancelled" | "empty";

/** The shape every report gives an error (see the catalog), with git's own words when git failed. */
export interface MirrorError extends ErrorReport {
  /** git's own last meaningful lines, when git failed (redacted). */
  detail?: string[] | undefined;
}

export interface MirrorTimings {
  listMs: number;
  fetchMs: number;
  lfsMs: number;
  pushMs: number;
  totalMs: number;
}

export interface MirrorReport {
  name: string;
  /** Redacted URLs. */
  source: string;
  target: string;
  status: MirrorStatus;
  /** Full path of the target project, when this run created it (`create_target`). */
  createdTarget?: string | undefined;
  error?: MirrorError | undefined;
  refs: RefReport[];
  warnings: string[];
  timings: MirrorTimings;
  counts: Partial<Record<RefOutcome, number>>;
}

export interface RunReport {
  tool: "ci-mirror";
  version: string;
  startedAt: string;
  dryRun: boolean;
  ok: boolean;
  /** The signal that cancelled the run, when one did. */
  cancelled?: "SIGINT" | "SIGTERM" | undefined;
  mirrors: MirrorReport[];
}

export function countOutcomes(refs: readonly RefReport[]): Partial<Record<RefOutcome, number>> {
  const counts: Partial<Record<RefOutcome, number>> = {};
  for (const ref of refs) counts[ref.outcome] = (counts[ref.outcome] ?? 0) + 1;
  return counts;
}
