// The `art` detector (training/anomaly/art.ts): determinism, range, save/restore, step and spike, flat series,
// non-finite values, and the bench's even/odd file split used to tune it (docs/anomaly.md).
import { describe, it, expect } from 'vitest';
import { createDetector, restoreDetector, scoreSeries, DETECTOR_NAMES } from '../training/anomaly/detector.ts';
import { ART_DEFAULTS } from '../training/anomaly/art.ts';
import { selectNabFiles } from '../bench/nab.ts';

/** Seeded Park-Miller stream and an approximately normal draw (sum of 12 uniforms). */
function rng(seed: number) {
  let s = seed;
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return { u, gauss: () => { let a = 0; for (let k = 0; k < 12; k++) a += u(); return a - 6; } };
}

/** A daily-like series (period 288) with noise, a level shift at 3000 and a spike at 4500. */
function series(n = 6000, seed = 11): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + 2 * r.gauss() + (i >= 3000 ? 15 : 0) + (i === 4500 ? 60 : 0));
}

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
    const xs = series();
    for (const opts of [{}, { maxCategories: 4, block: 3, window: 3 }, { block: 2, residualWeight: 1, gate: 1 }, { contextualWeight: 0 }] as Record<string, number>[]) {
      for (const cut of [1, 60, 151, 1000, 3001, 4501]) {
        const a = createDetector('art', opts);
        for (let i = 0; i < cut; i++) a.update(xs[i]);
        const b = restoreDetector(JSON.parse(JSON.stringify(a)));
        expect(b.name).toBe('art');
        for (let i = cut; i < xs.length; i++) {
          const x = a.update(xs[i]);
          const y = b.update(xs[i]);
          if (x !== y) expect(`${JSON.stringify(opts)} cut ${cut} row ${i}: ${y}`).toBe(`${x}`);
        }
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }
    }
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
