// The `artime` detector (detectors/artime.ts), the ARTime port: NAB's published ARTime scores reproduced row by row
// on small NAB files, the Haar transform it uses, options, save/restore, and `bench nab --faithful ARTime`
// (docs/anomaly.md).
import { describe, it, expect, beforeAll } from 'vitest';
import { join, resolve } from 'node:path';
import { createDetector, DETECTOR_NAMES, nabFileOptions } from '../detectors/registry.ts';
import { ARTIME_DEFAULTS, artimeFileOptions, haarDwt8 } from '../detectors/artime.ts';
import { loadNab, readNabScores, type NabData } from '../detectors/nab.ts';
import { FAITHFUL_TOLERANCE, referencePath } from '../bench/nab.ts';
import { SERVED_DETECTORS } from '../server/schemas.ts';
import { series, expectRestoreContinues } from './detector-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '..');
const NAB = join(ROOT, 'datasets/real/nab');

/** Small files with anomalies scored (4-8 non-zero rows each); exchange-3_cpc needs pandas' legacy reading. */
const FILES = ['realAdExchange/exchange-3_cpc_results.csv', 'realAdExchange/exchange-4_cpc_results.csv', 'realKnownCause/rogue_agent_key_hold.csv'];

let nab: NabData;
beforeAll(async () => {
  nab = await loadNab(NAB);
});

/** Largest |ours - published| over a file, and the rows each side scores above 0. */
async function compare(key: string, legacy = true): Promise<{ max: number; ours: number; theirs: number }> {
  const f = nab.files.find((x) => x.key === key)!;
  const ref = await readNabScores(referencePath(NAB, 'ARTime', key));
  expect(ref.scores.length).toBe(f.values.length);
  const d = createDetector('artime', legacy ? nabFileOptions('artime', f.values) : artimeFileOptions(f.values, false));
  let max = 0, ours = 0, theirs = 0;
  for (let i = 0; i < f.values.length; i++) {
    const s = d.update(f.values[i]);
    max = Math.max(max, Math.abs(s - ref.scores[i]));
    if (s > 0) ours++;
    if (ref.scores[i] > 0) theirs++;
  }
  return { max, ours, theirs };
}

describe('artime: NAB ARTime reproduced', () => {
  it.each(FILES)('%s: every row within 1e-12 of the published score', async (key) => {
    const r = await compare(key);
    expect(r.theirs).toBeGreaterThanOrEqual(4);
    expect(r.ours).toBe(r.theirs);
    expect(r.max).toBeLessThan(FAITHFUL_TOLERANCE);
  });

  it("without pandas' legacy reading exchange-3_cpc parts from the published scores", async () => {
    expect((await compare(FILES[0], false)).max).toBeGreaterThan(1e-3);
  });
});

describe('artime: the detector', () => {
  it('the Haar transform is orthonormal, in Wavelets.jl order (approximation, then details coarse to fine)', () => {
    const r2 = Math.SQRT2;
    expect(haarDwt8([1, 1, 1, 1, 1, 1, 1, 1]).map((v) => +v.toFixed(12))).toEqual([+(2 * r2).toFixed(12), 0, 0, 0, 0, 0, 0, 0]);
    expect(haarDwt8([0, 0, 0, 0, 1, 1, 1, 1]).map((v) => +v.toFixed(12))).toEqual([+r2.toFixed(12), +r2.toFixed(12), 0, 0, 0, 0, 0, 0]);
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    const y = haarDwt8(x);
    expect(y.reduce((a, v) => a + v * v, 0)).toBeCloseTo(x.reduce((a, v) => a + v * v, 0), 10);
    expect(y[4]).toBeCloseTo((1 - 3) / r2, 12); // finest details: (second - first) / sqrt 2
  });

  it('is registered, never served, and takes the file min, max and length from the bench', () => {
    expect(DETECTOR_NAMES).toContain('artime');
    expect(SERVED_DETECTORS).not.toContain('artime');
    expect(createDetector('artime').toJSON().options).toEqual({ ...ARTIME_DEFAULTS });
    expect(nabFileOptions('artime', [3, -2.5, 7])).toEqual({ minValue: -2.5, maxValue: 7, length: 50, legacyParse: 1 });
    expect(() => createDetector('artime', { minValue: 1, maxValue: 0 })).toThrow(/maxValue must be >= minValue/);
    expect(() => createDetector('artime', { length: 49 })).toThrow(/length must be >= 50/);
    expect(() => createDetector('artime', { legacyParse: 3 })).toThrow(/legacyParse must be 0 or 1/);
  });

  it('scores 0 through the probation and non-finite values, scores in [0, 1], some above 0 on a level shift', () => {
    const xs = series(5000); // a level shift at row 3000, a spike at 4500
    const d = createDetector('artime', { minValue: 20, maxValue: 140, length: 5000 });
    const s = xs.map((x) => d.update(x));
    expect(Math.max(...s.slice(0, 750))).toBe(0); // NAB's probationary period of 5,000 rows
    for (const v of s) expect(v >= 0 && v <= 1).toBe(true);
    expect(Math.max(...s.slice(3000, 3100))).toBeGreaterThan(0);
    expect(d.update(Number.NaN)).toBe(0);
  });

  it('save and restore mid-stream (in and after the probation) continues with identical scores', () => {
    expectRestoreContinues('artime', [{ minValue: 20, maxValue: 140, length: 2000 }, { minValue: 20, maxValue: 140, length: 1000, legacyParse: 1 }, { onlineRange: 1, rangeMargin: 1.5, length: 1000 }], [1, 100, 900], series(1100));
  });

  it('onlineRange (an experiment, not ARTime): the range comes from the probation alone; values outside it are clamped', () => {
    const xs = series(5000); // the level shift at 3000 leaves the probation's range
    const run = (o: Record<string, number>) => { const d = createDetector('artime', { length: 5000, ...o }); return xs.map((x) => d.update(x)); };
    const a = run({ onlineRange: 1, rangeMargin: 0, minValue: 0, maxValue: 1 });
    expect(run({ onlineRange: 1, rangeMargin: 0, minValue: -500, maxValue: 900 })).toEqual(a); // the given range is ignored
    for (const v of a) expect(v >= 0 && v <= 1).toBe(true);
    expect(Math.max(...a.slice(0, 750))).toBe(0);
    expect(run({ onlineRange: 1, rangeMargin: 1.5 })).not.toEqual(a);
    expect(() => createDetector('artime', { onlineRange: 2 })).toThrow(/onlineRange must be 0 or 1/);
  });
});
