// `forecast`: the `contextual` detector plus a second, complementary surprise - the standardised residual of an
// online seasonal forecaster (additive Holt-Winters with a daily season), through the same anomaly likelihood.
// See docs/anomaly.md ("The `forecast` detector").
//
// Per finite value:
// 1. Warm-up (`warmup` rows, scored 0): values and timestamps are buffered. At its end the sampling interval dt is
//    the median of the positive timestamp differences seen so far, and the season length P = round(1 day / dt)
//    (no season when P < `minPeriod`, P > `maxPeriod` or there are no timestamps: then the forecaster is an EWMA
//    level). The warm-up rows are then replayed through the forecaster (they train it and seed its likelihood).
// 2. Forecaster (robust additive Holt-Winters): forecast f = level + season[slot], slot = the row's time of day in
//    units of dt (from its timestamp; the previous slot + 1 when a row has none). Error e = x - f. The updates use
//    e clipped to +-`clip` x the error scale (a spike barely moves the model; a lasting shift is followed at a
//    rate that grows with the scale): level += `alpha` e_c; season[slot] += `gamma` (1 - `alpha`) e_c; the scale
//    (mean |e| -> sd) moves by `beta` towards |e_c| (the clip applies to the scale too, so one spike cannot blind
//    it). A slot seen for the first time takes x - level and gives no surprise.
// 3. Raw forecast score ln(1 + |e| / max(1.2533 scale, step / 4)) (step: the inner contextual detector's grid
//    step, the same floor as its robust residual), its anomaly likelihood (z against the mean and sd of the last
//    `history` raw values, sd floored at `minStd`), surprise Lf = -log10 Q(z).
// 4. The inner `contextual` detector (its defaults) gives its context-novelty surprise Lc and robust-residual
//    surprise Lr. L = max(`contextWeight` Lc, `residualWeight` Lr, `forecastWeight` Lf, `agreeWeight` min(Lr, Lf))
//    (the last term: a residual that both the robust window and the forecaster find surprising).
// 5. Score = L / (L + 5) (0 during the warm-up), reported only if higher than every score of the previous
//    `suppress` rows - the same repeat suppression as `contextual`.
//
// Bounded memory: the season (at most `maxPeriod` numbers), the warm-up buffer (cleared at its end), one likelihood
// history and the inner contextual detector's state. Deterministic; no randomness; causal (no file min/max/length).
import { RolloutlabError } from '../lib/errors.ts';
import { ContextualDetector, CONTEXTUAL_DEFAULTS, type ContextualOptions } from './contextual.ts';
import { Likelihood, SlidingMax, SortedWindow, reportNewMax, surpriseScore } from './primitives.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorState } from './types.ts';

export interface ForecastOptions {
  /** Rows scored 0 while learning (the sampling interval and season length come from them). */
  warmup: number;
  /** Level smoothing of the Holt-Winters forecaster. */
  alpha: number;
  /** Season smoothing (per visit of a slot). */
  gamma: number;
  /** Smoothing of the error scale (mean absolute error). */
  beta: number;
  /** 0: error scale = EWMA of |e| (smoothing `beta`); n > 0: 1.4826 x the median |e| of the last n errors. */
  scaleWindow: number;
  /** Errors are clipped to +- clip x the scale (as sd) in the updates (0 = no clipping). */
  clip: number;
  /** Season length in days (1: daily; 7: weekly). */
  days: number;
  /** 1: while the forecast surprise is gated on (see ratio), the inner robust residual counts only as min(it, forecast surprise). */
  replace: number;
  /** Shortest and longest daily season in rows (outside: no season, level only). */
  minPeriod: number;
  maxPeriod: number;
  /** > 0: the forecast surprise counts only while the forecaster's error sd < ratio x the inner robust residual's sd (IQR / 1.349). */
  ratio: number;
  /** Long-term history and sd floor of the forecast residual's likelihood. */
  history: number;
  minStd: number;
  /** Weights of the surprises: inner context novelty, inner robust residual, forecast residual, min(residual, forecast). */
  contextWeight: number;
  residualWeight: number;
  forecastWeight: number;
  agreeWeight: number;
  /** Weight of the mean of the inner robust-residual and forecast surprises. */
  meanWeight: number;
  /** Repeat-suppression span (rows). */
  suppress: number;
}

export const FORECAST_DEFAULTS: Readonly<ForecastOptions> = Object.freeze({
  warmup: 150,
  alpha: 0.05,
  gamma: 0.2,
  beta: 0.02,
  clip: 4,
  scaleWindow: 0,
  ratio: 0.5,
  days: 1,
  replace: 0,
  minPeriod: 4,
  maxPeriod: 2016,
  history: 2000,
  minStd: 0.1,
  contextWeight: 1,
  residualWeight: 1,
  forecastWeight: 1,
  agreeWeight: 0,
  meanWeight: 0,
  suppress: 400,
});

/** Options that must be integers >= 1 (the others, scaleWindow and days included: numbers >= 0). */
export const FORECAST_INTEGER_OPTIONS: readonly (keyof ForecastOptions)[] = ['warmup', 'minPeriod', 'maxPeriod', 'history', 'suppress'];

/** The checks beyond integer / number >= 0 (BAD_ARGUMENT). */
export function validateForecastOptions(o: ForecastOptions): void {
  if (o.alpha > 1 || o.gamma > 1 || o.beta > 1) throw new RolloutlabError('BAD_ARGUMENT', `detector forecast: options alpha, gamma and beta must be in [0, 1]`, 'alpha');
}

const DAY_MS = 86_400_000;
/** Mean absolute deviation to standard deviation for a normal distribution (sqrt(pi / 2)). */
const MAD_TO_SD = 1.2533141373155;

export class ForecastDetector implements AnomalyDetector {
  readonly name = 'forecast' as const;
  readonly o: ForecastOptions;
  n = 0;
  warmValues: number[] = [];
  warmTimes: (number | null)[] = [];
  /** Sampling interval (ms; 0 = unknown) and season length (0 = none). */
  dt = 0;
  period = 0;
  level = NaN;
  scale = 0;
  /** Seasonal offsets; NaN = slot not seen yet. */
  season: Float64Array = new Float64Array(0);
  slot = -1;
  /** Recent absolute errors (scaleWindow > 0). */
  errs: SortedWindow | null;
  lk: Likelihood;
  ctx: ContextualDetector;
  recentMax: SlidingMax;
  /** Last forecast surprise (derived, not state). */
  lastForecast = 0;

  constructor(o: ForecastOptions) {
    this.o = o;
    this.lk = new Likelihood(1, o.history, o.minStd);
    this.errs = o.scaleWindow > 0 ? new SortedWindow(o.scaleWindow) : null;
    this.ctx = new ContextualDetector('contextual', { ...CONTEXTUAL_DEFAULTS, warmup: o.warmup, suppress: o.suppress, residualWeight: 1, contextWeight: 1 } as ContextualOptions);
    this.recentMax = new SlidingMax(o.suppress);
  }

  /** Sampling interval and season length from the warm-up timestamps, then the warm-up replayed. */
  private initForecaster(): void {
    const diffs: number[] = [];
    let prev: number | null = null;
    for (const t of this.warmTimes) {
      if (t !== null && prev !== null && t > prev) diffs.push(t - prev);
      if (t !== null) prev = t;
    }
    diffs.sort((a, b) => a - b);
    this.dt = diffs.length ? diffs[(diffs.length - 1) >> 1] : 0;
    const p = this.dt > 0 ? Math.round((this.o.days * DAY_MS) / this.dt) : 0;
    this.period = p >= this.o.minPeriod && p <= this.o.maxPeriod ? p : 0;
    this.season = new Float64Array(this.period).fill(NaN);
    for (let i = 0; i < this.warmValues.length; i++) this.forecastSurprise(this.warmValues[i], this.warmTimes[i]);
    this.warmValues = [];
    this.warmTimes = [];
  }

  private slotOf(t: number | null): number {
    const P = this.period;
    if (t !== null) {
      const span = this.o.days * DAY_MS;
      const k = Math.floor((((t % span) + span) % span) / this.dt) % P;
      return k;
    }
    return (this.slot + 1) % P;
  }

  /** Forecast residual of x against the model, its likelihood surprise (0 for a first-seen slot), then the model update. */
  private forecastSurprise(x: number, t: number | null): number {
    const o = this.o;
    if (Number.isNaN(this.level)) {
      this.level = x;
      if (this.period) {
        this.slot = this.slotOf(t);
        this.season[this.slot] = 0;
      }
      return 0;
    }
    let s = 0;
    let seen = true;
    if (this.period) {
      this.slot = this.slotOf(t);
      s = this.season[this.slot];
      if (Number.isNaN(s)) {
        seen = false;
        s = 0;
      }
    }
    const e = x - (this.level + s);
    const sd = this.errs ? 1.4826 * (this.errs.count ? this.errs.quantile(0.5) : 0) : MAD_TO_SD * this.scale;
    const floor = this.ctx.step > 0 ? this.ctx.step / 4 : Math.abs(this.level) * 1e-6 + 1e-12;
    let L = 0;
    if (seen) L = this.lk.update(Math.log1p(Math.abs(e) / Math.max(sd, floor)));
    // robust update
    const lim = o.clip > 0 ? o.clip * Math.max(sd, floor) : Infinity;
    const ec = e > lim ? lim : e < -lim ? -lim : e;
    if (!seen) {
      this.season[this.slot] = x - this.level;
      return 0;
    }
    this.level += o.alpha * ec;
    if (this.period) this.season[this.slot] = s + o.gamma * (1 - o.alpha) * ec;
    this.scale += o.beta * (Math.abs(ec) - this.scale);
    this.errs?.push(Math.abs(e));
    return L;
  }

  /** Surprise L of a finite value (0 in the warm-up). */
  surprise(value: number, t: number | null): number {
    const o = this.o;
    this.n++;
    this.ctx.surprise(value);
    if (this.n <= o.warmup) {
      this.warmValues.push(value);
      this.warmTimes.push(t);
      if (this.n === o.warmup) this.initForecaster();
      this.lastForecast = 0;
      return 0;
    }
    let lf = this.forecastSurprise(value, t);
    let lr = this.ctx.lastResidual;
    if (o.ratio > 0) {
      const w = this.ctx.window;
      const robust = (w.quantile(0.75) - w.quantile(0.25)) / 1.349;
      const sd = this.errs ? 1.4826 * (this.errs.count ? this.errs.quantile(0.5) : 0) : MAD_TO_SD * this.scale;
      if (!(sd < o.ratio * robust)) lf = 0;
      else if (o.replace) lr = Math.min(lr, lf);
    }
    this.lastForecast = lf;
    const lc = this.ctx.lastContext;
    return Math.max(o.contextWeight * lc, o.residualWeight * lr, o.forecastWeight * lf, o.agreeWeight * Math.min(lr, lf), o.meanWeight * 0.5 * (lr + lf));
  }

  update(value: number, timestampMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const t = typeof timestampMs === 'number' && Number.isFinite(timestampMs) ? timestampMs : null;
    const s = surpriseScore(this.surprise(value, t));
    return reportNewMax(this.recentMax, s);
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.o },
      state: {
        n: this.n,
        warmValues: [...this.warmValues],
        warmTimes: [...this.warmTimes],
        dt: this.dt,
        period: this.period,
        level: Number.isNaN(this.level) ? null : this.level,
        scale: this.scale,
        season: Array.from(this.season, (v) => (Number.isNaN(v) ? null : v)),
        slot: this.slot,
        errs: this.errs ? this.errs.save() : null,
        lk: this.lk.save(),
        ctx: this.ctx.toJSON().state,
        recentMax: this.recentMax.save(),
      },
    };
  }

  load(st: Record<string, any>): void {
    this.n = st.n;
    this.warmValues = [...st.warmValues];
    this.warmTimes = [...st.warmTimes];
    this.dt = st.dt;
    this.period = st.period;
    this.level = st.level === null ? NaN : st.level;
    this.scale = st.scale;
    this.season = Float64Array.from(st.season as (number | null)[], (v) => (v === null ? NaN : v));
    this.slot = st.slot;
    if (this.errs) this.errs.load(st.errs);
    this.lk.load(st.lk);
    this.ctx.load(st.ctx);
    this.recentMax.load(st.recentMax);
  }
}
