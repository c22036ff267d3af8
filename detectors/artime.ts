// `artime`: a port of ARTime (Adaptive Resonance Theory for time series, by Mark Hampton) as NAB runs it (its
// `ARTime` detector, written in Julia), kept beside our own `art` (detectors/art.ts), which is only inspired by it.
// Like the original it is handed each file's min, max and length (NAB's probationary period comes from the length),
// so it is a benchmark reference, never served. See docs/anomaly.md ("The `artime` detector").
//
// Per value (1-based counters as in the original):
// 1. Downsampling: every `sstep` values (sstep = max(1, round(pp / (window x 13))), pp = NAB's probationary period
//    made even), the last sstep values give one sample: their max or min (whichever is farther from a running
//    average of the window means), or their mean when that is within 10 % of the mean; normalised to [0, 1] with the
//    file's min and max, rounded to one of 80 levels (ties to even), and snapped to a running median level when
//    within 0.075 of it.
// 2. Features (16): once 8 samples exist, the last 8 samples min-max scaled, their Haar wavelet transform (3 levels,
//    Wavelets.jl's periodic filter bank) min-max scaled, followed by the 8 samples themselves; zeros before.
// 3. Dual-vigilance fuzzy ART (DVFA) on the features with complement coding: match of a category box W =
//    (|min(x, W)|_1 / |W|_1)^3 x energy^2, energy = the same ratio on the last sample and its complement only. A
//    category with match >= rho_ub learns (fast commit); else the first one (by match, descending) with match >=
//    rho_lb starts a new category of the same cluster; else a new cluster (the row's category is -1).
// 4. The first trend_window = pp / sstep samples are batch processed at the end of the probation: the vigilance
//    rho starts from a DVFA run at rho 0.8 over them (ordered by summed cosine similarity), then they are learnt.
// 5. After that, a sample starting a new cluster outside the masking periods scores
//    round(0.35 ub + 0.65 lb + 1.5 (1 - energy), 6 digits) (capped at 1), ub / lb = how far its match is below each
//    vigilance; the vigilances are re-estimated every trend_window / 2 samples and 12 samples after an anomaly.
//    Every other row scores 0.
//
// Floating point: the original runs in Julia (and OpenBLAS for 1-norms of 32 numbers); here every sum is taken in
// index order. The two can differ in the last bits, which can move a comparison at a vigilance boundary or a
// rounding to 6 digits; docs/anomaly.md reports how close the port comes to NAB's published scores.
import { RolloutlabError } from '../lib/errors.ts';
import { nabValueRange, pandasLegacyValue } from './pandas-float.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorName, type DetectorState } from './types.ts';

export interface ArtimeOptions {
  /** The file's minimum, maximum and length (NAB hands them to every detector); the bench sets them per file. */
  minValue: number;
  maxValue: number;
  length: number;
  /** 1: read each value as NAB's pandas did (detectors/pandas-float.ts). */
  legacyParse: number;
  /**
   * Not ARTime (an experiment, docs/anomaly.md): 1 = ignore minValue / maxValue and take the range from the rows of
   * the probationary period instead (buffered, then replayed; levels outside it are clamped), widened by
   * `rangeMargin` x range on each side. 0 = the original.
   */
  onlineRange: number;
  rangeMargin: number;
}

export const ARTIME_DEFAULTS: Readonly<ArtimeOptions> = Object.freeze({ minValue: 0, maxValue: 1, length: 5000, legacyParse: 0, onlineRange: 0, rangeMargin: 0 });
export const ARTIME_INTEGER_OPTIONS: readonly (keyof ArtimeOptions)[] = ['length'];
export const ARTIME_SIGNED_OPTIONS: readonly (keyof ArtimeOptions)[] = ['minValue', 'maxValue'];

export function validateArtimeOptions(o: ArtimeOptions): void {
  if (o.maxValue < o.minValue) throw new RolloutlabError('BAD_ARGUMENT', `detector artime: option maxValue must be >= minValue, got ${o.maxValue} < ${o.minValue}`, 'maxValue');
  if (o.legacyParse !== 0 && o.legacyParse !== 1) throw new RolloutlabError('BAD_ARGUMENT', `detector artime: option legacyParse must be 0 or 1, got ${o.legacyParse}`, 'legacyParse');
  if (o.onlineRange !== 0 && o.onlineRange !== 1) throw new RolloutlabError('BAD_ARGUMENT', `detector artime: option onlineRange must be 0 or 1, got ${o.onlineRange}`, 'onlineRange');
  if (o.length < 50) throw new RolloutlabError('BAD_ARGUMENT', `detector artime: option length must be >= 50 (a probation of at least 8 samples), got ${o.length}`, 'length');
}

/** What NAB hands ARTime for one file: its min, max and length. */
export function artimeFileOptions(values: ArrayLike<number>, legacyParse = false): Record<string, number> {
  const [mn, mx] = nabValueRange(values, legacyParse);
  return { minValue: mn, maxValue: mx, length: Math.max(50, values.length), legacyParse: legacyParse ? 1 : 0 };
}

const WINDOW = 8;
const WINDOWS_PER_PB = 13;
const CHOMP = 0.075;
const NLEVELS = 80;
const INITIAL_RHO = 0.8;
const MASK = 12; // window x 1.5
const DIM = 2 * WINDOW;
const DIM_COMP = 2 * DIM;

/** Julia's round(x) (to nearest, ties to even). */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const sum = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
};
const mean = (xs: ArrayLike<number>): number => sum(xs) / xs.length;

/** Wavelets.jl's periodic filter-bank DWT (`dwt(x, wavelet(WT.haar))`, all levels) of 8 values. */
const HAAR = (() => {
  const a = 0.7071067811865475;
  const n = Math.sqrt(a * a + a * a);
  return a / n;
})();

/** Wavelets.jl `filtdown!` for a two-tap filter: filter x[ix..ix+nx-1] periodically, keep every other output. */
function filtdown(f: readonly number[], out: number[], iout: number, nout: number, x: readonly number[], ix: number, shift: number, ss: boolean): void {
  const nx = nout << 1;
  const flen = f.length;
  let si = 0;
  const istart = flen + (ss ? 1 : 0);
  const dsshift = ((flen % 2) + (ss ? 1 : 0)) % 2;
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  // splitdownrangeper
  const ixsh = -1 + shift + ix;
  let r1: [number, number], rin: [number, number], r2: [number, number];
  if (mod(shift, nx) + ix === 1 + ixsh) {
    let iend = nx - 1;
    while (mod(iend - 1 + shift, nx) + ix !== iend + ixsh) iend--;
    [r1, rin, r2] = [[0, -1], [1, iend], [iend + 1, nx - 1 + istart]];
  } else if (mod(istart - 1 + shift, nx) + ix === istart + ixsh) {
    let iend = nx - 1 + istart;
    while (mod(iend - 1 + shift, nx) + ix !== iend + ixsh) iend--;
    [r1, rin, r2] = [[1, istart - 1], [istart, iend], [iend + 1, nx - 1 + istart]];
  } else {
    [r1, rin, r2] = [[0, -1], [0, -1], [1, nx - 1 + istart]];
  }
  const at = (k: number) => x[k - 1]; // 1-based
  for (let i = r1[0]; i <= r1[1]; i++) si = f[1] * at(mod(i - 1 + shift, nx) + ix);
  for (let i = rin[0]; i <= rin[1]; i++) {
    const v = at(i + ixsh);
    if ((i + dsshift) % 2 === 0 && i >= istart) out[((i - istart) >> 1) + iout - 1] = si + f[0] * v;
    si = f[1] * v;
  }
  for (let i = r2[0]; i <= r2[1]; i++) {
    const v = at(mod(i - 1 + shift, nx) + ix);
    if ((i + dsshift) % 2 === 0 && i >= istart) out[((i - istart) >> 1) + iout - 1] = si + f[0] * v;
    si = f[1] * v;
  }
}

export function haarDwt8(x: readonly number[]): number[] {
  const n = x.length;
  const sc = [HAAR, HAAR]; // reverse(h)
  const dc = [HAAR, -HAAR]; // mirror(h)
  const y = new Array<number>(n).fill(0);
  let s: number[] = [...x];
  const levels = Math.log2(n);
  for (let l = 1; l <= levels; l++) {
    const nd = Math.round(n / 2 ** l);
    filtdown(dc, y, Math.round(n / 2 ** l + 1), nd, s, 1, -1, true);
    filtdown(sc, y, 1, nd, s, 1, 0, false);
    if (l !== levels) s = y.slice(0, nd);
  }
  return y;
}

/** The 1-norm of a category box, summed in index order. */
function norm1(w: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < w.length; k++) s += Math.abs(w[k]);
  return s;
}

/**
 * The dual-vigilance fuzzy ART module (ARTime's compact copy of AdaptiveResonance.jl's DVFA). `maxCategories` > 0
 * (not ARTime; the served `artime-online`) bounds the categories: when a new one would exceed it, the category
 * updated least recently (learnt into or created; ties: the oldest position) is dropped.
 */
export class Dvfa {
  rhoLb = 0;
  rhoUb = 0;
  /** Category boxes (complement coded, 32 numbers each; typed arrays so the match loop stays monomorphic) and their labels. */
  W: Float64Array[] = [];
  labels: number[] = [];
  clusters = 0;
  /** The last sample's best match and its energy similarity (A[i], Ae[i]). */
  A = 0;
  Ae = 0;
  /** Cap on the categories (0 = none, as ARTime), the train call that last updated each category, and the calls so far. */
  maxCategories = 0;
  used: number[] = [];
  tick = 0;
  /** |W|_1 of each category (in index order, as the match takes it); derived, not saved: refreshNorms() rebuilds it. */
  norms: number[] = [];

  /** Recomputes the cached 1-norms (after a restore, or after the boxes were changed from outside). */
  refreshNorms(): void {
    this.norms = this.W.map(norm1);
  }

  /** Trains on one feature vector; returns the label, -1 for a new cluster (or when not learning). */
  train(f: readonly number[], learning = true): number {
    const tick = ++this.tick;
    const x = new Float64Array(DIM_COMP);
    for (let k = 0; k < DIM; k++) {
      x[k] = f[k];
      x[k + DIM] = 1 - f[k];
    }
    if (this.W.length === 0) {
      this.W.push(new Float64Array(DIM_COMP).fill(1));
      this.norms.push(norm1(this.W[0]));
      this.labels.push(1);
      this.used.push(tick);
      this.clusters = 1;
      this.A = 0;
      this.Ae = 0;
      return 1;
    }
    const n = this.W.length;
    const M = new Array<number>(n), Me = new Array<number>(n);
    const ei = DIM_COMP / 2 - 1; // 0-based index of the last feature (the last sample) and of its complement
    for (let j = 0; j < n; j++) {
      const W = this.W[j];
      // |min(x, W)|_1 / |W|_1, each 1-norm summed in index order.
      let numerator = 0;
      for (let k = 0; k < DIM_COMP; k++) numerator += Math.abs(x[k] <= W[k] ? x[k] : W[k]);
      let nW = this.norms[j];
      if (nW === 0) nW = 0.001;
      const fs = numerator / nW;
      const e1 = x[ei] <= W[ei] ? x[ei] : W[ei], e2 = x[DIM_COMP - 1] <= W[DIM_COMP - 1] ? x[DIM_COMP - 1] : W[DIM_COMP - 1];
      const es = (Math.abs(e1) + Math.abs(e2)) / (Math.abs(W[ei]) + Math.abs(W[DIM_COMP - 1]));
      M[j] = fs * fs * fs * (es * es);
      Me[j] = es;
    }
    let maxBmu = 0, maxBmue = 0, mismatch = true, label = -1;
    // The original walks the categories in sortperm(M, rev = true) order (descending, ties by index): every one with
    // M >= rho_ub learns and the label is that of the last of them at the largest M; else the first one (the largest
    // M, lowest index) starts a new category of its cluster if M >= rho_lb. Without a NaN match that walk is this
    // one pass; with one (a box whose last-sample dimensions are both 0) the sorted walk itself is taken.
    let first = 0, last = 0, nan = false;
    for (let j = 0; j < n; j++) {
      if (Number.isNaN(M[j])) nan = true;
      else if (M[j] > M[first]) first = last = j;
      else if (M[j] === M[first]) last = j;
    }
    if (nan) {
      const index = M.map((_, j) => j).sort((a, b) => (M[b] !== M[a] ? (M[b] > M[a] ? 1 : -1) : a - b));
      for (const bmu of index) {
        if (M[bmu] > maxBmu) {
          maxBmue = Me[bmu];
          maxBmu = M[bmu];
        }
        if (!learning) continue;
        if (M[bmu] >= this.rhoUb) {
          this.learn(bmu, x, tick);
          if (M[bmu] >= maxBmu) label = this.labels[bmu];
          mismatch = false;
        } else if (M[bmu] >= this.rhoLb && mismatch) {
          if (M[bmu] >= maxBmu) label = this.labels[bmu];
          this.add(x, label, tick);
          mismatch = false;
          break;
        } else break;
      }
    } else {
      if (M[first] > 0) {
        maxBmu = M[first];
        maxBmue = Me[first];
      }
      if (learning && M[first] >= this.rhoUb) {
        for (let j = 0; j < n; j++) if (M[j] >= this.rhoUb) this.learn(j, x, tick);
        label = this.labels[last];
        mismatch = false;
      } else if (learning && M[first] >= this.rhoLb) {
        label = this.labels[first];
        this.add(x, label, tick);
        mismatch = false;
      }
    }
    this.A = maxBmu;
    this.Ae = maxBmue;
    if (mismatch && learning) {
      label = -1;
      this.add(x, this.clusters + 1, tick);
      this.clusters++;
    }
    return label;
  }

  /** Fast commit: category j's box grows to take x. */
  private learn(j: number, x: Float64Array, tick: number): void {
    const W = this.W[j];
    const grown = new Float64Array(DIM_COMP);
    for (let k = 0; k < DIM_COMP; k++) grown[k] = x[k] <= W[k] ? x[k] : W[k];
    this.W[j] = grown;
    this.norms[j] = norm1(grown);
    this.used[j] = tick;
  }

  /** A new category (the sample itself); at the cap the least recently updated one goes first. */
  private add(x: Float64Array, label: number, tick: number): void {
    if (this.maxCategories > 0 && this.W.length >= this.maxCategories) {
      let e = 0;
      for (let j = 1; j < this.used.length; j++) if (this.used[j] < this.used[e]) e = j;
      this.W.splice(e, 1);
      this.norms.splice(e, 1);
      this.labels.splice(e, 1);
      this.used.splice(e, 1);
    }
    this.W.push(x);
    this.norms.push(norm1(x));
    this.labels.push(label);
    this.used.push(tick);
  }
}

/** ARTime's "close to cosine" similarity of two feature vectors. */
export function similarity(t1: readonly number[], t2: readonly number[]): number {
  const norm = (t: readonly number[]) => {
    let m = 0;
    for (const v of t) m = Math.max(m, Math.abs(v));
    if (m === 0) return 0;
    return Math.sqrt(sum(t.map((v) => v * v)));
  };
  const n1 = norm(t1), n2 = norm(t2);
  if (n1 === 0) return 1 - n2;
  if (n2 === 0) return 1 - n1;
  return sum(t1.map((v, k) => v * t2[k])) / (n1 * n2);
}

/** The timing of one ARTime process: the probation, the downsampling and the vigilance schedule. */
export interface ArtimeTiming {
  /** Probation rows (NAB's probationary period made even, or a fixed warm-up): nothing scores before its end. */
  pp: number;
  /** Rows per downsampled sample. */
  sstep: number;
  /** Samples of the probation (batch learnt at its end); the vigilances are re-estimated every trendWindow / 2 samples. */
  trendWindow: number;
}

/** ARTime's timing for a file of `length` rows, from NAB's probationary period. */
export function artimeTiming(length: number): ArtimeTiming {
  let pp = length < 5000 ? Math.floor(0.15 * length) : 750;
  pp -= pp % 2;
  const sstep = Math.max(1, Math.floor(pp / (WINDOW * WINDOWS_PER_PB)));
  return { pp, sstep, trendWindow: Math.floor(pp / sstep) };
}

/** The mean of a window, without overflowing to ±Infinity on values near the largest double (identical otherwise). */
function windowMean(xs: readonly number[]): number {
  const m = mean(xs);
  if (Number.isFinite(m)) return m;
  let h = 0;
  for (const v of xs) h += v / xs.length;
  return h;
}

/**
 * ARTime's per-value process (the original's process_sample!), shared by `artime` (the port) and `artime-online`
 * (detectors/artime-online.ts, the served variant). What differs is given to the constructor (the timing, a cap on
 * the categories and on the remembered anomaly similarities) or decided by the subclass: how a value is read, where
 * the range comes from, and how a raw sample becomes one of the 80 levels.
 */
export abstract class ArtimeProcess implements AnomalyDetector {
  abstract readonly name: DetectorName;
  protected readonly opts: Record<string, number>;
  protected readonly sstep: number;
  protected readonly trendWindow: number;
  protected readonly pp: number;
  /** Most anomaly similarities remembered for the lower vigilance's floor (0 = all, as ARTime). */
  protected readonly maxHistory: number;
  protected s = {
    /** The range the levels span (raw units). */
    lo: 0,
    hi: 0,
    /** `artime-online`: the smallest and largest value seen (the range is this, widened). */
    coreLo: 0,
    coreHi: 0,
    /** The probation's values until the range is known (then replayed); null when not buffering, or after. */
    buffer: [] as number[] | null,
    i: 1,
    dsi: 1,
    dsWindow: [] as number[],
    dsMovingAverage: 0,
    medbin: [] as number[],
    medlevel: 0,
    belowmed: 0,
    abovemed: 0,
    fWindow: [] as number[],
    trendF: [] as number[][],
    lastAnomalyI: 0,
    lastAnomalySim: 0,
    lastRhoUpdateI: 0,
    maskAfterCat: false,
    noNewCatCount: 0,
    anomalySimHistory: [] as number[],
    simDiffWindow: [] as number[],
    rhoUbMean: 0,
    rhoUbCount: 0,
    simWindow: [] as number[],
    art: new Dvfa(),
  };

  constructor(options: Record<string, number>, timing: ArtimeTiming, buffer: boolean, maxCategories = 0, maxHistory = 0) {
    this.opts = { ...options };
    this.pp = timing.pp;
    this.sstep = timing.sstep;
    this.trendWindow = timing.trendWindow;
    this.maxHistory = maxHistory;
    const s = this.s;
    s.simWindow = new Array<number>(Math.floor(this.trendWindow / 2) + 1).fill(1);
    s.simDiffWindow = new Array<number>(this.trendWindow + 1).fill(0);
    s.dsWindow = new Array<number>(this.sstep).fill(0);
    s.medbin = new Array<number>(NLEVELS + 1).fill(0);
    s.fWindow = new Array<number>(WINDOW).fill(0);
    s.buffer = buffer ? [] : null;
    s.art.maxCategories = maxCategories;
  }

  /** The value the process sees (the port: as NAB's pandas read it, when asked). */
  protected read(value: number): number {
    return value;
  }

  /** Sets the range from the buffered probation values (only called when buffering). */
  protected abstract setRange(values: readonly number[]): void;

  /** The level (0..80) of a downsampled sample in raw units. */
  protected abstract level(ds: number): number;

  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    const di = this.read(value);
    const s = this.s;
    if (s.buffer) {
      s.buffer.push(di);
      if (s.buffer.length < Math.max(2, this.pp)) return 0;
      const buf = s.buffer;
      s.buffer = null;
      this.setRange(buf);
      let last = 0;
      for (const x of buf) last = this.step(x);
      return last;
    }
    return this.step(di);
  }

  /** One value of the original's process_sample!. */
  private step(di: number): number {
    const s = this.s;
    const i = s.i;
    s.dsWindow.shift();
    s.dsWindow.push(di);
    let anomaly = 0;
    if (i % this.sstep === 0) {
      const m = windowMean(s.dsWindow);
      const max = Math.max(...s.dsWindow), min = Math.min(...s.dsWindow);
      if (s.dsi === 1) s.dsMovingAverage = m;
      const avg = (s.dsMovingAverage + m) / 2;
      s.dsMovingAverage = Number.isFinite(avg) ? avg : s.dsMovingAverage / 2 + m / 2;
      let ds = max;
      if (Math.abs(max - s.dsMovingAverage) < Math.abs(min - s.dsMovingAverage)) ds = min;
      if (Math.abs(ds - m) < 0.1 * m) ds = m;
      const level = this.level(ds);
      ds = level / NLEVELS;
      s.medbin[level]++;
      const medpos = Math.floor(s.dsi / 2);
      if (s.dsi === 1) s.medlevel = level;
      if (s.medlevel > level) s.belowmed++;
      else if (s.medlevel < level) s.abovemed++;
      if (medpos < s.abovemed) {
        s.belowmed += s.medbin[s.medlevel];
        s.medlevel++;
        while (s.medbin[s.medlevel] === 0) s.medlevel++;
        s.abovemed -= s.medbin[s.medlevel];
      } else if (medpos < s.belowmed) {
        s.abovemed += s.medbin[s.medlevel];
        s.medlevel--;
        while (s.medbin[s.medlevel] === 0) s.medlevel--;
        s.belowmed -= s.medbin[s.medlevel];
      }
      const med = s.medlevel / NLEVELS;
      if (Math.abs(ds - med) < CHOMP) ds = med;
      let features = new Array<number>(DIM).fill(0);
      s.fWindow.shift();
      s.fWindow.push(ds);
      if (s.dsi >= WINDOW) {
        let dw = [...s.fWindow];
        const dwMin = Math.min(...dw);
        dw = dw.map((v) => v - dwMin);
        const dwMax = Math.max(...dw);
        if (dwMax !== 0) dw = dw.map((v) => v / dwMax);
        let fw = haarDwt8(dw);
        const fwMin = Math.min(...fw);
        fw = fw.map((v) => v - fwMin);
        const fwMax = Math.max(...fw);
        if (fwMax !== 0) fw = fw.map((v) => v / fwMax);
        features = [...fw, ...s.fWindow];
      }
      anomaly = this.processFeatures(features, s.dsi);
      s.dsi++;
    }
    s.i++;
    return anomaly;
  }

  private processFeatures(f: number[], i: number): number {
    const s = this.s;
    if (i <= this.trendWindow) {
      s.trendF.push(f);
      if (i === this.trendWindow) {
        const rho = this.initRho(s.trendF.slice(WINDOW - 1, this.trendWindow));
        s.art.rhoLb = rho;
        s.art.rhoUb = rho;
        s.trendF.forEach((ff, k) => this.detect(ff, k + 1));
        s.trendF = [];
      }
      return 0;
    }
    return this.detect(f, i);
  }

  private detect(f: number[], i: number): number {
    const s = this.s;
    const art = s.art;
    const updateAfterAnomaly = i - s.lastAnomalyI === MASK;
    const updateForTrend = i - s.lastRhoUpdateI >= Math.floor(this.trendWindow / 2);
    const maskAfterAnomaly = i - s.lastAnomalyI <= MASK;
    if (i > this.trendWindow + MASK && s.maskAfterCat && s.noNewCatCount >= MASK) s.maskAfterCat = false;
    let cat: number;
    if (i < WINDOW) {
      art.train(f, false);
      cat = -1;
    } else cat = art.train(f);
    s.noNewCatCount = cat === -1 ? 0 : s.noNewCatCount + 1;
    s.rhoUbCount++;
    s.rhoUbMean = s.rhoUbMean + (1 / s.rhoUbCount) * (art.A - s.rhoUbMean);
    s.simWindow.shift();
    s.simWindow.push(art.A);
    s.simDiffWindow.shift();
    s.simDiffWindow.push(art.rhoUb - art.A);
    const hist = s.anomalySimHistory;
    if (i - s.lastAnomalyI < MASK && hist.length > 0 && art.A < hist[hist.length - 1]) hist[hist.length - 1] = art.A;
    const masking = s.maskAfterCat || maskAfterAnomaly;
    const belowLast = art.A < s.lastAnomalySim * (maskAfterAnomaly ? 0.9 : 0.7);
    let anomaly = 0;
    if (i > this.trendWindow && cat === -1 && (!masking || belowLast)) {
      anomaly = this.confidence(art.A, art.Ae);
      hist.push(art.A);
      if (this.maxHistory > 0 && hist.length > this.maxHistory) hist.shift();
      s.lastAnomalySim = art.A;
      s.lastAnomalyI = i;
    }
    s.maskAfterCat = cat === -1 || s.maskAfterCat;
    if (i > this.trendWindow && (updateAfterAnomaly || updateForTrend)) {
      const minSim = Math.min(...s.simWindow);
      const ub = Math.min(0.97, s.rhoUbMean);
      const prevLb = art.rhoLb;
      let lb: number;
      if (prevLb <= minSim) lb = prevLb + (minSim - prevLb) * 0.19;
      else {
        let decr = 0;
        if (i > this.trendWindow * 2) {
          const below = s.simDiffWindow.filter((x) => x > 0.05).map((x) => Math.min(0.37, x));
          if (below.length > 0) decr = mean(below);
        }
        decr = Math.max(0.01, decr);
        lb = prevLb - decr / 2;
        if (hist.length > 0) lb = Math.max(mean(hist), lb);
      }
      lb = Math.min(ub, lb);
      art.rhoLb = lb;
      art.rhoUb = ub;
      s.lastRhoUpdateI = i;
      s.maskAfterCat = true;
    }
    return anomaly;
  }

  private confidence(featuresSim: number, energySim: number): number {
    const fs = Math.min(0.999, featuresSim);
    const ub = (1 - fs - (1 - this.s.art.rhoUb)) / (1 - fs);
    const lb = (1 - fs - (1 - this.s.art.rhoLb)) / (1 - fs);
    const c = Math.min(1, ub * 0.35 + lb * 0.65 + (1 - energySim) * 1.5);
    return roundEven(c * 1e6) / 1e6;
  }

  /** The starting vigilance: a DVFA at rho 0.8 over the probation's samples, most dissimilar first. */
  private initRho(cols: number[][]): number {
    const n = cols.length;
    const sim: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(1));
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < a; b++) {
        const v = similarity(cols[a], cols[b]);
        sim[a][b] = v;
        sim[b][a] = v;
      }
    }
    const simSum = sim.map((_, c) => sum(sim.map((row) => row[c])));
    const order = simSum.map((_, k) => k).sort((a, b) => (simSum[a] !== simSum[b] ? simSum[a] - simSum[b] : a - b));
    const art = new Dvfa();
    art.rhoLb = INITIAL_RHO;
    art.rhoUb = INITIAL_RHO;
    const A: number[] = [];
    for (const k of order) {
      art.train(cols[k]);
      A.push(art.A);
    }
    return mean(A.slice(Math.floor(this.trendWindow / 2) - 1));
  }

  toJSON(): DetectorState {
    const { art, ...rest } = this.s;
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.opts },
      state: JSON.parse(JSON.stringify({ ...rest, art: { ...art, W: art.W.map((w) => Array.from(w)), norms: undefined } })),
    };
  }

  load(st: Record<string, any>): void {
    const { art, ...rest } = st;
    Object.assign(this.s, JSON.parse(JSON.stringify(rest)));
    this.s.art = Object.assign(new Dvfa(), JSON.parse(JSON.stringify(art)), { maxCategories: this.s.art.maxCategories });
    this.s.art.W = this.s.art.W.map((w: ArrayLike<number>) => Float64Array.from(w));
    this.s.art.refreshNorms();
  }
}

/** `artime`: ARTime as NAB runs it, handed the file's min, max and length (and, with `onlineRange`, an experiment). */
export class ArtimeDetector extends ArtimeProcess {
  readonly name = 'artime' as const;
  private readonly o: ArtimeOptions;

  constructor(options: ArtimeOptions) {
    super({ ...options }, artimeTiming(options.length), options.onlineRange === 1);
    this.o = { ...options };
    this.s.lo = options.minValue;
    this.s.hi = options.maxValue;
  }

  protected override read(value: number): number {
    return this.o.legacyParse ? pandasLegacyValue(value) : value;
  }

  /** onlineRange: the probation's range, widened by rangeMargin x range on each side. */
  protected setRange(buf: readonly number[]): void {
    const lo = Math.min(...buf), hi = Math.max(...buf);
    this.s.lo = lo - this.o.rangeMargin * (hi - lo);
    this.s.hi = hi + this.o.rangeMargin * (hi - lo);
  }

  protected level(raw: number): number {
    const s = this.s;
    let ds = raw - s.lo;
    if (s.hi - s.lo !== 0) ds /= s.hi - s.lo;
    // Within the original's given range the level is always in [0, 80]; clamped for values outside it.
    return Math.min(NLEVELS, Math.max(0, roundEven(ds * NLEVELS)));
  }
}
