// A port of Kayenta's statistical canary judge (NetflixACAJudge with its MannWhitneyClassifier, the
// WeightedSumScorer and the ThresholdScoreClassifier): the baseline our ML judge has to beat.
// See docs/kayenta-judge.md for what is ported, the defaults and the places where Kayenta's behaviour had to
// be guessed.
//
// Where Kayenta would pass on missing, impossible or corrupted evidence, this port fails closed: an outlier guard
// keeps one wild baseline value from hiding a broken canary (`guard: false` gives Kayenta's own statistics), an
// empty series is Nodata whatever the nanStrategy, and `judgeRemote` makes a configured metric without a pair Nodata
// and refuses infinite and (unless the metric allows them) negative values.
//
// Two doors:
// - `judgeMetrics(metrics, opts)`: a fast numeric API for the backtester (allocation-light, ~100k calls).
// - `judgeRemote(request)`: Kayenta's RemoteJudge contract: canaryConfig + scoreThresholds +
//   metricSetPairList in, a Kayenta judge result out; malformed input throws RolloutlabError('BAD_DATA')
//   with `field` set to the JSON path of the offending value.

import { RolloutlabError, show } from '../lib/errors.ts';
import { criticalZ, mannWhitneySorted, sortPrefix, type MannWhitneyResult } from './mann-whitney.ts';

// ---------------------------------------------------------------------------------------------------------
// Types

export type MetricDirection = 'increase' | 'decrease' | 'either';
export type MetricClassification = 'Pass' | 'High' | 'Low' | 'Nodata';
export type SummaryClassification = 'Pass' | 'Marginal' | 'Fail';
/** What to do with missing (NaN / non-finite) values: drop them (default) or count them as 0. */
export type NanStrategy = 'remove' | 'replace';
/** Outlier handling: 'keep' (default; Kayenta's 'none' is accepted as a synonym) or 'remove' (IQR fence). */
export type OutlierStrategy = 'keep' | 'remove' | 'none';

export interface OutlierConfig {
  strategy?: OutlierStrategy;
  /** Fence factor k: values outside [Q1 - k IQR, Q3 + k IQR] are dropped. Default 3.0. */
  outlierFactor?: number;
}

/**
 * Effect-size gate on the mean ratio mean(experiment) / mean(control) (1.0 when the control mean is 0).
 * High also needs ratio >= allowedIncrease, Low needs ratio <= allowedDecrease. The critical pair is the
 * stricter gate a critical metric must cross to force the canary to fail. All default to 1.0.
 */
export interface EffectSizeConfig {
  allowedIncrease?: number;
  allowedDecrease?: number;
  criticalIncrease?: number;
  criticalDecrease?: number;
  /** Only 'meanRatio' (Kayenta's default) is supported. */
  measure?: 'meanRatio';
}

export interface KayentaMetric {
  name: string;
  /** Which change is bad: 'increase' (e.g. errors, latency), 'decrease' (e.g. throughput) or 'either'. */
  direction: MetricDirection;
  /** A critical metric that is High / Low / Nodata forces the summary score to 0. */
  critical?: boolean;
  /** Group of the metric (default 'default'). */
  group?: string;
  /** Several groups, as Kayenta's canary config allows; takes precedence over `group`. */
  groups?: readonly string[];
  /** Control (baseline) values; NaN (any non-finite value) = missing. */
  control: ArrayLike<number>;
  /** Experiment (canary) values; NaN (any non-finite value) = missing. */
  experiment: ArrayLike<number>;
  nanStrategy?: NanStrategy;
  outliers?: OutlierConfig;
  effectSize?: EffectSizeConfig;
}

export interface KayentaOptions {
  /** Summary score at or above which the canary passes. Default 95. */
  pass?: number;
  /** Summary score at or above which (and below `pass`) the canary is Marginal. Default 75. */
  marginal?: number;
  /** Fraction of |estimate| the confidence interval must clear. Default 0.25. */
  tolerance?: number;
  /** Confidence level of the Hodges-Lehmann interval. Default 0.98. */
  confidence?: number;
  /** Group weights in percent, as Kayenta's `classifier.groupWeights`; unnamed groups share the rest. */
  groupWeights?: Readonly<Record<string, number>>;
  /**
   * The outlier guard (default true): one bad baseline sample must not hide a broken canary. Control values far
   * beyond what the other control values predict (mean +- 10 standard deviations of the others) are clamped to that
   * fence on the side that would hide a harmful change, the test is run again, and the more severe classification
   * stands (docs/kayenta-judge.md). false gives Kayenta's own statistics, where one corrupted baseline sample can
   * turn a critical Fail into a Pass.
   */
  guard?: boolean;
}

export interface KayentaMetricResult {
  name: string;
  classification: MetricClassification;
  /** Why; '' for a plain Pass (Kayenta gives none). */
  reason: string;
  /** Hodges-Lehmann shift experiment - control; 0 when the test did not run (no data, identical, one value). */
  estimate: number;
  lower: number;
  upper: number;
  /** Two-sided Mann-Whitney p-value (1 when the test did not run). Kayenta does not use it to classify. */
  pValue: number;
  /** Effect size: mean(experiment) / mean(control), 1.0 when the control mean is 0 or the test did not run. */
  ratio: number;
  controlCount: number;
  experimentCount: number;
  /** Control values beyond the outlier guard's fence (0 with the guard off); the reason says more when > 0. */
  clampedControl: number;
  /** Kayenta's flag: true only when the metric is critical AND this result fails the canary (High/Low/Nodata). */
  critical: boolean;
}

export interface KayentaGroupScore {
  name: string;
  score: number;
}

export interface KayentaVerdict {
  /** Summary score, 0-100. */
  score: number;
  classification: SummaryClassification;
  /** Why the summary is what it is; '' when it is just the weighted group score. */
  reason: string;
  metrics: KayentaMetricResult[];
  groupScores: KayentaGroupScore[];
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Defaults (Kayenta's)

export const KAYENTA_DEFAULTS = {
  pass: 95,
  marginal: 75,
  tolerance: 0.25,
  confidence: 0.98,
  outlierFactor: 3.0,
  effectSize: 1.0,
  /** Kayenta warns when a metric has fewer data points than this. */
  minDataPoints: 50,
  defaultGroup: 'default',
  /** Outlier guard: the fence is this many standard deviations of the other control values from their mean. */
  guardFence: 10,
  /** Outlier guard: at least this many other control values must predict the fence. */
  guardMinRest: 4,
} as const;

export const KAYENTA_JUDGE_NAME = 'NetflixACAJudge-v1.0';

// ---------------------------------------------------------------------------------------------------------
// Per-metric classification (MannWhitneyClassifier)

let bufC = new Float64Array(256);
let bufE = new Float64Array(256);
const mw: MannWhitneyResult = { u: 0, z: 0, pValue: 1, estimate: 0, lower: 0, upper: 0, nx: 0, ny: 0 };

/** Copies `src` into `dst` applying the NaN strategy, sorts, removes outliers; returns the count kept. */
function prepare(src: ArrayLike<number>, dst: Float64Array, replace: boolean, outlierFactor: number): number {
  const len = src.length;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const v = src[i];
    if (v - v === 0) dst[n++] = v; // finite
    else if (replace) dst[n++] = 0;
  }
  sortPrefix(dst, n);
  if (outlierFactor > 0 && n > 0) {
    const q1 = quantile7(dst, n, 0.25);
    const q3 = quantile7(dst, n, 0.75);
    const iqr = q3 - q1;
    const lo = q1 - outlierFactor * iqr;
    const hi = q3 + outlierFactor * iqr;
    let start = 0;
    while (start < n && dst[start] < lo) start++;
    let end = n;
    while (end > start && dst[end - 1] > hi) end--;
    if (start > 0) dst.copyWithin(0, start, end);
    n = end - start;
  }
  return n;
}

/** Quantile of sorted a[0..n), type 7 (R's and Apache Commons Math's R_7 default): linear interpolation. */
function quantile7(a: Float64Array, n: number, p: number): number {
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hiIdx = lo + 1 < n ? lo + 1 : n - 1;
  return a[lo] + (h - lo) * (a[hiIdx] - a[lo]);
}

function sumPrefix(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i];
  return s;
}

interface SampleStats {
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
}

function statsOf(a: Float64Array, n: number): SampleStats {
  if (n === 0) return { count: 0, mean: 0, median: 0, min: 0, max: 0 };
  const mid = n >> 1;
  return {
    count: n,
    mean: sumPrefix(a, n) / n,
    median: n & 1 ? a[mid] : (a[mid - 1] + a[mid]) / 2,
    min: a[0],
    max: a[n - 1],
  };
}

// ---------------------------------------------------------------------------------------------------------
// The outlier guard

let bufG = new Float64Array(256);
/** What the last guardControl call did, for the reasons (no allocation per call). */
const fence = { lo: 0, hi: 0, min: 0, max: 0, high: 0, low: 0 };

/** Mean and sample standard deviation of a[from..to) (two passes; the mean of huge values must not overflow). */
function meanSd(a: Float64Array, from: number, to: number): { mean: number; sd: number } {
  const m = to - from;
  let mean = 0;
  for (let i = from; i < to; i++) mean += a[i] / m;
  let ss = 0;
  for (let i = from; i < to; i++) {
    const d = (a[i] - mean) / m;
    ss += d * d;
  }
  return { mean, sd: Math.sqrt((ss * m * m) / (m - 1)) };
}

/**
 * The outlier guard on one side of the sorted control c[0..nc): for j = r..1 (r = max(1, floor(nc / 10))), are the j
 * most extreme values all beyond the fence the other nc - j values predict, mean +- guardFence x sd x sqrt(1 + 1/m)
 * (m = nc - j values, at least guardMinRest)? The first j that holds is clamped to that fence. Writes into
 * out[0..nc) (sorted, as clamping is monotone) and returns the number clamped.
 */
function guardSide(c: Float64Array, nc: number, out: Float64Array, high: boolean): number {
  const r = Math.max(1, Math.floor(nc / 10));
  for (let j = r; j >= 1; j--) {
    const m = nc - j;
    if (m < KAYENTA_DEFAULTS.guardMinRest) continue;
    const from = high ? 0 : j;
    const { mean, sd } = meanSd(c, from, from + m);
    const width = KAYENTA_DEFAULTS.guardFence * sd * Math.sqrt(1 + 1 / m);
    if (!(width < Infinity)) continue;
    if (high) {
      const hi = mean + width;
      if (!(c[nc - j] > hi)) continue;
      for (let i = nc - j; i < nc; i++) out[i] = hi;
      fence.hi = hi;
      fence.max = c[nc - 1];
    } else {
      const lo = mean - width;
      if (!(c[j - 1] < lo)) continue;
      for (let i = 0; i < j; i++) out[i] = lo;
      fence.lo = lo;
      fence.min = c[0];
    }
    return j;
  }
  return 0;
}

/** The outlier guard on the control (see guardSide), on the sides asked; returns the number of values clamped. */
function guardControl(c: Float64Array, nc: number, high: boolean, low: boolean, out: Float64Array): number {
  if (!high && !low) return 0;
  for (let i = 0; i < nc; i++) out[i] = c[i];
  fence.high = high ? guardSide(c, nc, out, true) : 0;
  fence.low = low ? guardSide(c, nc, out, false) : 0;
  return fence.high + fence.low;
}

const fmt = (x: number) => (Math.abs(x) >= 1e6 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(4))));

/** Reason text for the control values the last guardControl call clamped. */
function clampNote(): string {
  const parts: string[] = [];
  const n = (k: number) => `${k} control value${k === 1 ? '' : 's'}`;
  if (fence.high > 0) parts.push(`${n(fence.high)} above ${fmt(fence.hi)} (max ${fmt(fence.max)})`);
  if (fence.low > 0) parts.push(`${n(fence.low)} below ${fmt(fence.lo)} (min ${fmt(fence.min)})`);
  return `outlier guard: ${parts.join(' and ')} clamped to the fence the other control values predict`;
}

function result(
  name: string,
  classification: MetricClassification,
  reason: string,
  ratio: number,
  nc: number,
  ne: number,
  critical: boolean,
  ran: boolean,
  clamped = 0,
): KayentaMetricResult {
  return {
    name,
    classification,
    reason,
    estimate: ran ? mw.estimate : 0,
    lower: ran ? mw.lower : 0,
    upper: ran ? mw.upper : 0,
    pValue: ran ? mw.pValue : 1,
    ratio,
    controlCount: nc,
    experimentCount: ne,
    critical,
    clampedControl: clamped,
  };
}

/**
 * Kayenta's compare(): interval clear of +-tolerance |estimate| in an allowed direction, and the effect-size gate
 * crossed. A gate that cannot be measured (`gateOk` false: a mean that is not positive, or a ratio that is not
 * finite) does not veto the test, as Kayenta ignores a NaN effect size.
 */
function compare(direction: MetricDirection, tolerance: number, ratio: number, gateOk: boolean, inc: number, dec: number): MetricClassification {
  const crit = tolerance * Math.abs(mw.estimate);
  if (direction !== 'decrease' && mw.lower > crit && (!gateOk || ratio >= inc)) return 'High';
  if (direction !== 'increase' && mw.upper < -crit && (!gateOk || ratio <= dec)) return 'Low';
  return 'Pass';
}

/** One run of the test and the gates on sorted samples; leaves the test in `mw`. */
interface Decision {
  cls: MetricClassification;
  /** A critical failure (the metric is critical and fails the canary). */
  critical: boolean;
  ratio: number;
  /** Non-finite statistics (differences of huge values overflowed). */
  overflow: boolean;
}

function decide(m: KayentaMetric, ctrl: Float64Array, nc: number, ne: number, tolerance: number, zq: number): Decision {
  mannWhitneySorted(bufE, ne, ctrl, nc, zq, true, mw);
  const critical = m.critical === true;
  if (!(Number.isFinite(mw.estimate) && Number.isFinite(mw.lower) && Number.isFinite(mw.upper))) {
    return { cls: 'Nodata', critical, ratio: 1, overflow: true };
  }
  const meanC = sumPrefix(ctrl, nc) / nc;
  const meanE = sumPrefix(bufE, ne) / ne;
  const ratio = meanC === 0 ? 1 : meanE / meanC;
  const gateOk = meanC > 0 && meanE > 0 && Number.isFinite(ratio);
  const es = m.effectSize;
  const cls = compare(m.direction, tolerance, ratio, gateOk, es?.allowedIncrease ?? 1, es?.allowedDecrease ?? 1);
  if (critical) {
    const cInc = es?.criticalIncrease ?? 1;
    const cDec = es?.criticalDecrease ?? 1;
    if (cInc !== 1 || cDec !== 1) {
      const ccls = compare(m.direction, tolerance, ratio, gateOk, cInc, cDec);
      if (ccls !== 'Pass') return { cls: ccls, critical: true, ratio, overflow: false };
    } else if (cls !== 'Pass') {
      return { cls, critical: true, ratio, overflow: false };
    }
  }
  return { cls, critical: false, ratio, overflow: false };
}

const severity = (d: Decision) => (d.critical ? 2 : d.cls === 'Pass' ? 0 : 1);

/**
 * Classifies one metric. Reads the scratch buffers; when `stats` is given, fills it with the descriptive
 * statistics of the transformed samples (for the RemoteJudge answer).
 */
function classify(
  m: KayentaMetric,
  tolerance: number,
  zq: number,
  guard: boolean,
  stats?: { control?: SampleStats; experiment?: SampleStats },
): KayentaMetricResult {
  const c = m.control;
  const e = m.experiment;
  if (bufC.length < c.length) bufC = new Float64Array(Math.max(c.length, bufC.length * 2));
  if (bufE.length < e.length) bufE = new Float64Array(Math.max(e.length, bufE.length * 2));
  const replace = m.nanStrategy === 'replace';
  const o = m.outliers;
  const factor = o !== undefined && o.strategy === 'remove' ? (o.outlierFactor ?? KAYENTA_DEFAULTS.outlierFactor) : 0;
  const nc = prepare(c, bufC, replace, factor);
  const ne = prepare(e, bufE, replace, factor);
  if (stats) {
    stats.control = statsOf(bufC, nc);
    stats.experiment = statsOf(bufE, ne);
  }
  const critical = m.critical === true;
  const name = m.name;

  if (nc === 0 || ne === 0) {
    // Also with nanStrategy 'replace': it fills gaps in a series with 0, it cannot stand in for a series that is
    // absent (Kayenta passes this case).
    const which = nc === 0 && ne === 0 ? 'experiment and control' : ne === 0 ? 'experiment' : 'control';
    return result(name, 'Nodata', `Missing data for the ${which}`, 1, nc, ne, critical, false);
  }
  if (nc === ne) {
    let same = true;
    for (let i = 0; i < nc; i++) {
      if (bufC[i] !== bufE[i]) {
        same = false;
        break;
      }
    }
    if (same) return result(name, 'Pass', 'The experiment and control data are identical', 1, nc, ne, false, false);
  }
  const v = bufC[0];
  if (bufC[nc - 1] === v && bufE[0] === v && bufE[ne - 1] === v) {
    return result(name, 'Pass', 'The experiment and control data have a single distinct value', 1, nc, ne, false, false);
  }

  // Kayenta's test on the data as given; then, if the guard clamps control values, the same test on the guarded
  // control, and the more severe of the two stands (the guard can only count against the canary).
  let d = decide(m, bufC, nc, ne, tolerance, zq);
  let note = '';
  const high = guard && m.direction !== 'decrease';
  const low = guard && m.direction !== 'increase';
  if (bufG.length < nc) bufG = new Float64Array(Math.max(nc, bufG.length * 2));
  const k = guardControl(bufC, nc, high, low, bufG);
  if (k > 0) {
    note = clampNote();
    const saved = { ...mw };
    const g = decide(m, bufG, nc, ne, tolerance, zq);
    if (severity(g) > severity(d)) d = g;
    else Object.assign(mw, saved);
  }
  const why = (base: string) => (note === '' ? base : base === '' ? note : `${base}; ${note}`);
  if (d.overflow) return result(name, 'Nodata', why('The values are too large to compare (their differences overflow)'), 1, nc, ne, d.critical, false, k);
  const reason = d.cls === 'Pass' ? '' : `${name} was classified as ${d.cls}`;
  return result(name, d.cls, why(reason), d.ratio, nc, ne, d.critical, true, k);
}

// ---------------------------------------------------------------------------------------------------------
// Scoring (WeightedSumScorer + ThresholdScoreClassifier)

function groupsOf(m: KayentaMetric): readonly string[] | string {
  if (m.groups !== undefined && m.groups.length > 0) return m.groups;
  return m.group ?? KAYENTA_DEFAULTS.defaultGroup;
}

function addToGroup(names: string[], passes: number[], totals: number[], g: string, ok: boolean): void {
  let k = names.indexOf(g);
  if (k < 0) {
    k = names.length;
    names.push(g);
    passes.push(0);
    totals.push(0);
  }
  totals[k]++;
  if (ok) passes[k]++;
}

function score(
  metrics: readonly KayentaMetric[],
  results: KayentaMetricResult[],
  pass: number,
  marginal: number,
  weights: Readonly<Record<string, number>> | undefined,
  warnings: string[],
): KayentaVerdict {
  const names: string[] = [];
  const passes: number[] = [];
  const totals: number[] = [];
  let nodata = 0;
  let criticalFailure: KayentaMetricResult | undefined;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const ok = r.classification === 'Pass';
    if (r.classification === 'Nodata') nodata++;
    if (r.critical && !ok && criticalFailure === undefined) criticalFailure = r;
    const g = groupsOf(metrics[i]);
    if (typeof g === 'string') addToGroup(names, passes, totals, g, ok);
    else for (let j = 0; j < g.length; j++) addToGroup(names, passes, totals, g[j], ok);
  }
  const groupScores: KayentaGroupScore[] = new Array(names.length);
  for (let k = 0; k < names.length; k++) groupScores[k] = { name: names[k], score: (100 * passes[k]) / totals[k] };

  if (criticalFailure !== undefined) {
    const reason = `Canary Failed: critical metric ${criticalFailure.name} was classified as ${criticalFailure.classification}`;
    return { score: 0, classification: 'Fail', reason, metrics: results, groupScores, warnings };
  }
  if (nodata * 2 >= results.length) {
    const reason =
      results.length === 0
        ? 'Canary Failed: no metrics to judge'
        : `Canary Failed: ${nodata} of ${results.length} metrics have no data (half or more)`;
    return { score: 0, classification: 'Fail', reason, metrics: results, groupScores, warnings };
  }

  let summary = 0;
  if (weights === undefined) {
    for (let k = 0; k < names.length; k++) summary += groupScores[k].score;
    summary /= names.length;
  } else {
    let specified = 0;
    for (const key in weights) specified += weights[key];
    let unspecifiedGroups = 0;
    for (let k = 0; k < names.length; k++) if (!Object.hasOwn(weights, names[k])) unspecifiedGroups++;
    const share = unspecifiedGroups > 0 ? Math.max(0, 100 - specified) / unspecifiedGroups : 0;
    let wsum = 0;
    for (let k = 0; k < names.length; k++) {
      const w = Object.hasOwn(weights, names[k]) ? weights[names[k]] : share;
      wsum += w;
      summary += w * groupScores[k].score;
    }
    if (wsum > 0) summary /= wsum;
    else {
      warnings.push('every group present has weight 0: groups weighted equally instead');
      summary = 0;
      for (let k = 0; k < names.length; k++) summary += groupScores[k].score;
      summary /= names.length;
    }
  }
  // Weights that overflow (a weight near the largest double) give no score at all: never a Pass.
  if (!Number.isFinite(summary)) {
    return { score: 0, classification: 'Fail', reason: `Canary Failed: the weighted summary score is not a number (${summary}): check classifier.groupWeights`, metrics: results, groupScores, warnings };
  }
  const classification: SummaryClassification = summary >= pass ? 'Pass' : summary >= marginal ? 'Marginal' : 'Fail';
  return { score: summary, classification, reason: '', metrics: results, groupScores, warnings };
}

// ---------------------------------------------------------------------------------------------------------
// Fast numeric API

const DIRECTIONS: ReadonlySet<string> = new Set(['increase', 'decrease', 'either']);

function badArg(message: string, field: string): never {
  throw new RolloutlabError('BAD_ARGUMENT', message, field);
}

function checkNumber(v: unknown, field: string, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || (hiOpen ? v >= hi : v > hi)) {
    badArg(`${field} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${show(v)}`, field);
  }
  return v;
}

/**
 * Kayenta's judgement of a canary from per-metric control/experiment samples. Deterministic; the per-metric
 * work is allocation-free apart from the result objects. Throws RolloutlabError('BAD_ARGUMENT') for a bad
 * option or metric definition.
 */
export function judgeMetrics(metrics: readonly KayentaMetric[], opts: KayentaOptions = {}): KayentaVerdict {
  const pass = opts.pass === undefined ? KAYENTA_DEFAULTS.pass : checkNumber(opts.pass, 'pass', -Infinity, Infinity);
  const marginal =
    opts.marginal === undefined ? KAYENTA_DEFAULTS.marginal : checkNumber(opts.marginal, 'marginal', -Infinity, Infinity);
  const tolerance =
    opts.tolerance === undefined ? KAYENTA_DEFAULTS.tolerance : checkNumber(opts.tolerance, 'tolerance', 0, Infinity);
  const confidence =
    opts.confidence === undefined ? KAYENTA_DEFAULTS.confidence : checkNumber(opts.confidence, 'confidence', 0, 1, true, true);
  if (opts.groupWeights !== undefined) {
    for (const k in opts.groupWeights) checkNumber(opts.groupWeights[k], `groupWeights.${k}`, 0, Infinity);
  }
  if (opts.guard !== undefined && typeof opts.guard !== 'boolean') badArg(`guard must be true or false, got ${show(opts.guard)}`, 'guard');
  const guard = opts.guard !== false;
  const zq = criticalZ(confidence);
  const results: KayentaMetricResult[] = new Array(metrics.length);
  const warnings: string[] = [];
  const minPoints = KAYENTA_DEFAULTS.minDataPoints;
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i];
    if (!DIRECTIONS.has(m.direction)) badArg(`direction must be increase, decrease or either, got ${show(m.direction)}`, `metrics[${i}].direction`);
    if (m.control == null || typeof m.control.length !== 'number') badArg('control must be an array of numbers', `metrics[${i}].control`);
    if (m.experiment == null || typeof m.experiment.length !== 'number') badArg('experiment must be an array of numbers', `metrics[${i}].experiment`);
    const r = classify(m, tolerance, zq, guard);
    results[i] = r;
    if (r.controlCount < minPoints || r.experimentCount < minPoints) {
      warnings.push(
        `${m.name}: ${r.controlCount} control and ${r.experimentCount} experiment data points (Kayenta warns below ${minPoints})`,
      );
    }
  }
  return score(metrics, results, pass, marginal, opts.groupWeights, warnings);
}

// ---------------------------------------------------------------------------------------------------------
// Kayenta-shaped API (RemoteJudge contract)

export interface KayentaCanaryAnalysisConfig {
  direction?: MetricDirection;
  critical?: boolean;
  nanStrategy?: NanStrategy;
  outliers?: OutlierConfig;
  effectSize?: EffectSizeConfig;
  [key: string]: unknown;
}

export interface KayentaCanaryMetricConfig {
  name: string;
  groups?: string[];
  analysisConfigurations?: { canary?: KayentaCanaryAnalysisConfig; [key: string]: unknown };
  [key: string]: unknown;
}

export interface KayentaCanaryConfig {
  metrics: KayentaCanaryMetricConfig[];
  classifier?: { groupWeights?: Record<string, number>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface KayentaScope {
  startTimeIso?: string;
  startTimeMillis?: number;
  stepMillis?: number;
  [key: string]: unknown;
}

/** One metric's time series for both sides. Values: numbers; null or "NaN" (Jackson's NaN) = missing. */
export interface KayentaMetricSetPair {
  name: string;
  id?: string;
  tags?: Record<string, string>;
  values: { control: (number | null | string)[]; experiment: (number | null | string)[] };
  scopes?: { control?: KayentaScope; experiment?: KayentaScope };
  attributes?: Record<string, unknown>;
}

export interface KayentaJudgeRequest {
  canaryConfig: KayentaCanaryConfig;
  scoreThresholds: { pass: number; marginal: number };
  metricSetPairList: KayentaMetricSetPair[];
}

export interface KayentaMetricStats {
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
}

export interface KayentaAnalysisResult {
  name: string;
  id?: string;
  tags: Record<string, string>;
  classification: MetricClassification;
  /** null for a plain Pass, as Kayenta (reason.orNull). */
  classificationReason: string | null;
  groups: string[];
  experimentMetadata: { stats: KayentaMetricStats };
  controlMetadata: { stats: KayentaMetricStats };
  resultMetadata: { ratio: number };
  critical: boolean;
  muted: boolean;
}

export interface KayentaJudgeResult {
  judgeName: string;
  results: KayentaAnalysisResult[];
  groupScores: KayentaGroupScore[];
  score: { score: number; classification: SummaryClassification; classificationReason: string };
}

function bad(message: string, field?: string): never {
  throw new RolloutlabError('BAD_DATA', message, field);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalObject(parent: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) bad(`${path} must be an object, got ${show(v)}`, path);
  return v;
}

function optionalEnum<T extends string>(parent: Record<string, unknown>, key: string, path: string, allowed: readonly T[]): T | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    bad(`${path} must be one of ${allowed.join(', ')}, got ${show(v)}`, path);
  }
  return v as T;
}

function optionalPositive(parent: Record<string, unknown>, key: string, path: string): number | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(`${path} must be a positive number, got ${show(v)}`, path);
  return v;
}

function requiredNumber(parent: Record<string, unknown>, key: string, path: string): number {
  const v = parent[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${path} must be a number, got ${show(v)}`, path);
  return v;
}

interface ParsedMetricConfig {
  groups: string[];
  direction: MetricDirection;
  critical: boolean;
  nanStrategy: NanStrategy;
  /** Negative values are allowed (our extension; by default a negative value is a bad request). */
  allowNegative: boolean;
  outliers?: OutlierConfig;
  effectSize?: EffectSizeConfig;
}

function parseMetricConfig(raw: unknown, path: string): { name: string; cfg: ParsedMetricConfig } {
  if (!isObject(raw)) bad(`${path} must be an object, got ${show(raw)}`, path);
  const name = raw.name;
  if (typeof name !== 'string' || name === '') bad(`${path}.name must be a non-empty string, got ${show(name)}`, `${path}.name`);
  let groups: string[] = [];
  if (raw.groups !== undefined && raw.groups !== null) {
    if (!Array.isArray(raw.groups)) bad(`${path}.groups must be an array of strings, got ${show(raw.groups)}`, `${path}.groups`);
    raw.groups.forEach((g, k) => {
      if (typeof g !== 'string' || g === '') bad(`${path}.groups[${k}] must be a non-empty string, got ${show(g)}`, `${path}.groups[${k}]`);
    });
    groups = raw.groups as string[];
  }
  const ac = optionalObject(raw, 'analysisConfigurations', `${path}.analysisConfigurations`);
  const cp = `${path}.analysisConfigurations.canary`;
  const canary = ac ? optionalObject(ac, 'canary', cp) : undefined;
  const cfg: ParsedMetricConfig = { groups, direction: 'either', critical: false, nanStrategy: 'remove', allowNegative: false };
  if (canary) {
    cfg.direction = optionalEnum(canary, 'direction', `${cp}.direction`, ['increase', 'decrease', 'either'] as const) ?? 'either';
    const crit = canary.critical;
    if (crit !== undefined && crit !== null && typeof crit !== 'boolean') bad(`${cp}.critical must be true or false, got ${show(crit)}`, `${cp}.critical`);
    cfg.critical = crit === true;
    cfg.nanStrategy = optionalEnum(canary, 'nanStrategy', `${cp}.nanStrategy`, ['remove', 'replace'] as const) ?? 'remove';
    const neg = canary.allowNegative;
    if (neg !== undefined && neg !== null && typeof neg !== 'boolean') bad(`${cp}.allowNegative must be true or false, got ${show(neg)}`, `${cp}.allowNegative`);
    cfg.allowNegative = neg === true;
    const out = optionalObject(canary, 'outliers', `${cp}.outliers`);
    if (out) {
      cfg.outliers = {
        strategy: optionalEnum(out, 'strategy', `${cp}.outliers.strategy`, ['remove', 'keep', 'none'] as const) ?? 'keep',
        outlierFactor: optionalPositive(out, 'outlierFactor', `${cp}.outliers.outlierFactor`),
      };
    }
    const es = optionalObject(canary, 'effectSize', `${cp}.effectSize`);
    if (es) {
      optionalEnum(es, 'measure', `${cp}.effectSize.measure`, ['meanRatio'] as const);
      cfg.effectSize = {
        allowedIncrease: optionalPositive(es, 'allowedIncrease', `${cp}.effectSize.allowedIncrease`),
        allowedDecrease: optionalPositive(es, 'allowedDecrease', `${cp}.effectSize.allowedDecrease`),
        criticalIncrease: optionalPositive(es, 'criticalIncrease', `${cp}.effectSize.criticalIncrease`),
        criticalDecrease: optionalPositive(es, 'criticalDecrease', `${cp}.effectSize.criticalDecrease`),
      };
    }
  }
  return { name, cfg };
}

/**
 * A pair's values: numbers; null or "NaN" (Jackson's NaN) are missing. A value that cannot be a measurement is a bad
 * request naming it: infinite ("Infinity", "-Infinity", or a number too large for a double), or negative unless the
 * metric allows it (`allowNegative`). Leaving such a value out, as Kayenta does with a NaN, could hide a broken canary.
 */
function parseValues(raw: unknown, path: string, metric: string, allowNegative: boolean): Float64Array {
  if (!Array.isArray(raw)) bad(`${path} must be an array of numbers, got ${show(raw)}`, path);
  const out = new Float64Array(raw.length);
  for (let k = 0; k < raw.length; k++) {
    const v = raw[k];
    const f = `${path}[${k}]`;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad(`${f} is not a finite number (got ${show(v)}): an overflowed value cannot be judged; send a finite value, or null for a missing one`, f);
      if (v < 0 && !allowNegative) {
        bad(`${f} is negative (${v}): metric ${show(metric)} cannot go below 0; if it can, set analysisConfigurations.canary.allowNegative: true in its canary config`, f);
      }
      out[k] = v;
    } else if (v === null || v === 'NaN') out[k] = NaN;
    else if (v === 'Infinity' || v === '-Infinity') bad(`${f} is ${v}: an infinite value cannot be judged; send a finite value, or null for a missing one`, f);
    else bad(`${f} must be a number, null or "NaN", got ${show(v)}`, f);
  }
  return out;
}

/**
 * Kayenta's RemoteJudge: judges a `metricSetPairList` against the `canaryConfig` as NetflixACAJudge does
 * (tolerance 0.25, confidence 0.98) and answers in Kayenta's judge-result shape. Throws
 * RolloutlabError('BAD_DATA', ..., field) for malformed input, `field` being the JSON path of the bad value.
 */
export function judgeRemote(request: KayentaJudgeRequest, opts: { judgeName?: string } = {}): KayentaJudgeResult {
  const req = request as unknown;
  if (!isObject(req)) bad(`the judge request must be a JSON object, got ${show(req)}`);
  const cc = req.canaryConfig;
  if (!isObject(cc)) bad(`canaryConfig must be an object, got ${show(cc)}`, 'canaryConfig');
  if (!Array.isArray(cc.metrics)) bad(`canaryConfig.metrics must be an array, got ${show(cc.metrics)}`, 'canaryConfig.metrics');
  const configs = new Map<string, ParsedMetricConfig>();
  cc.metrics.forEach((m, k) => {
    const { name, cfg } = parseMetricConfig(m, `canaryConfig.metrics[${k}]`);
    if (!configs.has(name)) configs.set(name, cfg); // first wins, as Kayenta's find()
  });
  let groupWeights: Record<string, number> | undefined;
  const classifier = optionalObject(cc, 'classifier', 'canaryConfig.classifier');
  if (classifier) {
    const gw = optionalObject(classifier, 'groupWeights', 'canaryConfig.classifier.groupWeights');
    if (gw) {
      for (const [g, w] of Object.entries(gw)) {
        const p = `canaryConfig.classifier.groupWeights.${g}`;
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) bad(`${p} must be a non-negative number, got ${show(w)}`, p);
      }
      groupWeights = gw as Record<string, number>;
    }
  }
  const st = req.scoreThresholds;
  if (!isObject(st)) bad(`scoreThresholds must be an object with pass and marginal, got ${show(st)}`, 'scoreThresholds');
  const pass = requiredNumber(st, 'pass', 'scoreThresholds.pass');
  const marginal = requiredNumber(st, 'marginal', 'scoreThresholds.marginal');
  if (marginal > pass) bad(`scoreThresholds.marginal (${marginal}) must not exceed scoreThresholds.pass (${pass})`, 'scoreThresholds.marginal');
  const list = req.metricSetPairList;
  if (!Array.isArray(list)) bad(`metricSetPairList must be an array, got ${show(list)}`, 'metricSetPairList');

  const metrics: KayentaMetric[] = [];
  const pairs: { id?: string; tags: Record<string, string>; groups: string[] }[] = [];
  list.forEach((pair, k) => {
    const path = `metricSetPairList[${k}]`;
    if (!isObject(pair)) bad(`${path} must be an object, got ${show(pair)}`, path);
    const name = pair.name;
    if (typeof name !== 'string' || name === '') bad(`${path}.name must be a non-empty string, got ${show(name)}`, `${path}.name`);
    const cfg = configs.get(name);
    if (!cfg) bad(`${path}.name: no metric named ${show(name)} in canaryConfig.metrics`, `${path}.name`);
    const values = pair.values;
    if (!isObject(values)) bad(`${path}.values must be an object with control and experiment, got ${show(values)}`, `${path}.values`);
    const control = parseValues(values.control, `${path}.values.control`, name, cfg.allowNegative);
    const experiment = parseValues(values.experiment, `${path}.values.experiment`, name, cfg.allowNegative);
    if (pair.id !== undefined && pair.id !== null && typeof pair.id !== 'string') bad(`${path}.id must be a string, got ${show(pair.id)}`, `${path}.id`);
    const tags = pair.tags === undefined || pair.tags === null ? {} : pair.tags;
    if (!isObject(tags)) bad(`${path}.tags must be an object, got ${show(tags)}`, `${path}.tags`);
    metrics.push({
      name,
      direction: cfg.direction,
      critical: cfg.critical,
      groups: cfg.groups,
      control,
      experiment,
      nanStrategy: cfg.nanStrategy,
      outliers: cfg.outliers,
      effectSize: cfg.effectSize,
    });
    pairs.push({ id: typeof pair.id === 'string' ? pair.id : undefined, tags: tags as Record<string, string>, groups: cfg.groups });
  });
  // A metric the canary config lists but no pair carries has no data: Nodata (a critical one fails the canary).
  // Kayenta never builds such a request itself, so it has no rule for it; leaving the metric out would pass on
  // missing evidence.
  const judged = new Set(metrics.map((m) => m.name));
  const missing = new Set<string>();
  for (const [name, cfg] of configs) {
    if (judged.has(name)) continue;
    missing.add(name);
    metrics.push({ name, direction: cfg.direction, critical: cfg.critical, groups: cfg.groups, control: [], experiment: [], nanStrategy: cfg.nanStrategy });
    pairs.push({ tags: {}, groups: cfg.groups });
  }

  const zq = criticalZ(KAYENTA_DEFAULTS.confidence);
  const stats: { control?: SampleStats; experiment?: SampleStats }[] = [];
  const results = metrics.map((m) => {
    const s: { control?: SampleStats; experiment?: SampleStats } = {};
    const r = classify(m, KAYENTA_DEFAULTS.tolerance, zq, true, s);
    stats.push(s);
    if (missing.has(m.name)) r.reason = `Missing data: canaryConfig.metrics lists ${m.name} but metricSetPairList has no pair for it`;
    return r;
  });
  const verdict = score(metrics, results, pass, marginal, groupWeights, []);
  return {
    judgeName: opts.judgeName ?? KAYENTA_JUDGE_NAME,
    results: results.map((r, k) => {
      const out: KayentaAnalysisResult = {
        name: r.name,
        tags: pairs[k].tags,
        classification: r.classification,
        classificationReason: r.reason === '' ? null : r.reason,
        groups: pairs[k].groups,
        experimentMetadata: { stats: stats[k].experiment! },
        controlMetadata: { stats: stats[k].control! },
        resultMetadata: { ratio: r.ratio },
        critical: r.critical,
        muted: false,
      };
      if (pairs[k].id !== undefined) out.id = pairs[k].id;
      return out;
    }),
    groupScores: verdict.groupScores,
    score: { score: verdict.score, classification: verdict.classification, classificationReason: verdict.reason },
  };
}
