// The `forecast` detector (detectors/forecast.ts): registration and options, determinism, range,
// save/restore, the season from the timestamps, step / spike / out-of-season values, flat and periodic series,
// non-finite values and missing timestamps, bounded state (docs/anomaly.md, "The `forecast` detector").
import { describe, it, expect } from 'vitest';
import { createDetector, restoreDetector, DETECTOR_NAMES, type AnomalyDetector } from '../detectors/registry.ts';
import { FORECAST_DEFAULTS, ForecastDetector } from '../detectors/forecast.ts';
import { rng, series, expectRestoreContinues } from './detector-fixtures.ts';

const T0 = Date.UTC(2024, 0, 1);
const FIVE_MIN = 300_000;


/** Scores of a fresh detector, with 5-minute timestamps (or none). */
function run(xs: readonly number[], opts: Record<string, number> = {}, dt: number | null = FIVE_MIN, d: AnomalyDetector = createDetector('forecast', opts)): number[] {
  return xs.map((x, i) => d.update(x, dt === null ? undefined : T0 + i * dt));
}

const VARIANTS: Record<string, number>[] = [
  {},
  { ratio: 0 },
  { scaleWindow: 100, agreeWeight: 1, meanWeight: 1, residualWeight: 0 },
  { days: 7, replace: 1, ratio: 0.9, clip: 0 },
  { contextWeight: 0, residualWeight: 0, ratio: 0 },
];

describe('forecast detector', () => {
  it('is registered, with its defaults as options, and checks its options', () => {
    expect(DETECTOR_NAMES).toContain('forecast');
    const d = createDetector('forecast');
    expect(d.name).toBe('forecast');
    expect(d.toJSON().options).toEqual({ ...FORECAST_DEFAULTS });
    expect(() => createDetector('forecast', { alpha: 1.5 })).toThrow(/must be in \[0, 1\]/);
    expect(() => createDetector('forecast', { minPeriod: 0 })).toThrow(/minPeriod must be an integer/);
    expect(() => createDetector('forecast', { bogus: 1 })).toThrow(/unknown option "bogus"/);
  });

  it('learns the season length from the timestamps (none without timestamps)', () => {
    const xs = series(400);
    const five = createDetector('forecast') as ForecastDetector;
    run(xs, {}, FIVE_MIN, five);
    expect([five.dt, five.period]).toEqual([FIVE_MIN, 288]);
    const hourly = createDetector('forecast') as ForecastDetector;
    run(xs, {}, 3_600_000, hourly);
    expect([hourly.dt, hourly.period]).toEqual([3_600_000, 24]);
    const none = createDetector('forecast') as ForecastDetector;
    run(xs, {}, null, none);
    expect(none.period).toBe(0);
    const minute = createDetector('forecast') as ForecastDetector; // 1,440 rows a day: within maxPeriod
    run(xs, {}, 60_000, minute);
    expect(minute.period).toBe(1440);
    const seconds = createDetector('forecast') as ForecastDetector; // 86,400 rows a day: no season
    run(xs, {}, 1000, seconds);
    expect(seconds.period).toBe(0);
  });

  it('is deterministic, scores lie in [0, 1) and are 0 during the warm-up', () => {
    const xs = series();
    for (const opts of VARIANTS) {
      for (const dt of [FIVE_MIN, null]) {
        const a = run(xs, opts, dt);
        const b = run(xs, opts, dt);
        expect(a).toEqual(b);
        for (const x of a) expect(x >= 0 && x < 1, `${JSON.stringify(opts)} ${x}`).toBe(true);
        expect(Math.max(...a.slice(0, FORECAST_DEFAULTS.warmup))).toBe(0);
        expect(Math.max(...a), JSON.stringify(opts)).toBeGreaterThan(0);
      }
    }
  });

  it('save and restore mid-stream (in the warm-up, at its end, mid-season, after the shift) continues identically', () => {
    expectRestoreContinues('forecast', VARIANTS, [1, 60, 149, 150, 151, 300, 1000, 3001, 4501], series(), (i) => (i % 13 === 4 ? undefined : T0 + i * FIVE_MIN));
  });

  it('a step change and a single spike in a calm noisy series score high at once', () => {
    const r = rng(7);
    const step = run(Array.from({ length: 2000 }, (_, i) => 10 + r.gauss() + (i >= 1500 ? 5 : 0)));
    expect(Math.max(...step.slice(1500, 1510))).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...step.slice(1500, 1510))).toBeGreaterThan(Math.max(...step.slice(FORECAST_DEFAULTS.warmup, 1500)));
    const r2 = rng(3);
    const spike = run(Array.from({ length: 2000 }, (_, i) => 10 + r2.gauss() + (i === 1700 ? 12 : 0)));
    expect(spike[1700]).toBeGreaterThanOrEqual(0.5);
    expect(spike[1700]).toBeGreaterThan(Math.max(...spike.slice(FORECAST_DEFAULTS.warmup, 1700)));
  });

  it('an out-of-season value (inside the usual range) is a large forecast surprise', () => {
    const r = rng(5);
    const xs = Array.from({ length: 5000 }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 0.5 * r.gauss());
    for (let i = 4000; i < 4010; i++) xs[i] = 50 + 20 * Math.sin((2 * Math.PI * (i + 144)) / 288); // night at noon
    const d = createDetector('forecast') as ForecastDetector;
    const lf: number[] = [];
    const sc = xs.map((x, i) => {
      const s = d.update(x, T0 + i * FIVE_MIN);
      lf.push(d.lastForecast);
      return s;
    });
    expect(Math.max(...lf.slice(3000, 4000))).toBeLessThan(4);
    expect(lf[4000]).toBeGreaterThan(20);
    expect(sc[4000]).toBeGreaterThan(0.8);
    expect(sc[4000]).toBeGreaterThan(Math.max(...sc.slice(FORECAST_DEFAULTS.warmup, 4000)));
  });

  it('a flat series never fires; a purely periodic daily series stays low once a whole period has been seen', () => {
    for (const opts of VARIANTS) {
      for (const dt of [FIVE_MIN, null]) expect(Math.max(...run(new Array(3000).fill(42), opts, dt)), JSON.stringify(opts)).toBe(0);
    }
    // During the first period the inner contextual detector still meets new value contexts (the daily square's
    // first 1 -> 5 edge at row 288 scores 0.56); after it, only small scores (< 0.3), and the forecaster adds nothing.
    for (const wave of [(i: number) => 10 * Math.sin((2 * Math.PI * i) / 288), (i: number) => (i % 288 < 100 ? 5 : 1)]) {
      const xs = Array.from({ length: 6000 }, (_, i) => wave(i));
      const d = createDetector('forecast') as ForecastDetector;
      let maxLf = 0;
      const sc = xs.map((x, i) => {
        const s = d.update(x, T0 + i * FIVE_MIN);
        if (i >= 3 * 288) maxLf = Math.max(maxLf, d.lastForecast);
        return s;
      });
      expect(Math.max(...sc.slice(289))).toBeLessThan(0.3);
      expect(maxLf).toBeLessThan(0.5);
      const c = createDetector('contextual');
      expect(sc).toEqual(xs.map((x) => c.update(x)));
    }
  });

  it('non-finite values score 0 and are not learnt; rows without a timestamp take the next slot', () => {
    const xs = series(3000);
    for (const opts of VARIANTS) {
      const clean = run(xs, opts);
      const d = createDetector('forecast', opts);
      const dirty: number[] = [];
      xs.forEach((x, i) => {
        if (i % 97 === 5) for (const bad of [NaN, Infinity, -Infinity]) expect(d.update(bad, T0 + i * FIVE_MIN)).toBe(0);
        dirty.push(d.update(x, T0 + i * FIVE_MIN));
      });
      expect(dirty).toEqual(clean);
    }
    // regular rows: a missing (or non-finite) timestamp after the warm-up gives the same scores as the real one
    const withTs = run(xs);
    const d = createDetector('forecast');
    expect(xs.map((x, i) => d.update(x, i > 500 && i % 7 === 0 ? (i % 2 ? undefined : NaN) : T0 + i * FIVE_MIN))).toEqual(withTs);
    const fresh = createDetector('forecast');
    expect(fresh.update(NaN)).toBe(0);
    expect(JSON.stringify(restoreDetector(JSON.parse(JSON.stringify(fresh))))).toBe(JSON.stringify(createDetector('forecast')));
  });

  it('keeps its state small on a long stream', () => {
    const r = rng(9);
    const d = createDetector('forecast', { scaleWindow: 300 });
    for (let i = 0; i < 100_000; i++) d.update(10 * Math.sin((2 * Math.PI * i) / 288) + 5 * r.gauss() + (i % 4999 === 0 ? 80 : 0), T0 + i * FIVE_MIN);
    expect(JSON.stringify(d).length).toBeLessThan(150_000);
  });
});
