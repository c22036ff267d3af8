// Tests for the port of Kayenta's statistical judge: the Mann-Whitney test against frozen scipy/numpy
// reference values (test/fixtures/mann-whitney-reference.json, written once by
// scripts/mann-whitney-reference.py; no python runs here), the confidence interval against a literal port of
// R's wilcox.test root finding plus its properties, and the NetflixACAJudge classification and scoring rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRolloutlabError } from '../lib/errors.ts';
import { Rng } from '../lib/rng.ts';
import {
  judgeMetrics,
  judgeRemote,
  KAYENTA_JUDGE_NAME,
  type KayentaJudgeRequest,
  type KayentaMetric,
} from '../judges/kayenta.ts';
import { criticalZ, mannWhitney, normalUpper, normalUpperQuantile, pairwiseOrderStatistic } from '../judges/mann-whitney.ts';
import { kayentaWindowJudge } from '../judges/window-judges.ts';
import fc from 'fast-check';

interface RefCase {
  name: string;
  x: number[];
  y: number[];
  u: number;
  pValue: number;
  estimate: number;
}
const REF = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'mann-whitney-reference.json'), 'utf8')) as {
  cases: RefCase[];
};

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

// --- A literal port of R's wilcox.test.default CI code (normal approximation), used as the reference for the
// --- interval. Naive on purpose: mid-ranks by sorting, ties by counting, root by bisection to ~1e-12.
function midRanks(v: number[]): number[] {
  const idx = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}
function rWdiff(x: number[], y: number[], d: number, zq: number, correct = true): number {
  const nx = x.length;
  const ny = y.length;
  const dr = midRanks([...x.map((v) => v - d), ...y]);
  const table = new Map<number, number>();
  for (const r of dr) table.set(r, (table.get(r) ?? 0) + 1);
  let ties = 0;
  for (const t of table.values()) ties += t ** 3 - t;
  let dz = -nx * (nx + 1) / 2 - (nx * ny) / 2;
  for (let i = 0; i < nx; i++) dz += dr[i];
  const correction = correct ? Math.sign(dz) * 0.5 : 0;
  const n = nx + ny;
  const sigma = Math.sqrt(((nx * ny) / 12) * (n + 1 - ties / (n * (n - 1))));
  return (dz - correction) / sigma - zq;
}
function rRoot(x: number[], y: number[], zq: number, correct = true): number {
  const mumin = Math.min(...x) - Math.max(...y);
  const mumax = Math.max(...x) - Math.min(...y);
  if (rWdiff(x, y, mumin, zq, correct) <= 0) return mumin;
  if (rWdiff(x, y, mumax, zq, correct) >= 0) return mumax;
  let lo = mumin;
  let hi = mumax;
  for (let it = 0; it < 200 && hi - lo > 1e-13 * (1 + Math.abs(lo)); it++) {
    const mid = (lo + hi) / 2;
    if (rWdiff(x, y, mid, zq, correct) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
function rInterval(x: number[], y: number[], confidence = 0.98, correct = true): [number, number] {
  const zq = normalUpperQuantile((1 - confidence) / 2);
  return [rRoot(x, y, zq, correct), rRoot(x, y, -zq, correct)];
}
/** numpy's median of all pairwise differences, by brute force. */
function bruteHL(x: number[], y: number[]): number {
  const d: number[] = [];
  for (const a of x) for (const b of y) d.push(a - b);
  d.sort((a, b) => a - b);
  const h = d.length >> 1;
  return d.length % 2 ? d[h] : (d[h - 1] + d[h]) / 2;
}

const normals = (rng: Rng, n: number, mean = 0, sd = 1) => Array.from({ length: n }, () => mean + sd * rng.normal());
/** Values on a 1/64 grid, so that adding a small multiple of 1/64 is exact in binary floating point. */
const gridded = (rng: Rng, n: number, mean = 0, sd = 1) => normals(rng, n, mean, sd).map((v) => Math.round(v * 64) / 64);

describe('mannWhitney against scipy / numpy reference values', () => {
  it('has the frozen reference cases', () => {
    expect(REF.cases.length).toBeGreaterThanOrEqual(8);
    const sizes = REF.cases.map((c) => `${c.x.length}x${c.y.length}`);
    expect(sizes).toContain('10x10');
    expect(sizes).toContain('50x60');
  });
  for (const c of REF.cases) {
    it(`${c.name}: U and p-value to 1e-9 relative, Hodges-Lehmann estimate exactly`, () => {
      const r = mannWhitney(c.x, c.y);
      expect(r.nx).toBe(c.x.length);
      expect(r.ny).toBe(c.y.length);
      expect(relErr(r.u, c.u)).toBeLessThan(1e-9);
      expect(relErr(r.pValue, c.pValue)).toBeLessThan(1e-9);
      expect(r.estimate).toBe(c.estimate);
      expect(Math.sign(r.z)).toBe(Math.sign(c.u - (c.x.length * c.y.length) / 2));
    });
  }
  it('normal tail and quantile are accurate (qnorm(0.99) = 2.3263478740408408, tails to 1e-15 relative)', () => {
    expect(criticalZ(0.98)).toBe(2.3263478740408408);
    expect(relErr(criticalZ(0.95), 1.959963984540054)).toBeLessThan(1e-15);
    expect(relErr(normalUpper(1.959963984540054), 0.025)).toBeLessThan(1e-14);
    expect(relErr(normalUpper(8), 6.22096057427178e-16)).toBeLessThan(1e-13);
    expect(normalUpper(0)).toBe(0.5);
    expect(relErr(normalUpper(-3) + normalUpper(3), 1)).toBeLessThan(1e-15);
  });
});

describe('mannWhitney confidence interval', () => {
  it('equals the limit of R wilcox.test root finding (literal port, bisection) on the reference cases', () => {
    for (const c of REF.cases) {
      const r = mannWhitney(c.x, c.y);
      const [lo, hi] = rInterval(c.x, c.y);
      const scale = Math.max(...c.x, ...c.y) - Math.min(...c.x, ...c.y);
      expect(Math.abs(r.lower - lo), `${c.name} lower ${r.lower} vs R ${lo}`).toBeLessThan(1e-9 * scale);
      expect(Math.abs(r.upper - hi), `${c.name} upper ${r.upper} vs R ${hi}`).toBeLessThan(1e-9 * scale);
    }
  });
  it('equals R on random samples with and without ties, and the estimate equals the brute-force median', () => {
    const rng = new Rng(7, 'judges', 'ci-vs-r');
    for (let k = 0; k < 60; k++) {
      const nx = 1 + rng.int(0, 40);
      const ny = 1 + rng.int(0, 40);
      const tied = k % 2 === 0;
      const draw = () => (tied ? rng.int(0, 6) : Math.round(rng.normal() * 1000) / 1000);
      const x = Array.from({ length: nx }, () => draw() + (k % 3 === 0 ? 1 : 0));
      const y = Array.from({ length: ny }, draw);
      if (new Set([...x, ...y]).size === 1) continue;
      const r = mannWhitney(x, y);
      const [lo, hi] = rInterval(x, y);
      expect(Math.abs(r.lower - lo), `case ${k} lower`).toBeLessThan(1e-8);
      expect(Math.abs(r.upper - hi), `case ${k} upper`).toBeLessThan(1e-8);
      expect(r.estimate).toBe(bruteHL(x, y));
    }
  });
  it('equals R with other confidence levels and without the continuity correction', () => {
    const rng = new Rng(8, 'judges', 'ci-options');
    for (let k = 0; k < 20; k++) {
      const x = Array.from({ length: 3 + rng.int(0, 30) }, () => rng.int(0, 9) + 0.5 * (k % 2));
      const y = Array.from({ length: 3 + rng.int(0, 30) }, () => rng.int(0, 9));
      for (const [confidence, correct] of [[0.9, true], [0.98, false], [0.5, false]] as const) {
        const r = mannWhitney(x, y, { confidence, correct });
        const [lo, hi] = rInterval(x, y, confidence, correct);
        expect(Math.abs(r.lower - lo), `case ${k} ${confidence} ${correct}`).toBeLessThan(1e-8);
        expect(Math.abs(r.upper - hi), `case ${k} ${confidence} ${correct}`).toBeLessThan(1e-8);
      }
    }
  });
  it('contains the estimate', () => {
    const rng = new Rng(11, 'judges', 'contains');
    for (let k = 0; k < 200; k++) {
      const r = mannWhitney(normals(rng, 5 + (k % 40), 0.3 * (k % 5)), normals(rng, 5 + (k % 31)));
      expect(r.lower).toBeLessThanOrEqual(r.estimate);
      expect(r.estimate).toBeLessThanOrEqual(r.upper);
    }
  });
  it('narrows as n grows', () => {
    const rng = new Rng(12, 'judges', 'narrows');
    const meanWidth = (n: number) => {
      let w = 0;
      for (let k = 0; k < 50; k++) {
        const r = mannWhitney(normals(rng, n, 0.5), normals(rng, n));
        w += r.upper - r.lower;
      }
      return w / 50;
    };
    const w10 = meanWidth(10);
    const w40 = meanWidth(40);
    const w160 = meanWidth(160);
    expect(w40).toBeLessThan(w10 * 0.65); // ~ 1/sqrt(4) = 0.5
    expect(w160).toBeLessThan(w40 * 0.65);
  });
  it('shifts by exactly c when the experiment is shifted by c (U, z and p unchanged against y + c)', () => {
    const rng = new Rng(13, 'judges', 'shift');
    for (const c of [2.5, -0.75, 17]) {
      const x = gridded(rng, 23, 0.4);
      const y = gridded(rng, 31);
      const a = mannWhitney(x, y);
      const b = mannWhitney(x.map((v) => v + c), y);
      expect(b.estimate).toBe(a.estimate + c);
      expect(b.lower).toBe(a.lower + c);
      expect(b.upper).toBe(a.upper + c);
      const both = mannWhitney(x.map((v) => v + c), y.map((v) => v + c));
      expect(both.u).toBe(a.u);
      expect(both.pValue).toBe(a.pValue);
    }
  });
  it('covers the true shift about 98 % of the time (seeded simulation, 3000 draws)', () => {
    const rng = new Rng(14, 'judges', 'coverage');
    const delta = 0.7;
    let covered = 0;
    const R = 3000;
    for (let k = 0; k < R; k++) {
      const r = mannWhitney(normals(rng, 20, delta), normals(rng, 20));
      if (r.lower <= delta && delta <= r.upper) covered++;
    }
    const coverage = covered / R;
    expect(coverage).toBeGreaterThan(0.97);
    expect(coverage).toBeLessThan(0.99);
  });
  it('handles empty samples, all-tied samples, non-finite values and n = 1 without NaN', () => {
    const finite = (r: ReturnType<typeof mannWhitney>) =>
      [r.u, r.z, r.pValue, r.estimate, r.lower, r.upper].every((v) => Number.isFinite(v));
    const empty = mannWhitney([], [1, 2, 3]);
    expect(empty).toEqual({ u: 0, z: 0, pValue: 1, estimate: 0, lower: 0, upper: 0, nx: 0, ny: 3 });
    expect(mannWhitney([NaN, Infinity], [1])).toMatchObject({ nx: 0, ny: 1, pValue: 1 });
    const tied = mannWhitney([2, 2, 2], [2, 2]);
    expect(finite(tied)).toBe(true);
    expect(tied).toMatchObject({ z: 0, pValue: 1, estimate: 0, lower: 0, upper: 0, u: 3 });
    const withNaN = mannWhitney([1, NaN, 3, 5, -Infinity], [2, 4, NaN]);
    expect(withNaN).toEqual(mannWhitney([1, 3, 5], [2, 4]));
    const one = mannWhitney([5], [1]);
    expect(finite(one)).toBe(true);
    expect(one).toMatchObject({ u: 1, estimate: 4, lower: 4, upper: 4 });
  });
  it('pairwiseOrderStatistic equals the sorted materialised differences for every rank', () => {
    const rng = new Rng(16, 'judges', 'order-stats');
    const kinds = [
      () => rng.normal(),
      () => rng.int(0, 3),
      () => (rng.bernoulli(0.9) ? 0 : rng.int(1, 3)),
      () => Math.round(rng.normal() * 8) / 8,
      () => rng.lognormal(100, 2),
    ];
    for (let c = 0; c < 150; c++) {
      const draw = kinds[c % kinds.length];
      const nx = rng.int(1, c < 100 ? 12 : 70);
      const ny = rng.int(1, c < 100 ? 12 : 70);
      const xs = Float64Array.from({ length: nx }, draw).sort();
      const ys = Float64Array.from({ length: ny }, draw).sort();
      const all: number[] = [];
      for (const a of xs) for (const b of ys) all.push(a - b);
      all.sort((a, b) => a - b);
      const ks = all.length <= 144 ? all.map((_, i) => i + 1) : [1, 2, all.length >> 2, all.length >> 1, all.length - 1, all.length, rng.int(1, all.length)];
      for (const k of ks) expect(pairwiseOrderStatistic(xs, nx, ys, ny, k), `case ${c} k ${k}`).toBe(all[k - 1]);
    }
    // differences that overflow to Infinity go through the materialising fallback
    const big = Float64Array.from([-1e308, 1, 1e308]);
    const neg = Float64Array.from([-1e308, 0, 1e308]);
    const all: number[] = [];
    for (const a of big) for (const b of neg) all.push(a - b);
    all.sort((a, b) => a - b);
    for (let k = 1; k <= 9; k++) expect(pairwiseOrderStatistic(big, 3, neg, 3, k)).toBe(all[k - 1]);
  });
  it('selection handles large samples with heavy ties (60 x 60 integer series)', () => {
    const rng = new Rng(15, 'judges', 'heavy-ties');
    for (let k = 0; k < 10; k++) {
      const x = Array.from({ length: 60 }, () => rng.poisson(1.5));
      const y = Array.from({ length: 60 }, () => rng.poisson(1));
      const r = mannWhitney(x, y);
      expect(r.estimate).toBe(bruteHL(x, y));
      const [lo, hi] = rInterval(x, y);
      expect(Math.abs(r.lower - lo)).toBeLessThan(1e-8);
      expect(Math.abs(r.upper - hi)).toBeLessThan(1e-8);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// The judge

const metric = (name: string, control: number[], experiment: number[], more: Partial<KayentaMetric> = {}): KayentaMetric => ({
  name,
  direction: 'increase',
  control,
  experiment,
  ...more,
});
const seq = (rng: Rng, n: number, mean: number, sd: number) => normals(rng, n, mean, sd);

describe('judgeMetrics: per-metric classification', () => {
  const rng = new Rng(21, 'judges', 'classify');
  const base = seq(rng, 60, 100, 5);
  const up = seq(rng, 60, 140, 5);
  const down = seq(rng, 60, 60, 5);
  const same = seq(rng, 60, 100, 5);

  it('identical samples pass (in any order) and a single distinct value passes', () => {
    const v = judgeMetrics([metric('lat', base, [...base].reverse()), metric('const', [3, 3, 3], [3, 3])]);
    expect(v.metrics[0]).toMatchObject({ classification: 'Pass', reason: 'The experiment and control data are identical' });
    expect(v.metrics[1].classification).toBe('Pass');
    expect(v.metrics[1].reason).toContain('single distinct value');
    expect(v.score).toBe(100);
    expect(v.classification).toBe('Pass');
  });
  it('a clear increase on an increase metric is High, a decrease on it passes, a decrease metric sees Low', () => {
    const v = judgeMetrics([
      metric('lat-up', base, up),
      metric('lat-down', base, down),
      metric('tput-down', base, down, { direction: 'decrease' }),
      metric('tput-up', base, up, { direction: 'decrease' }),
      metric('either-up', base, up, { direction: 'either' }),
      metric('either-down', base, down, { direction: 'either' }),
      metric('noise', base, same),
    ]);
    expect(v.metrics.map((m) => m.classification)).toEqual(['High', 'Pass', 'Low', 'Pass', 'High', 'Low', 'Pass']);
    expect(v.metrics[0].reason).toBe('lat-up was classified as High');
    expect(v.metrics[0].estimate).toBeGreaterThan(30);
    expect(v.metrics[0].ratio).toBeCloseTo(140 / 100, 1);
    expect(v.metrics[0].critical).toBe(false);
    // one group of 7: 4 failures
    expect(v.groupScores).toEqual([{ name: 'default', score: (100 * 3) / 7 }]);
    expect(v.classification).toBe('Fail');
  });
  it('a critical High forces the summary to 0 and Fail even when every other metric passes', () => {
    const others = Array.from({ length: 9 }, (_, i) => metric(`ok${i}`, base, same));
    const v = judgeMetrics([...others, metric('errors', base, up, { critical: true })]);
    expect(v.groupScores[0].score).toBe(90);
    expect(v.score).toBe(0);
    expect(v.classification).toBe('Fail');
    expect(v.reason).toContain('errors');
    expect(v.metrics[9]).toMatchObject({ classification: 'High', critical: true });
    // the same metric not critical: 90 -> Marginal
    const w = judgeMetrics([...others, metric('errors', base, up)]);
    expect(w.score).toBe(90);
    expect(w.classification).toBe('Marginal');
  });
  it('classifies exactly by the tolerance rule: High iff lower > 0.25|est|, Low iff upper < -0.25|est|', () => {
    const r = new Rng(22, 'judges', 'rule');
    let sawSignificantButTolerated = false;
    for (let k = 0; k < 300; k++) {
      const c = seq(r, 20, 10, 2);
      const e = seq(r, 20, 10 + 0.15 * (k % 20) - 1, 2 + (k % 3));
      const v = judgeMetrics([metric('m', c, e, { direction: 'either' })]);
      const m = v.metrics[0];
      const t = 0.25 * Math.abs(m.estimate);
      const expected = m.lower > t ? 'High' : m.upper < -t ? 'Low' : 'Pass';
      expect(m.classification).toBe(expected);
      const ref = mannWhitney(e, c);
      expect([m.estimate, m.lower, m.upper, m.pValue]).toEqual([ref.estimate, ref.lower, ref.upper, ref.pValue]);
      if (m.lower > 0 && m.lower <= t) sawSignificantButTolerated = true;
    }
    // the interval clears 0 but not 0.25 x |estimate|: Kayenta passes it
    expect(sawSignificantButTolerated).toBe(true);
  });
  it('tolerance is an option: with tolerance 0 the interval only has to clear 0', () => {
    const r = new Rng(23, 'judges', 'tol');
    for (let k = 0; k < 100; k++) {
      const c = seq(r, 15, 10, 2);
      const e = seq(r, 15, 11, 2);
      const m = judgeMetrics([metric('m', c, e)], { tolerance: 0 }).metrics[0];
      expect(m.classification).toBe(m.lower > 0 ? 'High' : 'Pass');
    }
  });
  it('the effect-size gate: a 1.4x increase is High unless allowedIncrease is above 1.4', () => {
    expect(judgeMetrics([metric('m', base, up, { effectSize: { allowedIncrease: 1.3 } })]).metrics[0].classification).toBe('High');
    const gated = judgeMetrics([metric('m', base, up, { effectSize: { allowedIncrease: 1.5 } })]);
    expect(gated.metrics[0].classification).toBe('Pass');
    expect(judgeMetrics([metric('m', base, down, { direction: 'decrease', effectSize: { allowedDecrease: 0.5 } })]).metrics[0].classification).toBe('Pass');
  });
  it('critical effect-size thresholds: a critical High below criticalIncrease does not force the summary to 0', () => {
    const others = Array.from({ length: 3 }, (_, i) => metric(`ok${i}`, base, same));
    const soft = judgeMetrics([...others, metric('errors', base, up, { critical: true, effectSize: { criticalIncrease: 2 } })]);
    expect(soft.metrics[3]).toMatchObject({ classification: 'High', critical: false });
    expect(soft.score).toBe(75);
    const hard = judgeMetrics([...others, metric('errors', base, up, { critical: true, effectSize: { criticalIncrease: 1.2 } })]);
    expect(hard.metrics[3]).toMatchObject({ classification: 'High', critical: true });
    expect(hard.score).toBe(0);
  });
  it('missing values are removed by default, replaced by 0 with nanStrategy replace', () => {
    const c = [1, 2, NaN, 3, 4, NaN];
    const e = [NaN, 2, 3, 4, 5];
    const removed = judgeMetrics([metric('m', c, e)]).metrics[0];
    expect([removed.controlCount, removed.experimentCount]).toEqual([4, 4]);
    expect(removed.estimate).toBe(mannWhitney(e, c).estimate);
    const replaced = judgeMetrics([metric('m', c, e, { nanStrategy: 'replace' })]).metrics[0];
    expect([replaced.controlCount, replaced.experimentCount]).toEqual([6, 5]);
    expect(replaced.estimate).toBe(mannWhitney([0, 2, 3, 4, 5], [1, 2, 0, 3, 4, 0]).estimate);
  });
  it('outlier removal is off by default; on, the IQR fence with factor 3 drops a spike', () => {
    const c = [...base];
    c[5] = 1e6;
    expect(judgeMetrics([metric('m', c, same)]).metrics[0].controlCount).toBe(60);
    const on = judgeMetrics([metric('m', c, same, { outliers: { strategy: 'remove' } })]).metrics[0];
    expect(on.controlCount).toBe(59);
    expect(on.experimentCount).toBe(60);
    const loose = judgeMetrics([metric('m', c, same, { outliers: { strategy: 'remove', outlierFactor: 1e6 } })]).metrics[0];
    expect(loose.controlCount).toBe(60);
  });
  it('gives the same answer as a fresh mannWhitney whatever was judged before (scratch buffers)', () => {
    const r = new Rng(24, 'judges', 'scratch');
    const big = metric('big', seq(r, 500, 0, 1), seq(r, 400, 0.2, 1));
    const small = metric('small', seq(r, 7, 0, 1), seq(r, 9, 2, 1));
    const first = judgeMetrics([small]).metrics[0];
    judgeMetrics([big]);
    const again = judgeMetrics([small]).metrics[0];
    expect(again).toEqual(first);
    const ref = mannWhitney(small.experiment, small.control);
    expect([again.estimate, again.lower, again.upper]).toEqual([ref.estimate, ref.lower, ref.upper]);
  });
  it('accepts typed arrays', () => {
    const v = judgeMetrics([metric('m', base, up)]);
    const t = judgeMetrics([{ ...metric('m', [], []), control: Float64Array.from(base), experiment: Float32Array.from(up) }]);
    expect(t.metrics[0].classification).toBe(v.metrics[0].classification);
  });
});

describe('judgeMetrics: scoring', () => {
  const rng = new Rng(31, 'judges', 'scoring');
  const base = seq(rng, 60, 100, 5);
  const up = seq(rng, 60, 140, 5);
  const same = seq(rng, 60, 100, 5);
  const none = Array.from({ length: 60 }, () => NaN);

  it('group score = 100 x passes / metrics in the group; groups equally weighted unless given', () => {
    const ms = [
      metric('a1', base, same, { group: 'A' }),
      metric('a2', base, same, { group: 'A' }),
      metric('a3', base, up, { group: 'A' }),
      metric('b1', base, same, { group: 'B' }),
    ];
    const v = judgeMetrics(ms);
    expect(v.groupScores).toEqual([
      { name: 'A', score: 200 / 3 },
      { name: 'B', score: 100 },
    ]);
    expect(v.score).toBeCloseTo((200 / 3 + 100) / 2, 10);
    expect(v.classification).toBe('Marginal');
    // Kayenta's weights are percentages; unnamed groups share what is left (here B gets 70)
    const w = judgeMetrics(ms, { groupWeights: { A: 30 } });
    expect(w.score).toBeCloseTo(0.3 * (200 / 3) + 70, 10);
    expect(w.classification).toBe('Marginal');
    const w2 = judgeMetrics(ms, { groupWeights: { A: 10, B: 90 } });
    expect(w2.score).toBeCloseTo(0.1 * (200 / 3) + 90, 10);
    expect(w2.classification).toBe('Pass');
    // a metric in two groups counts in both
    const multi = judgeMetrics([metric('x', base, up, { groups: ['A', 'B'] }), metric('y', base, same, { group: 'B' })]);
    expect(multi.groupScores).toEqual([
      { name: 'A', score: 0 },
      { name: 'B', score: 50 },
    ]);
  });
  it('marginal band: >= pass is Pass, >= marginal is Marginal, below is Fail', () => {
    const ms = (fails: number) =>
      Array.from({ length: 4 }, (_, i) => metric(`m${i}`, base, i < fails ? up : same));
    expect(judgeMetrics(ms(0))).toMatchObject({ score: 100, classification: 'Pass' });
    expect(judgeMetrics(ms(1))).toMatchObject({ score: 75, classification: 'Marginal' });
    expect(judgeMetrics(ms(1), { marginal: 75.01 })).toMatchObject({ score: 75, classification: 'Fail' });
    expect(judgeMetrics(ms(1), { pass: 75 })).toMatchObject({ score: 75, classification: 'Pass' });
    expect(judgeMetrics(ms(2))).toMatchObject({ score: 50, classification: 'Fail' });
  });
  it('no data: Nodata counts against its group; half or more of the metrics without data gives 0', () => {
    const one = judgeMetrics([
      metric('m0', base, same),
      metric('m1', base, same),
      metric('m2', base, same),
      metric('gone', base, none),
    ]);
    expect(one.metrics[3]).toMatchObject({ classification: 'Nodata', experimentCount: 0, controlCount: 60, critical: false });
    expect(one.metrics[3].reason).toContain('experiment');
    expect(one.score).toBe(75);
    const two = judgeMetrics([metric('m0', base, same), metric('m1', base, same), metric('g1', none, same), metric('g2', [], [])]);
    expect(two.score).toBe(0);
    expect(two.classification).toBe('Fail');
    expect(two.reason).toContain('2 of 4');
    expect(two.groupScores).toEqual([{ name: 'default', score: 50 }]);
    // replace: an all-NaN series becomes zeros and is judged
    const rep = judgeMetrics([metric('z', none, none, { nanStrategy: 'replace' })]);
    expect(rep.metrics[0]).toMatchObject({ classification: 'Pass', controlCount: 60 });
    // no metrics at all
    expect(judgeMetrics([])).toMatchObject({ score: 0, classification: 'Fail' });
  });
  it('a critical metric without data forces the summary to 0', () => {
    const v = judgeMetrics([
      metric('m0', base, same),
      metric('m1', base, same),
      metric('m2', base, same),
      metric('errors', base, none, { critical: true }),
    ]);
    expect(v.metrics[3]).toMatchObject({ classification: 'Nodata', critical: true });
    expect(v).toMatchObject({ score: 0, classification: 'Fail' });
  });
  it('warns for every metric with fewer than 50 data points in either sample', () => {
    const v = judgeMetrics([
      metric('short', base.slice(0, 10), same.slice(0, 10)),
      metric('long', base, same),
      metric('half-missing', base, [...same.slice(0, 49), ...none.slice(0, 11)]),
    ]);
    expect(v.warnings).toHaveLength(2);
    expect(v.warnings[0]).toContain('short');
    expect(v.warnings[0]).toContain('10 control and 10 experiment');
    expect(v.warnings[1]).toContain('half-missing');
  });
  it('rejects a bad direction or option with BAD_ARGUMENT naming the field', () => {
    const catchIt = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = catchIt(() => judgeMetrics([metric('m', base, same), { ...metric('m', base, same), direction: 'up' as never }]));
    expect(isRolloutlabError(e1) && e1.code === 'BAD_ARGUMENT' && e1.field).toBe('metrics[1].direction');
    const e2 = catchIt(() => judgeMetrics([], { confidence: 1 }));
    expect(isRolloutlabError(e2) && e2.field).toBe('confidence');
  });
  it('kayenta#426: a sparse, mostly-zero error series with a real increase passes (the weakness to beat)', () => {
    // Errors per minute over an hour: the baseline logs 1 error, the canary 20 (every third minute).
    const control = Array.from({ length: 60 }, (_, i) => (i === 7 ? 1 : 0));
    const experiment = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const v = judgeMetrics([metric('errors', control, experiment, { critical: true })]);
    const m = v.metrics[0];
    // The rank test sees the increase clearly and the means differ 20-fold...
    expect(m.pValue).toBeLessThan(1e-4);
    expect(m.ratio).toBe(20);
    // ...but most pairwise differences are 0, so the Hodges-Lehmann shift and its whole interval are 0:
    // the interval never clears +0.25 x |estimate| = 0, and Kayenta passes the canary with 100.
    expect([m.estimate, m.lower, m.upper]).toEqual([0, 0, 0]);
    expect(m.classification).toBe('Pass');
    expect(v).toMatchObject({ score: 100, classification: 'Pass' });
  });
  it('is deterministic and never uses Math.random', () => {
    const ms = [metric('a', base, up), metric('b', base, same, { group: 'g' })];
    expect(judgeMetrics(ms)).toEqual(judgeMetrics(ms));
    for (const f of ['mann-whitney.ts', 'kayenta.ts']) {
      expect(readFileSync(join(import.meta.dirname, '..', 'judges', f), 'utf8')).not.toMatch(/Math\.random/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// RemoteJudge contract

function remoteRequest(): KayentaJudgeRequest {
  const rng = new Rng(41, 'judges', 'remote');
  const scope = (start: number) => ({ startTimeIso: new Date(start).toISOString(), startTimeMillis: start, stepMillis: 60_000 });
  const pair = (name: string, control: (number | null | string)[], experiment: (number | null | string)[], id: string) => ({
    name,
    id,
    tags: { app: 'checkout' },
    values: { control, experiment },
    scopes: { control: scope(1_700_000_000_000), experiment: scope(1_700_000_000_000) },
    attributes: { type: 'timeseries' },
  });
  const lat = seq(rng, 60, 120, 8);
  const latUp = seq(rng, 60, 170, 8);
  const cpu = seq(rng, 60, 0.4, 0.05);
  const cpu2 = seq(rng, 60, 0.4, 0.05);
  const errs: (number | null | string)[] = seq(rng, 60, 1, 0.2);
  errs[3] = null;
  errs[4] = 'NaN';
  return {
    canaryConfig: {
      name: 'checkout-canary',
      metrics: [
        {
          name: 'latency',
          query: { type: 'prometheus', metricName: 'latency' },
          groups: ['performance'],
          analysisConfigurations: { canary: { direction: 'increase', nanStrategy: 'remove' } },
        },
        { name: 'cpu', groups: ['system'], analysisConfigurations: { canary: { direction: 'either' } } },
        {
          name: 'errors',
          groups: ['errors'],
          analysisConfigurations: {
            canary: { direction: 'increase', critical: true, nanStrategy: 'replace', outliers: { strategy: 'keep', outlierFactor: 3 } },
          },
        },
      ],
      classifier: { groupWeights: { performance: 50, system: 25, errors: 25 } },
    },
    scoreThresholds: { pass: 95, marginal: 75 },
    metricSetPairList: [pair('latency', lat, latUp, 'p0'), pair('cpu', cpu, cpu2, 'p1'), pair('errors', errs, [...errs], 'p2')],
  };
}

describe('judgeRemote (Kayenta RemoteJudge contract)', () => {
  it('answers in the judge-result shape', () => {
    const res = judgeRemote(remoteRequest());
    expect(Object.keys(res).sort()).toEqual(['groupScores', 'judgeName', 'results', 'score']);
    expect(res.judgeName).toBe(KAYENTA_JUDGE_NAME);
    expect(res.results).toHaveLength(3);
    for (const r of res.results) {
      for (const k of [
        'name',
        'classification',
        'classificationReason',
        'groups',
        'experimentMetadata',
        'controlMetadata',
        'resultMetadata',
        'critical',
        'muted',
      ]) {
        expect(r, k).toHaveProperty(k);
      }
      expect(Object.keys(r.experimentMetadata.stats).sort()).toEqual(['count', 'max', 'mean', 'median', 'min']);
      expect(typeof r.resultMetadata.ratio).toBe('number');
      expect(r.muted).toBe(false);
    }
    const [lat, cpu, errs] = res.results;
    expect(lat).toMatchObject({ name: 'latency', id: 'p0', classification: 'High', groups: ['performance'], critical: false });
    expect(lat.classificationReason).toBe('latency was classified as High');
    expect(cpu).toMatchObject({ classification: 'Pass', classificationReason: null });
    // errors: replace strategy keeps 60 points (null and "NaN" became 0); identical series pass
    expect(errs.controlMetadata.stats.count).toBe(60);
    expect(errs.classification).toBe('Pass');
    expect(lat.controlMetadata.stats.count).toBe(60);
    expect(res.groupScores).toEqual([
      { name: 'performance', score: 0 },
      { name: 'system', score: 100 },
      { name: 'errors', score: 100 },
    ]);
    expect(res.score).toEqual({ score: 50, classification: 'Fail', classificationReason: '' });
    // JSON round trip keeps everything (no NaN / undefined surprises)
    expect(JSON.parse(JSON.stringify(res))).toEqual(res);
  });
  it('matches judgeMetrics on the same data', () => {
    const req = remoteRequest();
    const res = judgeRemote(req);
    const v = judgeMetrics(
      [
        { name: 'latency', direction: 'increase', group: 'performance', control: req.metricSetPairList[0].values.control as number[], experiment: req.metricSetPairList[0].values.experiment as number[] },
        { name: 'cpu', direction: 'either', group: 'system', control: req.metricSetPairList[1].values.control as number[], experiment: req.metricSetPairList[1].values.experiment as number[] },
      ],
      { groupWeights: { performance: 50, system: 50 } },
    );
    expect(res.results.slice(0, 2).map((r) => [r.classification, r.resultMetadata.ratio])).toEqual(
      v.metrics.map((m) => [m.classification, m.ratio]),
    );
  });
  it('a critical High in the payload forces score 0', () => {
    const req = remoteRequest();
    req.canaryConfig.metrics[0].analysisConfigurations!.canary!.critical = true;
    const res = judgeRemote(req);
    expect(res.results[0].critical).toBe(true);
    expect(res.score.score).toBe(0);
    expect(res.score.classification).toBe('Fail');
    expect(res.score.classificationReason).toContain('latency');
  });
  it('defaults a metric without analysis configuration to direction either, remove, not critical', () => {
    const req = remoteRequest();
    req.canaryConfig.metrics[0] = { name: 'latency', groups: ['performance'] };
    const res = judgeRemote(req);
    expect(res.results[0].classification).toBe('High'); // either allows increases
  });

  // each case mutates a valid payload into a malformed one (hence the untyped parameter)
  const cases: [string, (r: any) => void, string | undefined][] = [
    ['request not an object', () => undefined, undefined],
    ['no canaryConfig', (r) => delete r.canaryConfig, 'canaryConfig'],
    ['metrics not an array', (r) => (r.canaryConfig.metrics = {}), 'canaryConfig.metrics'],
    ['metric without name', (r) => (r.canaryConfig.metrics[1] = { groups: ['x'] }), 'canaryConfig.metrics[1].name'],
    ['bad direction', (r) => (r.canaryConfig.metrics[0].analysisConfigurations.canary.direction = 'up'), 'canaryConfig.metrics[0].analysisConfigurations.canary.direction'],
    ['bad nanStrategy', (r) => (r.canaryConfig.metrics[2].analysisConfigurations.canary.nanStrategy = 'zero'), 'canaryConfig.metrics[2].analysisConfigurations.canary.nanStrategy'],
    ['bad outlier factor', (r) => (r.canaryConfig.metrics[2].analysisConfigurations.canary.outliers = { strategy: 'remove', outlierFactor: -1 }), 'canaryConfig.metrics[2].analysisConfigurations.canary.outliers.outlierFactor'],
    ['unsupported effect-size measure', (r) => (r.canaryConfig.metrics[0].analysisConfigurations.canary.effectSize = { measure: 'cles' }), 'canaryConfig.metrics[0].analysisConfigurations.canary.effectSize.measure'],
    ['negative group weight', (r) => (r.canaryConfig.classifier.groupWeights.system = -5), 'canaryConfig.classifier.groupWeights.system'],
    ['no thresholds', (r) => delete r.scoreThresholds, 'scoreThresholds'],
    ['threshold not a number', (r) => (r.scoreThresholds.pass = '95'), 'scoreThresholds.pass'],
    ['marginal above pass', (r) => (r.scoreThresholds.marginal = 99), 'scoreThresholds.marginal'],
    ['pair list missing', (r) => delete r.metricSetPairList, 'metricSetPairList'],
    ['pair without config', (r) => (r.metricSetPairList[1].name = 'memory'), 'metricSetPairList[1].name'],
    ['values missing', (r) => delete r.metricSetPairList[0].values, 'metricSetPairList[0].values'],
    ['control not an array', (r) => (r.metricSetPairList[2].values.control = '1,2,3'), 'metricSetPairList[2].values.control'],
    ['bad value', (r) => (r.metricSetPairList[2].values.experiment[7] = 'lots'), 'metricSetPairList[2].values.experiment[7]'],
    ['boolean value', (r) => (r.metricSetPairList[0].values.control[0] = true), 'metricSetPairList[0].values.control[0]'],
  ];
  for (const [what, mutate, field] of cases) {
    it(`rejects a malformed payload (${what}) with BAD_DATA and the field`, () => {
      let req: any = remoteRequest();
      if (what === 'request not an object') req = [1, 2];
      else mutate(req);
      let err: unknown;
      try {
        judgeRemote(req);
      } catch (e) {
        err = e;
      }
      expect(isRolloutlabError(err), String(err)).toBe(true);
      if (!isRolloutlabError(err)) return;
      expect(err.code).toBe('BAD_DATA');
      expect(err.field).toBe(field);
      if (field) expect(err.message).toContain(field.replace(/\[\d+\]$/, ''));
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Fail closed: one bad baseline sample, missing metrics, impossible values

const FIXTURE = join(import.meta.dirname, 'fixtures', 'extensions', 'kayenta-judge-request.json');
const fixtureRequest = (): any => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const remoteField = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isRolloutlabError(e) && e.code === 'BAD_DATA' ? e.field : `unexpected ${String(e)}`;
  }
  return undefined;
};

describe('one outlier baseline sample does not hide a broken canary', () => {
  it('the fixture stays a critical Fail whatever one control value of the critical metric reads (600, ±1e308)', () => {
    expect(judgeRemote(fixtureRequest()).score).toMatchObject({ score: 0, classification: 'Fail' });
    for (const v of [600, 1e308, 5e4]) {
      const req = fixtureRequest();
      req.metricSetPairList[1].values.control[7] = v;
      const res = judgeRemote(req);
      expect(res.results[1], String(v)).toMatchObject({ name: 'errors', classification: 'High', critical: true });
      expect(res.results[1].classificationReason).toMatch(/outlier guard: 1 control value above .* clamped/);
      expect(res.score, String(v)).toMatchObject({ score: 0, classification: 'Fail' });
    }
  });
  it('a metric that may go negative (allowNegative) still fails with -50 or -1e308 in the baseline', () => {
    for (const v of [-50, -1e308]) {
      const req = fixtureRequest();
      req.canaryConfig.metrics[1].analysisConfigurations.canary.allowNegative = true;
      req.metricSetPairList[1].values.control[7] = v;
      expect(judgeRemote(req).score, String(v)).toMatchObject({ score: 0, classification: 'Fail' });
    }
  });
  it("guard: false is Kayenta's own statistics: there the mean-ratio gate lets the one sample pass the canary", () => {
    const req = fixtureRequest();
    const c = req.metricSetPairList[1].values.control as number[];
    const e = req.metricSetPairList[1].values.experiment as number[];
    c[7] = 600;
    const m: KayentaMetric = { name: 'errors', direction: 'increase', critical: true, control: c, experiment: e };
    const kayenta = judgeMetrics([m], { guard: false });
    // The rank interval still clears the tolerance; the mean of the control (32) is above the canary's (30).
    expect(kayenta.metrics[0].lower).toBeGreaterThan(0);
    expect(kayenta.metrics[0].ratio).toBeLessThan(1);
    expect(kayenta).toMatchObject({ score: 100, classification: 'Pass' });
    const ours = judgeMetrics([m]);
    expect(ours).toMatchObject({ score: 0, classification: 'Fail' });
    expect(ours.metrics[0]).toMatchObject({ classification: 'High', critical: true, clampedControl: 1 });
  });
  it('the guard never makes a verdict milder than Kayenta’s own, and leaves clean data alone', () => {
    const rng = new Rng(5, 'judges', 'guard-monotone');
    for (let t = 0; t < 200; t++) {
      const n = 5 + (t % 20);
      const c = normals(rng, n, 100, 10);
      const e = normals(rng, n, 100 + (t % 7) * 5, 10);
      if (t % 3 === 0) c[t % n] = [600, 0, 1e6][(t / 3) % 3];
      for (const direction of ['increase', 'decrease', 'either'] as const) {
        const m: KayentaMetric = { name: 'm', direction, critical: true, control: c, experiment: e };
        const a = judgeMetrics([m], { guard: false }).metrics[0];
        const b = judgeMetrics([m]).metrics[0];
        if (a.classification !== 'Pass') expect(b.classification, `${t} ${direction}`).toBe(a.classification);
        if (b.clampedControl === 0) expect(b).toEqual({ ...a, reason: b.reason });
      }
    }
  });
  it('the window judge fails a 10x canary with one baseline minute at 600 errors, at 5, 10 and 20 minutes', () => {
    const m = (requests: number, errors: number, p50: number, p99: number, conversions: number) => ({ requests, errors, slow: 5, latencyP50: p50, latencyP95: null, latencyP99: p99, cpu: 0, memory: 0, pool: 0, conversions, callerRequests: 0, callerErrors: 0 });
    const healthy = [m(1210, 2, 41.8, 120.4, 25), m(1185, 3, 42.3, 118.9, 23), m(1240, 2, 41.5, 122.0, 27), m(1198, 1, 42.0, 119.7, 24), m(1225, 3, 41.9, 121.2, 26)];
    const tenX = [m(1204, 29, 42.0, 121.0, 24), m(1190, 31, 42.4, 119.5, 23), m(1232, 30, 41.7, 121.8, 25), m(1201, 28, 42.1, 120.3, 24), m(1219, 32, 41.8, 120.9, 25)];
    for (const minutes of [5, 10, 20]) {
      const canary = Array.from({ length: minutes }, (_, i) => tenX[i % 5]);
      const baseline = Array.from({ length: minutes }, (_, i) => healthy[i % 5]);
      baseline[1] = { ...baseline[1], errors: 600 };
      const j = kayentaWindowJudge().judge({ canary, baseline, latencyObjectiveMs: 250 });
      expect(j.verdict, `${minutes} min: ${j.reasons.join(' | ')}`).toBe('fail');
      expect(j.reasons.join(' ')).toMatch(/error-ratio High \(critical\).*outlier guard/);
      // and a healthy canary beside the same corrupted baseline still passes
      expect(kayentaWindowJudge().judge({ canary: Array.from({ length: minutes }, (_, i) => healthy[i % 5]), baseline, latencyObjectiveMs: 250 }).verdict).toBe('pass');
    }
  });
  it('property: one corrupted control sample (any value, any index) never turns a clearly failing critical metric into a pass', () => {
    // Clearly failing: the canary runs at 15x to 1000x the baseline's level, each sample within ±25 % of its level.
    const arb = fc.record({
      level: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      factor: fc.double({ min: 15, max: 1000, noNaN: true }),
      c: fc.array(fc.double({ min: -0.25, max: 0.25, noNaN: true }), { minLength: 5, maxLength: 40 }),
      e: fc.array(fc.double({ min: -0.25, max: 0.25, noNaN: true }), { minLength: 5, maxLength: 40 }),
      at: fc.nat(),
      bad: fc.oneof(fc.double(), fc.constantFrom(600, -50, 0, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, NaN)),
      direction: fc.constantFrom('increase' as const, 'either' as const),
    });
    fc.assert(
      fc.property(arb, ({ level, factor, c, e, at, bad, direction }) => {
        const control = c.map((x) => level * (1 + x));
        const experiment = e.map((x) => level * factor * (1 + x));
        const healthy: KayentaMetric = { name: 'latency', direction: 'increase', control: [40, 41, 42, 41, 40], experiment: [41, 40, 42, 40, 41] };
        const metric = (ctrl: number[]): KayentaMetric => ({ name: 'errors', direction, critical: true, control: ctrl, experiment });
        if (judgeMetrics([healthy, metric(control)]).classification !== 'Fail') return; // not clearly failing to begin with
        const corrupted = [...control];
        corrupted[at % corrupted.length] = bad;
        const v = judgeMetrics([healthy, metric(corrupted)]);
        expect(v.classification, JSON.stringify(v.metrics[1])).toBe('Fail');
      }),
      { numRuns: 400, seed: 13 },
    );
  });
});

describe('missing and impossible evidence', () => {
  it('group weights that overflow the weighted score give a Fail, never a Pass on an infinite score', () => {
    // A healthy canary (experiment = control) and a latency weight near the largest double: 1.8e308 × 100 is Infinity.
    const req = fixtureRequest();
    for (const p of req.metricSetPairList) p.values.experiment = [...p.values.control];
    expect(judgeRemote(req).score.classification).toBe('Pass');
    req.canaryConfig.classifier = { groupWeights: { latency: 1.7976931348623157e308, errors: 50 } };
    const r = judgeRemote(req).score;
    expect(r).toMatchObject({ score: 0, classification: 'Fail' });
    expect(r.classificationReason).toMatch(/weighted summary score is not a number \(Infinity\)/);
  });

  it('a critical metric the config lists but no pair carries is Nodata and fails the canary', () => {
    const req = fixtureRequest();
    req.metricSetPairList = req.metricSetPairList.slice(0, 1);
    const res = judgeRemote(req);
    expect(res.results.map((r) => [r.name, r.classification, r.critical])).toEqual([
      ['latency-p50', 'Pass', false],
      ['errors', 'Nodata', true],
    ]);
    expect(res.results[1].classificationReason).toContain('no pair');
    expect(res.score).toMatchObject({ score: 0, classification: 'Fail' });
    expect(res.score.classificationReason).toContain('errors');
  });
  it('a missing non-critical metric counts as Nodata too', () => {
    const req = fixtureRequest();
    req.canaryConfig.metrics.push({ name: 'cpu', groups: ['latency'], analysisConfigurations: { canary: { direction: 'increase' } } });
    const res = judgeRemote(req);
    expect(res.results.map((r) => r.classification)).toEqual(['Pass', 'High', 'Nodata']);
  });
  it('nanStrategy replace with an empty series is Nodata, not a pass (a critical one fails the canary)', () => {
    const req = fixtureRequest();
    req.canaryConfig.metrics[1].analysisConfigurations.canary.nanStrategy = 'replace';
    req.metricSetPairList[1].values.experiment = [];
    const res = judgeRemote(req);
    expect(res.results[1]).toMatchObject({ classification: 'Nodata', critical: true });
    expect(res.score).toMatchObject({ score: 0, classification: 'Fail' });
    // gaps inside a series are still zeros under replace
    const gaps = fixtureRequest();
    gaps.canaryConfig.metrics[1].analysisConfigurations.canary.nanStrategy = 'replace';
    gaps.metricSetPairList[1].values.experiment[3] = null;
    expect(judgeRemote(gaps).results[1].experimentMetadata.stats.count).toBe(20);
  });
  it('a negative or infinite value is a bad request naming it', () => {
    const at = 'metricSetPairList[1].values.control[7]';
    for (const v of [-50, -1e308, 'Infinity', '-Infinity']) {
      const req = fixtureRequest();
      req.metricSetPairList[1].values.control[7] = v;
      expect(remoteField(() => judgeRemote(req)), String(v)).toBe(at);
    }
    const huge = fixtureRequest();
    huge.metricSetPairList[0].values.experiment[2] = JSON.parse('1e400'); // Infinity after parsing
    expect(remoteField(() => judgeRemote(huge))).toBe('metricSetPairList[0].values.experiment[2]');
    const notBool = fixtureRequest();
    notBool.canaryConfig.metrics[1].analysisConfigurations.canary.allowNegative = 'yes';
    expect(remoteField(() => judgeRemote(notBool))).toBe('canaryConfig.metrics[1].analysisConfigurations.canary.allowNegative');
  });
  it('statistics that overflow are Nodata, never a pass', () => {
    const v = judgeMetrics([{ name: 'm', direction: 'increase', critical: true, control: [-1e308, -1.5e308, -1.2e308, -1.1e308, -1.3e308], experiment: [1e308, 1.5e308, 1.2e308, 1.1e308, 1.3e308] }]);
    expect(v.metrics[0]).toMatchObject({ classification: 'Nodata', critical: true });
    expect(v.classification).toBe('Fail');
  });
});
