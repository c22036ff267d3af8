// A seasonal traffic forecaster for regularly sampled series with a daily (and optionally weekly) cycle.
//
//   ŷ(T+h) = level(T) × trend(T, h) × profile(week position of T+h) × (1 + βd(h) × rd(T) + βs(h) × rs(T))
//
// - profile: a multiplicative week profile (or day profile), fitted on the training series only. Each value is
//   divided by a robust local level (the median of the surrounding days' deseasonalised levels), and each
//   position of the week takes the MEDIAN of those ratios over the past weeks, then a short circular smoother.
//   A holiday, a peak event or a burst touches one week out of several, so the median ignores it.
// - level(T): re-estimated at the forecast origin from the history: the median of the deseasonalised levels
//   (Σ x / Σ profile) of the last `levelDays` one-day blocks, so one holiday in the last week cannot drag it.
// - trend (optional, off by default): the Theil–Sen slope of the log daily levels over the last `trendDays`
//   days, damped by `damping` per day.
// - correction: two residual signals at the origin, both relative to level × profile and clipped to ±1:
//     rd = the last day's level / level(T) − 1             (today runs above or below the weekly median)
//     rs = the mean residual of the last ~30 minutes − rd  (a burst or dip right now, beyond that)
//   and for each lag h a least-squares fit, on in-sample origins, of the residual h steps later on (rd, rs).
//   The β's are forced into [0, 1] and non-increasing in h, and tapered to 0: βs by `correctionHorizon`
//   (default 6 h), βd by `levelHorizon` (default 1 day). Beyond, the forecast is the seasonal one.
//
// Internally the series is averaged into buckets (`bucket` steps, a divisor of the period; default: about 96
// buckets a day, i.e. 15 minutes for one-minute data), fitted and forecast at that resolution, and the
// profile linearly interpolated back to the input resolution.
//
// Deterministic (no randomness at all), O(n) to fit, O(levelDays × period + horizon) to forecast.
// Values must be >= 0 (counts, rates); NaN / non-finite values count as missing and are skipped.

import { RolloutlabError, show } from '../../lib/errors.ts';
import { sortPrefix } from '../../lib/sort.ts';

export interface ForecasterOptions {
  /** Steps per day (1440 for one-minute data, 48 for 30-minute data). */
  period: number;
  /** Fit a week profile (7 × period) instead of a day profile. Default: true when the training series holds
   *  at least two full weeks. */
  weekly?: boolean;
  /** Internal resolution in input steps; must divide `period`. Default: the largest divisor b with period / b >= 96. */
  bucket?: number;
  /** Days whose deseasonalised levels give the level at the origin (median). Default 7. */
  levelDays?: number;
  /** Half-width of the profile smoother, in buckets (triangular kernel); 0 turns it off. Default:
   *  round(buckets per day / 96), i.e. 1 (±15 min) at 96 buckets a day, 0 at 48. */
  smoothing?: number;
  /** Damped trend on the daily levels. Default false. */
  trend?: boolean;
  /** Days of daily levels for the trend's Theil–Sen slope. Default 28. */
  trendDays?: number;
  /** Damping of the trend per day (0..1). Default 0.9. */
  damping?: number;
  /** Residual corrections at the origin. Default true. */
  correction?: boolean;
  /** Trailing windows (input steps, longest first) whose mean residuals are the correction's signals.
   *  Default [period, period / 8, period / 48]: the last day, 3 hours and 30 minutes for a daily period. */
  correctionWindows?: number[];
  /** Lag (input steps) by which every correction has decayed to 0. Default period (1 day). */
  correctionHorizon?: number;
}

export interface ForecastOptions {
  /** Index of history[0] on the training series' time axis (default 0: the history starts where the training
   *  series started). The week position of step t of the history is (start + t) mod (7 × period). */
  start?: number;
}

/** Fitted state: everything needed to forecast, JSON-friendly. */
export interface ForecasterJSON {
  kind: 'seasonal-profile-forecaster';
  version: 1;
  options: Required<ForecasterOptions>;
  /** Multiplicative profile at bucket resolution, mean 1, length 7 × period / bucket (or period / bucket). */
  profile: number[];
  /** Spacing, in buckets, of the lag grid of the β's (grid point i = lag i × lagStep; lag 0 = the first bucket
   *  after the last complete one). */
  lagStep: number;
  /** The correction's trailing windows in buckets, longest first (deduplicated). */
  windows: number[];
  /** One β curve per window on the lag grid. */
  betas: number[][];
  /** Training days (index = day block from the start) left out of the profile as outliers (informational). */
  excludedDays: number[];
  /** Number of training steps the model was fitted on (informational). */
  trainingLength: number;
}

export interface Forecaster {
  readonly options: Readonly<Required<ForecasterOptions>>;
  /** The series up to the forecast origin (at least one day; the level is re-estimated from it) → the next
   *  `horizon` steps. NaN everywhere when the last days hold no finite value to estimate a level from. */
  forecast(history: ArrayLike<number>, horizon: number, opts?: ForecastOptions): Float64Array;
  /** The profile at input resolution for steps start .. start+length-1 of the time axis (mean about 1). */
  profileAt(start: number, length: number): Float64Array;
  toJSON(): ForecasterJSON;
}

const CLIP = 1;
/** Winsorizing limit of the correction fit, in robust standard deviations. */
const WINSOR = 3;
/** A training day is left out of the profile when its log level is off by more than max(OUTLIER_SDS robust
 *  SDs, OUTLIER_MIN) from its neighbourhood's. */
const OUTLIER_SDS = 4;
const OUTLIER_MIN = 0.1;
const clip = (v: number) => (v > CLIP ? CLIP : v < -CLIP ? -CLIP : v);
const mod = (a: number, m: number) => ((a % m) + m) % m;

/** Median of a[0..n) (sorts that part in place). */
function median(a: Float64Array, n: number): number {
  if (n === 0) return NaN;
  sortPrefix(a, n);
  const h = n >> 1;
  return n % 2 ? a[h] : 0.5 * (a[h - 1] + a[h]);
}

function defaultBucket(period: number): number {
  let best = 1;
  for (let b = 1; b <= period; b++) if (period % b === 0 && period / b >= 96) best = b;
  return best;
}

/** Fill the defaults in and check them. `n` is the training length (for the `weekly` default). */
function resolveOptions(o: ForecasterOptions, n: number): Required<ForecasterOptions> {
  const period = o.period;
  if (!Number.isInteger(period) || period < 2) throw new RolloutlabError('BAD_ARGUMENT', `period must be an integer >= 2, got ${period}`);
  const bucket = o.bucket ?? defaultBucket(period);
  if (!Number.isInteger(bucket) || bucket < 1 || period % bucket !== 0) {
    throw new RolloutlabError('BAD_ARGUMENT', `bucket must be a positive divisor of the period ${period}, got ${bucket}`);
  }
  const pb = period / bucket;
  const r: Required<ForecasterOptions> = {
    period,
    weekly: o.weekly ?? n >= 14 * period,
    bucket,
    levelDays: o.levelDays ?? 7,
    smoothing: o.smoothing ?? Math.round(pb / 96),
    trend: o.trend ?? false,
    trendDays: o.trendDays ?? 28,
    damping: o.damping ?? 0.9,
    correction: o.correction ?? true,
    correctionWindows: o.correctionWindows ?? [period, period / 8, period / 48],
    correctionHorizon: o.correctionHorizon ?? period,
  };
  if (!Number.isInteger(r.levelDays) || r.levelDays < 1) throw new RolloutlabError('BAD_ARGUMENT', `levelDays must be an integer >= 1`);
  if (!Number.isInteger(r.smoothing) || r.smoothing < 0) throw new RolloutlabError('BAD_ARGUMENT', `smoothing must be an integer >= 0`);
  if (!Number.isInteger(r.trendDays) || r.trendDays < 3) throw new RolloutlabError('BAD_ARGUMENT', `trendDays must be an integer >= 3`);
  if (!(r.damping >= 0 && r.damping <= 1)) throw new RolloutlabError('BAD_ARGUMENT', `damping must be in [0, 1]`);
  if (!(r.correctionHorizon >= 0)) throw new RolloutlabError('BAD_ARGUMENT', `correctionHorizon must be >= 0`);
  if (!Array.isArray(r.correctionWindows) || !r.correctionWindows.every((w) => w > 0)) {
    throw new RolloutlabError('BAD_ARGUMENT', `correctionWindows must be positive numbers of steps`);
  }
  return r;
}

/** Means over buckets of `b` steps of x[from, to) (non-finite values skipped; a bucket with none is NaN).
 *  A partial last bucket is dropped. */
function bucketize(x: ArrayLike<number>, b: number, from: number, to: number): Float64Array {
  const nb = Math.max(0, Math.floor((to - from) / b));
  const out = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    let s = 0;
    let c = 0;
    const t0 = from + k * b;
    for (let t = t0; t < t0 + b; t++) {
      const v = x[t];
      if (Number.isFinite(v)) {
        s += v;
        c++;
      }
    }
    out[k] = c ? s / c : NaN;
  }
  return out;
}

/** Σ x / Σ profile over the buckets [from, to) of xb, bucket k at profile position (k + shift) mod length. */
function blockLevel(xb: Float64Array, from: number, to: number, profile: Float64Array, shift: number): number {
  const S = profile.length;
  let sx = 0;
  let sp = 0;
  for (let k = Math.max(0, from); k < to; k++) {
    const v = xb[k];
    if (!Number.isFinite(v)) continue;
    sx += v;
    sp += profile[mod(k + shift, S)];
  }
  return sp > 0 ? sx / sp : NaN;
}

/** Theil–Sen slope of y against its index. */
function theilSenSlope(y: number[]): number {
  const n = y.length;
  if (n < 3) return 0;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) slopes[k++] = (y[j] - y[i]) / (j - i);
  return median(slopes, k);
}

function smoothCircular(p: Float64Array, half: number): Float64Array {
  if (half <= 0) return p;
  const S = p.length;
  const out = new Float64Array(S);
  for (let j = 0; j < S; j++) {
    let s = 0;
    let w = 0;
    for (let d = -half; d <= half; d++) {
      const wt = half + 1 - Math.abs(d);
      s += wt * p[mod(j + d, S)];
      w += wt;
    }
    out[j] = s / w;
  }
  return out;
}

interface OriginState {
  /** Median of the last levelDays day-block levels (NaN without data). */
  level: number;
  /** Day-block levels, newest first. */
  levels: number[];
  /** Correction signals, one per window (longest first): the window's residual minus the longer window's
   *  (the first: minus 0). A window's residual is Σ x / Σ (level × profile) − 1 over it, clipped to ±1. */
  r: Float64Array;
}

/** Prefix sums over buckets: sx[i] = Σ_{k<i} xb[k], sp[i] = Σ_{k<i} profile at k (both over finite xb only). */
interface Prefix {
  sx: Float64Array;
  sp: Float64Array;
}

function prefixSums(xb: Float64Array, profile: Float64Array, shift: number): Prefix {
  const n = xb.length;
  const S = profile.length;
  const sx = new Float64Array(n + 1);
  const sp = new Float64Array(n + 1);
  let j = mod(shift, S);
  for (let k = 0; k < n; k++) {
    const v = xb[k];
    const ok = Number.isFinite(v);
    sx[k + 1] = sx[k] + (ok ? v : 0);
    sp[k + 1] = sp[k] + (ok ? profile[j] : 0);
    if (++j === S) j = 0;
  }
  return { sx, sp };
}

/**
 * The state the forecast starts from, given the buckets [0, end) summarised by `pre`: the same computation at
 * forecast time and on the in-sample origins the corrections are fitted on.
 */
function originState(
  pre: Prefix,
  end: number,
  pb: number,
  days: number,
  levelDays: number,
  windows: readonly number[],
  scratch: Float64Array,
): OriginState {
  const { sx, sp } = pre;
  const levels: number[] = [];
  for (let d = 0; d < days; d++) {
    const to = end - d * pb;
    const from = to - pb;
    if (from < 0) break;
    const p = sp[to] - sp[from];
    if (p > 0) levels.push((sx[to] - sx[from]) / p);
  }
  let c = 0;
  for (let i = 0; i < Math.min(levelDays, levels.length); i++) scratch[c++] = levels[i];
  const level = median(scratch, c);
  const r = new Float64Array(windows.length);
  if (level > 0) {
    let prev = 0;
    for (let j = 0; j < windows.length; j++) {
      const from = Math.max(0, end - windows[j]);
      const p = sp[end] - sp[from];
      const m = p > 0 ? clip((sx[end] - sx[from]) / (level * p) - 1) : 0;
      r[j] = m - prev;
      prev = m;
    }
  }
  return { level, levels, r };
}

/** Linear interpolation on a grid with spacing `step` (value 0 beyond the grid). */
function onGrid(grid: Float64Array, step: number, lag: number): number {
  if (grid.length === 0) return 0;
  const u = Math.max(0, lag) / step;
  const i = Math.floor(u);
  if (i >= grid.length - 1) return i === grid.length - 1 && u === i ? grid[i] : 0;
  const f = u - i;
  return (1 - f) * grid[i] + f * grid[i + 1];
}

class SeasonalForecaster implements Forecaster {
  readonly options: Readonly<Required<ForecasterOptions>>;
  private readonly state: ForecasterJSON;
  private readonly profile: Float64Array;
  private readonly betas: Float64Array[];

  constructor(state: ForecasterJSON) {
    this.state = {
      ...state,
      options: { ...state.options, correctionWindows: [...state.options.correctionWindows] },
      profile: [...state.profile],
      windows: [...state.windows],
      betas: state.betas.map((x) => [...x]),
      excludedDays: [...state.excludedDays],
    };
    this.options = Object.freeze({ ...state.options });
    this.profile = Float64Array.from(state.profile);
    this.betas = state.betas.map((b) => Float64Array.from(b));
  }

  profileAt(start: number, length: number): Float64Array {
    const b = this.options.bucket;
    const S = this.profile.length;
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      // Continuous bucket coordinate of step t: bucket k covers steps [kb, (k+1)b), its centre is k + 0.5.
      const u = (start + i + 0.5) / b - 0.5;
      const k0 = Math.floor(u);
      const f = u - k0;
      out[i] = (1 - f) * this.profile[mod(k0, S)] + f * this.profile[mod(k0 + 1, S)];
    }
    return out;
  }

  forecast(history: ArrayLike<number>, horizon: number, opts: ForecastOptions = {}): Float64Array {
    if (!Number.isInteger(horizon) || horizon < 0) {
      throw new RolloutlabError('BAD_ARGUMENT', `horizon must be an integer >= 0, got ${horizon}`, 'horizon');
    }
    const start = opts.start ?? 0;
    if (!Number.isInteger(start)) throw new RolloutlabError('BAD_ARGUMENT', `start must be an integer, got ${start}`);
    const { bucket: b, period, levelDays, trend, trendDays, damping, correction } = this.options;
    const pb = period / b;
    const T = history.length;
    if (T < period) {
      throw new RolloutlabError('BAD_DATA', `the history must hold at least one day (${period} steps), got ${T}`);
    }
    const out = new Float64Array(horizon);
    if (horizon === 0) return out;
    // Buckets aligned to the time axis: boundaries at multiples of b.
    const firstAbs = Math.ceil(start / b) * b;
    const xb = bucketize(history, b, firstAbs - start, T);
    const shift = firstAbs / b;
    const nb = xb.length;
    const days = Math.max(levelDays, trend ? trendDays : 0);
    const st = originState(
      prefixSums(xb, this.profile, shift),
      nb,
      pb,
      days,
      levelDays,
      this.state.windows,
      new Float64Array(days),
    );
    let level = st.level;
    if (!Number.isFinite(level)) return out.fill(NaN);

    let slope = 0;
    if (trend && level > 0) {
      const logs = st.levels.filter((l) => l > 0).map(Math.log).reverse();
      if (logs.length >= Math.min(trendDays, 7)) {
        slope = theilSenSlope(logs);
        // The median of the last levelDays levels lags the origin by about levelDays / 2 days.
        level *= Math.exp(slope * (Math.min(levelDays, st.levels.length) / 2));
      }
    }

    const absEnd = start + T;
    const prof = this.profileAt(absEnd, horizon);
    const nextBucket = shift + nb; // absolute index of the first bucket after the last complete one
    const useCorrection = correction && st.r.some((v) => v !== 0);
    const step = this.state.lagStep;
    for (let h = 0; h < horizon; h++) {
      let f = level * prof[h];
      if (slope !== 0) {
        // Σ_{i=1..d} damping^i for d = days ahead (continuous).
        const d = (h + 1) / period;
        const cum = damping === 1 ? d : (damping * (1 - Math.pow(damping, d))) / (1 - damping);
        f *= Math.exp(slope * cum);
      }
      if (useCorrection) {
        const lag = (absEnd + h + 0.5) / b - 0.5 - nextBucket;
        let c = 1;
        for (let j = 0; j < st.r.length; j++) c += onGrid(this.betas[j], step, lag) * st.r[j];
        f *= c;
      }
      out[h] = f > 0 ? f : 0;
    }
    return out;
  }

  toJSON(): ForecasterJSON {
    return {
      ...this.state,
      options: { ...this.state.options, correctionWindows: [...this.state.options.correctionWindows] },
      profile: Array.from(this.state.profile),
      windows: [...this.state.windows],
      betas: this.state.betas.map((b) => Array.from(b)),
      excludedDays: [...this.state.excludedDays],
    };
  }
}

/** Solve (A + ridge) x = b for a small symmetric k×k system (Gaussian elimination with partial pivoting). */
function solve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const m = Float64Array.from(A);
  const x = Float64Array.from(b);
  // Tiny ridge: a signal that never varies gets a zero coefficient rather than a division by zero.
  for (let i = 0; i < k; i++) m[i * k + i] += 1e-9 + 1e-9 * m[i * k + i];
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]) > Math.abs(m[p * k + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < k; j++) [m[c * k + j], m[p * k + j]] = [m[p * k + j], m[c * k + j]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    const d = m[c * k + c];
    if (Math.abs(d) < 1e-300) continue;
    for (let r = c + 1; r < k; r++) {
      const f = m[r * k + c] / d;
      if (f === 0) continue;
      for (let j = c; j < k; j++) m[r * k + j] -= f * m[c * k + j];
      x[r] -= f * x[c];
    }
  }
  const out = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < k; j++) s -= m[r * k + j] * out[j];
    const d = m[r * k + r];
    out[r] = Math.abs(d) < 1e-300 ? 0 : s / d;
  }
  return out;
}

/** Non-increasing envelope in [0, 1], times a cos² taper that reaches 0 at `zeroAt` (grid units). */
function shapeBeta(raw: Float64Array, zeroAt: number): Float64Array {
  const out = new Float64Array(raw.length);
  let prev = 1;
  for (let i = 0; i < raw.length; i++) {
    prev = Math.min(prev, Math.max(0, Number.isFinite(raw[i]) ? raw[i] : 0));
    const x = zeroAt > 0 ? i / zeroAt : 1;
    const taper = x <= 0.5 ? 1 : x >= 1 ? 0 : Math.cos((x - 0.5) * Math.PI) ** 2;
    out[i] = prev * taper;
  }
  return out;
}

/**
 * Fit the forecaster on a training series (index 0 = the origin of the time axis; `forecast`'s `start` option
 * is measured on the same axis). Needs at least two days of data; a weekly profile at least two weeks.
 */
export function fitForecaster(series: ArrayLike<number>, opts: ForecasterOptions): Forecaster {
  const o = resolveOptions(opts, series.length);
  const { period, bucket: b, levelDays, smoothing } = o;
  const pb = period / b;
  const S = o.weekly ? 7 * pb : pb; // profile length in buckets
  for (let t = 0; t < series.length; t++) {
    if (series[t] < 0) {
      throw new RolloutlabError('BAD_DATA', `the forecaster is multiplicative: values must be >= 0 (index ${t} is ${series[t]})`);
    }
  }
  const xbAll = bucketize(series, b, 0, series.length);
  const nDays = Math.floor(xbAll.length / pb);
  if (nDays < 2) {
    throw new RolloutlabError('BAD_DATA', `need at least two days of training data (${2 * period} steps), got ${series.length}`);
  }
  if (o.weekly && nDays < 14) {
    throw new RolloutlabError('BAD_DATA', `a weekly profile needs at least two weeks of training data, got ${nDays} days`);
  }
  const n = nDays * pb; // whole days only
  const xb = xbAll.subarray(0, n);

  // 1. Profile. Local level of each day = median of the day levels over a centred window of max(levelDays, 7)
  // days (clipped at the ends). Pass 0 uses a flat profile (a 7-day window holds every weekday once); passes 1
  // and 2 use the previous pass's profile and leave out outlier days (holidays, peak days, outages): days whose
  // deseasonalised level is off their local level by more than max(4 robust SDs, 10 %) in log terms.
  let profile = new Float64Array(S).fill(1);
  const dayLevel = new Float64Array(nDays);
  const localLevel = new Float64Array(nDays);
  const outlier = new Uint8Array(nDays);
  const scratch = new Float64Array(Math.max(levelDays, 7, Math.ceil(n / S), nDays) + 1);
  const half = Math.floor(Math.max(levelDays, 7) / 2);
  const localLevels = () => {
    for (let d = 0; d < nDays; d++) {
      let c = 0;
      for (let e = Math.max(0, d - half); e <= Math.min(nDays - 1, d + half); e++) {
        if (Number.isFinite(dayLevel[e]) && !outlier[e]) scratch[c++] = dayLevel[e];
      }
      localLevel[d] = median(scratch, c);
    }
  };
  for (let pass = 0; pass < 3; pass++) {
    for (let d = 0; d < nDays; d++) dayLevel[d] = blockLevel(xb, d * pb, (d + 1) * pb, profile, 0);
    outlier.fill(0);
    localLevels();
    if (pass > 0) {
      const dev = new Float64Array(nDays).fill(NaN);
      let c = 0;
      for (let d = 0; d < nDays; d++) {
        if (dayLevel[d] > 0 && localLevel[d] > 0) scratch[c++] = Math.abs((dev[d] = Math.log(dayLevel[d] / localLevel[d])));
      }
      const limit = Math.max(OUTLIER_SDS * 1.4826 * median(scratch, c), OUTLIER_MIN);
      let flagged = 0;
      for (let d = 0; d < nDays; d++) {
        // A day with no traffic at all under a positive local level is an outlier too (an outage).
        if (Math.abs(dev[d]) > limit || (dayLevel[d] === 0 && localLevel[d] > 0)) (outlier[d] = 1), flagged++;
      }
      // Never drop most of the data: with too many flags the series is just volatile.
      if (flagged > nDays / 4) outlier.fill(0);
      else if (flagged > 0) localLevels();
    }
    const next = new Float64Array(S);
    for (let j = 0; j < S; j++) {
      let c = 0;
      for (let k = j; k < n; k += S) {
        const d = Math.floor(k / pb);
        const l = localLevel[d];
        if (Number.isFinite(xb[k]) && l > 0 && !outlier[d]) scratch[c++] = xb[k] / l;
      }
      next[j] = median(scratch, c);
    }
    // Positions never observed (missing data, outlier days): the mean of the same time of day on other days.
    for (let j = 0; j < S; j++) {
      if (Number.isFinite(next[j])) continue;
      let s = 0;
      let c = 0;
      for (let k = j % pb; k < S; k += pb) if (Number.isFinite(next[k])) (s += next[k]), c++;
      next[j] = c ? s / c : 1;
    }
    profile = smoothCircular(next, smoothing);
    let mean = 0;
    for (let j = 0; j < S; j++) mean += profile[j];
    mean /= S;
    if (mean > 0) for (let j = 0; j < S; j++) profile[j] /= mean;
    else profile.fill(1);
  }
  const excludedDays: number[] = [];
  for (let d = 0; d < nDays; d++) if (outlier[d]) excludedDays.push(d);

  // 2. Corrections: at in-sample origins e (after levelDays days), the origin state exactly as `forecast`
  // computes it, and for each lag on a grid a least-squares fit of the later residual on the signals.
  const windows = [...new Set(o.correctionWindows.map((w) => Math.max(1, Math.round(w / b))))].sort((x, y) => y - x);
  const maxLag = o.correction ? Math.min(Math.ceil(o.correctionHorizon / b), n) : 0;
  const lagStep = Math.max(1, Math.ceil(maxLag / 200));
  const grid = maxLag > 0 ? Math.floor(maxLag / lagStep) + 1 : 0;
  const k = windows.length;
  const betas: Float64Array[] = windows.map(() => new Float64Array(grid));
  if (grid > 0) {
    const xx = Array.from({ length: grid }, () => new Float64Array(k * k));
    const xy = Array.from({ length: grid }, () => new Float64Array(k));
    // In-sample origins and their states.
    const first = levelDays * pb;
    const originStep = Math.max(1, Math.ceil((n - first) / 4000));
    const st = new Float64Array(levelDays);
    const pre = prefixSums(xb, profile, 0);
    const ends: number[] = [];
    const levels: number[] = [];
    const sig: Float64Array[] = [];
    for (let e = first; e < n - 1; e += originStep) {
      const s = originState(pre, e, pb, levelDays, levelDays, windows, st);
      if (!(s.level > 0) || s.r.every((v) => v === 0)) continue;
      ends.push(e);
      levels.push(s.level);
      sig.push(s.r);
    }
    // Bounded influence: winsorize each signal, and the targets, at WINSOR × their robust scale (1.4826 × the
    // median absolute value), so one holiday's hundreds of large, persistent residuals cannot dominate the fit.
    const m = ends.length;
    const tmp = new Float64Array(Math.max(m, 1));
    const lim = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < m; j++) tmp[j] = Math.abs(sig[j][i]);
      lim[i] = WINSOR * 1.4826 * median(tmp, m);
    }
    for (let j = 0; j < m; j++) tmp[j] = Math.abs(xb[ends[j]] / (levels[j] * profile[ends[j] % S]) - 1);
    const limY = WINSOR * 1.4826 * median(tmp.map((v) => (Number.isFinite(v) ? v : 0)), m);
    const w = (v: number, l: number) => (l > 0 ? (v > l ? l : v < -l ? -l : v) : 0);
    // Σ r rᵀ over every origin, then per lag minus the origins whose target is missing (past the end, or NaN).
    const gram = new Float64Array(k * k);
    const R = new Float64Array(m * k);
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < k; i++) R[j * k + i] = w(sig[j][i], lim[i]);
      for (let i = 0; i < k; i++) for (let jj = 0; jj < k; jj++) gram[i * k + jj] += R[j * k + i] * R[j * k + jj];
    }
    const XY = new Float64Array(grid * k);
    for (let g = 0; g < grid; g++) xx[g].set(gram);
    for (let j = 0; j < m; j++) {
      const e = ends[j];
      const lvl = levels[j];
      const rj = j * k;
      for (let g = 0; g < grid; g++) {
        const t = e + g * lagStep;
        const fit = t < n ? lvl * profile[t % S] : 0;
        if (t >= n || !Number.isFinite(xb[t]) || fit <= 0) {
          const a = xx[g];
          for (let i = 0; i < k; i++) for (let jj = 0; jj < k; jj++) a[i * k + jj] -= R[rj + i] * R[rj + jj];
          continue;
        }
        const y = w(xb[t] / fit - 1, limY);
        const gk = g * k;
        for (let i = 0; i < k; i++) XY[gk + i] += R[rj + i] * y;
      }
    }
    for (let g = 0; g < grid; g++) xy[g].set(XY.subarray(g * k, (g + 1) * k));
    const raw = windows.map(() => new Float64Array(grid));
    for (let g = 0; g < grid; g++) {
      const sol = solve(xx[g], xy[g], k);
      for (let i = 0; i < k; i++) raw[i][g] = sol[i];
    }
    for (let i = 0; i < k; i++) betas[i] = shapeBeta(raw[i], maxLag / lagStep);
  }

  return new SeasonalForecaster({
    kind: 'seasonal-profile-forecaster',
    version: 1,
    options: o,
    profile: Array.from(profile),
    lagStep,
    windows,
    betas: betas.map((b) => Array.from(b)),
    excludedDays,
    trainingLength: series.length,
  });
}

/** Rebuild a forecaster from `toJSON()` output (or its JSON text). */
export function forecasterFromJSON(json: ForecasterJSON | string): Forecaster {
  const s = (typeof json === 'string' ? JSON.parse(json) : json) as ForecasterJSON;
  if (s?.kind !== 'seasonal-profile-forecaster' || s.version !== 1) {
    const what = `kind ${show(s?.kind)}, version ${show(s?.version)}`;
    throw new RolloutlabError('BAD_DATA', `not a seasonal-profile-forecaster v1 state (${what})`, 'kind');
  }
  const o = resolveOptions(s.options, s.trainingLength);
  const S = (o.weekly ? 7 : 1) * (o.period / o.bucket);
  const finite = (a: unknown) => Array.isArray(a) && a.every((v) => Number.isFinite(v));
  if (!finite(s.profile) || s.profile.length !== S) {
    throw new RolloutlabError('BAD_DATA', `forecaster state: profile must hold ${S} finite numbers`, 'profile');
  }
  if (!Number.isInteger(s.lagStep) || s.lagStep < 1) {
    throw new RolloutlabError('BAD_DATA', `forecaster state: lagStep must be a positive integer`, 'lagStep');
  }
  if (!Array.isArray(s.windows) || !s.windows.every((w) => Number.isInteger(w) && w >= 1)) {
    throw new RolloutlabError('BAD_DATA', `forecaster state: windows must be positive integers`);
  }
  if (!Array.isArray(s.betas) || s.betas.length !== s.windows.length || !s.betas.every(finite)) {
    throw new RolloutlabError('BAD_DATA', `forecaster state: betas must hold one array of finite numbers per window`);
  }
  if (!Array.isArray(s.excludedDays) || !s.excludedDays.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RolloutlabError('BAD_DATA', `forecaster state: excludedDays must be day indices`);
  }
  return new SeasonalForecaster({ ...s, options: o });
}

/**
 * The seasonal-naive forecast: each step repeats the value one period (one day) earlier, the last observed
 * day repeated for horizons beyond a period: ŷ(T+h) = y(T + h − period × ceil((h+1)/period)), h = 0-based.
 */
export function seasonalNaive(history: ArrayLike<number>, horizon: number, period: number): Float64Array {
  const T = history.length;
  if (T < period) throw new RolloutlabError('BAD_DATA', `seasonal naive needs at least one period (${period}) of history, got ${T}`);
  const out = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) out[h] = history[T + h - period * Math.ceil((h + 1) / period)];
  return out;
}
