// The `art` detector (detectors/art.ts): determinism, range, save/restore, step and spike, flat series,
// non-finite values, and the bench's even/odd file split used to tune it (docs/anomaly.md).
import { describe, it, expect } from 'vitest';
import { createDetector, restoreDetector, scoreSeries, DETECTOR_NAMES } from '../detectors/registry.ts';
import { ART_DEFAULTS } from '../detectors/art.ts';
import { selectNabFiles } from '../bench/nab.ts';
import { rng, series, expectRestoreContinues } from './detector-fixtures.ts';


describe('art detector', () => {
  it('is registered, with its defaults as options', () => {
    expect(DETECTOR_NAMES).toContain('art');
    const d = createDetector('art');
    expect(d.name).toBe('art');
    expect(d.toJSON().options).toEqual({ ...ART_DEFAULTS });
    expect(() => createDetector('art', { rho: 1 })).toThrow(/rho must be in \(0, 1\)/);
    expect(() => createDetector('art', { window: 0 })).toThrow(/window must be an integer/);
    expect(() => createDetector('art', { bogus: 1 })).toThrow(/unknown option "bogus"/);
  });

  it('is deterministic, scores lie in [0, 1) and are 0 during the warm-up', () => {
    const xs = series();
    for (const opts of [{}, { contextualWeight: 0 }, { block: 2, residualWeight: 1, gate: 1 }] as Record<string, number>[]) {
      const a = scoreSeries(xs, 'art', opts);
      const b = scoreSeries(xs, 'art', opts);
      expect(Array.from(a)).toEqual(Array.from(b));
      for (const x of a) expect(x >= 0 && x < 1, String(x)).toBe(true);
      expect(Math.max(...a.subarray(0, ART_DEFAULTS.warmup))).toBe(0);
      expect(Math.max(...a)).toBeGreaterThan(0);
    }
  });

  it('save and restore mid-stream (in the warm-up, while categories fill, after replacements) continues identically', () => {
    expectRestoreContinues('art', [{}, { maxCategories: 4, block: 3, window: 3 }, { block: 2, residualWeight: 1, gate: 1 }, { contextualWeight: 0 }], [1, 60, 151, 1000, 3001, 4501], series());
  });

  it('a step change in a calm noisy series scores high within a few rows, above everything before it', () => {
    const r = rng(7);
    const d = createDetector('art');
    const sc: number[] = [];
    for (let i = 0; i < 2000; i++) sc.push(d.update(10 + r.gauss() + (i >= 1500 ? 5 : 0)));
    const before = Math.max(...sc.slice(ART_DEFAULTS.warmup, 1500));
    const after = Math.max(...sc.slice(1500, 1510));
    expect(after).toBeGreaterThanOrEqual(0.5);
    expect(after).toBeGreaterThan(before);
  });

  it('a single spike in a calm noisy series scores high at once, and so does the ART part alone', () => {
    for (const opts of [{}, { contextualWeight: 0 }] as Record<string, number>[]) {
      const r = rng(3);
      const d = createDetector('art', opts);
      const sc: number[] = [];
      for (let i = 0; i < 2000; i++) sc.push(d.update(10 + r.gauss() + (i === 1700 ? 12 : 0)));
      const before = Math.max(...sc.slice(ART_DEFAULTS.warmup, 1700));
      expect(sc[1700], JSON.stringify(opts)).toBeGreaterThanOrEqual(0.5);
      expect(sc[1700]).toBeGreaterThan(before);
    }
  });

  it('a flat series never fires; nor does a repeated pattern once it has been seen', () => {
    expect(Math.max(...scoreSeries(new Array(3000).fill(42), 'art'))).toBe(0);
    const square = Array.from({ length: 4000 }, (_, i) => (Math.floor(i / 50) % 2 ? 80 : 20));
    expect(Math.max(...scoreSeries(square, 'art').subarray(400))).toBe(0);
  });

  it('non-finite values score 0 and are not learnt', () => {
    const xs = series(3000);
    const clean = scoreSeries(xs, 'art');
    const d = createDetector('art');
    const dirty: number[] = [];
    xs.forEach((x, i) => {
      if (i % 97 === 5) for (const bad of [NaN, Infinity, -Infinity]) expect(d.update(bad)).toBe(0);
      dirty.push(d.update(x));
    });
    expect(dirty).toEqual(Array.from(clean));
    const fresh = createDetector('art');
    expect(fresh.update(NaN)).toBe(0);
    expect(JSON.stringify(restoreDetector(JSON.parse(JSON.stringify(fresh))))).toBe(JSON.stringify(createDetector('art')));
  });

  it('the bench split: even and odd positions of the sorted paths partition the files', () => {
    const files = ['b/2.csv', 'a/1.csv', 'c/3.csv', 'a/0.csv', 'b/1.csv'].map((key) => ({ key }));
    expect(selectNabFiles(files, 'even').map((f) => f.key)).toEqual(['a/0.csv', 'b/1.csv', 'c/3.csv']);
    expect(selectNabFiles(files, 'odd').map((f) => f.key)).toEqual(['a/1.csv', 'b/2.csv']);
    expect(selectNabFiles(files).map((f) => f.key)).toEqual(['a/0.csv', 'a/1.csv', 'b/1.csv', 'b/2.csv', 'c/3.csv']);
    expect(() => selectNabFiles(files, 'half' as 'even')).toThrow(/--files: expected one of all, even, odd/);
  });
});
