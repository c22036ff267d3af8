// Shared fixtures of the detector suites (test/anomaly-*.test.ts): a seeded noise stream, a daily-like test series,
// and the save/restore property every detector must have.
import { expect } from 'vitest';
import { createDetector, restoreDetector, type DetectorName } from '../detectors/registry.ts';

/** Seeded Park-Miller stream and an approximately normal draw (sum of 12 uniforms). */
export function rng(seed: number) {
  let s = seed;
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return { u, gauss: () => { let a = 0; for (let k = 0; k < 12; k++) a += u(); return a - 6; } };
}

/** A daily-like series (period 288) with noise, a level shift at 3000 and a spike at 4500. */
export function series(n = 6000, seed = 11): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + 2 * r.gauss() + (i >= 3000 ? 15 : 0) + (i === 4500 ? 60 : 0));
}

/**
 * For every option set and cut: a detector fed the first `cut` values, saved as JSON and restored, scores the rest
 * exactly like the original, and ends in the same state. `time(i)` is the timestamp given with value i.
 */
export function expectRestoreContinues(name: DetectorName, variants: readonly Record<string, number>[], cuts: readonly number[], xs: readonly number[], time: (i: number) => number | undefined = () => undefined): void {
  for (const opts of variants) {
    for (const cut of cuts) {
      const a = createDetector(name, opts);
      for (let i = 0; i < cut; i++) a.update(xs[i], time(i));
      const b = restoreDetector(JSON.parse(JSON.stringify(a)));
      expect(b.name).toBe(name);
      for (let i = cut; i < xs.length; i++) {
        const x = a.update(xs[i], time(i));
        const y = b.update(xs[i], time(i));
        if (x !== y) expect(`${JSON.stringify(opts)} cut ${cut} row ${i}: ${y}`).toBe(`${x}`);
      }
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    }
  }
}
