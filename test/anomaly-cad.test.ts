// The `cad` detector (detectors/cad.ts): registration and options, determinism, range, save/restore,
// step and spike, flat series, non-finite values, the grid growing, and the memory cap (docs/anomaly.md).
import { describe, it, expect } from 'vitest';
import { createDetector, restoreDetector, scoreSeries, DETECTOR_NAMES } from '../detectors/registry.ts';
import { CAD_DEFAULTS, CadDetector } from '../detectors/cad.ts';
import { rng, series, expectRestoreContinues } from './detector-fixtures.ts';


/** The option sets exercised: the defaults, CAD alone (likelihood), CAD OSE's own output, with the residual part, a tiny memory. */
const VARIANTS: Record<string, number>[] = [
  {},
  { contextualWeight: 0, maxActive: 15 },
  { likelihood: 0, contextualWeight: 0, maxActive: 15, restPeriod: 100 },
  { residualWeight: 1, bits: 4 },
  { maxContexts: 40, grow: 1.5 },
];

describe('cad detector', () => {
  it('is registered, with its defaults as options, and checks its options', () => {
    expect(DETECTOR_NAMES).toContain('cad');
    const d = createDetector('cad');
    expect(d.name).toBe('cad');
    expect(d.toJSON().options).toEqual({ ...CAD_DEFAULTS });
    expect(() => createDetector('cad', { bits: 0 })).toThrow(/bits must be an integer/);
    expect(() => createDetector('cad', { bits: 17 })).toThrow(/bits must be <= 16/);
    expect(() => createDetector('cad', { grow: 1 })).toThrow(/grow must be > 1/);
    expect(() => createDetector('cad', { likelihood: 0.5 })).toThrow(/likelihood must be 0 or 1/);
    expect(() => createDetector('cad', { maxContexts: 2 ** 17 + 1 })).toThrow(/maxContexts must be <= 131072/);
    expect(() => createDetector('cad', { bogus: 1 })).toThrow(/unknown option "bogus"/);
  });

  it('is deterministic, scores lie in [0, 1) and are 0 during the warm-up', () => {
    const xs = series();
    for (const opts of VARIANTS) {
      const a = scoreSeries(xs, 'cad', opts);
      const b = scoreSeries(xs, 'cad', opts);
      expect(Array.from(a)).toEqual(Array.from(b));
      for (const x of a) expect(x >= 0 && x < 1, `${JSON.stringify(opts)} ${x}`).toBe(true);
      expect(Math.max(...a.subarray(0, CAD_DEFAULTS.warmup))).toBe(0);
      expect(Math.max(...a), JSON.stringify(opts)).toBeGreaterThan(0);
    }
  });

  it('save and restore mid-stream (in the warm-up, at its end, after the grid grew, after memory clears) continues identically', () => {
    expectRestoreContinues('cad', VARIANTS, [1, 60, 150, 151, 1000, 3001, 4501], series());
  });

  // CAD's raw score on noise is jumpy (0-1), so the CAD part alone is checked on its raw score (1 = a value off
  // everything learnt), the defaults on the reported score.
  it('a step change in a calm noisy series scores high within a few rows, above everything before it', () => {
    const r = rng(7);
    const d = createDetector('cad') as CadDetector;
    const sc: number[] = [], raw: number[] = [];
    for (let i = 0; i < 2000; i++) {
      sc.push(d.update(10 + r.gauss() + (i >= 1500 ? 5 : 0)));
      raw.push(d.lastRaw);
    }
    const before = Math.max(...sc.slice(CAD_DEFAULTS.warmup, 1500));
    const after = Math.max(...sc.slice(1500, 1510));
    expect(after).toBeGreaterThanOrEqual(0.5);
    expect(after).toBeGreaterThan(before);
    expect(Math.max(...raw.slice(1500, 1510))).toBe(1);
  });

  it('a single spike in a calm noisy series scores high at once; the CAD part alone gives it raw 1', () => {
    const r = rng(3);
    const d = createDetector('cad') as CadDetector;
    const sc: number[] = [];
    let spikeRaw = 0;
    for (let i = 0; i < 2000; i++) {
      sc.push(d.update(10 + r.gauss() + (i === 1700 ? 12 : 0)));
      if (i === 1700) spikeRaw = d.lastRaw;
    }
    const before = Math.max(...sc.slice(CAD_DEFAULTS.warmup, 1700));
    expect(sc[1700]).toBeGreaterThanOrEqual(0.5);
    expect(sc[1700]).toBeGreaterThan(before);
    expect(spikeRaw).toBe(1);
  });

  it('a flat series never fires; a repeated pattern stops firing once the likelihood history has adapted', () => {
    for (const opts of VARIANTS) {
      expect(Math.max(...scoreSeries(new Array(3000).fill(42), 'cad', opts)), JSON.stringify(opts)).toBe(0);
    }
    // CAD's contexts are first-order: a change after 50 equal values stays a surprise to them (a small fraction of
    // the selected contexts predicted it), so the square wave's edges score (0.24-0.40, rising as the suppression
    // lets only higher scores through) until the 2,000-row likelihood history is full of them; then nothing.
    const square = Array.from({ length: 12000 }, (_, i) => (Math.floor(i / 50) % 2 ? 80 : 20));
    const s = scoreSeries(square, 'cad');
    expect(Math.max(...s.subarray(0, 4001))).toBeLessThan(0.45);
    expect(Math.max(...s.subarray(4001))).toBe(0);
  });

  it('non-finite values score 0 and are not learnt', () => {
    const xs = series(3000);
    for (const opts of VARIANTS) {
      const clean = scoreSeries(xs, 'cad', opts);
      const d = createDetector('cad', opts);
      const dirty: number[] = [];
      xs.forEach((x, i) => {
        if (i % 97 === 5) for (const bad of [NaN, Infinity, -Infinity]) expect(d.update(bad)).toBe(0);
        dirty.push(d.update(x));
      });
      expect(dirty).toEqual(Array.from(clean));
    }
    const fresh = createDetector('cad');
    expect(fresh.update(NaN)).toBe(0);
    expect(JSON.stringify(restoreDetector(JSON.parse(JSON.stringify(fresh))))).toBe(JSON.stringify(createDetector('cad')));
  });

  it('grows its grid on values off it (no look-ahead) and keeps the memory under maxContexts', () => {
    const d = createDetector('cad') as CadDetector;
    for (let i = 0; i < 300; i++) d.update(i % 10);
    const step = d.step;
    expect(step).toBeCloseTo(9 / 7, 12); // warm-up range / (2^bits - 1), as CAD OSE's range / maxBinValue
    d.update(100);
    expect(d.step).toBeGreaterThanOrEqual((100 - d.lo) / 7);
    expect(d.resets).toBe(1);
    const small = createDetector('cad', { maxContexts: 40 }) as CadDetector;
    const r = rng(5);
    for (let i = 0; i < 5000; i++) {
      small.update(r.gauss());
      expect(small.mem.contexts).toBeLessThanOrEqual(40 + 64);
    }
  });
});
