// Trajectory features for predictive rollback: what a policy has seen of a rollout so far, tick by tick, as numbers.
//
// The policy sees one observation per minute (sim/env.ts `Observation`: the canary's and the baseline's metrics of
// the minute, missing where a scrape failed). `Trajectory` folds them into running sums — since the canary first
// served traffic, and over the trailing 5 and 10 minutes — and `features()` turns those into the model's inputs:
//
// - evidence that the canary is worse than the baseline: signed deviance z-scores (Poisson likelihood ratio) of the
//   canary's bad requests (errors + slower than the objective), errors, callers' errors and conversions against
//   what the baseline's rates predict for the canary's traffic; log ratios of bad ratios and latency percentiles;
//   saturation differences and the canary's memory trend (leaks);
// - what continuing means: the canary's bad ratio (a conservative lower bound) projected onto the next stage's
//   exposure and onto full rollout, against the SLO's burn threshold (docs/definitions.md#slo-breach: 14.4 x the error budget over
//   5 minutes);
// - how much there is to go on: canary requests, the share of minutes with data, the current exposure and phase;
// - whether the baseline itself is hurting (a shared incident should not be blamed on the canary).
//
// After promotion there is no baseline: the reference becomes the baseline's rates frozen at promotion.
import type { CohortMetrics, Observation } from '../../sim/env.ts';
import type { Plan } from '../../sim/strategy.ts';
import { createDetector, DEFAULT_DETECTOR, type AnomalyDetector } from '../../detectors/registry.ts';

/**
 * The NAB detector's settings, but for the warm-up: NAB's files give it 150 points before scoring, a rollout lasts
 * about 70 minutes, so here it starts scoring after 10.
 */
export const ROLLOUT_DETECTOR_OPTIONS = { warmup: 10 };

/** Names of the features, in the order `features()` returns them. */
export const TRAJECTORY_FEATURES = [
  'zBad5',
  'zBad10',
  'zBadAll',
  'zErr5',
  'zErrAll',
  'logBadRatio5',
  'logBadRatioAll',
  'latP50LogRatio5',
  'latP99LogRatio5',
  'zKpiAll',
  'zKpi10',
  'zCallerAll',
  'zCaller5',
  'memoryDiff5',
  'memorySlope10',
  'poolDiff5',
  'cpuDiff5',
  'projectedNextBurn',
  'projectedFullBurn',
  'canaryRequests5',
  'canaryRequestsAll',
  'dataShare10',
  'weight',
  'nextWeight',
  'baking',
  'baselineSurge5',
  'cusumBad',
  'cusumBadBig',
  'cusumErr',
  'cusumCaller',
  'cusumKpi',
  'zBad1',
  'zCaller1',
  'latP50LogRatio1',
  'detector5',
  'detectorMax',
  'riskPrior',
] as const;
export type TrajectoryFeature = (typeof TRAJECTORY_FEATURES)[number];

export interface Sums {
  req: number;
  bad: number;
  err: number;
  conv: number;
  callerReq: number;
  callerErr: number;
}

const zero = (): Sums => ({ req: 0, bad: 0, err: 0, conv: 0, callerReq: 0, callerErr: 0 });

function add(s: Sums, m: CohortMetrics, sign = 1): void {
  s.req += sign * m.requests;
  s.bad += sign * (m.errors + m.slow);
  s.err += sign * m.errors;
  s.conv += sign * m.conversions;
  s.callerReq += sign * m.callerRequests;
  s.callerErr += sign * m.callerErrors;
}

/**
 * Signed deviance z of an observed count `x` against a Poisson mean `mu`: sign(x - mu) * sqrt(2 (x ln(x/mu) - (x - mu))).
 * Behaves like a z-score for large counts and stays sensible for tiny ones (x = 0 against mu = 0.1 is -0.45, not -0.3).
 */
export function devianceZ(x: number, mu: number): number {
  if (!(mu > 0)) return x > 0 ? Math.sqrt(2 * x) * 3 : 0;
  const d = x > 0 ? x * Math.log(x / mu) - (x - mu) : mu;
  const z = Math.sqrt(Math.max(0, 2 * d));
  return x >= mu ? z : -z;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7: ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * ln P(X >= k) for X ~ Binomial(n, p), exact above the mean (summed from k upwards in log space); 0 (p = 1) at or
 * below it; -Infinity when k > n.
 */
export function binomialUpperLogP(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n || p <= 0) return -Infinity;
  if (p >= 1) return 0;
  // At or below the mean there is no excess to speak of; only small tails matter here, so report p = 1 (conservative).
  if (k <= n * p) return 0;
  const lq = Math.log1p(-p);
  const lr = Math.log(p) - lq;
  const ratio = Math.exp(lr);
  const first = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * lq;
  // Terms fall off geometrically above the mean: sum relative to the first term until they stop mattering.
  let sum = 1;
  let term = 1;
  for (let j = k; j < n; j++) {
    term *= ((n - j) / (j + 1)) * ratio;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return first + Math.log(sum);
}

/**
 * Overwhelming-evidence test of the canary against the baseline over the same minutes (the conditional test of two
 * Poisson / binomial rates: given the bad requests both cohorts served, the canary's share of them is
 * Binomial(total, canary requests / all requests) if both run at the same rate). Tested for bad requests, errors and
 * callers' errors; the canary's ratio must also be at least FAST_MIN_RATIO x the baseline's and at least `minRatio`
 * (a large effect that matters, not only a significant one). Returns the smallest ln p-value and the metric that
 * gave it; ln p = 0 (p = 1) when nothing is testable.
 */
export function canaryExcessLogP(canary: Sums, baseline: Sums, minRatio = 0): { logP: number; metric: string } {
  let best = { logP: 0, metric: '' };
  const test = (metric: string, kc: number, nc: number, kb: number, nb: number) => {
    if (nc <= 0 || nb <= 0 || kc <= 0) return;
    if (kc / nc < FAST_MIN_RATIO * (kb / nb) || kc / nc < minRatio) return;
    const lp = binomialUpperLogP(kc, kc + kb, nc / (nc + nb));
    if (lp < best.logP) best = { logP: lp, metric };
  };
  test('bad requests', canary.bad, canary.req, baseline.bad, baseline.req);
  test('errors', canary.err, canary.req, baseline.err, baseline.req);
  test("callers' errors", canary.callerErr, canary.callerReq, baseline.callerErr, baseline.callerReq);
  return best;
}

/**
 * Level of the overwhelming-evidence rule. On the recorded training rollouts (seeds 11-14, 6,000 deployments) the test
 * at this level fires on 1 of 4,765 deployments without a material fault, and on their validation and held-out parts
 * adds no false rollback to the network's (docs/rollback.md).
 */
export const OVERWHELMING_P = 1e-7;

/**
 * Level of the conversion-shortfall rule: roll back when the canary's conversions since it started fall short of the
 * baseline's rate in the same minutes by a z of at least this (and by at least KPI_MIN_DROP relative). On the
 * recorded training rollouts (seeds 11-14 default, 11-12 black-friday and low-traffic: 4,765 deployments without a
 * material fault) the rule alone fires on 77 of them at z 3, 17 at 3.5, 5 at 4 (about 1 in 1,000, a fifth of the
 * 0.5 % budget) and 1 at 4.5; on validation seed 31, 4 adds 7 preventions and 2 false rollbacks, 4.5 adds 2 and none
 * (docs/rollback.md).
 */
export const KPI_SHORTFALL_Z = 4;

/** The conversion-shortfall rule needs a relative drop of at least this: the material-fault KPI rule (-5 %, docs/definitions.md). */
export const KPI_MIN_DROP = 0.05;

/** Minutes the overwhelming-evidence test reads: the last one (a severe fault must be caught at its first tick). */
export const OVERWHELMING_WINDOW_MIN = 1;

/** The canary's rate must be at least this multiple of the baseline's for the overwhelming-evidence rule. */
export const FAST_MIN_RATIO = 2;

/** Pseudo-requests at the reference rate added to the canary's counts in log ratios. */
const PRIOR_REQUESTS = 20;

/** Signed log: z-scores in the hundreds stay comparable with the ones near the decision. */
const squash = (z: number): number => Math.sign(z) * Math.log1p(Math.abs(z));

/** Rate shrunk towards a typical level `p0` by `strength` pseudo-requests: a baseline with 0 bad of 100 is not a 0 % baseline. */
const rate = (x: number, n: number, p0 = 0.005, strength = 100): number => (x + p0 * strength) / (n + strength);

/** Lower end of a one-sided ~95 % interval for a Poisson count (Wilson-Hilferty approximation of the chi-square). */
export function poissonLower(x: number, z = 1.645): number {
  if (x <= 0) return 0;
  const a = 1 - 1 / (9 * x) - z / (3 * Math.sqrt(x));
  return x * a * a * a;
}

const logRatio = (a: number | null, b: number | null): number => (a !== null && b !== null && a > 0 && b > 0 ? Math.log(a / b) : NaN);

interface Minute {
  canary: CohortMetrics | null;
  baseline: CohortMetrics | null;
  weight: number;
}

/** Running state of one rollout as a policy sees it. */
export class Trajectory {
  private readonly minutes: Minute[] = [];
  private readonly all = { canary: zero(), baseline: zero() };
  /** Baseline rates frozen while the baseline still serves users (the reference after promotion). */
  private ref = zero();
  private started = false;
  /** The last minute the baseline served requests (the latency and memory reference once it no longer does). */
  private lastBaseline: CohortMetrics | null = null;
  private readonly cusum = { bad: 0, badBig: 0, err: 0, caller: 0, kpi: 0 };
  /**
   * The conversion-shortfall test's sums over the minutes both cohorts served (Cochran-Mantel-Haenszel, one stratum
   * per minute): the canary's conversions minus their expectation under one rate for both cohorts in that minute, the
   * hypergeometric variance, and the Mantel-Haenszel rate ratio's numerator and denominator. After promotion the
   * canary's conversions and requests accumulate in `post*`, compared as one more stratum with the baseline's totals
   * frozen at promotion.
   */
  private readonly kpi = { diff: 0, v: 0, rrNum: 0, rrDen: 0, postConv: 0, postReq: 0 };
  private readonly detector: AnomalyDetector = createDetector(DEFAULT_DETECTOR, ROLLOUT_DETECTOR_OPTIONS);
  private readonly detectorScores: number[] = [];
  private detectorMax = 0;
  readonly threshold: number;

  constructor(
    readonly plan: Plan,
    slo: { objective: number; burnRate: number },
    readonly riskPrior: number = NaN,
  ) {
    this.threshold = slo.burnRate * (1 - slo.objective);
  }

  get length(): number {
    return this.minutes.length;
  }

  /** The last `k` minutes as a judge's analysis window (oldest first; null where a cohort had no sample). */
  lastWindow(k: number): { canary: (CohortMetrics | null)[]; baseline: (CohortMetrics | null)[] } {
    const ms = this.minutes.slice(-k);
    return { canary: ms.map((m) => m.canary), baseline: ms.map((m) => m.baseline) };
  }

  /** Fold in one observation (the metrics of minute `obs.age - 1`; the observation at reset carries none). */
  push(obs: Observation): void {
    if (obs.age === 0) return;
    const servesBaseline = obs.weight < 1;
    const m: Minute = { canary: obs.canary, baseline: servesBaseline ? obs.baseline : null, weight: obs.weight + obs.mirror };
    if (!this.started && m.weight > 0) this.started = true;
    if (!this.started) return;
    this.minutes.push(m);
    if (m.canary) add(this.all.canary, m.canary);
    if (m.baseline && m.baseline.requests > 0) {
      add(this.all.baseline, m.baseline);
      this.ref = { ...this.all.baseline };
      this.lastBaseline = m.baseline;
    }
    if (m.canary && m.canary.requests > 0) {
      const score = this.detector.update((m.canary.errors + m.canary.slow) / m.canary.requests);
      this.detectorScores.push(score);
      if (score > this.detectorMax) this.detectorMax = score;
    }
    // CUSUMs of the canary's counts against the reference rates (Poisson log-likelihood ratio of a shifted rate).
    if (m.canary && m.canary.requests > 0) {
      const r = this.ref.req > 0 ? this.ref : this.all.baseline;
      const c = m.canary;
      const step = (s: number, x: number, mu: number, delta: number) => Math.max(0, s + x * Math.log1p(delta) - mu * delta);
      this.cusum.bad = step(this.cusum.bad, c.errors + c.slow, c.requests * rate(r.bad, r.req), 0.5);
      this.cusum.badBig = step(this.cusum.badBig, c.errors + c.slow, c.requests * rate(r.bad, r.req), 3);
      this.cusum.err = step(this.cusum.err, c.errors, c.requests * rate(r.err, r.req), 1);
      if (c.callerRequests > 0) this.cusum.caller = step(this.cusum.caller, c.callerErrors, c.callerRequests * rate(r.callerErr, r.callerReq), 1);
      this.cusum.kpi = step(this.cusum.kpi, c.conversions, c.requests * rate(r.conv, r.req, 0.03), -0.15);
      const b = m.baseline;
      if (b && b.requests > 0) {
        // Same minute: both cohorts see the same traffic mix and incidents, so a shift of the exposure over time does
        // not confound the comparison when the conversion rate itself moves.
        const [x, n1, y, n0] = [c.conversions, c.requests, b.conversions, b.requests];
        const nn = n1 + n0;
        const kk = x + y;
        this.kpi.diff += x - (n1 * kk) / nn;
        if (nn > 1) this.kpi.v += (n1 * n0 * kk * (nn - kk)) / (nn * nn * (nn - 1));
        this.kpi.rrNum += (x * n0) / nn;
        this.kpi.rrDen += (y * n1) / nn;
      } else if (!servesBaseline && this.ref.req > 0) {
        this.kpi.postConv += c.conversions;
        this.kpi.postReq += c.requests;
      }
    }
  }

  private trailing(k: number): { canary: Sums; baseline: Sums; minutes: Minute[] } {
    const ms = this.minutes.slice(-k);
    const canary = zero();
    const baseline = zero();
    for (const m of ms) {
      if (m.canary) add(canary, m.canary);
      if (m.baseline && m.baseline.requests > 0) add(baseline, m.baseline);
    }
    return { canary, baseline, minutes: ms };
  }

  /**
   * Sums of the canary and the baseline over the last `k` minutes in which both were scraped and the baseline served
   * users (the pairs the overwhelming-evidence test compares; empty after promotion).
   */
  pairedLast(k: number): { canary: Sums; baseline: Sums } {
    const canary = zero();
    const baseline = zero();
    for (let i = Math.max(0, this.minutes.length - k); i < this.minutes.length; i++) {
      const m = this.minutes[i];
      if (!m.canary || !m.baseline || m.baseline.requests <= 0) continue;
      add(canary, m.canary);
      add(baseline, m.baseline);
    }
    return { canary, baseline };
  }

  /**
   * The overwhelming-evidence test (`canaryExcessLogP`) over the last OVERWHELMING_WINDOW_MIN minutes: ln p-value of
   * the strongest canary excess and its metric (ln p = 0 when nothing is testable, e.g. after promotion). Only a
   * canary ratio at or above the SLO's burn threshold counts: a fault that would breach the SLO at full exposure, not
   * a canary-only blip at a level the SLO tolerates.
   */
  overwhelming(): { logP: number; metric: string } {
    const p = this.pairedLast(OVERWHELMING_WINDOW_MIN);
    return canaryExcessLogP(p.canary, p.baseline, this.threshold);
  }

  /**
   * The conversion shortfall since the canary started: the canary's conversions against what the baseline's
   * conversion rate in the same minutes predicts for its requests (after promotion: the baseline's rate frozen at
   * promotion), as a z-score with both cohorts' sampling noise, and the relative drop. Negative z = fewer conversions
   * than predicted. Comparing minute by minute keeps a shift of the exposure over time from confounding the test
   * when the conversion rate itself moves (time of day, incidents that hit both cohorts). z = 0 without a prediction.
   */
  kpiShortfall(): { z: number; drop: number } {
    const k = this.kpi;
    let { diff, v, rrNum, rrDen } = k;
    if (k.postReq > 0 && this.ref.req > 0) {
      const [x, n1, y, n0] = [k.postConv, k.postReq, this.ref.conv, this.ref.req];
      const nn = n1 + n0;
      const kk = x + y;
      diff += x - (n1 * kk) / nn;
      v += (n1 * n0 * kk * (nn - kk)) / (nn * nn * (nn - 1));
      rrNum += (x * n0) / nn;
      rrDen += (y * n1) / nn;
    }
    if (!(v > 0) || !(rrDen > 0)) return { z: 0, drop: 0 };
    return { z: diff / Math.sqrt(v), drop: 1 - rrNum / rrDen };
  }

  /** The reference rates for the canary: the baseline's in the same minutes when it has enough traffic, else the frozen ones. */
  private reference(b: Sums): Sums {
    return b.req >= 200 || b.req >= this.ref.req ? b : this.ref;
  }

  /** The feature vector (TRAJECTORY_FEATURES order); NaN where a feature cannot be computed yet. */
  features(obs: Observation): Float64Array {
    const f = new Float64Array(TRAJECTORY_FEATURES.length).fill(NaN);
    const t5 = this.trailing(5);
    const t10 = this.trailing(10);
    const ref5 = this.reference(t5.baseline);
    const ref10 = this.reference(t10.baseline);
    const refAll = this.ref.req > 0 ? this.ref : this.all.baseline;
    const c5 = t5.canary;
    const c10 = t10.canary;
    const cAll = this.all.canary;
    const z = (x: number, n: number, r: Sums, pick: (s: Sums) => number, denom: (s: Sums) => number = (s) => s.req, p0 = 0.005) => squash(devianceZ(x, n * rate(pick(r), denom(r), p0)));
    f[0] = z(c5.bad, c5.req, ref5, (s) => s.bad);
    f[1] = z(c10.bad, c10.req, ref10, (s) => s.bad);
    f[2] = z(cAll.bad, cAll.req, refAll, (s) => s.bad);
    f[3] = z(c5.err, c5.req, ref5, (s) => s.err);
    f[4] = z(cAll.err, cAll.req, refAll, (s) => s.err);
    // Log ratio of bad ratios, the canary's shrunk towards the reference by PRIOR_REQUESTS pseudo-requests (no traffic = no evidence).
    const shrunk = (x: number, n: number, r: Sums) => Math.log((x + PRIOR_REQUESTS * rate(r.bad, r.req)) / (n + PRIOR_REQUESTS) / rate(r.bad, r.req));
    f[5] = shrunk(c5.bad, c5.req, ref5);
    f[6] = shrunk(cAll.bad, cAll.req, refAll);
    // Latency: mean per-minute log ratio of the canary's percentile to the baseline's (the last baseline seen after promotion).
    let p50 = 0,
      p99 = 0,
      nLat = 0,
      mem = 0,
      pool = 0,
      cpu = 0,
      nSat = 0;
    const lastBase = this.lastBaseline;
    for (const m of t5.minutes) {
      const b = m.baseline && m.baseline.requests > 0 ? m.baseline : lastBase;
      if (!m.canary || !b) continue;
      const a50 = logRatio(m.canary.latencyP50, b.latencyP50);
      const a99 = logRatio(m.canary.latencyP99, b.latencyP99);
      // Percentiles of a handful of requests are noise: weight minutes by the canary's requests (capped).
      if (Number.isFinite(a50) && Number.isFinite(a99) && m.canary.requests >= 3) {
        const wt = Math.min(m.canary.requests, 100);
        p50 += wt * a50;
        p99 += wt * a99;
        nLat += wt;
      }
      mem += m.canary.memory - b.memory;
      pool += m.canary.pool - b.pool;
      cpu += m.canary.cpu - b.cpu;
      nSat++;
    }
    if (nLat) {
      f[7] = p50 / nLat;
      f[8] = p99 / nLat;
    }
    // KPI: conversions fall short of the baseline's conversion rate (positive z = fewer conversions than expected).
    f[9] = -z(cAll.conv, cAll.req, refAll, (s) => s.conv, (s) => s.req, 0.03);
    f[10] = -z(c10.conv, c10.req, ref10, (s) => s.conv, (s) => s.req, 0.03);
    f[11] = z(cAll.callerErr, cAll.callerReq, refAll, (s) => s.callerErr, (s) => s.callerReq);
    f[12] = z(c5.callerErr, c5.callerReq, ref5, (s) => s.callerErr, (s) => s.callerReq);
    if (nSat) {
      f[13] = mem / nSat;
      f[15] = pool / nSat;
      f[16] = cpu / nSat;
    }
    // Memory trend of the canary above the baseline: least-squares slope per minute over the trailing 10 minutes
    // (at least 6 points: a fresh version's first minutes are too few to call a trend).
    let refMem: number | null = lastBase ? lastBase.memory : null;
    const pts: (readonly [number, number])[] = [];
    t10.minutes.forEach((m, i) => {
      if (m.baseline && m.baseline.requests > 0) refMem = m.baseline.memory;
      if (m.canary && refMem !== null) pts.push([i, m.canary.memory - refMem]);
    });
    if (pts.length >= 6) {
      const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
      const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
      let sxy = 0,
        sxx = 0;
      for (const [x, y] of pts) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
      }
      f[14] = sxx > 0 ? sxy / sxx : 0;
    }
    // Projection: a conservative canary bad ratio (lower ~95 % bound over the last 10 minutes) at the next exposure
    // and at full rollout, as a multiple of the burn threshold.
    const pb = rate(ref10.bad, ref10.req);
    const pcLow = c10.req > 0 ? poissonLower(c10.bad) / c10.req : 0;
    const next = nextWeight(this.plan, obs);
    f[17] = ((1 - next) * pb + next * Math.max(pb, pcLow)) / this.threshold;
    f[18] = Math.max(pb, pcLow) / this.threshold;
    f[19] = Math.log1p(c5.req);
    f[20] = Math.log1p(cAll.req);
    f[21] = t10.minutes.length ? t10.minutes.filter((m) => m.canary !== null).length / t10.minutes.length : 0;
    f[22] = obs.weight + obs.mirror;
    f[23] = next;
    f[24] = obs.phase === 'baking' ? 1 : 0;
    // The baseline's own trailing bad ratio against its long-run one: a shared incident raises both cohorts.
    f[25] = t5.baseline.req > 0 && this.all.baseline.req > 0 ? Math.log(rate(t5.baseline.bad, t5.baseline.req) / rate(this.all.baseline.bad, this.all.baseline.req)) : 0;
    f[26] = Math.log1p(this.cusum.bad);
    f[27] = Math.log1p(this.cusum.badBig);
    f[28] = Math.log1p(this.cusum.err);
    f[29] = Math.log1p(this.cusum.caller);
    f[30] = Math.log1p(this.cusum.kpi);
    // The last minute alone: a severe fault shows within one tick.
    const t1 = this.trailing(1);
    const ref1 = this.reference(t1.baseline);
    f[31] = z(t1.canary.bad, t1.canary.req, ref1, (s) => s.bad);
    f[32] = z(t1.canary.callerErr, t1.canary.callerReq, ref1, (s) => s.callerErr, (s) => s.callerReq);
    const m1 = t1.minutes[0];
    const b1 = m1?.baseline && m1.baseline.requests > 0 ? m1.baseline : lastBase;
    f[33] = m1?.canary && b1 && m1.canary.requests >= 3 ? logRatio(m1.canary.latencyP50, b1.latencyP50) : NaN;
    // The streaming anomaly detector on the new version's own bad ratio (no baseline needed: it guards the bake too).
    let d5 = 0;
    for (const x of this.detectorScores.slice(-5)) d5 = Math.max(d5, x);
    f[34] = d5;
    f[35] = this.detectorMax;
    f[36] = this.riskPrior;
    return f;
  }
}

/** Exposure (share of user traffic) of the next stage, or the current one in the bake. */
export function nextWeight(plan: Plan, obs: Observation): number {
  if (obs.phase !== 'progressing') return obs.weight;
  const k = Math.min(plan.stages.length - 1, obs.stage + 1);
  const st = plan.stages[k];
  let w = 0;
  for (let u = 0; u < st.exposure.length; u++) w += st.exposure[u] * plan.unitShares[u];
  return w;
}
