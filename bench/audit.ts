/**
 * `npm run bench:audit`: the built CLI's `ci-mirror audit` over 1,000 projects' push mirrors on
 * the GitLab REST sandbox, at several `--concurrency` settings and once under a rate limit. See
 * the "Audit benchmark" section of bench/README.md for what is measured and how to read it.
 *
 * A benchmark reports; it does not gate. A missed target prints MISS and the exit code stays 0.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, platform, release, tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditReport, Verdict } from "../src/core/audit/types.ts";
import { startAuditSandbox } from "./lib/audit-sandbox.ts";
import type {
  AuditSandbox,
  MirrorState,
  PlannedProject,
  RateLimit,
  RequestLog,
  SeedPlan,
  Seeded,
} from "./lib/audit-sandbox.ts";
import { CLI, PROJECT, buildCli, log, runBench } from "./lib/bench-main.ts";
import { gnuTimeAvailable, runNodeMeasured, tail } from "./lib/proc.ts";
import type { Env } from "./lib/proc.ts";
import { indentedTable, writeResults } from "./lib/report.ts";
import type { Environment } from "./lib/report.ts";
import { formatKb, formatMs, median } from "./lib/stats.ts";

const RESULTS_FILE = "audit-latest.json";

const GROUP = "fleet";
const SUBGROUPS = 10;
const PROJECTS_PER_SUBGROUP = 100;
const CONCURRENCIES = [1, 8, 16] as const;
const REPS = 3;
/** GitLab.com's authenticated API limit is far higher; 600/min is a small self-managed instance's. */
const RATE_LIMIT: RateLimit = { requests: 600, perSeconds: 60 };
const RATE_LIMITED_CONCURRENCY = 8;
const TOKEN_VARIABLE = "AUDIT_TOKEN";
/**
 * Loopback answers in well under a millisecond, which a real GitLab never does; the latency
 * variants add this much to every API answer, once each, to show what concurrency buys when
 * calls cost a round trip.
 */
const LATENCY_MS = 10;
const LATENCY_CONCURRENCIES = [1, 16] as const;

/**
 * Half the mirrors healthy, the rest spread over every state the audit must tell apart, in a
 * fixed order so that each run seeds the same fleet.
 */
const STATE_CYCLE: readonly MirrorState[] = [
  "finished",
  "failed",
  "finished",
  "stale",
  "finished",
  "stuck",
  "finished",
  "to_retry",
  "finished",
  "disabled",
];

/** What `judgeMirror` must say for each seeded state (disabled mirrors are not declared in the config). */
const EXPECTED_VERDICT: Record<MirrorState, Verdict> = {
  finished: "ok",
  failed: "fail",
  stale: "fail",
  stuck: "fail",
  to_retry: "warn",
  disabled: "warn",
};

interface VerdictCounts {
  ok: number;
  warn: number;
  fail: number;
}

interface AuditSample {
  ms: number;
  ok: boolean;
  errors: string[];
  exitCode: number;
  reportRequests: number | undefined;
  sandboxRequests: number;
  status429: number;
  verdicts: VerdictCounts | undefined;
  nodeRssKb: number | undefined;
  treeRssKb: number | undefined;
  log: RequestLog;
  startedAt: number;
}

interface Variant {
  id: string;
  label: string;
  concurrency: number;
  rateLimit: RateLimit | null;
  latencyMs: number;
  samples: AuditSample[];
}

interface Expectation {
  projects: number;
  mirrors: number;
  verdicts: VerdictCounts;
  byMirror: Map<number, Verdict>;
  byState: Record<MirrorState, number>;
}

interface Target {
  text: string;
  measured: string;
  pass: boolean;
}

async function main(): Promise<void> {
  const started = performance.now();
  await buildCli();
  const scratch = await mkdtemp(join(tmpdir(), "ci-mirror-bench-audit-"));
  const home = join(scratch, "home");
  await mkdir(home, { recursive: true });
  const gnuTime = await gnuTimeAvailable({ PATH: process.env.PATH ?? "/usr/bin:/bin" });
  const sandbox = await startAuditSandbox(PROJECT);
  try {
    const plan = fleetPlan();
    log(`seeding ${plan.projects.length} projects in ${SUBGROUPS} subgroups of ${GROUP}`);
    const seedStarted = performance.now();
    const seeded = await sandbox.seed(plan);
    const expected = expectation(plan, seeded);
    log(`  ${expected.mirrors} push mirrors, seeded in ${formatMs(performance.now() - seedStarted)}`);
    const config = join(scratch, "mirrors.yml");
    await writeFile(
      config,
      [
        "version: 1",
        "gitlab:",
        `  url: ${sandbox.url}`,
        `  token: ${TOKEN_VARIABLE}`,
        "audit:",
        `  groups: [${GROUP}]`,
        "",
      ].join("\n"),
    );
    // Only what the CLI needs: no CI_* variables, no user config, the token under its configured name.
    const env: Env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      [TOKEN_VARIABLE]: seeded.token,
    };
    const run = (concurrency: number, tag: string): Promise<AuditSample> =>
      auditRun(sandbox, { scratch, config, env, gnuTime, expected }, concurrency, tag);

    // Untimed: loads the bundle into the page cache and warms the sandbox's JIT.
    log("warm-up run (not counted)");
    const warm = await run(8, "warm");
    if (!warm.ok) log(`  warm-up failed: ${warm.errors.join("; ")}`);

    const variants: Variant[] = CONCURRENCIES.map((concurrency) => ({
      id: `j${concurrency}`,
      label: `audit --concurrency ${concurrency}`,
      concurrency,
      rateLimit: null,
      latencyMs: 0,
      samples: [],
    }));
    // Interleaved (j1 j8 j16, j1 j8 j16, …) so drift in the machine spreads over all of them alike.
    for (let rep = 1; rep <= REPS; rep++) {
      for (const variant of variants) {
        const sample = await run(variant.concurrency, `${variant.id}-${rep}`);
        variant.samples.push(sample);
        log(
          `    ${variant.label} #${rep}: ${formatMs(sample.ms)}${sample.ok ? "" : `  FAILED: ${sample.errors[0]}`}`,
        );
      }
    }

    const limited: Variant = {
      id: "rate-limited",
      label: `audit --concurrency ${RATE_LIMITED_CONCURRENCY}, ${RATE_LIMIT.requests} req/${RATE_LIMIT.perSeconds}s`,
      concurrency: RATE_LIMITED_CONCURRENCY,
      rateLimit: RATE_LIMIT,
      latencyMs: 0,
      samples: [],
    };
    const windowMs = RATE_LIMIT.perSeconds * 1000;
    log(
      `rate-limited run (${RATE_LIMIT.requests} requests per ${RATE_LIMIT.perSeconds} s window; ` +
        `waits for the window to reset, up to ${RATE_LIMIT.perSeconds} s)`,
    );
    await sandbox.rateLimit(RATE_LIMIT);
    try {
      const sample = await run(RATE_LIMITED_CONCURRENCY, "rate-limited");
      limited.samples.push(sample);
      log(`    ${limited.label}: ${formatMs(sample.ms)}${sample.ok ? "" : `  FAILED: ${sample.errors[0]}`}`);
    } finally {
      await sandbox.rateLimit(null);
    }

    const delayed: Variant[] = LATENCY_CONCURRENCIES.map((concurrency) => ({
      id: `j${concurrency}-latency`,
      label: `audit --concurrency ${concurrency}, +${LATENCY_MS} ms per call`,
      concurrency,
      rateLimit: null,
      latencyMs: LATENCY_MS,
      samples: [],
    }));
    log(`latency runs (+${LATENCY_MS} ms on every API answer, one run each)`);
    await sandbox.latency(LATENCY_MS);
    try {
      for (const variant of delayed) {
        const sample = await run(variant.concurrency, variant.id);
        variant.samples.push(sample);
        log(
          `    ${variant.label}: ${formatMs(sample.ms)}${sample.ok ? "" : `  FAILED: ${sample.errors[0]}`}`,
        );
      }
    } finally {
      await sandbox.latency(0);
    }

    const all = [...variants, limited, ...delayed];
    const durationMs = Math.round(performance.now() - started);
    const environment = describeEnvironment(gnuTime);
    const throttle = throttleFacts(limited.samples[0], windowMs);
    const targets = checkTargets(variants, limited, delayed, throttle, expected);
    const lines = render(all, expected, warm, throttle, targets, environment, durationMs);
    process.stdout.write(`${lines.join("\n")}\n`);
    await writeResults(
      PROJECT,
      RESULTS_FILE,
      { durationMs, environment },
      {
        fleet: {
          group: GROUP,
          subgroups: SUBGROUPS,
          projects: expected.projects,
          mirrors: expected.mirrors,
          byState: expected.byState,
          expectedVerdicts: expected.verdicts,
        },
        rateLimit: RATE_LIMIT,
        variants: all.map((variant) => ({ ...summary(variant), samples: variant.samples })),
        throttle,
        targets,
      },
    );
  } finally {
    await sandbox.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `fleet/team-NN/svc-NNN`: every third project has a second mirror, states cycling over STATE_CYCLE. */
function fleetPlan(): SeedPlan {
  const projects: PlannedProject[] = [];
  let mirrorIndex = 0;
  for (let g = 0; g < SUBGROUPS; g++) {
    const namespace = `${GROUP}/team-${String(g).padStart(2, "0")}`;
    for (let p = 0; p < PROJECTS_PER_SUBGROUP; p++) {
      const path = `svc-${String(p).padStart(3, "0")}`;
      const count = (g * PROJECTS_PER_SUBGROUP + p) % 3 === 0 ? 2 : 1;
      const hosts = ["backup.example", "github.example"];
      const mirrors = hosts.slice(0, count).map((host) => {
        const state = STATE_CYCLE[mirrorIndex++ % STATE_CYCLE.length] ?? "finished";
        return { url: `https://mirror-bot:not-a-secret@${host}/${namespace}/${path}.git`, state };
      });
      projects.push({ namespace, path, mirrors });
    }
  }
  return { group: GROUP, projects };
}

function expectation(plan: SeedPlan, seeded: Seeded): Expectation {
  const verdicts: VerdictCounts = { ok: 0, warn: 0, fail: 0 };
  const byState: Record<MirrorState, number> = {
    finished: 0,
    failed: 0,
    stale: 0,
    stuck: 0,
    to_retry: 0,
    disabled: 0,
  };
  const byMirror = new Map<number, Verdict>();
  for (const mirror of seeded.mirrors) {
    const verdict = EXPECTED_VERDICT[mirror.state];
    verdicts[verdict] += 1;
    byState[mirror.state] += 1;
    byMirror.set(mirror.id, verdict);
  }
  return { projects: plan.projects.length, mirrors: seeded.mirrors.length, verdicts, byMirror, byState };
}

interface RunContext {
  scratch: string;
  config: string;
  env: Env;
  gnuTime: boolean;
  expected: Expectation;
}

/**
 * One timed `ci-mirror audit` of the whole fleet, then its report checked mirror by mirror
 * against the seeded states: a fast audit with a wrong verdict is no result.
 */
async function auditRun(
  sandbox: AuditSandbox,
  context: RunContext,
  concurrency: number,
  tag: string,
): Promise<AuditSample> {
  const reportFile = join(context.scratch, `report-${tag}.json`);
  await sandbox.resetRequests();
  const startedAt = Date.now();
  const measured = await runNodeMeasured(
    CLI,
    ["audit", "--config", context.config, "--report", reportFile, "--concurrency", String(concurrency)],
    {
      cwd: context.scratch,
      env: context.env,
      scratchFile: join(context.scratch, `rss-${tag}`),
      gnuTime: context.gnuTime,
    },
  );
  const requestLog = await sandbox.requestLog();
  const errors: string[] = [];
  const { run } = measured;
  // Failing mirrors are seeded on purpose, so a correct audit exits 1; 0 or 2 means it judged or ran wrong.
  if (run.exitCode !== 1)
    errors.push(`exit ${run.exitCode} (expected 1: the fleet has failing mirrors): ${tail(run.stderr)}`);
  const report = await readReport(reportFile);
  let verdicts: VerdictCounts | undefined;
  if (report == null) {
    errors.push("no report written");
  } else {
    verdicts = { ok: report.counts.ok, warn: report.counts.warn, fail: report.counts.fail };
    errors.push(...reportProblems(report, context.expected));
  }
  await rm(reportFile, { force: true });
  return {
    ms: run.ms,
    ok: errors.length === 0,
    errors,
    exitCode: run.exitCode,
    reportRequests: report?.requestCount,
    sandboxRequests: requestLog.total,
    status429: requestLog.byStatus["429"] ?? 0,
    verdicts,
    nodeRssKb: measured.nodeRssKb,
    treeRssKb: measured.treeRssKb,
    log: requestLog,
    startedAt,
  };
}

function reportProblems(report: AuditReport, expected: Expectation): string[] {
  const problems: string[] = [];
  const { counts } = report;
  const want = expected.verdicts;
  if (counts.projects !== expected.projects)
    problems.push(`${counts.projects} projects, seeded ${expected.projects}`);
  if (counts.mirrors !== expected.mirrors)
    problems.push(`${counts.mirrors} mirrors, seeded ${expected.mirrors}`);
  if (counts.ok !== want.ok || counts.warn !== want.warn || counts.fail !== want.fail) {
    problems.push(
      `verdicts ok/warn/fail ${counts.ok}/${counts.warn}/${counts.fail}, seeded ${want.ok}/${want.warn}/${want.fail}`,
    );
  }
  if (report.token.verdict !== "ok")
    problems.push(`token check: ${report.token.verdict}: ${report.token.message}`);
  // Equal totals could still hide two wrong verdicts that cancel out; compare every mirror.
  const wrong: string[] = [];
  let seen = 0;
  for (const project of report.projects) {
    if (project.error != null)
      problems.push(`${project.project}: ${project.error.code}: ${project.error.message}`);
    for (const mirror of project.mirrors) {
      const verdict = mirror.id == null ? undefined : expected.byMirror.get(mirror.id);
      if (verdict == null) continue;
      seen += 1;
      if (verdict !== mirror.verdict)
        wrong.push(`${project.project}#${mirror.id} ${mirror.verdict}, want ${verdict}`);
    }
  }
  if (wrong.length > 0)
    problems.push(`${wrong.length} mirrors judged wrong (${wrong.slice(0, 3).join(", ")})`);
  if (seen !== expected.mirrors)
    problems.push(`${expected.mirrors - seen} seeded mirrors missing from the report`);
  return problems.slice(0, 5);
}

async function readReport(file: string): Promise<AuditReport | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as AuditReport;
  } catch {
    return undefined;
  }
}

interface VariantSummary {
  id: string;
  label: string;
  concurrency: number;
  runs: number;
  okRuns: number;
  medianMs: number | undefined;
  minMs: number | undefined;
  maxMs: number | undefined;
  reportRequests: number | undefined;
  sandboxRequests: number | undefined;
  callsPerProject: number | undefined;
  status429: number | undefined;
  nodeRssKb: number | undefined;
  treeRssKb: number | undefined;
  requestCountsAgree: boolean;
}

function summary(variant: Variant): VariantSummary {
  const ok = variant.samples.filter((sample) => sample.ok);
  const times = ok.map((sample) => sample.ms);
  const reportRequests = median(
    ok.flatMap((sample) => (sample.reportRequests == null ? [] : [sample.reportRequests])),
  );
  const sandboxRequests = median(ok.map((sample) => sample.sandboxRequests));
  return {
    id: variant.id,
    label: variant.label,
    concurrency: variant.concurrency,
    runs: variant.samples.length,
    okRuns: ok.length,
    medianMs: round(median(times)),
    minMs: times.length > 0 ? round(Math.min(...times)) : undefined,
    maxMs: times.length > 0 ? round(Math.max(...times)) : undefined,
    reportRequests,
    sandboxRequests,
    callsPerProject:
      reportRequests == null ? undefined : reportRequests / (SUBGROUPS * PROJECTS_PER_SUBGROUP),
    status429: median(ok.map((sample) => sample.status429)),
    nodeRssKb: maxOf(ok.map((sample) => sample.nodeRssKb)),
    treeRssKb: maxOf(ok.map((sample) => sample.treeRssKb)),
    requestCountsAgree: variant.samples.every((sample) => sample.reportRequests === sample.sandboxRequests),
  };
}

/**
 * Where the rate-limited run spent its time. A fixed-window limit sets a floor no client can
 * beat: once the window's budget is spent, nothing succeeds before the next window opens. What
 * is ci-mirror's is how promptly it resumes after that reset and how many 429s it collects.
 */
interface ThrottleFacts {
  ok: boolean;
  wallMs: number;
  status429: number;
  /** From the run's start to the reset of the window in which the first 429 was sent. */
  resetAfterMs: number | undefined;
  /** From that reset to the first request that was not refused. */
  firstRetryAfterResetMs: number | undefined;
  /** From that reset to the end of the run (process exit). */
  finishedAfterResetMs: number | undefined;
  /** 429s sent after the reset: a second wave would mean retries too early or all in step. */
  late429s: number;
}

function throttleFacts(sample: AuditSample | undefined, windowMs: number): ThrottleFacts | undefined {
  if (sample == null) return undefined;
  const { times429, timesOther } = sample.log;
  const first429 = times429[0];
  const end = sample.startedAt + sample.ms;
  const facts: ThrottleFacts = {
    ok: sample.ok,
    wallMs: Math.round(sample.ms),
    status429: sample.status429,
    resetAfterMs: undefined,
    firstRetryAfterResetMs: undefined,
    finishedAfterResetMs: undefined,
    late429s: 0,
  };
  if (first429 == null) return facts;
  // The sandbox's windows are aligned to the epoch, as Rack::Attack's are; both processes share the clock.
  const reset = (Math.floor(first429 / windowMs) + 1) * windowMs;
  const firstRetry = timesOther.find((at) => at >= reset);
  return {
    ...facts,
    resetAfterMs: reset - sample.startedAt,
    firstRetryAfterResetMs: firstRetry == null ? undefined : firstRetry - reset,
    finishedAfterResetMs: Math.round(end - reset),
    late429s: times429.filter((at) => at >= reset).length,
  };
}

function checkTargets(
  variants: readonly Variant[],
  limited: Variant,
  delayed: readonly Variant[],
  throttle: ThrottleFacts | undefined,
  expected: Expectation,
): Target[] {
  const summaries = variants.map(summary);
  const targets: Target[] = [];
  const allRuns = [...variants, limited, ...delayed].flatMap((variant) => variant.samples);
  const correct = allRuns.filter((sample) => sample.ok).length;
  targets.push({
    text: "every run's verdicts match the seeded states, mirror by mirror",
    measured: `${correct}/${allRuns.length} runs`,
    pass: correct === allRuns.length,
  });
  const agree = allRuns.filter((sample) => sample.reportRequests === sample.sandboxRequests).length;
  targets.push({
    text: "report requestCount == sandbox's request log",
    measured: `${agree}/${allRuns.length} runs`,
    pass: agree === allRuns.length,
  });
  // One listing per project, plus the group's pages (100 per page) and the token check.
  const floor = expected.projects + Math.ceil(expected.projects / 100) + 1;
  const worstCalls = Math.max(...summaries.map((s) => s.reportRequests ?? Number.POSITIVE_INFINITY));
  targets.push({
    text: `API calls <= ${floor} (1 per project + ${Math.ceil(expected.projects / 100)} pages + token)`,
    measured: String(worstCalls),
    pass: worstCalls <= floor,
  });
  const j1 = summaries.find((s) => s.concurrency === 1)?.medianMs;
  const j8 = summaries.find((s) => s.concurrency === 8)?.medianMs;
  const speedup = j1 != null && j8 != null && j8 > 0 ? j1 / j8 : undefined;
  targets.push({
    text: "--concurrency 8 at least 2x faster than 1",
    measured: speedup == null ? "—" : `${speedup.toFixed(2)}x`,
    pass: speedup != null && speedup >= 2,
  });
  const slow = delayed.map(summary);
  const slowJ1 = slow.find((s) => s.concurrency === 1)?.medianMs;
  const slowJ16 = slow.find((s) => s.concurrency === 16)?.medianMs;
  const slowSpeedup = slowJ1 != null && slowJ16 != null && slowJ16 > 0 ? slowJ1 / slowJ16 : undefined;
  targets.push({
    text: `+${LATENCY_MS} ms per call: --concurrency 16 at least 4x faster than 1`,
    measured: slowSpeedup == null ? "—" : `${slowSpeedup.toFixed(2)}x`,
    pass: slowSpeedup != null && slowSpeedup >= 4,
  });
  const after = throttle?.finishedAfterResetMs;
  const unthrottled = j8 ?? 0;
  // Retry-After is whole seconds rounded up, so resuming costs up to 1 s; then the rest of the calls.
  const limit = Math.round(1000 + unthrottled + 1000);
  targets.push({
    text: `rate-limited: correct, finished <= ${formatMs(limit)} after the window reset`,
    measured: after == null ? "no 429 seen" : `${formatMs(after)} (${throttle?.status429 ?? 0} x 429)`,
    pass: throttle?.ok === true && after != null && after <= limit,
  });
  return targets;
}

function render(
  variants: readonly Variant[],
  expected: Expectation,
  warm: AuditSample,
  throttle: ThrottleFacts | undefined,
  targets: readonly Target[],
  environment: Environment,
  durationMs: number,
): string[] {
  const want = expected.verdicts;
  const out: string[] = [
    "",
    "ci-mirror audit benchmark",
    `  node ${String(environment.node)}, ${String(environment.cpus)} CPUs (${String(environment.cpuModel)})`,
    `  fleet: ${expected.projects} projects in ${SUBGROUPS} subgroups of ${GROUP}, ${expected.mirrors} push mirrors: ` +
      Object.entries(expected.byState)
        .map(([state, count]) => `${count} ${state}`)
        .join(", "),
    `  seeded verdicts ok/warn/fail: ${want.ok}/${want.warn}/${want.fail}; the CLI runs 'audit --config … --report …' on groups: [${GROUP}]`,
    `  times are medians of the runs shown in 'ok' (warm-up run not counted: ${formatMs(warm.ms)}${warm.ok ? "" : ", FAILED"})`,
    `  calls (report) = the report's requestCount; calls (sandbox) = the sandbox's own request log`,
    `  RSS node = the ci-mirror Node process; RSS max = GNU time's peak of its tree${environment.gnuTime === true ? "" : " (skipped: no GNU time)"}`,
    "",
  ];
  const rows = variants.map((variant) => {
    const s = summary(variant);
    const last = variant.samples.filter((sample) => sample.ok).at(-1) ?? variant.samples.at(-1);
    const v = last?.verdicts;
    return [
      s.label,
      s.okRuns > 0 ? formatMs(s.medianMs) : "FAILED",
      s.okRuns > 1 ? `${formatMs(s.minMs)} .. ${formatMs(s.maxMs)}` : "",
      s.reportRequests == null ? "—" : String(s.reportRequests),
      s.sandboxRequests == null ? "—" : `${s.sandboxRequests}${s.requestCountsAgree ? "" : " (!)"}`,
      s.callsPerProject == null ? "—" : s.callsPerProject.toFixed(3),
      s.status429 == null ? "—" : String(s.status429),
      v == null ? "—" : `${v.ok}/${v.warn}/${v.fail}`,
      s.medianMs == null ? "—" : `${Math.round((expected.projects * 1000) / s.medianMs)}`,
      formatKb(s.nodeRssKb),
      formatKb(s.treeRssKb),
      `${s.okRuns}/${s.runs}`,
    ];
  });
  out.push(
    ...indentedTable(
      [
        "variant",
        "median",
        "range",
        "calls (report)",
        "calls (sandbox)",
        "calls/project",
        "429s",
        "ok/warn/fail",
        "projects/s",
        "RSS node",
        "RSS max",
        "ok",
      ],
      rows,
    ),
  );
  for (const variant of variants) {
    for (const error of new Set(variant.samples.flatMap((sample) => sample.errors))) {
      out.push(`  ! ${variant.label}: ${error}`);
    }
  }
  for (const variant of variants) {
    const phases = phaseLine(variant);
    if (phases != null) out.push(`  phases, ${variant.label} (last ok run): ${phases}`);
  }
  const routes = variants[1]?.samples.find((sample) => sample.ok)?.log.byRoute;
  if (routes != null) {
    out.push(
      "",
      `  requests by route (${variants[1]?.label ?? "?"}): ` +
        Object.entries(routes)
          .sort((a, b) => b[1] - a[1])
          .map(([route, count]) => `${route} ${count}`)
          .join(", "),
    );
  }
  if (throttle != null) {
    out.push(
      "",
      `  rate-limited: ${formatMs(throttle.wallMs)} wall, ${throttle.status429} x 429; the limit's window reset ` +
        `${formatMs(throttle.resetAfterMs)} into the run (a floor no client can beat), the first retry was answered ` +
        `${formatMs(throttle.firstRetryAfterResetMs)} after the reset, the run ended ${formatMs(throttle.finishedAfterResetMs)} after it` +
        (throttle.late429s > 0 ? `; ${throttle.late429s} more 429s after the reset` : ""),
    );
  }
  out.push(
    "",
    "== Targets ==",
    ...indentedTable(
      ["target", "measured", "verdict"],
      targets.map((target) => [target.text, target.measured, target.pass ? "PASS" : "MISS  <<<"]),
    ),
    "",
    `total bench time: ${formatMs(durationMs)}`,
  );
  return out;
}

const PAGES_ROUTE = "GET /groups/:id/projects";
const MIRRORS_ROUTE = "GET /projects/:id/remote_mirrors";

/**
 * Where one run's wall time went, from the sandbox's timestamps: start-up until the first API
 * call, the group's project pages (gitbeaker follows the Link header, one page after another),
 * the per-project mirror listings, and the time after the last call (report, table, exit).
 */
function phaseLine(variant: Variant): string | undefined {
  const sample = variant.samples.filter((s) => s.ok).at(-1);
  if (sample == null) return undefined;
  const { spans, timesOther, times429 } = sample.log;
  const pages = spans[PAGES_ROUTE];
  const mirrors = spans[MIRRORS_ROUTE];
  const first = Math.min(...timesOther, ...times429);
  const last = Math.max(...timesOther, ...times429);
  if (pages == null || mirrors == null || !Number.isFinite(first)) return undefined;
  const end = sample.startedAt + sample.ms;
  return [
    `start-up ${formatMs(first - sample.startedAt)}`,
    `group pages ${formatMs(pages.last - pages.first)} (until the last page ${formatMs(pages.last - sample.startedAt)})`,
    `mirror listings ${formatMs(mirrors.last - pages.last)}`,
    `after the last call ${formatMs(end - last)}`,
  ].join(", ");
}

function describeEnvironment(gnuTime: boolean): Environment {
  return {
    node: process.version,
    os: `${platform()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    gnuTime,
  };
}

function maxOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const known = values.flatMap((value) => (value == null ? [] : [value]));
  return known.length === 0 ? undefined : Math.max(...known);
}

function round(value: number | undefined): number | undefined {
  return value == null ? undefined : Math.round(value * 10) / 10;
}

await runBench(main);
