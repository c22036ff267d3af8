// The `artime-online` detector (detectors/artime-online.ts), ARTime's process as a served streaming detector: fixed
// scores on NAB files, determinism, no reads of the future, bounded memory, re-levelling, save / restore, and the
// anomaly route streaming it (docs/anomaly.md, "The `artime-online` detector").
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDetector, DETECTOR_NAMES, scoreSeries, type AnomalyDetector } from '../detectors/registry.ts';
import { ARTIME_ONLINE_DEFAULTS, MAX_HISTORY } from '../detectors/artime-online.ts';
import { loadNab, type NabData } from '../detectors/nab.ts';
import { NAB_THRESHOLDS } from '../detectors/thresholds.ts';
import { MAX_ANOMALY_STATE, SERVED_DETECTORS } from '../server/schemas.ts';
import { StateSealer } from '../server/anomaly-state.ts';
import { buildApp } from '../server/app.ts';
import { rng, series, expectRestoreContinues } from './detector-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '..');

let nab: NabData;
beforeAll(async () => {
  nab = await loadNab(join(ROOT, 'datasets/real/nab'));
});
const file = (key: string) => nab.files.find((f) => f.key === key)!;

/** A process's saved state (the parts the tests look at). */
interface ProcessState {
  lo: number;
  hi: number;
  coreLo: number;
  coreHi: number;
  fWindow: number[];
  medbin: number[];
  anomalySimHistory: number[];
  art: { W: number[][]; labels: number[]; used: number[] };
}
const processes = (d: AnomalyDetector) => {
  const st = d.toJSON().state as { rows: number; fine: ProcessState | null; coarse: ProcessState };
  return { rows: st.rows, fine: st.fine, coarse: st.coarse };
};

/** How many numbers a JSON value holds (the size of a state, whatever the digits of its numbers). */
function numbers(v: unknown): number {
  if (typeof v === 'number') return 1;
  if (Array.isArray(v)) return v.reduce((a: number, x) => a + numbers(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((a: number, x) => a + numbers(x), 0);
  return 0;
}

/** The keys whose value is null, anywhere in a JSON value (sorted, once each). */
function nulls(v: unknown, out = new Set<string>()): string[] {
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (x === null ? out.add(k) : nulls(x, out));
  return [...out].sort();
}

/** A random walk with a jump every 20,000 rows: new shapes keep coming, so the categories fill up. */
function walk(n: number, seed = 3): number[] {
  const r = rng(seed);
  let w = 0;
  return Array.from({ length: n }, (_, i) => (w += r.u() - 0.5 + (i % 20_000 === 19_999 ? 40 : 0)));
}

describe('artime-online: fixed scores on NAB files', () => {
  // Every row above 0 and its score (ARTime rounds its scores to 6 digits). exchange-3_cpc (1,538 rows) is scored by
  // the fine process alone; ec2_request_latency (4,032 rows) crosses the switch at row 2,000.
  it.each([
    ['realAdExchange/exchange-3_cpc_results.csv', [[297, 0.636588], [481, 0.259173], [493, 0.518736], [959, 0.907563], [1443, 0.785696]]],
    ['realKnownCause/ec2_request_latency_system_failure.csv', [[257, 0.20025], [259, 0.588816], [333, 0.219638], [433, 0.763645], [839, 0.414205], [1093, 0.867032], [1165, 0.690421], [2085, 1], [2232, 0.431783], [3233, 0.491574], [3394, 1]]],
  ] as const)('%s', (key, expected) => {
    const s = scoreSeries(file(key).values, 'artime-online');
    expect([...s].map((v, i) => [i, v]).filter(([, v]) => v > 0)).toEqual(expected);
  });
});

describe('artime-online: the detector', () => {
  it('is registered and served with its NAB threshold; bad options name the option', () => {
    expect(DETECTOR_NAMES).toContain('artime-online');
    expect(SERVED_DETECTORS).toContain('artime-online');
    expect(NAB_THRESHOLDS['artime-online']?.standard).toBeGreaterThan(0);
    expect(createDetector('artime-online').toJSON().options).toEqual({ ...ARTIME_ONLINE_DEFAULTS });
    expect(() => createDetector('artime-online', { relevel: 2 })).toThrow(/relevel must be 0 or 1/);
    expect(() => createDetector('artime-online', { maxCategories: 4 })).toThrow(/maxCategories must be >= 8/);
    expect(() => createDetector('artime-online', { switchRow: 1.5 })).toThrow(/switchRow must be an integer/);
    expect(() => createDetector('artime-online', { sstep: 0 })).toThrow(/sstep must be an integer >= 1/);
  });

  it('is deterministic: the same series gives the same scores, 0 through the fine probation (208 rows), in [0, 1]', () => {
    const xs = file('realKnownCause/ec2_request_latency_system_failure.csv').values;
    const a = scoreSeries(xs, 'artime-online'), b = scoreSeries(xs, 'artime-online');
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.max(...a.subarray(0, 208))).toBe(0);
    for (const v of a) expect(v >= 0 && v <= 1).toBe(true);
    expect(createDetector('artime-online').update(Number.NaN)).toBe(0);
  });

  it('reads nothing from the future: the first k scores are the same whether or not (or whatever) rows come after', () => {
    const xs = series(6000); // a level shift at 3000 (off the range: re-levelling), a spike at 4500
    const full = Array.from(scoreSeries(xs, 'artime-online'));
    expect(full.some((v) => v > 0)).toBe(true);
    const wild = xs.map((x, i) => (i % 3 ? x * 1000 : -x));
    for (const k of [1, 207, 208, 209, 727, 728, 729, 1999, 2000, 2001, 3001, 4501, 5999]) {
      expect(Array.from(scoreSeries(xs.slice(0, k), 'artime-online')), `first ${k}`).toEqual(full.slice(0, k));
      const changed = Array.from(scoreSeries([...xs.slice(0, k), ...wild.slice(k)], 'artime-online'));
      expect(changed.slice(0, k), `first ${k}, different future`).toEqual(full.slice(0, k));
    }
  });

  it('bounded memory: the categories stop at the cap, the fine process goes at the switch, the state stops growing', () => {
    const xs = walk(120_000);
    const d = createDetector('artime-online', { maxCategories: 32 });
    const sizes: number[] = [], chars: number[] = [];
    for (let i = 0; i < xs.length; i++) {
      d.update(xs[i]);
      if (i % 2000 !== 1999) continue;
      const { fine, coarse } = processes(d);
      for (const p of [fine, coarse]) {
        if (!p) continue;
        expect(p.art.W.length).toBeLessThanOrEqual(32);
        expect(p.art.labels.length).toBe(p.art.W.length);
        expect(p.art.used.length).toBe(p.art.W.length);
        expect(p.anomalySimHistory.length).toBeLessThanOrEqual(MAX_HISTORY);
      }
      if (i >= 2000) expect(fine).toBeNull();
      sizes.push(numbers(d.toJSON()));
      chars.push(JSON.stringify(d).length);
    }
    expect(processes(d).coarse.art.W.length).toBe(32); // the cap was reached
    // After the switch the state is the coarse process: its categories (32 numbers, a label and a tick each), the
    // median's 81 bins, the similarity windows (53 and 105), the downsampling window (7), the last 8 samples, the
    // anomaly similarities and some 40 scalars and options; its JSON takes at most 25 characters a number.
    const bound = 32 * 34 + 81 + 53 + 105 + 7 + 8 + MAX_HISTORY + 40;
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(bound);
    for (let k = 0; k < sizes.length; k++) expect(chars[k]).toBeLessThan(25 * sizes[k] + 1000);
  });

  it('with the default cap (256 per process) the streaming state stays within the anomaly route\'s limit', () => {
    const d = createDetector('artime-online');
    let largest = 0;
    const xs = walk(30_000, 5).map((x) => x * 37.1);
    for (let i = 0; i < xs.length; i++) {
      d.update(xs[i]);
      if (i % 250 === 249) largest = Math.max(largest, new StateSealer('k').seal({ seen: i + 1, detector: d.toJSON() }).length);
    }
    const { fine, coarse } = processes(d);
    expect(fine).toBeNull();
    expect(coarse.art.W.length).toBeLessThanOrEqual(256);
    expect(largest).toBeLessThan(MAX_ANOMALY_STATE);
  });

  it('re-levels: a sample far outside the range widens it and the levels stay in [0, 1]; relevel 0 clamps instead', () => {
    const r = rng(9);
    const xs = Array.from({ length: 3000 }, (_, i) => 10 + r.gauss() + (i >= 1500 ? 1000 : 0));
    const run = (o: Record<string, number>) => {
      const d = createDetector('artime-online', o);
      const s = xs.map((x) => d.update(x));
      return { s, p: processes(d).coarse };
    };
    const a = run({});
    expect(a.p.coreHi).toBeGreaterThan(1000);
    expect(a.p.hi).toBeGreaterThanOrEqual(a.p.coreHi + 1.5 * (a.p.coreHi - a.p.coreLo) - 1e-9);
    for (const w of a.p.art.W) for (const v of w) expect(v >= 0 && v <= 1).toBe(true);
    for (const v of a.p.fWindow) expect(v >= 0 && v <= 1).toBe(true);
    expect(a.p.medbin.reduce((x, y) => x + y, 0)).toBe(Math.floor(3000 / 7)); // every coarse sample counted once
    expect(Math.max(...a.s.slice(1500, 1600))).toBeGreaterThan(0); // the jump is scored
    const b = run({ relevel: 0 });
    expect(b.p.coreHi).toBeLessThan(20); // the warm-up's range, never widened
    expect(b.p.hi).toBeLessThan(100);
  });

  it('values near the largest double give finite scores and a state that restores exactly', () => {
    const xs = Array.from({ length: 2600 }, (_, i) => (i < 900 ? (i % 7) : (i % 2 ? 1.7e308 : -1.7e308) * ((i % 5) / 5)));
    const d = createDetector('artime-online');
    for (const x of xs) expect(Number.isFinite(d.update(x))).toBe(true);
    // JSON writes a NaN or an infinity as null: the only nulls are the dropped fine process and the replayed buffer.
    expect(nulls(d.toJSON())).toEqual(['buffer', 'fine']);
    expectRestoreContinues('artime-online', [{}], [1000, 2100], xs);
  });

  it('save and restore mid-stream (probations, the switch, a re-levelling) continues with identical scores', () => {
    expectRestoreContinues('artime-online', [{}, { maxCategories: 16, relevel: 0, switchRow: 1000, sstep: 3 }], [1, 208, 500, 1999, 2000, 2001, 3500, 4600], series(5000));
  });
});

describe('artime-online: served', () => {
  it('chunks sent with the returned state score exactly like the whole series, and flag at its NAB threshold', async () => {
    const app = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rl-artime-online-')), rateLimit: false, stateSecret: 's' });
    const values = series(2600).map((x, i) => x + (i >= 2300 ? 40 : 0));
    const call = async (body: object) => {
      const r = await app.inject({ method: 'POST', url: '/v1/anomaly/score', payload: body });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    const whole = await call({ values, detector: 'artime-online' });
    expect(whole.threshold).toBe(NAB_THRESHOLDS['artime-online']!.standard);
    expect(whole.isAnomaly).toEqual(whole.scores.map((x: number) => x >= whole.threshold));
    expect(whole.scores).toEqual(Array.from(scoreSeries(values, 'artime-online')));
    const streamed: number[] = [];
    let state: string | undefined;
    const cuts = [0, 150, 208, 209, 900, 2000, 2001, 2600];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const j = await call({ values: values.slice(cuts[k], cuts[k + 1]), ...(state ? { state } : { detector: 'artime-online', returnState: true }) });
      expect(j.pointsSeen).toBe(cuts[k + 1]);
      streamed.push(...j.scores);
      state = j.state;
    }
    expect(streamed).toEqual(whole.scores);
    await app.close();
  });
});
