// The seeded generator's streams are pinned (every simulated world depends on them), and its block fills give the
// values of the one-at-a-time draws they replace in the traffic generator's hot loops.
import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { Rng } from '../lib/rng.ts';
import { normalCdf } from '../lib/stats.ts';

describe('Rng streams (pinned)', () => {
  it('every method draws what it drew before the state moved into a typed array', () => {
    // The same walk was hashed with lib/rng.ts as of commit fc7bd68 (four number fields for the state).
    const out: unknown[] = [];
    for (const seed of [0, 1, 42, 2 ** 40 + 7, -3]) {
      const r = new Rng(seed, 'a', 'b');
      out.push(r.state());
      for (let i = 0; i < 50; i++) {
        out.push(r.u32(), r.next(), r.normal(), r.int(-5, 9), r.poisson(4.2), r.poisson(80), r.binomial(60, 0.3));
        out.push(r.gamma(0.7), r.beta(2, 3), r.exponential(3), r.lognormal(2, 0.5));
      }
      const f = r.fork('child', 'x');
      out.push(f.state(), f.u32(), f.normal());
      const c = r.clone();
      out.push(c.normal(), r.normal(), c.state(), r.state());
      for (const i of [0, 1, 17, 100000, 2 ** 30]) {
        const a = r.at(i);
        out.push(a.state(), a.u32(), a.normal(), a.normal());
      }
      out.push(r.shuffle([1, 2, 3, 4, 5, 6, 7, 8]), r.sample(50, 7), r.weighted([1, 2, 3]), r.pick(['p', 'q', 'r']), r.state());
    }
    expect(createHash('sha256').update(JSON.stringify(out)).digest('hex').slice(0, 16)).toBe('c6a46c7cab18e509');
  });
});

describe('Rng.fillNormal', () => {
  for (const pending of [false, true]) {
    for (const n of [0, 1, 2, 3, 8, 2049]) {
      it(`${n} values${pending ? ' with a spare pending' : ''}: those of n calls to normal(), and the same state after`, () => {
        const a = new Rng(9, 'fill', String(n));
        const b = new Rng(9, 'fill', String(n));
        if (pending) expect(a.normal()).toBe(b.normal()); // leaves the pair's second value as the spare
        const out = new Float64Array(n + 4).fill(-1);
        a.fillNormal(out, n, 2);
        const calls = Array.from({ length: n }, () => b.normal());
        expect(Array.from(out.subarray(2, 2 + n))).toEqual(calls);
        expect([out[0], out[1], out[n + 2], out[n + 3]]).toEqual([-1, -1, -1, -1]); // nothing outside [from, from + n)
        // The spare and the words agree: the next draws of every kind are the same.
        expect([a.normal(), a.normal(), a.next(), a.normal()]).toEqual([b.normal(), b.normal(), b.next(), b.normal()]);
        expect(a.state()).toEqual(b.state());
      });
    }
  }
});

describe('Rng ziggurat normals (traffic generator version 2)', () => {
  it('a block fill gives the values and the state of the single draws, slow paths included', () => {
    const a = new Rng(3, 'zig');
    const b = new Rng(3, 'zig');
    const n = 200_000; // about 2,400 draws take the rejection step, about 120 the tail
    const out = new Float64Array(n);
    a.fillNormalZiggurat(out);
    const one = new Float64Array(n);
    for (let i = 0; i < n; i++) one[i] = b.normalZiggurat();
    expect(Buffer.from(out.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    expect(a.state()).toEqual(b.state());
    expect(out.some((x) => Math.abs(x) > 3.442619855899)).toBe(true); // the tail was reached
  });

  it('is a standard normal: moments, tails and the Kolmogorov-Smirnov distance', () => {
    const r = new Rng(11, 'zig-moments');
    const n = 1_000_000;
    const x = new Float64Array(n);
    r.fillNormalZiggurat(x);
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let over2 = 0;
    let over35 = 0;
    for (const v of x) {
      s1 += v;
      s2 += v * v;
      s3 += v * v * v;
      s4 += v * v * v * v;
      if (Math.abs(v) > 2) over2++;
      if (v > 3.5) over35++;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(0.005); // standard error 0.001
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.007); // 0.0014
    expect(Math.abs(s3 / n)).toBeLessThan(0.02); // 0.0039
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.05); // 0.0098
    expect(Math.abs(over2 / n - 0.0455)).toBeLessThan(0.001); // 0.0002
    expect(Math.abs(over35 / n - 2.326e-4)).toBeLessThan(0.00008); // in the tail, beyond the base layer: 0.000015
    x.sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = normalCdf(x[i]);
      d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
    expect(d).toBeLessThan(1.63 / Math.sqrt(n)); // the 1 % critical value
  });

  it('layer, sign and position come from separate bits: neighbouring draws are uncorrelated', () => {
    const r = new Rng(5, 'zig-lag');
    const n = 400_000;
    const x = new Float64Array(n);
    r.fillNormalZiggurat(x);
    let c = 0;
    let c2 = 0;
    for (let i = 1; i < n; i++) {
      c += x[i] * x[i - 1];
      c2 += (x[i] * x[i] - 1) * (x[i - 1] * x[i - 1] - 1);
    }
    expect(Math.abs(c / n)).toBeLessThan(0.008); // standard error 0.0016
    expect(Math.abs(c2 / n / 2)).toBeLessThan(0.008);
  });
});
