// Seeded random streams. Every draw in the simulator goes through an `Rng`; each subsystem gets its own
// stream derived from (root seed, name), so adding a consumer in one subsystem never shifts another.

/** 32-bit FNV-1a of a string: turns stream names into seed material (and hashes text features). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step, used only to expand seeds into generator state. */
function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [x, (z ^ (z >>> 16)) >>> 0];
}

const TWO_POW_32 = 4294967296;

/**
 * sfc32 generator (small, fast, passes PractRand to 2^64 bytes) with the distributions the simulator needs.
 * State is four uint32s, so it can be copied with `clone()` and serialised with `state()`.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /** A generator for `(seed, ...names)`; the same arguments always give the same stream. */
  constructor(seed: number, ...names: string[]) {
    let x = (Math.trunc(seed) ^ fnv1a(names.join('/'))) >>> 0;
    x = (x ^ Math.trunc(seed / TWO_POW_32)) >>> 0;
    let o: number;
    [x, o] = splitmix32(x);
    this.a = o;
    [x, o] = splitmix32(x);
    this.b = o;
    [x, o] = splitmix32(x);
    this.c = o;
    [x, o] = splitmix32(x);
    this.d = o | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A child stream, independent of this one's position. */
  fork(...names: string[]): Rng {
    const r = new Rng(0);
    const [a, b, c, d] = [this.a, this.b, this.c, this.d];
    const h = fnv1a(names.join('/'));
    r.a = (a ^ h) >>> 0;
    r.b = (b ^ Math.imul(h, 0x9e3779b1)) >>> 0;
    r.c = (c ^ Math.imul(h, 0x85ebca6b)) >>> 0;
    r.d = (d ^ Math.imul(h, 0xc2b2ae35)) | 1;
    for (let i = 0; i < 12; i++) r.u32();
    return r;
  }

  /**
   * The `index`-th child stream, a function of this stream's current state and `index` only (no string hashing,
   * so it is cheap enough to call once per simulated minute). The rollout environment draws minute `t`'s noise
   * from `base.at(t)`, so a minute sees the same random numbers whatever the policy did before it.
   */
  at(index: number): Rng {
    const r: Rng = Object.create(Rng.prototype);
    r.spare = NaN;
    let [x] = splitmix32((index * 0x9e3779b1) ^ this.a);
    r.a = (this.a ^ x) >>> 0;
    [x] = splitmix32(x ^ this.b);
    r.b = (this.b ^ x) >>> 0;
    [x] = splitmix32(x ^ this.c);
    r.c = (this.c ^ x) >>> 0;
    r.d = ((this.d ^ Math.imul(index + 1, 0x85ebca6b)) | 1) >>> 0;
    for (let i = 0; i < 8; i++) r.u32();
    return r;
  }

  clone(): Rng {
    const r = new Rng(0);
    r.a = this.a;
    r.b = this.b;
    r.c = this.c;
    r.d = this.d;
    r.spare = this.spare;
    return r;
  }

  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / TWO_POW_32;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller, second value kept for the next call). */
  normal(): number {
    if (this.spare === this.spare) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    let u = this.next();
    if (u < 1e-300) u = 1e-300;
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * v;
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  gauss(mean: number, sd: number): number {
    return mean + sd * this.normal();
  }

  /** Log-normal with the given median and log-scale sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson: exact (Knuth) below 30, normal approximation above. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const L = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > L) {
        k++;
        p *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /** Binomial(n, p): exact for small n, Poisson for rare events, normal approximation otherwise. */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (n < 40) {
      let k = 0;
      for (let i = 0; i < n; i++) if (this.next() < p) k++;
      return k;
    }
    const mean = n * p;
    if (mean < 15) return Math.min(n, this.poisson(mean));
    if (n * (1 - p) < 15) return n - Math.min(n, this.poisson(n * (1 - p)));
    const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * this.normal());
    return k < 0 ? 0 : k > n ? n : k;
  }

  /** Beta(a, b) via two gamma draws. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Gamma(shape, 1), Marsaglia-Tsang. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.next() || 1e-300, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /**
   * Shuffles `xs` in place (Fisher-Yates, from the last element down: element i swaps with one drawn from [0, i]),
   * one draw per element after the first, and returns it. Arrays and typed arrays alike.
   */
  shuffle<A extends { length: number; [i: number]: unknown }>(xs: A): A {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }

  /** `k` distinct indices from [0, n), in draw order. */
  sample(n: number, k: number): number[] {
    const idx = Array.from({ length: n }, (_, i) => i);
    const m = Math.min(k, n);
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, m);
  }
}
