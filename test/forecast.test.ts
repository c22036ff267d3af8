// The traffic forecaster (training/forecast): MASE arithmetic, the seasonal-naive baseline, recovery of a
// synthetic daily + weekly pattern, determinism, the save/load round trip, and the report (bench/forecast.ts) on
// simulated traffic and NAB's nyc_taxi (the repo's copy in datasets/real).
import { describe, it, expect, beforeAll } from 'vitest';
import { Rng } from '../lib/rng.ts';
import { RolloutlabError } from '../lib/errors.ts';
import {
  evaluateSeries,
  evaluationOrigins,
  fitForecaster,
  forecasterFromJSON,
  mase,
  maseScale,
  meanAbsoluteError,
  resample,
  seasonalNaive,
} from '../training/forecast/index.ts';
import { forecastReport, type ForecastReport } from '../bench/forecast.ts';

/**
 * Synthetic traffic at 15-minute steps (period 96): a daily cosine, 0.7 at weekends, slow growth, one holiday
 * (day 10 at 0.5), bursts, AR(1) log-noise. Returns the noisy series and its noiseless mean.
 */
function synthetic(seed: number, days: number): { x: Float64Array; mean: Float64Array; period: number } {
  const period = 96;
  const n = days * period;
  const rng = new Rng(seed, 'forecast-test');
  const x = new Float64Array(n);
  const mean = new Float64Array(n);
  let e = 0;
  for (let t = 0; t < n; t++) {
    const day = Math.floor(t / period);
    const hour = ((t % period) / period) * 24;
    const daily = 1 + 0.6 * Math.cos((2 * Math.PI * (hour - 14)) / 24) + 0.1 * Math.cos((4 * Math.PI * (hour - 14)) / 24);
    const weekly = day % 7 >= 5 ? 0.7 : 1;
    const holiday = day === 10 ? 0.5 : 1;
    mean[t] = 1000 * daily * weekly * (1 + 0.0005 * day);
    e = 0.7 * e + 0.05 * rng.normal();
    x[t] = mean[t] * holiday * Math.exp(e);
  }
  for (let b = 0; b < days / 3; b++) {
    const start = rng.int(0, n - 8);
    for (let t = start; t < start + 4; t++) x[t] *= 2.5;
  }
  return { x, mean, period };
}

describe('MASE arithmetic', () => {
  it('is 0 for a perfect forecast', () => {
    const insample = [3, 5, 4, 6, 2, 7, 3, 5];
    expect(mase([1, 2, 3], [1, 2, 3], insample, 2)).toBe(0);
  });

  it('matches a hand-computed value', () => {
    // Scale: |3-1|, |5-2|, |4-3|, |6-5| → mean 7/4. Errors |2-3|, |4-1| → MAE 2. MASE = 2 / 1.75.
    expect(maseScale([1, 2, 3, 5, 4, 6], 2)).toBeCloseTo(1.75, 12);
    expect(meanAbsoluteError([2, 4], [3, 1])).toBe(2);
    expect(mase([2, 4], [3, 1], [1, 2, 3, 5, 4, 6], 2)).toBeCloseTo(2 / 1.75, 12);
  });

  it('handles a zero scale (a perfectly periodic in-sample series)', () => {
    const periodic = [1, 2, 3, 1, 2, 3, 1, 2, 3];
    expect(maseScale(periodic, 3)).toBe(0);
    // Seasonal naive on a pure periodic series is perfect: 0, not NaN.
    const naive = seasonalNaive(periodic, 3, 3);
    expect(Array.from(naive)).toEqual([1, 2, 3]);
    expect(mase([1, 2, 3], naive, periodic, 3)).toBe(0);
    expect(mase([1, 2, 4], naive, periodic, 3)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects an in-sample series shorter than a period, and mismatched lengths', () => {
    expect(() => maseScale([1, 2], 3)).toThrow(RolloutlabError);
    expect(() => meanAbsoluteError([1, 2], [1])).toThrow(RolloutlabError);
  });

  it('seasonal naive repeats the last day, also beyond one period', () => {
    expect(Array.from(seasonalNaive([1, 2, 3, 4, 5, 6], 5, 3))).toEqual([4, 5, 6, 4, 5]);
    expect(() => seasonalNaive([1, 2], 1, 3)).toThrow(RolloutlabError);
  });

  it('places the rolling origins inside the held-out tail', () => {
    const { split, origins } = evaluationOrigins(1000, 100, 0.2, 5);
    expect(split).toBe(800);
    expect(origins).toEqual([800, 825, 850, 875, 900]);
    expect(() => evaluationOrigins(1000, 300, 0.2, 5)).toThrow(RolloutlabError);
  });

  it("evaluateSeries' naive MASE is the seasonal-naive forecast's MASE, origin by origin", () => {
    const { x, period } = synthetic(3, 35);
    const r = evaluateSeries(x, { period, horizon: period, testFraction: 0.2, origins: 3 });
    const train = x.subarray(0, r.trainLength);
    r.perOrigin.forEach((p) => {
      const naive = seasonalNaive(x.subarray(0, p.origin), period, period);
      expect(p.naiveMase).toBeCloseTo(mase(x.subarray(p.origin, p.origin + period), naive, train, period), 10);
    });
  });

  it('resample averages blocks and drops a partial one', () => {
    expect(Array.from(resample([1, 3, 5, 7, 9], 2))).toEqual([2, 6]);
  });
});

describe('forecaster', () => {
  const { x, mean, period } = synthetic(1, 56);

  it('recovers a daily + weekly pattern with noise, a holiday and bursts better than seasonal naive', () => {
    const r = evaluateSeries(x, { period, horizon: period, testFraction: 0.25, origins: 12 });
    expect(r.mase).toBeLessThan(1);
    expect(r.mase).toBeLessThan(0.7 * r.naiveMase);

    // Against the noiseless truth: a 3-day forecast from the end of the training part is within a few percent,
    // holiday and bursts in the history notwithstanding.
    const split = 42 * period;
    const model = fitForecaster(x.subarray(0, split), { period });
    expect(model.options.weekly).toBe(true);
    expect(model.toJSON().excludedDays).toContain(10);
    const f = model.forecast(x.subarray(0, split), 3 * period);
    let rel = 0;
    for (let h = 0; h < f.length; h++) rel += Math.abs(f[h] / mean[split + h] - 1);
    expect(rel / f.length).toBeLessThan(0.05);
  });

  it('forecasts at the input resolution through internal buckets, from any origin', () => {
    // One-minute data (period 1440): fitted on 15-minute buckets, forecast per minute, origin mid-bucket.
    const minutes = new Float64Array(21 * 1440);
    for (let t = 0; t < minutes.length; t++) minutes[t] = x[Math.floor(t / 15)];
    const model = fitForecaster(minutes.subarray(0, 14 * 1440), { period: 1440 });
    expect(model.options.bucket).toBe(15);
    const origin = 14 * 1440 + 7;
    const f = model.forecast(minutes.subarray(0, origin), 4320);
    expect(f.length).toBe(4320);
    expect(f.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    // A history that starts later on the same time axis gives the same forecast (only the last week is used).
    const g = model.forecast(minutes.subarray(1441, origin), 4320, { start: 1441 });
    for (let h = 0; h < f.length; h += 97) expect(g[h]).toBeCloseTo(f[h], 6);
  });

  it('is deterministic', () => {
    const a = fitForecaster(x.subarray(0, 42 * period), { period });
    const b = fitForecaster(x.subarray(0, 42 * period), { period });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(Array.from(a.forecast(x, 2 * period))).toEqual(Array.from(b.forecast(x, 2 * period)));
  });

  it('save/load round trip gives identical forecasts', () => {
    const model = fitForecaster(x.subarray(0, 42 * period), { period });
    const text = JSON.stringify(model.toJSON());
    const loaded = forecasterFromJSON(JSON.parse(text));
    expect(JSON.stringify(loaded.toJSON())).toBe(text);
    for (const origin of [42 * period, 45 * period + 13, 50 * period + 71]) {
      const h = x.subarray(0, origin);
      expect(Array.from(loaded.forecast(h, 3 * period))).toEqual(Array.from(model.forecast(h, 3 * period)));
    }
    expect(() => forecasterFromJSON({ ...model.toJSON(), profile: [1, 2] })).toThrow(/profile/);
    expect(() => forecasterFromJSON('{"kind":"other"}')).toThrow(/seasonal-profile-forecaster/);
  });

  it('skips missing values and rejects negative ones', () => {
    const gappy = Float64Array.from(x.subarray(0, 42 * period));
    for (let t = 20 * period; t < 20 * period + 30; t++) gappy[t] = NaN;
    gappy[gappy.length - 1] = NaN;
    const model = fitForecaster(gappy, { period });
    const f = model.forecast(gappy, period);
    expect(f.every(Number.isFinite)).toBe(true);
    const neg = Float64Array.from(gappy);
    neg[5] = -1;
    expect(() => fitForecaster(neg, { period })).toThrow(/>= 0/);
    expect(() => fitForecaster(x.subarray(0, period), { period })).toThrow(/two days/);
    expect(() => fitForecaster(x, { period, bucket: 7 })).toThrow(/bucket/);
  });

  it('falls back to a daily profile with less than two weeks', () => {
    const model = fitForecaster(x.subarray(0, 10 * period), { period });
    expect(model.options.weekly).toBe(false);
    expect(model.toJSON().profile.length).toBe(period);
  });
});

describe('forecast report (simulated default traffic, NAB nyc_taxi)', () => {
  let report: ForecastReport;
  beforeAll(() => {
    report = forecastReport({ seed: 1, days: 42, longHorizonHours: 0 });
  });

  it('beats seasonal naive on the median simulated service, below MASE 1', () => {
    const s = report.simulated;
    expect(s.services.length).toBe(24);
    expect(s.trainDays).toBeCloseTo(33.6, 6);
    expect(s.medianMase).toBeLessThan(1);
    expect(s.medianMase).toBeLessThan(s.medianNaiveMase);
    expect(s.servicesBeatingNaive).toBe(24);
    expect(s.verdict.met).toBe(true);
  });

  it('beats seasonal naive on nyc_taxi, below MASE 1', () => {
    const t = report.nycTaxi!;
    expect(t.n).toBe(10320);
    expect(t.period).toBe(48);
    expect(t.trainLength).toBe(8256);
    expect(t.mase).toBeLessThan(1);
    expect(t.mase).toBeLessThan(t.naiveMase);
    expect(report.met).toBe(true);
  });

  it('is JSON-friendly and deterministic', () => {
    const again = forecastReport({ seed: 1, days: 42, longHorizonHours: 0 });
    const strip = (r: ForecastReport) =>
      JSON.stringify(r, (k, v) => (k === 'fitMs' || k === 'medianFitMs' ? undefined : v));
    expect(strip(again)).toBe(strip(report));
    expect(JSON.parse(JSON.stringify(report)).target).toBe(1);
  });
});
