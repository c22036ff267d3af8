// Forecast evaluation: MASE (Hyndman & Koehler 2006) against the seasonal-naive forecast, with a held-out
// tail and rolling origins inside it (docs/definitions.md#forecast-quality).
//
//   training part  = series[0, split)            the forecaster is fitted on this only; the MASE scale comes from it
//   held-out tail  = series[split, n)            split = n − round(testFraction × n)
//   origins        = `origins` evenly spaced points o in [split, n − horizon]; at each, both forecasters see
//                    series[0, o) (the model's fitted parameters stay fixed; it only re-reads its level) and
//                    forecast series[o, o + horizon)
//   MASE           = mean |actual − forecast| over every (origin, step) / scale,
//   scale          = mean |y(t) − y(t − period)| over the training part (the in-sample seasonal-naive error).
import { RolloutlabError } from '../../lib/errors.ts';
import { fitForecaster, seasonalNaive, type Forecaster, type ForecasterOptions } from './forecaster.ts';

/** Mean absolute seasonal-naive (lag `period`) error of the in-sample series: the MASE denominator. */
export function maseScale(insample: ArrayLike<number>, period: number): number {
  if (!Number.isInteger(period) || period < 1) throw new RolloutlabError('BAD_ARGUMENT', `period must be an integer >= 1, got ${period}`);
  let s = 0;
  let c = 0;
  for (let t = period; t < insample.length; t++) {
    const d = insample[t] - insample[t - period];
    if (Number.isFinite(d)) {
      s += Math.abs(d);
      c++;
    }
  }
  if (c === 0) throw new RolloutlabError('BAD_DATA', `the in-sample series needs more than one period (${period}) of finite values`);
  return s / c;
}

/** Mean absolute error over the pairs where both are finite (NaN when there are none). */
export function meanAbsoluteError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  if (actual.length !== forecast.length) {
    throw new RolloutlabError('BAD_ARGUMENT', `actual (${actual.length}) and forecast (${forecast.length}) differ in length`);
  }
  let s = 0;
  let c = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = actual[i] - forecast[i];
    if (Number.isFinite(d)) {
      s += Math.abs(d);
      c++;
    }
  }
  return c ? s / c : NaN;
}

/**
 * MASE = MAE(actual, forecast) / maseScale(insample, period). A zero scale (a perfectly periodic in-sample
 * series) gives 0 for a perfect forecast and Infinity otherwise.
 */
export function mase(actual: ArrayLike<number>, forecast: ArrayLike<number>, insample: ArrayLike<number>, period: number): number {
  return scaledError(meanAbsoluteError(actual, forecast), maseScale(insample, period));
}

function scaledError(mae: number, scale: number): number {
  if (scale > 0) return mae / scale;
  return mae === 0 ? 0 : Number.POSITIVE_INFINITY;
}

export interface EvaluateOptions {
  /** Steps per day: the seasonal-naive lag and the MASE scale's lag. */
  period: number;
  /** Steps ahead from each origin (e.g. one day = period). */
  horizon: number;
  /** Share of the series held out at the end (default 0.2). */
  testFraction?: number;
  /** Number of rolling origins in the tail (default 10); fewer if the tail is short. */
  origins?: number;
  /** Options of the forecaster fitted on the training part (`period` is filled in). */
  forecaster?: Omit<ForecasterOptions, 'period'>;
  /** Use this already-fitted forecaster instead of fitting one (it must not have seen the tail). */
  model?: Forecaster;
}

export interface SeriesEvaluation {
  /** The forecaster's MASE over every origin and step. */
  mase: number;
  /** The seasonal-naive (one period back) forecast's MASE on the same origins and steps. */
  naiveMase: number;
  /** mase / naiveMase (< 1: the forecaster beats seasonal naive). */
  ratio: number;
  mae: number;
  naiveMae: number;
  /** The MASE denominator (in-sample mean absolute seasonal-naive error). */
  scale: number;
  /** Per origin: the two MASEs (same scale). */
  perOrigin: { origin: number; mase: number; naiveMase: number }[];
  n: number;
  trainLength: number;
  testLength: number;
  horizon: number;
  period: number;
  origins: number[];
  /** Milliseconds to fit the forecaster on the training part (0 when a model was passed in). */
  fitMs: number;
}

/** Split point and rolling origins of the protocol (exported for tests and reports). */
export function evaluationOrigins(n: number, horizon: number, testFraction: number, count: number): { split: number; origins: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RolloutlabError('BAD_ARGUMENT', `testFraction must be in (0, 1), got ${testFraction}`);
  const split = n - Math.round(testFraction * n);
  const last = n - horizon;
  if (last < split) throw new RolloutlabError('BAD_DATA', `the held-out tail (${n - split} steps) is shorter than the horizon (${horizon})`);
  const k = Math.max(1, Math.min(count, last - split + 1));
  const origins: number[] = [];
  for (let i = 0; i < k; i++) origins.push(k === 1 ? split : split + Math.round((i * (last - split)) / (k - 1)));
  return { split, origins };
}

/** Hold out the tail, fit on the rest, forecast from rolling origins in the tail; forecaster vs seasonal naive. */
export function evaluateSeries(series: ArrayLike<number>, opts: EvaluateOptions): SeriesEvaluation {
  const { period, horizon } = opts;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RolloutlabError('BAD_ARGUMENT', `horizon must be an integer >= 1, got ${horizon}`);
  const n = series.length;
  const { split, origins } = evaluationOrigins(n, horizon, opts.testFraction ?? 0.2, opts.origins ?? 10);
  const train = Array.prototype.slice.call(series, 0, split) as number[];
  const trainArr = Float64Array.from(train);
  const t0 = performance.now();
  const model = opts.model ?? fitForecaster(trainArr, { ...opts.forecaster, period });
  const fitMs = opts.model ? 0 : performance.now() - t0;
  const scale = maseScale(trainArr, period);
  const all = Float64Array.from(Array.prototype.slice.call(series) as number[]);

  let sumF = 0;
  let sumN = 0;
  let count = 0;
  const perOrigin: SeriesEvaluation['perOrigin'] = [];
  for (const o of origins) {
    const history = all.subarray(0, o);
    const actual = all.subarray(o, o + horizon);
    const f = model.forecast(history, horizon);
    const nv = seasonalNaive(history, horizon, period);
    let sf = 0;
    let sn = 0;
    let c = 0;
    for (let h = 0; h < horizon; h++) {
      const a = actual[h];
      if (!Number.isFinite(a) || !Number.isFinite(f[h]) || !Number.isFinite(nv[h])) continue;
      sf += Math.abs(a - f[h]);
      sn += Math.abs(a - nv[h]);
      c++;
    }
    sumF += sf;
    sumN += sn;
    count += c;
    perOrigin.push({ origin: o, mase: c ? scaledError(sf / c, scale) : NaN, naiveMase: c ? scaledError(sn / c, scale) : NaN });
  }
  const mae = count ? sumF / count : NaN;
  const naiveMae = count ? sumN / count : NaN;
  const m = scaledError(mae, scale);
  const nm = scaledError(naiveMae, scale);
  return {
    mase: m,
    naiveMase: nm,
    ratio: m / nm,
    mae,
    naiveMae,
    scale,
    perOrigin,
    n,
    trainLength: split,
    testLength: n - split,
    horizon,
    period,
    origins,
    fitMs,
  };
}

/** Average consecutive blocks of `width` steps (a partial last block is dropped): e.g. 1-minute → 15-minute. */
export function resample(series: ArrayLike<number>, width: number): Float64Array {
  if (!Number.isInteger(width) || width < 1) throw new RolloutlabError('BAD_ARGUMENT', `width must be an integer >= 1, got ${width}`);
  const nb = Math.floor(series.length / width);
  const out = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    let s = 0;
    for (let t = k * width; t < (k + 1) * width; t++) s += series[t];
    out[k] = s / width;
  }
  return out;
}
