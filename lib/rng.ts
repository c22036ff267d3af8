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

// Ziggurat tables for 128 layers of the standard normal (Marsaglia and Tsang, 2000): ZIG_R is where the tail starts and
// ZIG_V the area of every layer. ZIG_W[i] turns a 24-bit position into x; a position below ZIG_K[i] lies under the
// curve for sure; ZIG_F[i] is the density at the layer's edge. Built once from Math.exp, Math.log and Math.sqrt.
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_K = new Uint32Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
/** ZIG_W with the sign folded in, indexed by the low 8 bits (layer and sign bit): no branch on a random sign. */
const ZIG_WS = new Float64Array(256);
{
  const m = 2 ** 24;
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = Math.floor((dn / q) * m);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m;
  ZIG_W[127] = dn / m;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = Math.floor((dn / tn) * m);
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / m;
  }
  for (let i = 0; i < 128; i++) {
    ZIG_WS[i] = ZIG_W[i];
    ZIG_WS[i + 128] = -ZIG_W[i];
  }
}

/**
 * sfc32 generator (small, fast, passes PractRand to 2^64 bytes) with the distributions the simulator needs.
 * State is four 32-bit words, so it can be copied with `clone()` and serialised with `state()` (as int32).
 */
export class Rng {
  /**
   * sfc32's four words a, b, c, d as int32. A typed array rather than four fields: every access is then a plain load
   * or store of an int32, and u32() runs several times faster (the values, and so every stream, are the same).
   */
  private s = new Int32Array(4);
  private spare = NaN;

  /** A generator for `(seed, ...names)`; the same arguments always give the same stream. */
  constructor(seed: number, ...names: string[]) {
    let x = (Math.trunc(seed) ^ fnv1a(names.join('/'))) >>> 0;
    x = (x ^ Math.trunc(seed / TWO_POW_32)) >>> 0;
    let o: number;
    const st = this.s;
    [x, o] = splitmix32(x);
    st[0] = o;
    [x, o] = splitmix32(x);
    st[1] = o;
    [x, o] = splitmix32(x);
    st[2] = o;
    [x, o] = splitmix32(x);
    st[3] = o | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A child stream, independent of this one's position. */
  fork(...names: string[]): Rng {
    const r = new Rng(0);
    const st = this.s;
    const a = st[0];
    const b = st[1];
    const c = st[2];
    const d = st[3];
    const h = fnv1a(names.join('/'));
    r.s[0] = a ^ h;
    r.s[1] = b ^ Math.imul(h, 0x9e3779b1);
    r.s[2] = c ^ Math.imul(h, 0x85ebca6b);
    r.s[3] = (d ^ Math.imul(h, 0xc2b2ae35)) | 1;
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
    r.s = new Int32Array(4);
    r.spare = NaN;
    const st = this.s;
    const a = st[0];
    const b = st[1];
    const c = st[2];
    const d = st[3];
    let [x] = splitmix32((index * 0x9e3779b1) ^ a);
    r.s[0] = a ^ x;
    [x] = splitmix32(x ^ b);
    r.s[1] = b ^ x;
    [x] = splitmix32(x ^ c);
    r.s[2] = c ^ x;
    r.s[3] = (d ^ Math.imul(index + 1, 0x85ebca6b)) | 1;
    for (let i = 0; i < 8; i++) r.u32();
    return r;
  }

  clone(): Rng {
    const r = new Rng(0);
    r.s.set(this.s);
    r.spare = this.spare;
    return r;
  }

  state(): [number, number, number, number] {
    const st = this.s;
    return [st[0], st[1], st[2], st[3]];
  }

  u32(): number {
    const st = this.s;
    const a = st[0];
    const b = st[1];
    const c = st[2];
    const d = st[3];
    const t = (((a + b) | 0) + d) | 0;
    // Stores into the Int32Array wrap to int32, as `| 0` would.
    st[3] = d + 1;
    st[0] = b ^ (b >>> 9);
    st[1] = c + (c << 3);
    st[2] = ((c << 21) | (c >>> 11)) + t;
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

  /**
   * Writes `n` standard normals into `out` from index `from`: the very values of `n` calls to `normal()`, and the same
   * state afterwards (the spare of a pair included), so a caller may switch between the two at any point. The
   * generator's state stays in local variables, which makes a long fill about twice as fast as the calls.
   */
  fillNormal(out: Float64Array, n: number = out.length, from = 0): void {
    let i = from;
    const end = from + n;
    const two32 = TWO_POW_32; // a local: a module constant read in the loop is checked on every draw
    if (i < end && this.spare === this.spare) {
      out[i++] = this.spare;
      this.spare = NaN;
    }
    const st = this.s;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    while (i < end) {
      // Two steps of u32(), written out (see u32 for the generator).
      let t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      let u = (t >>> 0) / two32;
      t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const v = (t >>> 0) / two32;
      // The same expressions as normal(), in the same order, so every rounding is the same.
      if (u < 1e-300) u = 1e-300;
      const r = Math.sqrt(-2 * Math.log(u));
      const th = 2 * Math.PI * v;
      out[i++] = r * Math.cos(th);
      const s = r * Math.sin(th);
      if (i < end) out[i++] = s;
      else this.spare = s;
    }
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
  }

  /**
   * Standard normal by the ziggurat method (Marsaglia and Tsang, 2000, 128 layers), on this stream: most draws take
   * one u32, a table look-up and a multiply. The layer comes from the low 7 bits, the sign from bit 7 and the
   * position in the layer from the top 24 bits, so no bit serves twice (the 2000 paper reuses the index bits, which
   * Doornik, 2005, showed to correlate). A different stream from `normal()`: only the traffic generator's version 2
   * uses it.
   */
  normalZiggurat(): number {
    const u = this.u32();
    const i = u & 127;
    const j = u >>> 8;
    if (j < ZIG_K[i]) return j * ZIG_WS[u & 255];
    return this.zigguratSlow(u);
  }

  /** `n` ziggurat normals into `out` from index `from`: the values of `n` calls to `normalZiggurat()`. */
  fillNormalZiggurat(out: Float64Array, n: number = out.length, from = 0): void {
    const end = from + n;
    // Module constants into locals: read in the loop, they would be checked for initialisation on every draw.
    const zk = ZIG_K;
    const zws = ZIG_WS;
    const st = this.s;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    for (let i = from; i < end; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const u = t >>> 0;
      const k = u & 127;
      const j = u >>> 8;
      if (j < zk[k]) {
        out[i] = j * zws[u & 255];
        continue;
      }
      // Rare (about 1.2 % of draws): the slow path draws from the object's state.
      st[0] = a;
      st[1] = b;
      st[2] = c;
      st[3] = d;
      out[i] = this.zigguratSlow(u);
      a = st[0];
      b = st[1];
      c = st[2];
      d = st[3];
    }
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
  }

  /** The ziggurat's rejection step for a draw `u` that fell outside its layer's inner rectangle. */
  private zigguratSlow(u: number): number {
    for (;;) {
      const i = u & 127;
      const j = u >>> 8;
      const neg = (u & 128) !== 0;
      if (j < ZIG_K[i]) return j * ZIG_WS[u & 255];
      if (i === 0) {
        // The tail beyond ZIG_R (Marsaglia, 1964); 1 - next() is in (0, 1], so the logarithms are finite.
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.next()) / ZIG_R;
          y = -Math.log(1 - this.next());
        } while (y + y < x * x);
        return neg ? -(ZIG_R + x) : ZIG_R + x;
      }
      const x = j * ZIG_W[i];
      if (ZIG_F[i] + this.next() * (ZIG_F[i - 1] - ZIG_F[i]) < Math.exp(-0.5 * x * x)) return neg ? -x : x;
      u = this.u32();
    }
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
