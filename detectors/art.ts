// `art`: an ARTime-style streaming anomaly detector (fuzzy Adaptive Resonance Theory over sliding windows),
// combined with the `contextual` detector's context novelty. See docs/anomaly.md ("The `art` detector").
//
// Per finite value:
// 1. Scale: the range (max - min) of the values seen so far, warm-up included; never a file's min/max, no look-ahead.
// 2. Each ART module (two by default: windows of 2 consecutive values, and single values) forms a feature x = the
//    last `window` block means of `block` rows each, in raw units. Fuzzy ART with complement coding and fast
//    learning is hyperbox clustering: a category is a box [lo, hi] per dimension; its match with x is
//    1 - |box ∪ x| / (window * range) (|.| = L1 size), its choice (1 - |box ∪ x|) / (alpha + 1 - |box|) in the
//    same normalised units. The best-chosen category whose match is >= the vigilance `rho` resonates and learns x
//    (its bounds move towards x by `learn`); if none does, x starts a new category - the window resonates with
//    nothing seen so far. Raw novelty = 0 on resonance, else the normalised L1 distance from x to the nearest box
//    divided by (1 - rho) (1 = as far outside as a whole category may be wide).
// 3. Each module's raw novelty becomes a surprise L = -log10 Q(z) with the anomaly likelihood of `contextual`
//    (z against the mean and sd of the module's last `history` raw values, sd floored at `minStd`).
// 4. A `contextual` detector (its defaults; same warm-up) runs alongside; its context-novelty surprise always
//    counts, its robust-residual surprise with weight `residualWeight`, and with `gate` 1 only on rows where an ART
//    module created a category. L = the largest surprise (each times its weight).
// 5. Score = L / (L + 5) (0 during the warm-up), reported only if higher than every score of the previous
//    `suppress` rows, else 0 - the same repeat suppression as `contextual`.
//
// Bounded memory: at most `maxCategories` boxes per module (when full, the least recently used is replaced), the
// feature ring, the likelihood histories and the contextual detector's state. Deterministic; no randomness.
import { RolloutlabError } from '../lib/errors.ts';
import { ContextualDetector, CONTEXTUAL_DEFAULTS, type ContextualOptions } from './contextual.ts';
import { Likelihood, SlidingMax, reportNewMax, surpriseScore } from './primitives.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorState } from './types.ts';

export interface ArtOptions {
  /** Rows scored 0 while learning (categories and scale are learnt from them). */
  warmup: number;
  /** Rows averaged per feature element. */
  block: number;
  /** Feature elements (block means) per window. */
  window: number;
  /** Vigilance in (0, 1): a window joins a category only if the grown box keeps match >= rho. */
  rho: number;
  /** Choice parameter alpha of fuzzy ART. */
  alpha: number;
  /** Learning rate of the box bounds (1 = fast learning: the box grows to include the window). */
  learn: number;
  /** Cap on categories (least recently used replaced). */
  maxCategories: number;
  /** Long-term history of the novelty likelihood (rows). */
  history: number;
  /** Floor on the novelty's long-term sd. */
  minStd: number;
  /** Weight of the ART novelty surprise (0 = off). */
  artWeight: number;
  /** A second ART module (its own block and window; 0 weight = off). */
  block2: number;
  window2: number;
  art2Weight: number;
  /** Weight of the contextual detector's surprise (0 = off). */
  contextualWeight: number;
  /** Weight of the contextual detector's robust-residual part inside it (its context part keeps weight 1). */
  residualWeight: number;
  /** 1: the residual surprise counts only on rows where an ART module had to create a category. */
  gate: number;
  /** Repeat-suppression span (rows). */
  suppress: number;
}

export const ART_DEFAULTS: Readonly<ArtOptions> = Object.freeze({
  warmup: 150,
  block: 1,
  window: 2,
  rho: 0.8,
  alpha: 0.001,
  learn: 1,
  maxCategories: 256,
  history: 2000,
  minStd: 0.1,
  artWeight: 1,
  block2: 1,
  window2: 1,
  art2Weight: 1,
  contextualWeight: 1,
  residualWeight: 0,
  gate: 0,
  suppress: 400,
});

/** Options that must be integers >= 1 (the others: numbers >= 0). */
export const ART_INTEGER_OPTIONS: readonly (keyof ArtOptions)[] = ['warmup', 'block', 'window', 'maxCategories', 'history', 'block2', 'window2', 'suppress'];

/** The checks beyond integer / number >= 0 (BAD_ARGUMENT). */
export function validateArtOptions(o: ArtOptions): void {
  if (!(o.rho > 0 && o.rho < 1)) throw new RolloutlabError('BAD_ARGUMENT', `detector art: option rho must be in (0, 1), got ${o.rho}`, 'rho');
  if (o.learn > 1) throw new RolloutlabError('BAD_ARGUMENT', `detector art: option learn must be in [0, 1], got ${o.learn}`, 'learn');
}

/** One fuzzy-ART module: categories (boxes) over windows of `window` block means of `block` rows each. */
export class ArtModule {
  readonly block: number;
  readonly window: number;
  readonly rho: number;
  readonly alpha: number;
  readonly learn: number;
  readonly maxCategories: number;
  ring: Float64Array;
  head = 0;
  filled = 0;
  lo: Float64Array;
  hi: Float64Array;
  used: Float64Array;
  cats = 0;
  lk: Likelihood;
  private x: Float64Array;

  constructor(block: number, window: number, o: ArtOptions) {
    this.block = block;
    this.window = window;
    this.rho = o.rho;
    this.alpha = o.alpha;
    this.learn = o.learn;
    this.maxCategories = o.maxCategories;
    this.ring = new Float64Array(window * block);
    this.lo = new Float64Array(o.maxCategories * window);
    this.hi = new Float64Array(o.maxCategories * window);
    this.used = new Float64Array(o.maxCategories);
    this.x = new Float64Array(window);
    this.lk = new Likelihood(1, o.history, o.minStd);
  }

  /** Adds a value; returns the raw novelty of the window ending at it (null while the window fills). */
  step(value: number, range: number, n: number): number | null {
    const span = this.ring.length;
    this.ring[this.head] = value;
    if (++this.head === span) this.head = 0;
    if (this.filled < span) {
      this.filled++;
      if (this.filled < span) return null;
    }
    this.features();
    return this.resonate(range, n);
  }

  /** Block means of the ring, oldest first, into this.x. */
  private features(): void {
    const { window: w, block: b } = this;
    const span = w * b;
    let p = this.head; // oldest value
    for (let j = 0; j < w; j++) {
      let s = 0;
      for (let k = 0; k < b; k++) {
        s += this.ring[p];
        if (++p === span) p = 0;
      }
      this.x[j] = s / b;
    }
  }

  /**
   * Learns the current window. Returns 0 if a category resonated (and learnt it), else the raw novelty of the new
   * category: L1 distance to the nearest box / (1 - rho) (0 for the very first category).
   */
  private resonate(range: number, n: number): number {
    const w = this.window;
    const x = this.x;
    const scale = range > 0 ? 1 / (range * w) : 0;
    let best = -1, bestT = -Infinity;
    let nearest = Infinity;
    for (let c = 0; c < this.cats; c++) {
      const base = c * w;
      let size = 0, grown = 0;
      for (let j = 0; j < w; j++) {
        const l = this.lo[base + j], h = this.hi[base + j], v = x[j];
        size += h - l;
        grown += (v > h ? v : h) - (v < l ? v : l);
      }
      const dist = (grown - size) * scale;
      if (dist < nearest) nearest = dist;
      const match = 1 - grown * scale;
      if (match < this.rho) continue;
      const T = match / (this.alpha + 1 - size * scale);
      if (T > bestT) {
        bestT = T;
        best = c;
      }
    }
    if (best >= 0) {
      const base = best * w;
      for (let j = 0; j < w; j++) {
        const v = x[j];
        if (v < this.lo[base + j]) this.lo[base + j] += this.learn * (v - this.lo[base + j]);
        if (v > this.hi[base + j]) this.hi[base + j] += this.learn * (v - this.hi[base + j]);
      }
      this.used[best] = n;
      return 0;
    }
    let c = this.cats;
    if (c < this.maxCategories) this.cats++;
    else {
      c = 0;
      for (let k = 1; k < this.cats; k++) if (this.used[k] < this.used[c]) c = k;
    }
    const base = c * w;
    for (let j = 0; j < w; j++) this.lo[base + j] = this.hi[base + j] = x[j];
    this.used[c] = n;
    return Number.isFinite(nearest) ? nearest / Math.max(1e-12, 1 - this.rho) : 0;
  }

  save() {
    const w = this.window;
    return {
      ring: Array.from(this.ring),
      head: this.head,
      filled: this.filled,
      cats: this.cats,
      lo: Array.from(this.lo.subarray(0, this.cats * w)),
      hi: Array.from(this.hi.subarray(0, this.cats * w)),
      used: Array.from(this.used.subarray(0, this.cats)),
      lk: this.lk.save(),
    };
  }

  load(st: ReturnType<ArtModule['save']>): void {
    this.ring.set(st.ring);
    this.head = st.head;
    this.filled = st.filled;
    this.cats = st.cats;
    this.lo.set(st.lo);
    this.hi.set(st.hi);
    this.used.set(st.used);
    this.lk.load(st.lk);
  }
}

export class ArtDetector implements AnomalyDetector {
  readonly name = 'art' as const;
  readonly o: ArtOptions;
  n = 0;
  vmin = Infinity;
  vmax = -Infinity;
  modules: ArtModule[] = [];
  weights: number[] = [];
  ctx: ContextualDetector | null;
  recentMax: SlidingMax;

  constructor(o: ArtOptions) {
    this.o = o;
    if (o.artWeight) {
      this.modules.push(new ArtModule(o.block, o.window, o));
      this.weights.push(o.artWeight);
    }
    if (o.art2Weight) {
      this.modules.push(new ArtModule(o.block2, o.window2, o));
      this.weights.push(o.art2Weight);
    }
    this.ctx = o.contextualWeight ? new ContextualDetector('contextual', { ...CONTEXTUAL_DEFAULTS, warmup: o.warmup, suppress: o.suppress, residualWeight: 1 } as ContextualOptions) : null;
    this.recentMax = new SlidingMax(o.suppress);
  }

  /** Surprise L of a finite value (0 in the warm-up). */
  surprise(value: number): number {
    const o = this.o;
    this.n++;
    if (value < this.vmin) this.vmin = value;
    if (value > this.vmax) this.vmax = value;
    const range = this.vmax - this.vmin;
    let lc = 0, lr = 0;
    if (this.ctx) {
      this.ctx.surprise(value);
      lc = this.ctx.lastContext;
      lr = o.residualWeight * this.ctx.lastResidual;
    }
    let L = 0;
    let created = false;
    for (let k = 0; k < this.modules.length; k++) {
      const m = this.modules[k];
      const raw = m.step(value, range, this.n);
      if (raw === null) continue;
      if (raw > 0) created = true;
      L = Math.max(L, this.weights[k] * m.lk.update(raw));
    }
    if (o.gate && !created) lr = 0;
    L = Math.max(L, o.contextualWeight * Math.max(lc, lr));
    return this.n <= o.warmup ? 0 : L;
  }

  update(value: number, _timestampMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const L = this.surprise(value);
    const s = surpriseScore(L);
    return reportNewMax(this.recentMax, s);
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.o },
      state: {
        n: this.n,
        vmin: Number.isFinite(this.vmin) ? this.vmin : null,
        vmax: Number.isFinite(this.vmax) ? this.vmax : null,
        modules: this.modules.map((m) => m.save()),
        ctx: this.ctx ? this.ctx.toJSON().state : null,
        recentMax: this.recentMax.save(),
      },
    };
  }

  load(st: Record<string, any>): void {
    this.n = st.n;
    this.vmin = st.vmin === null ? Infinity : st.vmin;
    this.vmax = st.vmax === null ? -Infinity : st.vmax;
    this.modules.forEach((m, k) => m.load(st.modules[k]));
    if (this.ctx) this.ctx.load(st.ctx);
    this.recentMax.load(st.recentMax);
  }
}
