import type { RemoteMirror } from "../../gitlab/port.ts";
import type { PushMirrorDecl } from "../../config/types.ts";
import type { ErrorCode, ErrorReport } from "../../errors/catalog.ts";
import { errorReport } from "../../errors/tool-error.ts";
import { formatAge, formatDuration } from "../../util/duration.ts";
import type { Verdict } from "./types.ts";

/** The `last_error` GitLab gives a mirror it marks failed for being stuck (sic). */
const GITLAB_STUCK_ERROR = "The remote mirror took to long to complete.";

export interface VerdictOptions {
  now: Date;
  maxAgeMs: number;
  stuckAfterMs: number;
}

export interface MirrorVerdict {
  verdict: Verdict;
  reasons: string[];
  /**
   * A failed mirror's error, as every report shows one: the code of its first failed rule, and
   * every failed rule in the message.
   */
  error?: ErrorReport | undefined;
  /** Failed, enabled and not mid-update: a sync request would really make GitLab push again. */
  resyncable: boolean;
}

/**
 * One mirror's health. Rules, every one that applies is reported, the worst decides:
 *
 * Disabled mirrors are judged on being disabled only: GitLab never runs them, so their last
 * status and age say nothing about today.
 * - disabled, but declared enabled in `push_mirrors`     → fail
 * - disabled and not declared                            → warn (someone switched it off)
 * - disabled and declared disabled                       → ok
 *
 * Enabled mirrors:
 * - `update_status: failed`                              → fail (with `last_error`)
 * - `last_error` set while not `to_retry`                → fail. GitLab only clears it on
 *   success, so a mirror `started` again after a failure still carries it: the last run failed.
 * - `to_retry`                                           → warn: GitLab is retrying a transient
 *   error by itself (its `last_error` belongs to the attempt being retried)
 * - `started` longer than stuck_after (from `last_update_started_at`) → fail, stuck
 * - `last_successful_update_at` null or older than max_age → fail (stale / never succeeded)
 */
export function judgeMirror(
  mirror: RemoteMirror,
  declared: PushMirrorDecl | undefined,
  options: VerdictOptions,
): MirrorVerdict {
  const fails: Failure[] = [];
  const fail = (code: ErrorCode, message: string): void => {
    fails.push({ code, message });
  };
  const warns: string[] = [];
  if (!mirror.enabled) {
    if (declared?.enabled === true)
      fail("EPUSHMIRRORDISABLED", "disabled, but push_mirrors declares it enabled");
    else if (declared == null) warns.push("disabled");
    return result(fails, warns, false);
  }
  const lastError = mirror.lastError?.trim() ?? "";
  const status = mirror.updateStatus;
  if (status === "failed" && lastError === GITLAB_STUCK_ERROR) {
    // Project#mark_stuck_remote_mirrors_as_failed!: it also stamps last_update_at with the time
    // it gave up, which says nothing about a push having happened then.
    fail(
      "EPUSHMIRRORSTUCK",
      `stuck: GitLab gave up on an update that ran too long (over 1h, or 3h for a first push) and marked it failed`,
    );
  } else if (status === "failed") {
    fail("EPUSHMIRRORFAILED", lastError !== "" ? `update failed: ${lastError}` : "update failed");
  } else if (status === "to_retry") {
    warns.push(lastError !== "" ? `GitLab is retrying: ${lastError}` : "GitLab is retrying");
  } else if (lastError !== "") {
    fail("EPUSHMIRRORFAILED", `last error: ${lastError}`);
  }
  let stuck = false;
  if (status === "started" && mirror.lastUpdateStartedAt != null) {
    const runningMs = options.now.getTime() - Date.parse(mirror.lastUpdateStartedAt);
    if (runningMs > options.stuckAfterMs) {
      stuck = true;
      fail(
        "EPUSHMIRRORSTUCK",
        `stuck: started ${formatAge(mirror.lastUpdateStartedAt, options.now)} (stuck after ${formatDuration(options.stuckAfterMs)})`,
      );
    }
  }
  const success = mirror.lastSuccessfulUpdateAt;
  if (success == null) {
    fail("EPUSHMIRRORSTALE", "never succeeded");
  } else if (options.now.getTime() - Date.parse(success) > options.maxAgeMs) {
    fail(
      "EPUSHMIRRORSTALE",
      `no success within ${formatDuration(options.maxAgeMs)} (last ${formatAge(success, options.now)})`,
    );
  }
  // GitLab answers a sync of a `started` mirror with 204 and does nothing, so asking again for
  // a stuck one would claim a resync that never happens.
  return result(fails, warns, !stuck && status !== "started");
}

/** A rule the mirror fails, with the catalog's code for it. */
interface Failure {
  code: ErrorCode;
  message: string;
}

function result(fails: readonly Failure[], warns: readonly string[], canResync: boolean): MirrorVerdict {
  const verdict: Verdict = fails.length > 0 ? "fail" : warns.length > 0 ? "warn" : "ok";
  const messages = fails.map((failure) => failure.message);
  const [first] = fails;
  return {
    verdict,
    reasons: [...messages, ...warns],
    error: first == null ? undefined : errorReport(first.code, messages.join("; ")),
    resyncable: verdict === "fail" && canResync,
  };
}
