// Features of one canary analysis window for the ML canary judge: canary against baseline over the window, computed
// from an `AnalysisWindow` alone (judges/window-judges.ts), so the same code scores simulated windows, replayed real ones
// and a live rollout's last minutes. Never a truth column: the input type has none.
//
// Both cohorts are compared over the minutes where both were scraped (a shared incident that starts in a minute the
// canary missed must not look like a baseline-only problem); a window with no such minute falls back to each cohort's
// own minutes. Baseline minutes far out of line with the baseline's other minutes (`baselineOutliers`: one bad scrape,
// a burst of errors at one instance) are set aside for both cohorts before anything is summed, so a single wild
// baseline sample cannot raise the reference rate enough to hide a broken canary. Per metric:
//
// - counts (bad = errors + slow, errors, slow, callers' errors, conversions): a binomial z of the canary's count
//   against the baseline's ratio, with the baseline's own sampling variance in the denominator (this is what makes a
//   canary with 30 requests judgeable: 3 errors where 0.03 were expected is z ≈ 17, 1 where 0.9 were expected is
//   z ≈ 0.1), and a smoothed log-ratio observed / expected, log((x + 1) / (E + 1)), which shrinks to 0 when E is small;
// - latencies (p50, p99): the log-ratio of the request-weighted window values, and a rank statistic across minutes
//   (the Mann-Whitney U share minus 0.5: +0.5 when every canary minute is slower than every baseline minute);
// - saturations: canary minus baseline (memory also its rise within the window, against the baseline's);
// - sample sizes: canary and baseline requests, scraped minutes, the canary's share of traffic, backend errors;
// - shared-dependency signals: the baseline's own bad ratio, and its rise within the window (last two minutes
//   against the rest). Canary degradation enters only relative to the baseline, so an incident that hits both
//   cohorts alike moves the baseline features, not the canary's excess.
//
// z-scores are sign-preserving log-compressed (slog(z) = sign(z) log1p(|z|)): a crash loop's z of 800 and a step's
// z of 40 are both "certain", and the additive model should not spend its shape on the difference.
//
// Monotone evidence: every feature in `JUDGE_MONOTONE_FEATURES` is non-decreasing in the canary's bad counts (errors,
// slow requests, callers' errors) with everything else fixed, and no other feature moves with them (conversions are
// counted per request, not per request that did not fail, so more errors leave the conversion features alone). The
// model is constrained to be non-decreasing in those features (model.ts), so more bad canary requests never lower
// P(fail).
import type { CohortMetrics } from '../../sim/env.ts';
import type { AnalysisWindow } from '../../judges/window-judges.ts';
import { aggregate } from '../../judges/cohort-history.ts';
import type { FeatureSpec } from '../gam.ts';
import { quantile } from '../../lib/stats.ts';

const medianOf = (xs: readonly number[]): number => quantile(xs, 0.5);

/** The metric a feature speaks about; reasons are grouped by it. */
export type JudgeMetricGroup = 'bad' | 'errors' | 'slow' | 'latency-p50' | 'latency-p99' | 'conversion' | 'caller-errors' | 'saturation' | 'traffic' | 'baseline';

export interface JudgeFeatureDef {
  name: string;
  group: JudgeMetricGroup;
  description: string;
}

/** Every feature, in model order. */
export const JUDGE_FEATURES: readonly JudgeFeatureDef[] = [
  { name: 'bad_z', group: 'bad', description: 'binomial z of canary bad requests (errors + slow) against the baseline ratio, slog-compressed' },
  { name: 'bad_lr', group: 'bad', description: 'log((canary bad + 1) / (expected at the baseline ratio + 1))' },
  { name: 'bad_last_z', group: 'bad', description: 'binomial z of canary bad requests over the last two compared minutes, slog-compressed' },
  { name: 'bad_final_z', group: 'bad', description: 'binomial z of canary bad requests in the last compared minute, slog-compressed' },
  { name: 'bad_mw', group: 'bad', description: 'Mann-Whitney U share of per-minute bad ratios (canary > baseline) minus 0.5' },
  { name: 'error_z', group: 'errors', description: 'binomial z of canary errors against the baseline error ratio, slog-compressed' },
  { name: 'error_lr', group: 'errors', description: 'log((canary errors + 1) / (expected + 1))' },
  { name: 'slow_z', group: 'slow', description: 'binomial z of canary slow requests against the baseline slow ratio, slog-compressed' },
  { name: 'slow_lr', group: 'slow', description: 'log((canary slow + 1) / (expected + 1))' },
  { name: 'p50_lr', group: 'latency-p50', description: 'log(canary p50 / baseline p50), request-weighted over the window' },
  { name: 'p50_mw', group: 'latency-p50', description: 'Mann-Whitney U share of per-minute p50 (canary > baseline) minus 0.5' },
  { name: 'p95_lr', group: 'latency-p99', description: 'log(canary p95 / baseline p95), request-weighted over the window' },
  { name: 'p99_lr', group: 'latency-p99', description: 'log(canary p99 / baseline p99), request-weighted over the window' },
  { name: 'p99_mw', group: 'latency-p99', description: 'Mann-Whitney U share of per-minute p99 (canary > baseline) minus 0.5' },
  { name: 'conv_z', group: 'conversion', description: 'binomial z of canary conversions per request, against the baseline rate (negative = fewer), slog-compressed' },
  { name: 'conv_lr', group: 'conversion', description: 'log((canary conversions + 1) / (expected + 1))' },
  { name: 'conv_last_z', group: 'conversion', description: 'binomial z of canary conversions over the last two compared minutes, slog-compressed' },
  { name: 'caller_z', group: 'caller-errors', description: "binomial z of sync callers' errors on the canary against those on the baseline, slog-compressed" },
  { name: 'caller_lr', group: 'caller-errors', description: "log((callers' errors on the canary + 1) / (expected + 1))" },
  { name: 'caller_last_z', group: 'caller-errors', description: "binomial z of callers' errors on the canary over the last two compared minutes, slog-compressed" },
  { name: 'memory_diff', group: 'saturation', description: 'canary minus baseline mean memory saturation' },
  { name: 'memory_rise_diff', group: 'saturation', description: "canary's memory rise over the window (last minute minus first) minus the baseline's" },
  { name: 'pool_diff', group: 'saturation', description: 'canary minus baseline mean pool saturation' },
  { name: 'cpu_diff', group: 'saturation', description: 'canary minus baseline mean CPU saturation' },
  { name: 'canary_requests', group: 'traffic', description: 'log1p(canary requests in the compared minutes)' },
  { name: 'baseline_requests', group: 'traffic', description: 'log1p(baseline requests in the compared minutes)' },
  { name: 'canary_share', group: 'traffic', description: 'canary requests / both cohorts’ requests' },
  { name: 'canary_minutes', group: 'traffic', description: 'share of the window’s minutes with a canary sample' },
  { name: 'provider_errors', group: 'traffic', description: 'share of the window’s minutes the metrics backend erred' },
  { name: 'baseline_bad', group: 'baseline', description: "log10 of the baseline's smoothed bad ratio" },
  { name: 'baseline_rise', group: 'baseline', description: "log of the baseline's bad ratio in the last two compared minutes over the earlier ones (smoothed)" },
];

export const JUDGE_FEATURE_NAMES: readonly string[] = JUDGE_FEATURES.map((f) => f.name);

/**
 * The features that carry the canary's bad requests (errors, slow requests, callers' errors): each is non-decreasing in
 * those counts, everything else fixed, and the model's logit is constrained to be non-decreasing in each of them.
 */
export const JUDGE_MONOTONE_FEATURES: readonly string[] = ['bad_z', 'bad_lr', 'bad_last_z', 'bad_final_z', 'bad_mw', 'error_z', 'error_lr', 'slow_z', 'slow_lr', 'caller_z', 'caller_lr', 'caller_last_z'];

/** Metric groups whose features are all monotone evidence (a reason from them never speaks for passing when the canary is worse). */
export const JUDGE_MONOTONE_GROUPS: ReadonlySet<JudgeMetricGroup> = new Set(['bad', 'errors', 'slow', 'caller-errors']);

/** GAM specs: every feature numeric (already transformed here), with the model's default knots. */
export const judgeFeatureSpecs = (): FeatureSpec[] => JUDGE_FEATURES.map((f) => ({ name: f.name, kind: 'numeric', transform: 'none', description: f.description }));

/** One cohort's sums over a set of minutes. */
export interface CohortSums {
  minutes: number;
  requests: number;
  errors: number;
  slow: number;
  conversions: number;
  callerRequests: number;
  callerErrors: number;
  /** Request-weighted means (null when no minute had a value with requests). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Means over the minutes (null when none). */
  cpu: number | null;
  memory: number | null;
  pool: number | null;
}

/** What the features were computed from (reasons quote these figures). */
export interface WindowSummary {
  ticks: number;
  /** Minutes where both cohorts were scraped, less the baseline outliers (the comparison uses these; 0 → each cohort's own minutes). */
  paired: number;
  /** Baseline minutes set aside as outliers (indices into the window, with what was out of line), for both cohorts. */
  outliers: BaselineOutlier[];
  canaryScraped: number;
  providerErrors: number;
  canary: CohortSums;
  baseline: CohortSums;
}

export const slog = (x: number): number => (x >= 0 ? Math.log1p(x) : -Math.log1p(-x));

/**
 * Binomial z of `x` events in `n` trials against the rate of `x0` in `n0` (smoothed by half an event), with the
 * reference rate's own variance: z = (x − n p0) / sqrt(n p0 (1 − p0) (1 + n / n0)). NaN when n = 0.
 */
export function binomialZ(x: number, n: number, x0: number, n0: number): number {
  if (!(n > 0)) return NaN;
  const p0 = (x0 + 0.5) / (n0 + 1);
  const q = Math.min(p0, 1 - 1e-9);
  const v = n * q * (1 - q) * (1 + n / Math.max(1, n0));
  return (x - n * q) / Math.sqrt(v);
}

/** Smoothed log-ratio of `x` events against those expected at the reference rate: log((x + 1) / (n p0 + 1)). NaN when n = 0. */
export function countLogRatio(x: number, n: number, x0: number, n0: number): number {
  if (!(n > 0)) return NaN;
  const p0 = (x0 + 0.5) / (n0 + 1);
  return Math.log((x + 1) / (n * p0 + 1));
}

/** U share minus 0.5 of two small samples (NaN-free inputs): P(x > y) + 0.5 P(x = y) − 0.5; NaN if either is empty. */
export function uShare(x: readonly number[], y: readonly number[]): number {
  if (x.length === 0 || y.length === 0) return NaN;
  let u = 0;
  for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
  return u / (x.length * y.length) - 0.5;
}

/** A baseline minute set aside: its index in the window and the figure that was out of line with the other minutes. */
export interface BaselineOutlier {
  minute: number;
  metric: 'errors' | 'slow' | 'caller errors' | 'conversions' | 'p50' | 'p95' | 'p99';
  value: number;
  median: number;
}

/** Fewest paired minutes for outliers to be looked for (with two, neither minute is the odd one out). */
export const OUTLIER_MIN_MINUTES = 3;
/** A count is out of line when its binomial z against the median minute's rate exceeds this... */
export const OUTLIER_Z = 6;
/** ...its rate is more than this many times the median's (conversions: less than 1 / this)... */
export const OUTLIER_RATIO = 2;
/** ...and it is further from the median than this many scaled MADs (σ ≈ 1.4826 MAD) of the minutes' rates. */
export const OUTLIER_MADS = 4;

/**
 * Baseline minutes (among `use`) whose figures are far out of line with the baseline's other minutes: a count rate
 * (errors, slow, callers' errors) far above the median minute's, conversions far below it, or a latency percentile
 * more than twice the median minute's (and OUTLIER_MADS scaled MADs out on the log scale). A count must be out of line
 * on all three tests (binomial z against the median rate, ratio to it, MADs), so sampling noise on a small or a
 * steady baseline does not qualify. Directions that would only make the canary look worse (a low error rate, high
 * conversions) are left alone. At most fewer than half the minutes are set aside (the most extreme first), and none
 * with fewer than OUTLIER_MIN_MINUTES minutes. Reads only the baseline: the canary's figures never decide what the
 * canary is compared with.
 */
/** The count figures a baseline minute is checked on (rate = x / n; `low`: too few is out of line). */
const OUTLIER_COUNTS: readonly { metric: BaselineOutlier['metric']; x: (m: CohortMetrics) => number; n: (m: CohortMetrics) => number; low: boolean }[] = [
  { metric: 'errors', x: (m) => m.errors, n: (m) => m.requests, low: false },
  { metric: 'slow', x: (m) => m.slow, n: (m) => m.requests, low: false },
  { metric: 'caller errors', x: (m) => m.callerErrors, n: (m) => m.callerRequests, low: false },
  { metric: 'conversions', x: (m) => m.conversions, n: (m) => m.requests, low: true },
];
/** The latency percentiles a baseline minute is checked on. */
const OUTLIER_LATENCIES: readonly { metric: BaselineOutlier['metric']; v: (m: CohortMetrics) => number | null }[] = [
  { metric: 'p50', v: (m) => m.latencyP50 },
  { metric: 'p95', v: (m) => m.latencyP95 },
  { metric: 'p99', v: (m) => m.latencyP99 },
];

type Noted = Map<number, BaselineOutlier & { severity: number }>;
/** Keeps the most severe finding per minute. */
function noteOutlier(found: Noted, o: BaselineOutlier, severity: number): void {
  const had = found.get(o.minute);
  if (!had || severity > had.severity) found.set(o.minute, { ...o, severity });
}

export function baselineOutliers(b: readonly (CohortMetrics | null | undefined)[], use: readonly boolean[]): BaselineOutlier[] {
  const idx: number[] = [];
  for (let i = 0; i < b.length; i++) if (use[i] && b[i] && b[i]!.requests > 0) idx.push(i);
  if (idx.length < OUTLIER_MIN_MINUTES) return [];
  const found: Noted = new Map();
  const at: number[] = [];
  const rates: number[] = [];
  const dev: number[] = [];
  for (const c of OUTLIER_COUNTS) {
    at.length = 0;
    for (const i of idx) if (c.n(b[i]!) > 0 && Number.isFinite(c.x(b[i]!))) at.push(i);
    if (at.length < OUTLIER_MIN_MINUTES) continue;
    rates.length = 0;
    for (const i of at) rates.push(c.x(b[i]!) / c.n(b[i]!));
    const med = medianOf(rates);
    dev.length = 0;
    for (const r of rates) dev.push(Math.abs(r - med));
    const mad = 1.4826 * medianOf(dev);
    for (let k = 0; k < at.length; k++) {
      const i = at[k];
      const n = c.n(b[i]!);
      const x = c.x(b[i]!);
      const r = rates[k];
      const p = Math.min(1 - 1e-9, Math.max(med, 0.5 / n));
      const z = (c.low ? n * med - x : x - n * med) / Math.sqrt(n * p * (1 - p));
      const farRatio = c.low ? r * OUTLIER_RATIO < med : r > OUTLIER_RATIO * med;
      if (z > OUTLIER_Z && farRatio && Math.abs(r - med) > OUTLIER_MADS * mad) noteOutlier(found, { minute: i, metric: c.metric, value: r, median: med }, z);
    }
  }
  for (const l of OUTLIER_LATENCIES) {
    at.length = 0;
    for (const i of idx) {
      const v = l.v(b[i]!);
      if (v !== null && Number.isFinite(v) && v > 0) at.push(i);
    }
    if (at.length < OUTLIER_MIN_MINUTES) continue;
    const logs = rates;
    logs.length = 0;
    for (const i of at) logs.push(Math.log(l.v(b[i]!)!));
    const med = medianOf(logs);
    dev.length = 0;
    for (const r of logs) dev.push(Math.abs(r - med));
    const mad = 1.4826 * medianOf(dev);
    for (let k = 0; k < at.length; k++) {
      const d = logs[k] - med;
      if (d > Math.log(OUTLIER_RATIO) && d > OUTLIER_MADS * mad) noteOutlier(found, { minute: at[k], metric: l.metric, value: Math.exp(logs[k]), median: Math.exp(med) }, d / Math.max(mad, 1e-3));
    }
  }
  if (found.size === 0) return [];
  const most = Math.ceil(idx.length / 2) - 1;
  return [...found.values()]
    .sort((x, y) => y.severity - x.severity || x.minute - y.minute)
    .slice(0, most)
    .sort((x, y) => x.minute - y.minute)
    .map(({ minute, metric, value, median }) => ({ minute, metric, value, median }));
}

function sums(ms: readonly (CohortMetrics | null)[], use: readonly boolean[]): CohortSums {
  const a = aggregate(ms, 0, ms.length, use);
  return {
    minutes: a.scraped,
    requests: a.requests,
    errors: a.errors,
    slow: a.slow,
    conversions: a.conversions,
    callerRequests: a.callerRequests,
    callerErrors: a.callerErrors,
    p50: a.latencyP50,
    p95: a.latencyP95,
    p99: a.latencyP99,
    cpu: a.cpu,
    memory: a.memory,
    pool: a.pool,
  };
}

const ratioOrNaN = (x: number, n: number) => (n > 0 ? x / n : NaN);
const diff = (x: number | null, y: number | null) => (x === null || y === null ? NaN : x - y);
const finite = (x: number) => Number.isFinite(x);

/**
 * The window's features, written into `out` at `JUDGE_FEATURES`' positions (NaN = missing; the model imputes its
 * training median), and the summary they came from.
 */
export function windowFeatures(w: AnalysisWindow, out: Float64Array = new Float64Array(JUDGE_FEATURES.length)): { features: Float64Array; summary: WindowSummary } {
  const n = w.canary.length;
  const c = w.canary;
  const b = w.baseline;
  const pe = w.providerError;
  const both: boolean[] = new Array<boolean>(n);
  let paired = 0;
  let canaryScraped = 0;
  let providerErrors = 0;
  for (let i = 0; i < n; i++) {
    both[i] = c[i] !== null && c[i] !== undefined && b[i] !== null && b[i] !== undefined;
    if (both[i]) paired++;
    if (c[i]) canaryScraped++;
    if (pe?.[i]) providerErrors++;
  }
  // Wild baseline minutes are set aside for both cohorts (the comparison stays paired).
  const outliers = baselineOutliers(b, both);
  for (const o of outliers) {
    both[o.minute] = false;
    paired--;
  }
  const use = paired > 0 ? both : new Array<boolean>(n).fill(true);
  const cs = sums(c, use);
  const bs = sums(b, use);
  const cBad = cs.errors + cs.slow;
  const bBad = bs.errors + bs.slow;

  // Per-minute series over the compared minutes, for ranks and trends.
  const cBadR: number[] = [];
  const bBadR: number[] = [];
  const c50: number[] = [];
  const b50: number[] = [];
  const c99: number[] = [];
  const b99: number[] = [];
  const pairedIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    const cm = c[i];
    const bm = b[i];
    if (cm && use[i] && cm.requests > 0) {
      cBadR.push((cm.errors + cm.slow) / cm.requests);
      if (cm.latencyP50 !== null && finite(cm.latencyP50)) c50.push(cm.latencyP50);
      if (cm.latencyP99 !== null && finite(cm.latencyP99)) c99.push(cm.latencyP99);
    }
    if (bm && use[i] && bm.requests > 0) {
      bBadR.push((bm.errors + bm.slow) / bm.requests);
      if (bm.latencyP50 !== null && finite(bm.latencyP50)) b50.push(bm.latencyP50);
      if (bm.latencyP99 !== null && finite(bm.latencyP99)) b99.push(bm.latencyP99);
    }
    if (both[i]) pairedIdx.push(i);
  }

  // The last two compared minutes against the rest: a leak ramps, an incident starts.
  const last = pairedIdx.slice(-2);
  const early = pairedIdx.slice(0, Math.max(0, pairedIdx.length - 2));
  let lcB = 0, lcR = 0, lbB = 0, lbR = 0, ebB = 0, ebR = 0;
  let lcConv = 0, lbConv = 0, lcCE = 0, lcCR = 0, lbCE = 0, lbCR = 0;
  for (const i of last) {
    const cm = c[i]!;
    const bm = b[i]!;
    lcB += cm.errors + cm.slow;
    lcR += cm.requests;
    lbB += bm.errors + bm.slow;
    lbR += bm.requests;
    lcConv += cm.conversions;
    lbConv += bm.conversions;
    lcCE += cm.callerErrors;
    lcCR += cm.callerRequests;
    lbCE += bm.callerErrors;
    lbCR += bm.callerRequests;
  }
  const fin = pairedIdx.length > 0 ? pairedIdx[pairedIdx.length - 1] : -1;
  const finalZ = fin < 0 ? NaN : binomialZ(c[fin]!.errors + c[fin]!.slow, c[fin]!.requests, b[fin]!.errors + b[fin]!.slow, b[fin]!.requests);
  for (const i of early) {
    ebB += b[i]!.errors + b[i]!.slow;
    ebR += b[i]!.requests;
  }
  let memRise = NaN;
  if (pairedIdx.length >= 2) {
    const f = pairedIdx[0];
    const l = pairedIdx[pairedIdx.length - 1];
    memRise = c[l]!.memory - c[f]!.memory - (b[l]!.memory - b[f]!.memory);
  }

  const p50lr = cs.p50 !== null && bs.p50 !== null && cs.p50 > 0 && bs.p50 > 0 ? Math.log(cs.p50 / bs.p50) : NaN;
  const p95lr = cs.p95 !== null && bs.p95 !== null && cs.p95 > 0 && bs.p95 > 0 ? Math.log(cs.p95 / bs.p95) : NaN;
  const p99lr = cs.p99 !== null && bs.p99 !== null && cs.p99 > 0 && bs.p99 > 0 ? Math.log(cs.p99 / bs.p99) : NaN;
  const vals: Record<string, number> = {
    bad_z: slog(binomialZ(cBad, cs.requests, bBad, bs.requests)),
    bad_lr: countLogRatio(cBad, cs.requests, bBad, bs.requests),
    bad_last_z: slog(binomialZ(lcB, lcR, lbB, lbR)),
    bad_final_z: slog(finalZ),
    bad_mw: uShare(cBadR, bBadR),
    error_z: slog(binomialZ(cs.errors, cs.requests, bs.errors, bs.requests)),
    error_lr: countLogRatio(cs.errors, cs.requests, bs.errors, bs.requests),
    slow_z: slog(binomialZ(cs.slow, cs.requests, bs.slow, bs.requests)),
    slow_lr: countLogRatio(cs.slow, cs.requests, bs.slow, bs.requests),
    p50_lr: p50lr,
    p50_mw: uShare(c50, b50),
    p95_lr: p95lr,
    p99_lr: p99lr,
    p99_mw: uShare(c99, b99),
    // Conversions per request (not per request that did not fail): more errors must not make the conversions look better.
    conv_z: slog(binomialZ(cs.conversions, cs.requests, bs.conversions, bs.requests)),
    conv_lr: countLogRatio(cs.conversions, cs.requests, bs.conversions, bs.requests),
    conv_last_z: slog(binomialZ(lcConv, lcR, lbConv, lbR)),
    caller_last_z: slog(binomialZ(lcCE, lcCR, lbCE, lbCR)),
    caller_z: slog(binomialZ(cs.callerErrors, cs.callerRequests, bs.callerErrors, bs.callerRequests)),
    caller_lr: countLogRatio(cs.callerErrors, cs.callerRequests, bs.callerErrors, bs.callerRequests),
    memory_diff: diff(cs.memory, bs.memory),
    memory_rise_diff: memRise,
    pool_diff: diff(cs.pool, bs.pool),
    cpu_diff: diff(cs.cpu, bs.cpu),
    canary_requests: Math.log1p(cs.requests),
    baseline_requests: Math.log1p(bs.requests),
    canary_share: ratioOrNaN(cs.requests, cs.requests + bs.requests),
    canary_minutes: n > 0 ? canaryScraped / n : NaN,
    provider_errors: n > 0 ? providerErrors / n : NaN,
    baseline_bad: bs.requests > 0 ? Math.log10((bBad + 0.5) / (bs.requests + 1)) : NaN,
    baseline_rise: lbR > 0 && ebR > 0 ? Math.log((lbB + 0.5) / (lbR + 1)) - Math.log((ebB + 0.5) / (ebR + 1)) : NaN,
  };
  // A metric the source does not record at all is missing, not zero.
  if (w.recorded?.latencyP50 === false) vals.p50_lr = vals.p50_mw = NaN;
  if (w.recorded?.latencyP99 === false) vals.p95_lr = vals.p99_lr = vals.p99_mw = NaN;
  if (w.recorded?.kpi === false) vals.conv_z = vals.conv_lr = vals.conv_last_z = NaN;
  for (let k = 0; k < JUDGE_FEATURES.length; k++) out[k] = vals[JUDGE_FEATURES[k].name];
  return { features: out, summary: { ticks: n, paired, outliers, canaryScraped, providerErrors, canary: cs, baseline: bs } };
}
