// Streaming anomaly detectors: one value at a time, a score in [0, 1] back, deterministic, and the whole state
// as plain JSON so a saved-and-restored detector continues with identical scores. See docs/anomaly.md.
//
//   const d = createDetector();              // the default ('contextual')
//   for (const x of stream) if (d.update(x) >= 0.5) alarm();
//   const saved = JSON.stringify(d);         // toJSON()
//   const again = restoreDetector(JSON.parse(saved));
//
// Detectors:
// - `contextual` (default): a quantised-context novelty score and a robust (median/IQR) residual score, each
//   turned into an anomaly likelihood (tail probability of its (short-term average) value against its own
//   long-term distribution, as HTM does), combined by max, mapped to [0, 1) by L / (L + 5) with L = -log10 of the
//   tail probability (0.5 = 1e-5), and reported only when it is a new maximum over the suppression span (so one
//   anomaly gives one detection, not a burst; the other rows of the span score 0).
// - `robust-z`: the residual part alone (no context memory).
// - `windowed-gaussian`: NAB's "Windowed Gaussian" baseline (6,400-value window moved in steps of 100).
// - `art`: fuzzy-ART (ARTime-style) window novelty beside the contextual context novelty (training/anomaly/art.ts).
// - `cad`: a streaming port of CAD OSE's context memory (its raw score as an anomaly likelihood) beside the contextual
//   context novelty (training/anomaly/cad.ts).
// - `forecast`: an online seasonal (Holt-Winters) forecaster's residual as an anomaly likelihood beside the contextual
//   detector's surprises (training/anomaly/forecast.ts).
import { RolloutlabError, show } from '../lib/errors.ts';
import { logErfc } from '../sim/stats.ts';
import { ArtDetector, ART_DEFAULTS, type ArtOptions } from './art.ts';
import { CadDetector, CAD_DEFAULTS, type CadOptions } from './cad.ts';
import { ForecastDetector, FORECAST_DEFAULTS, type ForecastOptions } from './forecast.ts';

export interface AnomalyDetector {
  readonly name: DetectorName;
  /**
   * Feeds the next value and returns its anomaly score in [0, 1] (0 during the warm-up). `timestampMs` is the
   * value's time: `forecast` learns its daily season from it; the others score by position and ignore it. A
   * non-finite value is not learnt and scores 0.
   */
  update(value: number, timestampMs?: number): number;
  /** The complete state (options included) as plain JSON. */
  toJSON(): DetectorState;
}

export interface DetectorState {
  detector: DetectorName;
  version: number;
  options: Record<string, number>;
  state: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// numerics

/** Complementary error function. */
export function erfc(x: number): number {
  const r = Math.exp(logErfc(x));
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal, Q(z) = P(Z > z). */
export const normalTail = (z: number): number => 0.5 * erfc(z / Math.SQRT2);

/** -log10 Q(z) for z >= 0 (the "surprise" in decimal digits), without underflow for large z. */
export function normalSurprise(z: number): number {
  if (z <= 0) return -Math.log10(normalTail(z));
  return -(Math.LN2 * -1 + logErfc(z / Math.SQRT2)) / Math.LN10;
}

/** Score of a surprise of L decimal digits: L / (L + 5), so 0.5 at a tail probability of 1e-5 (HTM's red level), never 1. */
export const surpriseScore = (L: number): number => (L > 0 ? L / (L + 5) : 0);

/** Sliding window of the last `size` values kept sorted (binary search + memmove: O(size) memmove, cheap for a few hundred). */
export class SortedWindow {
  readonly size: number;
  ring: Float64Array;
  sorted: Float64Array;
  count = 0;
  head = 0;
  constructor(size: number) {
    this.size = size;
    this.ring = new Float64Array(size);
    this.sorted = new Float64Array(size);
  }
  private lowerBound(x: number, n: number): number {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  push(x: number): void {
    let n = this.count;
    if (n === this.size) {
      const old = this.ring[this.head];
      const k = this.lowerBound(old, n);
      this.sorted.copyWithin(k, k + 1, n);
      n--;
    } else this.count++;
    const k = this.lowerBound(x, n);
    this.sorted.copyWithin(k + 1, k, n);
    this.sorted[k] = x;
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.size;
  }
  /** Quantile by linear interpolation between order statistics (q in [0, 1]). */
  quantile(q: number): number {
    const n = this.count;
    const pos = q * (n - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    return i + 1 < n ? this.sorted[i] * (1 - f) + this.sorted[i + 1] * f : this.sorted[i];
  }
  save() {
    return { ring: Array.from(this.ring.subarray(0, this.count)), count: this.count, head: this.head };
  }
  load(st: { ring: number[]; count: number; head: number }): void {
    this.ring.set(st.ring);
    this.count = st.count;
    this.head = st.head;
    this.sorted.set(st.ring);
    this.sorted.subarray(0, st.count).sort();
  }
}

/** Mean and standard deviation of the last `size` values (running sums, re-summed every `size` pushes). */
class RollingMoments {
  readonly size: number;
  ring: Float64Array;
  count = 0;
  head = 0;
  sum = 0;
  sumSq = 0;
  sinceResum = 0;
  constructor(size: number) {
    this.size = size;
    this.ring = new Float64Array(size);
  }
  push(x: number): void {
    if (this.count === this.size) {
      const old = this.ring[this.head];
      this.sum -= old;
      this.sumSq -= old * old;
    } else this.count++;
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.size;
    this.sum += x;
    this.sumSq += x * x;
    if (++this.sinceResum >= this.size) {
      this.sinceResum = 0;
      let s = 0, q = 0;
      for (let i = 0; i < this.count; i++) {
        const v = this.ring[i];
        s += v;
        q += v * v;
      }
      this.sum = s;
      this.sumSq = q;
    }
  }
  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }
  std(): number {
    if (this.count < 2) return 0;
    const m = this.sum / this.count;
    return Math.sqrt(Math.max(0, this.sumSq / this.count - m * m));
  }
  save() {
    return { ring: Array.from(this.ring.subarray(0, this.count)), count: this.count, head: this.head, sum: this.sum, sumSq: this.sumSq, since: this.sinceResum };
  }
  load(st: { ring: number[]; count: number; head: number; sum: number; sumSq: number; since: number }): void {
    this.ring.set(st.ring);
    this.count = st.count;
    this.head = st.head;
    this.sum = st.sum;
    this.sumSq = st.sumSq;
    this.sinceResum = st.since;
  }
}

/** Sliding maximum of the last `size` pushes (monotone deque; amortised O(1)). */
export class SlidingMax {
  readonly size: number;
  idx: number[] = [];
  val: number[] = [];
  t = 0;
  constructor(size: number) {
    this.size = size;
  }
  /** Max of the values pushed in the last `size` steps, -Infinity if none. */
  max(): number {
    while (this.idx.length && this.idx[0] <= this.t - this.size - 1) {
      this.idx.shift();
      this.val.shift();
    }
    return this.val.length ? this.val[0] : -Infinity;
  }
  push(x: number): void {
    this.t++;
    while (this.val.length && this.val[this.val.length - 1] <= x) {
      this.val.pop();
      this.idx.pop();
    }
    this.val.push(x);
    this.idx.push(this.t);
  }
  save() {
    return { idx: [...this.idx], val: [...this.val], t: this.t };
  }
  load(st: { idx: number[]; val: number[]; t: number }): void {
    this.idx = [...st.idx];
    this.val = [...st.val];
    this.t = st.t;
  }
}

/**
 * Repeat suppression: push score `s` and report it only if it beats every score of the window before it (else 0).
 * One anomaly then gives one detection, and a stronger one within the span still comes through.
 */
export function reportNewMax(recent: SlidingMax, s: number): number {
  const before = recent.max();
  recent.push(s);
  return s > before ? s : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// the anomaly likelihood (HTM's trick)

/**
 * Likelihood of one raw score stream: its moving average over `avg` rows against the mean and standard deviation
 * of that average over the last `history` rows (sd floored at `minStd`); returns the upper tail's surprise
 * -log10 Q(z), 0 when the average is at or below the long-term mean.
 */
export class Likelihood {
  /** The moving average of the raw values (its mean; the spread is not used). */
  ma: RollingMoments;
  hist: RollingMoments;
  minStd: number;
  constructor(avg: number, history: number, minStd: number) {
    this.ma = new RollingMoments(avg);
    this.hist = new RollingMoments(history);
    this.minStd = minStd;
  }
  /** Surprise (-log10 tail probability) of the new raw value against the history before it; then it joins the history. */
  update(raw: number): number {
    this.ma.push(raw);
    const a = this.ma.mean();
    let s = 0;
    if (this.hist.count >= 2) {
      const sd = Math.max(this.hist.std(), this.minStd);
      const z = (a - this.hist.mean()) / sd;
      s = z > 0 ? normalSurprise(z) : 0;
    }
    this.hist.push(a);
    return s;
  }
  save() {
    return { ma: this.ma.save(), hist: this.hist.save() };
  }
  load(st: ReturnType<Likelihood['save']>): void {
    this.ma.load(st.ma);
    this.hist.load(st.hist);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// contextual detector (the default)

export interface ContextualOptions {
  /** Rows scored 0 while the detector learns (its grid comes from these rows). */
  warmup: number;
  /** Quantisation levels across the warm-up range (the step doubles when the range seen outgrows 2x this). */
  bins: number;
  /** Longest context: this many quantised values ending at the current one. */
  contextLength: number;
  /** Robust residual window (median and IQR of the previous rows). */
  residualWindow: number;
  /** Moving average of the raw scores before the likelihood (rows). */
  average: number;
  /** Long-term distribution of the averaged raw scores (rows). */
  history: number;
  /** Floor on the long-term standard deviation of the averaged raw scores. */
  minStd: number;
  /** After a score, only a higher one is reported within this many rows (the rest score 0). */
  suppress: number;
  /** Weight of the context-novelty likelihood (0 = off). */
  contextWeight: number;
  /** Weight of the residual likelihood (0 = off). */
  residualWeight: number;
  /** Cap on remembered contexts; the memory is cleared when it is reached (bounds memory on endless streams). */
  maxContexts: number;
}

export const CONTEXTUAL_DEFAULTS: Readonly<ContextualOptions> = Object.freeze({
  warmup: 150,
  bins: 8,
  contextLength: 2,
  residualWindow: 300,
  average: 1,
  history: 2000,
  minStd: 0.1,
  suppress: 400,
  contextWeight: 1,
  residualWeight: 1,
  maxContexts: 500_000,
});

/** 2: the likelihood's moving average is a RollingMoments (its state gains sumSq); version-1 states are refused. */
const STATE_VERSION = 2;

export class ContextualDetector implements AnomalyDetector {
  readonly name: DetectorName;
  readonly o: ContextualOptions;
  n = 0;
  // quantisation grid and context memory
  warm: number[] = [];
  anchor = NaN;
  step = 0;
  minBin = 0;
  maxBin = 0;
  recent: number[] = [];
  memory = new Map<string, number>();
  window: SortedWindow;
  lkContext: Likelihood;
  lkResidual: Likelihood;
  recentMax: SlidingMax;
  /** The two unweighted surprises of the last `surprise` call (derived, not state). */
  lastContext = 0;
  lastResidual = 0;

  constructor(name: DetectorName, o: ContextualOptions) {
    this.name = name;
    this.o = o;
    this.window = new SortedWindow(o.residualWindow);
    this.lkContext = new Likelihood(o.average, o.history, o.minStd);
    this.lkResidual = new Likelihood(o.average, o.history, o.minStd);
    this.recentMax = new SlidingMax(o.suppress);
  }

  /** Grid from the warm-up rows: anchor at their minimum, `bins` steps across their range. */
  private initGrid(): void {
    let lo = Infinity, hi = -Infinity;
    for (const v of this.warm) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.anchor = lo;
    this.step = hi > lo ? (hi - lo) / this.o.bins : 0;
    this.minBin = 0;
    this.maxBin = 0;
    this.recent = [];
    // The warm-up rows' novelty seeds the context likelihood's history (it was not scored while the grid was unknown).
    for (const v of this.warm) {
      const nv = this.learnContext(v);
      if (this.o.contextWeight) this.lkContext.update(nv);
    }
    this.warm = [];
  }

  /** Halves the resolution (bin b becomes floor(b / 2), exact because the anchor stays) and remaps the memory. */
  private coarsen(): void {
    this.step *= 2;
    const half = (b: number) => Math.floor(b / 2);
    this.minBin = half(this.minBin);
    this.maxBin = half(this.maxBin);
    this.recent = this.recent.map(half);
    const m = new Map<string, number>();
    for (const [k, c] of this.memory) {
      const nk = k.split(',').map((s) => half(Number(s))).join(',');
      m.set(nk, (m.get(nk) ?? 0) + c);
    }
    this.memory = m;
  }

  /** Adds x's bin to the context; returns the share of its suffix contexts (lengths 1..L) never seen before. */
  private learnContext(x: number): number {
    if (this.step === 0) {
      if (x === this.anchor) return 0; // flat so far: nothing new
      this.step = Math.abs(x - this.anchor) / (this.o.bins / 2);
    }
    let b = Math.floor((x - this.anchor) / this.step);
    // A jump so far from the grid that its bin index overflows (or the distance itself does): coarsen until the index is
    // a number again; when even the widest step cannot place it, the value is wholly new and is not learnt. Without
    // this the loop below never ends (an infinite bin range never shrinks).
    while (!Number.isFinite(b) && Number.isFinite(this.step * 2)) {
      this.coarsen();
      b = Math.floor((x - this.anchor) / this.step);
    }
    if (!Number.isFinite(b)) return 1;
    if (b < this.minBin) this.minBin = b;
    if (b > this.maxBin) this.maxBin = b;
    while (this.maxBin - this.minBin + 1 > 2 * this.o.bins) {
      this.coarsen();
      b = Math.floor((x - this.anchor) / this.step);
    }
    this.recent.push(b);
    if (this.recent.length > this.o.contextLength) this.recent.shift();
    if (this.memory.size >= this.o.maxContexts) this.memory.clear();
    // Keys: the last j+1 bins ending at the current one ("b[t-j],...,b[t]"), j = 0..L-1.
    let unseen = 0;
    let key = '';
    const L = this.recent.length;
    for (let j = L - 1; j >= 0; j--) {
      key = j === L - 1 ? String(this.recent[j]) : this.recent[j] + ',' + key;
      const c = this.memory.get(key);
      if (c === undefined) unseen++;
      this.memory.set(key, (c ?? 0) + 1);
    }
    return unseen / this.o.contextLength;
  }

  update(value: number, _timestampMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const L = this.surprise(value);
    const s = this.n <= this.o.warmup ? 0 : surpriseScore(L);
    return reportNewMax(this.recentMax, s);
  }

  /**
   * Learns a finite value and returns its combined surprise L (decimal digits, 0 during the warm-up) before the
   * score map and the repeat suppression (`update` = suppression of surpriseScore(L); the `art` detector reuses it).
   */
  surprise(value: number): number {
    const o = this.o;
    this.n++;
    let novelty = 0;
    if (this.n <= o.warmup) {
      this.warm.push(value);
      if (this.n === o.warmup) this.initGrid();
    } else novelty = this.learnContext(value);

    let residual = 0;
    if (this.window.count >= 10) {
      const med = this.window.quantile(0.5);
      const iqr = this.window.quantile(0.75) - this.window.quantile(0.25);
      const floor = this.step > 0 ? this.step / 4 : Math.abs(med) * 1e-6 + 1e-12;
      residual = Math.abs(value - med) / Math.max(iqr / 1.349, floor);
    }
    this.window.push(value);

    const lc = o.contextWeight && this.n > o.warmup ? this.lkContext.update(novelty) : 0;
    const lr = o.residualWeight ? this.lkResidual.update(Math.log1p(residual)) : 0;
    this.lastContext = lc;
    this.lastResidual = lr;
    return this.n <= o.warmup ? 0 : Math.max(o.contextWeight * lc, o.residualWeight * lr);
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: STATE_VERSION,
      options: { ...this.o },
      state: {
        n: this.n,
        warm: [...this.warm],
        anchor: Number.isNaN(this.anchor) ? null : this.anchor,
        step: this.step,
        minBin: this.minBin,
        maxBin: this.maxBin,
        recent: [...this.recent],
        memory: [...this.memory],
        window: this.window.save(),
        lkContext: this.lkContext.save(),
        lkResidual: this.lkResidual.save(),
        recentMax: this.recentMax.save(),
      },
    };
  }

  load(st: Record<string, any>): void {
    this.n = st.n;
    this.warm = [...st.warm];
    this.anchor = st.anchor === null ? NaN : st.anchor;
    this.step = st.step;
    this.minBin = st.minBin;
    this.maxBin = st.maxBin;
    this.recent = [...st.recent];
    this.memory = new Map(st.memory);
    this.window.load(st.window);
    this.lkContext.load(st.lkContext);
    this.lkResidual.load(st.lkResidual);
    this.recentMax.load(st.recentMax);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// windowed Gaussian (NAB's baseline, nab/detectors/gaussian/windowedGaussian_detector.py)

export interface WindowedGaussianOptions {
  /** Values in the window (NAB: 6400). */
  windowSize: number;
  /** Once full, the window moves forward this many values at a time (NAB: 100). */
  stepSize: number;
}
export const WINDOWED_GAUSSIAN_DEFAULTS: Readonly<WindowedGaussianOptions> = Object.freeze({ windowSize: 6400, stepSize: 100 });

/** Score 1 - Q(|x - mean| / std) against the window's mean and (population) std; 0 for the first value. */
class WindowedGaussianDetector implements AnomalyDetector {
  readonly name: DetectorName = 'windowed-gaussian';
  readonly o: WindowedGaussianOptions;
  window: number[] = [];
  buffer: number[] = [];
  mean = 0;
  std = 1;
  constructor(o: WindowedGaussianOptions) {
    this.o = o;
  }
  private refresh(): void {
    let s = 0;
    for (const v of this.window) s += v;
    const m = s / this.window.length;
    let q = 0;
    for (const v of this.window) q += (v - m) * (v - m);
    this.mean = m;
    this.std = Math.sqrt(q / this.window.length) || 0.000001;
  }
  update(value: number, _timestampMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const score = this.window.length > 0 ? 1 - normalTail(Math.abs(value - this.mean) / this.std) : 0;
    if (this.window.length < this.o.windowSize) {
      this.window.push(value);
      // NAB recomputes after every value while filling; a running sum gives the same mean without O(n) per row.
      this.fillRefresh(value);
    } else {
      this.buffer.push(value);
      if (this.buffer.length === this.o.stepSize) {
        this.window = this.window.slice(this.o.stepSize).concat(this.buffer);
        this.buffer = [];
        this.refresh();
      }
    }
    return score;
  }
  // Welford's running mean and variance while the window fills.
  private fillN = 0;
  private fillMean = 0;
  private fillM2 = 0;
  private fillRefresh(x: number): void {
    this.fillN++;
    const d = x - this.fillMean;
    this.fillMean += d / this.fillN;
    this.fillM2 += d * (x - this.fillMean);
    this.mean = this.fillMean;
    this.std = Math.sqrt(this.fillM2 / this.fillN) || 0.000001;
  }
  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: STATE_VERSION,
      options: { ...this.o },
      state: { window: [...this.window], buffer: [...this.buffer], mean: this.mean, std: this.std, fillN: this.fillN, fillMean: this.fillMean, fillM2: this.fillM2 },
    };
  }
  load(st: Record<string, any>): void {
    this.window = [...st.window];
    this.buffer = [...st.buffer];
    this.mean = st.mean;
    this.std = st.std;
    this.fillN = st.fillN;
    this.fillMean = st.fillMean;
    this.fillM2 = st.fillM2;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// registry

export const DETECTOR_NAMES = ['contextual', 'robust-z', 'windowed-gaussian', 'art', 'cad', 'forecast'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];
export const DEFAULT_DETECTOR: DetectorName = 'contextual';

export const DETECTOR_DESCRIPTIONS: Record<DetectorName, string> = {
  contextual: 'context novelty + robust residual, each as an anomaly likelihood, with repeat suppression (default)',
  'robust-z': 'the robust (median/IQR) residual likelihood alone, with repeat suppression',
  'windowed-gaussian': "NAB's Windowed Gaussian baseline (6,400-value window, steps of 100)",
  art: "fuzzy-ART (ARTime-style) novelty of value pairs and values + the contextual detector's context novelty, larger surprise, with repeat suppression",
  cad: "CAD OSE (Contextual Anomaly Detector) context memory on an online grid, as an anomaly likelihood + the contextual detector's context novelty, larger surprise, with repeat suppression",
  forecast: "the contextual detector's context novelty and robust residual + an online seasonal (Holt-Winters, daily season from the timestamps) forecaster's residual, each as an anomaly likelihood, larger surprise, with repeat suppression",
};

function defaultsOf(name: DetectorName): Record<string, number> {
  if (name === 'windowed-gaussian') return { ...WINDOWED_GAUSSIAN_DEFAULTS };
  if (name === 'art') return { ...ART_DEFAULTS };
  if (name === 'cad') return { ...CAD_DEFAULTS };
  if (name === 'forecast') return { ...FORECAST_DEFAULTS };
  if (name === 'robust-z') return { ...CONTEXTUAL_DEFAULTS, contextWeight: 0 };
  return { ...CONTEXTUAL_DEFAULTS };
}

const INTEGER_OPTIONS = new Set(['warmup', 'bins', 'contextLength', 'residualWindow', 'average', 'history', 'suppress', 'maxContexts', 'windowSize', 'stepSize', 'block', 'window', 'block2', 'window2', 'maxCategories', 'bits', 'maxActive', 'maxLeft', 'restPeriod', 'minPeriod', 'maxPeriod']);

function resolveOptions(name: DetectorName, options: Record<string, number> = {}): Record<string, number> {
  const d = defaultsOf(name);
  for (const [k, v] of Object.entries(options)) {
    if (!Object.hasOwn(d, k)) {
      throw new RolloutlabError('BAD_ARGUMENT', `detector ${name}: unknown option ${show(k)} (options: ${Object.keys(d).join(', ')})`, k);
    }
    const isInt = INTEGER_OPTIONS.has(k);
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= 0 && (!isInt || (Number.isInteger(v) && v >= 1));
    if (!ok) throw new RolloutlabError('BAD_ARGUMENT', `detector ${name}: option ${k} must be ${isInt ? 'an integer >= 1' : 'a number >= 0'}, got ${show(v)}`, k);
    d[k] = v;
  }
  if (name === 'art' && !(d.rho > 0 && d.rho < 1)) throw new RolloutlabError('BAD_ARGUMENT', `detector art: option rho must be in (0, 1), got ${d.rho}`, 'rho');
  if (name === 'art' && d.learn > 1) throw new RolloutlabError('BAD_ARGUMENT', `detector art: option learn must be in [0, 1], got ${d.learn}`, 'learn');
  if (name === 'cad' && d.bits > 16) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option bits must be <= 16, got ${d.bits}`, 'bits');
  if (name === 'cad' && d.maxContexts > 2 ** 17) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option maxContexts must be <= 131072, got ${d.maxContexts}`, 'maxContexts');
  if (name === 'cad' && d.grow <= 1) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option grow must be > 1, got ${d.grow}`, 'grow');
  if (name === 'cad' && d.likelihood !== 0 && d.likelihood !== 1) throw new RolloutlabError('BAD_ARGUMENT', `detector cad: option likelihood must be 0 or 1, got ${d.likelihood}`, 'likelihood');
  if (name === 'forecast' && (d.alpha > 1 || d.gamma > 1 || d.beta > 1)) throw new RolloutlabError('BAD_ARGUMENT', `detector forecast: options alpha, gamma and beta must be in [0, 1]`, 'alpha');
  if (name !== 'windowed-gaussian' && name !== 'art' && name !== 'cad' && name !== 'forecast' && d.bins < 2) throw new RolloutlabError('BAD_ARGUMENT', `detector ${name}: option bins must be >= 2, got ${d.bins}`, 'bins');
  return d;
}

export function isDetectorName(s: string): s is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(s);
}

/** A fresh detector; `options` override the named detector's defaults (BAD_ARGUMENT on unknown names or values). */
export function createDetector(name: DetectorName | string = DEFAULT_DETECTOR, options: Record<string, number> = {}): AnomalyDetector {
  if (!isDetectorName(name)) throw new RolloutlabError('BAD_ARGUMENT', `unknown detector ${show(name)} (detectors: ${DETECTOR_NAMES.join(', ')})`, 'detector');
  const o = resolveOptions(name, options);
  if (name === 'windowed-gaussian') return new WindowedGaussianDetector(o as unknown as WindowedGaussianOptions);
  if (name === 'art') return new ArtDetector(o as unknown as ArtOptions);
  if (name === 'cad') return new CadDetector(o as unknown as CadOptions);
  if (name === 'forecast') return new ForecastDetector(o as unknown as ForecastOptions);
  return new ContextualDetector(name, o as unknown as ContextualOptions);
}

/** Rebuilds a detector from `toJSON()` output; it continues with exactly the scores the original would give. */
export function restoreDetector(saved: DetectorState): AnomalyDetector {
  if (!saved || typeof saved !== 'object' || !isDetectorName(String(saved.detector))) {
    throw new RolloutlabError('BAD_DATA', `detector state: unknown detector ${show(saved?.detector)}`, 'detector');
  }
  if (saved.version !== STATE_VERSION) throw new RolloutlabError('BAD_DATA', `detector state: version ${show(saved.version)}, expected ${STATE_VERSION}`, 'version');
  const d = createDetector(saved.detector, saved.options) as ContextualDetector | WindowedGaussianDetector | ArtDetector | CadDetector | ForecastDetector;
  d.load(saved.state);
  return d;
}

/** Scores a whole series with a fresh detector (what the NAB bench does per file). */
export function scoreSeries(values: ArrayLike<number>, name: DetectorName | string = DEFAULT_DETECTOR, options: Record<string, number> = {}): Float64Array {
  const d = createDetector(name, options);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = d.update(values[i]);
  return out;
}
