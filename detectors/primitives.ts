// The numerics the streaming anomaly detectors share (docs/anomaly.md): the normal tail and its "surprise" in
// decimal digits, the score map L / (L + 5), a sorted sliding window, rolling moments, a sliding maximum with the
// repeat suppression built on it, and HTM's anomaly likelihood. The bottom of detectors/ (beside types.ts): it
// imports only lib/stats.ts.
import { logErfc } from '../lib/stats.ts';

// ---------------------------------------------------------------------------------------------------------------
// numerics

/** Complementary error function. */
export function erfc(x: number): number {
  const r = Math.exp(logErfc(x));
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal, Q(z) = P(Z > z). */
export const normalTail = (z: number): number => 0.5 * erfc(z / Math.SQRT2);

/** -log10 Q(z) for z >= 0 (the "surprise" in decimal digits), without underflow for large z. */
export function normalSurprise(z: number): number {
  if (z <= 0) return -Math.log10(normalTail(z));
  return -(Math.LN2 * -1 + logErfc(z / Math.SQRT2)) / Math.LN10;
}

/** Score of a surprise of L decimal digits: L / (L + 5), so 0.5 at a tail probability of 1e-5 (HTM's red level), never 1. */
export const surpriseScore = (L: number): number => (L > 0 ? L / (L + 5) : 0);

/** Sliding window of the last `size` values kept sorted (binary search + memmove: O(size) memmove, cheap for a few hundred). */
export class SortedWindow {
  readonly size: number;
  ring: Float64Array;
  sorted: Float64Array;
  count = 0;
  head = 0;
  constructor(size: number) {
    this.size = size;
    this.ring = new Float64Array(size);
    this.sorted = new Float64Array(size);
  }
  private lowerBound(x: number, n: number): number {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  push(x: number): void {
    let n = this.count;
    if (n === this.size) {
      const old = this.ring[this.head];
      const k = this.lowerBound(old, n);
      this.sorted.copyWithin(k, k + 1, n);
      n--;
    } else this.count++;
    const k = this.lowerBound(x, n);
    this.sorted.copyWithin(k + 1, k, n);
    this.sorted[k] = x;
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.size;
  }
  /** Quantile by linear interpolation between order statistics (q in [0, 1]). */
  quantile(q: number): number {
    const n = this.count;
    const pos = q * (n - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    return i + 1 < n ? this.sorted[i] * (1 - f) + this.sorted[i + 1] * f : this.sorted[i];
  }
  save() {
    return { ring: Array.from(this.ring.subarray(0, this.count)), count: this.count, head: this.head };
  }
  load(st: { ring: number[]; count: number; head: number }): void {
    this.ring.set(st.ring);
    this.count = st.count;
    this.head = st.head;
    this.sorted.set(st.ring);
    this.sorted.subarray(0, st.count).sort();
  }
}

/** Mean and standard deviation of the last `size` values (running sums, re-summed every `size` pushes). */
class RollingMoments {
  readonly size: number;
  ring: Float64Array;
  count = 0;
  head = 0;
  sum = 0;
  sumSq = 0;
  sinceResum = 0;
  constructor(size: number) {
    this.size = size;
    this.ring = new Float64Array(size);
  }
  push(x: number): void {
    if (this.count === this.size) {
      const old = this.ring[this.head];
      this.sum -= old;
      this.sumSq -= old * old;
    } else this.count++;
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.size;
    this.sum += x;
    this.sumSq += x * x;
    if (++this.sinceResum >= this.size) {
      this.sinceResum = 0;
      let s = 0, q = 0;
      for (let i = 0; i < this.count; i++) {
        const v = this.ring[i];
        s += v;
        q += v * v;
      }
      this.sum = s;
      this.sumSq = q;
    }
  }
  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }
  std(): number {
    if (this.count < 2) return 0;
    const m = this.sum / this.count;
    return Math.sqrt(Math.max(0, this.sumSq / this.count - m * m));
  }
  save() {
    return { ring: Array.from(this.ring.subarray(0, this.count)), count: this.count, head: this.head, sum: this.sum, sumSq: this.sumSq, since: this.sinceResum };
  }
  load(st: { ring: number[]; count: number; head: number; sum: number; sumSq: number; since: number }): void {
    this.ring.set(st.ring);
    this.count = st.count;
    this.head = st.head;
    this.sum = st.sum;
    this.sumSq = st.sumSq;
    this.sinceResum = st.since;
  }
}

/** Sliding maximum of the last `size` pushes (monotone deque; amortised O(1)). */
export class SlidingMax {
  readonly size: number;
  idx: number[] = [];
  val: number[] = [];
  t = 0;
  constructor(size: number) {
    this.size = size;
  }
  /** Max of the values pushed in the last `size` steps, -Infinity if none. */
  max(): number {
    while (this.idx.length && this.idx[0] <= this.t - this.size - 1) {
      this.idx.shift();
      this.val.shift();
    }
    return this.val.length ? this.val[0] : -Infinity;
  }
  push(x: number): void {
    this.t++;
    while (this.val.length && this.val[this.val.length - 1] <= x) {
      this.val.pop();
      this.idx.pop();
    }
    this.val.push(x);
    this.idx.push(this.t);
  }
  save() {
    return { idx: [...this.idx], val: [...this.val], t: this.t };
  }
  load(st: { idx: number[]; val: number[]; t: number }): void {
    this.idx = [...st.idx];
    this.val = [...st.val];
    this.t = st.t;
  }
}

/**
 * Repeat suppression: push score `s` and report it only if it beats every score of the window before it (else 0).
 * One anomaly then gives one detection, and a stronger one within the span still comes through.
 */
export function reportNewMax(recent: SlidingMax, s: number): number {
  const before = recent.max();
  recent.push(s);
  return s > before ? s : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// the anomaly likelihood (HTM's trick)

/**
 * Likelihood of one raw score stream: its moving average over `avg` rows against the mean and standard deviation
 * of that average over the last `history` rows (sd floored at `minStd`); returns the upper tail's surprise
 * -log10 Q(z), 0 when the average is at or below the long-term mean.
 */
export class Likelihood {
  /** The moving average of the raw values (its mean; the spread is not used). */
  ma: RollingMoments;
  hist: RollingMoments;
  minStd: number;
  constructor(avg: number, history: number, minStd: number) {
    this.ma = new RollingMoments(avg);
    this.hist = new RollingMoments(history);
    this.minStd = minStd;
  }
  /** Surprise (-log10 tail probability) of the new raw value against the history before it; then it joins the history. */
  update(raw: number): number {
    this.ma.push(raw);
    const a = this.ma.mean();
    let s = 0;
    if (this.hist.count >= 2) {
      const sd = Math.max(this.hist.std(), this.minStd);
      const z = (a - this.hist.mean()) / sd;
      s = z > 0 ? normalSurprise(z) : 0;
    }
    this.hist.push(a);
    return s;
  }
  save() {
    return { ma: this.ma.save(), hist: this.hist.save() };
  }
  load(st: ReturnType<Likelihood['save']>): void {
    this.ma.load(st.ma);
    this.hist.load(st.hist);
  }
}
