// The `cad-ose` detector (detectors/cad-ose.ts), the faithful CAD OSE port: NAB's published contextOSE scores
// reproduced row by row on small NAB files, the CPython 2.7 details it depends on (tuple hash, dict order, pandas'
// legacy float parser), options, save/restore, and `bench nab --faithful` (docs/anomaly.md).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDetector, DETECTOR_NAMES, nabFileOptions } from '../detectors/registry.ts';
import { CAD_OSE_DEFAULTS, CadOseDetector, Py2IntDict, cadOseFileOptions, levelFacts, nabProbationaryPeriod, py2TupleHash } from '../detectors/cad-ose.ts';
import { pandasLegacyFloat, pandasLegacyValue } from '../detectors/pandas-float.ts';
import { loadNab, readNabScores, type NabData } from '../detectors/nab.ts';
import { benchFaithful, FAITHFUL_TOLERANCE, referencePath } from '../bench/nab.ts';
import { SERVED_DETECTORS } from '../server/schemas.ts';
import { series, expectRestoreContinues } from './detector-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '..');
const NAB = join(ROOT, 'datasets/real/nab');

/**
 * Small files (1,538-4,032 rows, under 2 s together): an ad-exchange and a knownCause file, and ec2_request_latency,
 * whose maximum is written "99.24799999999999" and which is only reproduced with pandas' legacy reading.
 */
const FILES = ['realAdExchange/exchange-3_cpc_results.csv', 'realKnownCause/rogue_agent_key_hold.csv', 'realKnownCause/ec2_request_latency_system_failure.csv'];

let nab: NabData;
beforeAll(async () => {
  nab = await loadNab(NAB);
});

/** Largest |ours - published| over a file, with the file's NAB options (the values as they are if not `legacy`). */
async function maxDiff(key: string, legacy = true): Promise<number> {
  const f = nab.files.find((x) => x.key === key)!;
  const ref = await readNabScores(referencePath(NAB, 'contextOSE', key));
  expect(ref.scores.length).toBe(f.values.length);
  const d = createDetector('cad-ose', legacy ? nabFileOptions('cad-ose', f.values) : cadOseFileOptions(f.values, false));
  let max = 0;
  for (let i = 0; i < f.values.length; i++) max = Math.max(max, Math.abs(d.update(f.values[i]) - ref.scores[i]));
  return max;
}

describe('cad-ose: NAB contextOSE reproduced', () => {
  // The published files print 12 significant digits, so equal scores differ by at most 5e-13 there.
  it.each(FILES)('%s: every row within 1e-12 of the published score', async (key) => {
    expect(FAITHFUL_TOLERANCE).toBe(1e-12);
    expect(await maxDiff(key)).toBeLessThan(FAITHFUL_TOLERANCE);
  });

  it('without pandas\' legacy reading ec2_request_latency parts from the published scores (its maximum changes level)', async () => {
    expect(await maxDiff(FILES[2], false)).toBeGreaterThan(0.01);
  });

  it('bench nab --faithful: per-file differences and both NAB scores on a two-file folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nab-faithful-'));
    cpSync(join(NAB, 'labels'), join(root, 'labels'), { recursive: true });
    cpSync(join(NAB, 'config'), join(root, 'config'), { recursive: true });
    mkdirSync(join(root, 'reference', 'contextOSE'), { recursive: true });
    for (const key of FILES.slice(0, 2)) {
      mkdirSync(join(root, 'data', key.split('/')[0]), { recursive: true });
      cpSync(join(NAB, 'data', key), join(root, 'data', key));
      cpSync(referencePath(NAB, 'contextOSE', key), referencePath(root, 'contextOSE', key));
    }
    const r = await benchFaithful(root, { detector: 'cad-ose', reference: 'contextOSE' });
    expect(r.perFile.map((f) => f.key)).toEqual(FILES.slice(0, 2));
    expect(r.maxAbsDiff).toBeLessThan(FAITHFUL_TOLERANCE);
    expect(r.filesDifferent).toBe(0);
    expect(r.scores.standard).toBeCloseTo(r.referenceScores.standard, 9);
    for (const f of r.perFile) expect(f.score).toBeCloseTo(f.referenceScore, 9);
    // Our own `cad` is not a reproduction: it differs on most rows.
    const own = await benchFaithful(root, { detector: 'cad', reference: 'contextOSE' });
    expect(own.maxAbsDiff).toBeGreaterThan(0.1);
    expect(own.filesDifferent).toBe(2);
    await expect(benchFaithful(root, { detector: 'cad-ose', reference: 'ARTime' })).rejects.toThrow(/published ARTime scores for .* not found/);
    await expect(benchFaithful(root, { detector: 'cad-ose', reference: 'htm' })).rejects.toThrow(/--faithful: expected one of/);

    const cli = spawnSync(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'bench', 'nab', '--data', root, '--detector', 'cad-ose', '--faithful', 'contextOSE', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(cli.status, cli.stderr).toBe(0);
    const o = JSON.parse(cli.stdout);
    expect(o).toMatchObject({ detector: 'cad-ose', reference: 'contextOSE', files: 2, filesDifferent: 0 });
    expect(o.maxAbsDiff).toBeLessThan(FAITHFUL_TOLERANCE);
  }, 120_000);
});

describe('cad-ose: the CPython 2.7 details', () => {
  it('tuple hashes are CPython 2.7 64-bit hash() values', () => {
    // Printed by CPython 2.7.18 (64-bit): hash(()), hash((1, 2, 3)), hash((0, 2, 4)), hash((0, 2, 4, 2**31 + 7)).
    expect(py2TupleHash([])).toBe(3527539n);
    expect(py2TupleHash([1, 2, 3])).toBe(2528502973977326415n);
    expect(py2TupleHash([0, 2, 4])).toBe(1267307236350160189n);
    expect(py2TupleHash([0, 2, 4, 2 ** 31 + 7])).toBe(7830800245832034786n);
  });

  it('a dict of small ints iterates in CPython 2.7 table order, not insertion order', () => {
    const d = new Py2IntDict();
    const keys = [5, 3, 13, 21, 8, 1, 0, 29, 2, 17, 40, 33, 9];
    keys.forEach((k, i) => d.setdefault(k, i));
    expect(d.setdefault(13, 99)).toBe(2);
    expect(d.get(40)).toBe(10);
    expect(d.get(4)).toBeUndefined();
    // CPython 2.7.18: d = {}; [d.setdefault(k, 0) for k in keys]; d.keys()
    expect([...d.table.keys].filter((k) => k >= 0)).toEqual([0, 1, 2, 3, 5, 33, 8, 9, 13, 17, 21, 40, 29]);
    expect(d.inserted).toEqual(keys);
  });

  it("pandas' legacy parser reads 16-digit texts one unit in the last place off", () => {
    expect(pandasLegacyFloat('99.24799999999999')).toBe(99.248);
    expect(99.24799999999999).not.toBe(99.248);
    expect(pandasLegacyFloat('43.428000000000004')).toBe(43.428);
    for (const t of ['22.864', '0.000385005', '-21.9988', '104', '1e-5', '2.5E+3']) expect(pandasLegacyFloat(t)).toBe(Number(t));
    expect(pandasLegacyValue(99.24799999999999)).toBe(99.248);
    expect(pandasLegacyValue(Number.NaN)).toBeNaN();
  });

  it("sensory facts come from Python's bin() as the original builds them", () => {
    expect(levelFacts(0, 3)).toEqual([0, 2, 4]);
    expect(levelFacts(5, 3)).toEqual([1, 2, 5]);
    expect(levelFacts(7, 3)).toEqual([1, 3, 5]);
    expect(levelFacts(9, 3)).toEqual([1, 2, 4, 7]); // a value above maxValue: a fourth fact
    expect(levelFacts(-3, 3)).toEqual([1, 3, 4, 6, 8]); // "-0b11" read from the right
  });
});

describe('cad-ose: the detector', () => {
  it('is registered, never served, and takes the file min, max and probationary period / 5 from the bench', () => {
    expect(DETECTOR_NAMES).toContain('cad-ose');
    expect(SERVED_DETECTORS).not.toContain('cad-ose');
    expect(createDetector('cad-ose').toJSON().options).toEqual({ ...CAD_OSE_DEFAULTS });
    expect(nabProbationaryPeriod(4032)).toBe(604);
    expect(nabProbationaryPeriod(15902)).toBe(750);
    expect(cadOseFileOptions([3, -2.5, 7, Number.NaN])).toEqual({ minValue: -2.5, maxValue: 7, restPeriod: 0, legacyParse: 1 });
    expect(nabFileOptions('contextual', [1, 2])).toEqual({});
    expect(() => createDetector('cad-ose', { minValue: -5, maxValue: -1 })).not.toThrow();
    expect(() => createDetector('cad-ose', { minValue: 1, maxValue: 0 })).toThrow(/maxValue must be >= minValue/);
    expect(() => createDetector('cad-ose', { restPeriod: -1 })).toThrow(/restPeriod must be a number >= 0/);
    expect(() => createDetector('cad-ose', { legacyParse: 2 })).toThrow(/legacyParse must be 0 or 1/);
    expect(() => createDetector('cad-ose', { maxActive: 0 })).toThrow(/maxActive must be an integer/);
  });

  it('returns 0 for the first trunc(restPeriod) rows and for non-finite values, scores in [0, 1]', () => {
    const xs = series(1500);
    const d = new CadOseDetector({ ...CAD_OSE_DEFAULTS, minValue: 0, maxValue: 120, restPeriod: 40.8 });
    const s = xs.map((x) => d.update(x));
    expect(Math.max(...s.slice(0, 40))).toBe(0);
    expect(Math.max(...s)).toBeGreaterThan(0);
    for (const x of s) expect(x >= 0 && x <= 1).toBe(true);
    const before = d.contexts;
    expect(d.update(Number.NaN)).toBe(0);
    expect(d.contexts).toBe(before);
  });

  it('save and restore mid-stream continues with identical scores', () => {
    // A noisy series makes the memory grow fast (thousands of contexts in a few hundred rows): keep it short.
    const xs = series(900);
    expectRestoreContinues('cad-ose', [{ minValue: 20, maxValue: 130, restPeriod: 50 }, { maxValue: 200, restPeriod: 0, maxActive: 4 }], [1, 300, 700], xs);
  });
});
