// `contextual`, the default streaming anomaly detector (docs/anomaly.md), and `robust-z`, its robust-residual part
// alone: a quantised-context novelty score and a robust (median/IQR) residual score, each turned into an anomaly
// likelihood (tail probability of its (short-term average) value against its own long-term distribution, as HTM
// does), combined by max, mapped to [0, 1) by L / (L + 5) with L = -log10 of the tail probability (0.5 = 1e-5), and
// reported only when it is a new maximum over the suppression span (so one anomaly gives one detection, not a burst;
// the other rows of the span score 0). `art`, `cad` and `forecast` run one inside them for its context novelty.
import { RolloutlabError } from '../lib/errors.ts';
import { Likelihood, SlidingMax, SortedWindow, reportNewMax, surpriseScore } from './primitives.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorName, type DetectorState } from './types.ts';

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

/** `robust-z`: the contextual detector without its context novelty. */
export const ROBUST_Z_DEFAULTS: Readonly<ContextualOptions> = Object.freeze({ ...CONTEXTUAL_DEFAULTS, contextWeight: 0 });

/** Options that must be integers >= 1 (the others: numbers >= 0). */
export const CONTEXTUAL_INTEGER_OPTIONS: readonly (keyof ContextualOptions)[] = ['warmup', 'bins', 'contextLength', 'residualWindow', 'average', 'history', 'suppress', 'maxContexts'];

/** The checks beyond integer / number >= 0 (BAD_ARGUMENT); `name` is contextual or robust-z. */
export function validateContextualOptions(o: ContextualOptions, name: DetectorName): void {
  if (o.bins < 2) throw new RolloutlabError('BAD_ARGUMENT', `detector ${name}: option bins must be >= 2, got ${o.bins}`, 'bins');
}

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
      version: DETECTOR_STATE_VERSION,
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
