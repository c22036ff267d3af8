// Two-sided Mann-Whitney U (Wilcoxon rank-sum) test, normal approximation, with the Hodges-Lehmann shift
// estimate and its confidence interval: the statistics behind Kayenta's MannWhitneyClassifier, which ports
// R's `wilcox.test(x, y, correct = TRUE, conf.int = TRUE, conf.level = 0.98, exact = FALSE)`.
//
// Conventions: `x` is the experiment (canary), `y` the control (baseline); the shift is x - y.
//
// - `u` is the U statistic of x (R's W, scipy's U1): sum of x's mid-ranks in the pooled sample minus
//   nx(nx+1)/2, i.e. #{x_i > y_j} + 0.5 #{x_i = y_j}.
// - `z` is signed: (u - nx ny/2 - 0.5 sign(u - nx ny/2)) / sigma, sigma with the tie correction; positive when
//   the experiment tends to be larger. `pValue` = 2 P(Z > |z|) (exactly scipy's asymptotic p-value).
// - `estimate` is the Hodges-Lehmann shift: the median of the nx*ny pairwise differences x_i - y_j (mean of
//   the two middle ones when nx*ny is even, as numpy's median). R's normal-approximation branch instead
//   returns `uniroot(wdiff, zq = 0, tol = 1e-4)`, a point inside the same middle gap.
// - `[lower, upper]` is R's asymptotic interval. R finds the roots in the shift mu of
//   wdiff(mu, zq) = (dz(mu) - 0.5 sign(dz(mu))) / sigma(mu) - zq, where dz(mu) is the U statistic of
//   (x - mu, y) minus nx ny/2. Between consecutive pairwise differences dz is constant
//   (= nx ny/2 - #{x_i - y_j < mu}) and sigma only carries the ties inside each sample, so wdiff is a
//   non-increasing step function that jumps only at pairwise differences: every root R's `uniroot` converges
//   to is one of the sorted differences D(1) <= ... <= D(N). We return that difference exactly (R returns it
//   to within uniroot's tol = 1e-4): lower = D(mL), mL = max(1, ceil(N/2 - 0.5 - zq sigma0)); upper =
//   D(mU), mU = min(N, ceil(N/2 + 0.5 + zq sigma0)), zq = qnorm(1 - (1 - conf)/2). The clamps are R's
//   "return the end point" cases (mumin = min(x) - max(y) = D(1), mumax = D(N)).
//
// Edge cases (no NaN ever leaks out):
// - Non-finite values (NaN, +-Infinity) are dropped first, as R's `wilcox.test` does.
// - An empty sample (after dropping) gives u = 0, z = 0, pValue = 1, estimate = lower = upper = 0, with
//   nx / ny telling the caller there was nothing to compare. (R stops with "not enough 'x' observations".)
// - All values tied (one distinct value across both samples): sigma = 0, so z = 0 and pValue = 1; every
//   pairwise difference is 0, so estimate = lower = upper = 0. (R stops with "cannot compute confidence
//   interval when all observations are tied".)
// - Differences of huge finite values can overflow to +-Infinity; that is not guarded.
import { sortPrefix } from '../lib/sort.ts';

export interface MannWhitneyResult {
  /** U statistic of the experiment x (R's W). */
  u: number;
  /** Signed, tie- and continuity-corrected normal score; > 0 when x tends to be larger than y. */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  pValue: number;
  /** Hodges-Lehmann shift x - y (median of pairwise differences). */
  estimate: number;
  /** Lower end of the confidence interval of the shift. */
  lower: number;
  /** Upper end of the confidence interval of the shift. */
  upper: number;
  /** Finite values used from x. */
  nx: number;
  /** Finite values used from y. */
  ny: number;
}

export interface MannWhitneyOptions {
  /** Confidence level of the interval, in (0, 1). Default 0.98 (Kayenta's). */
  confidence?: number;
  /** Continuity correction for the p-value and the interval (R's `correct`). Default true. */
  correct?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Normal distribution, to full double precision (the p-value is compared with scipy to 1e-9 relative).

// W. J. Cody's rational Chebyshev approximations, as in R's pnorm.c (pnorm_both).
const PA = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113];
const PB = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956];
const PC = [
  0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226, 2494.5375852903726711,
  6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218, 1.0765576773720192317e-8,
];
const PD = [
  22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755, 18615.571640885098091,
  34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
];
const PP = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303];
const PQ = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244, 7.29751555083966205e-5];
const M_1_SQRT_2PI = 0.398942280401432677939946059934;
const SQRT_32 = 5.656854249492380195206754896838;

/** exp(-y^2/2) computed without losing the low bits of y^2 (R's do_del trick). */
function expHalfSq(y: number): number {
  const xsq = Math.trunc(y * 16) / 16;
  const del = (y - xsq) * (y + xsq);
  return Math.exp(-xsq * xsq * 0.5) * Math.exp(-del * 0.5);
}

/** Upper tail of the standard normal, P(Z > x): ~1e-15 relative for |x| < 8, ~1e-13 far out (checked vs scipy). */
export function normalUpper(x: number): number {
  if (x !== x) return NaN;
  const y = Math.abs(x);
  let lowerTailOfMinusY: number; // P(Z < -y) = P(Z > y)
  if (y <= 0.67448975) {
    const xsq = y * y;
    let xnum = PA[4] * xsq;
    let xden = xsq;
    for (let i = 0; i < 3; i++) {
      xnum = (xnum + PA[i]) * xsq;
      xden = (xden + PB[i]) * xsq;
    }
    const temp = (y * (xnum + PA[3])) / (xden + PB[3]);
    return x >= 0 ? 0.5 - temp : 0.5 + temp;
  } else if (y <= SQRT_32) {
    let xnum = PC[8] * y;
    let xden = y;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + PC[i]) * y;
      xden = (xden + PD[i]) * y;
    }
    lowerTailOfMinusY = (expHalfSq(y) * (xnum + PC[7])) / (xden + PD[7]);
  } else if (y < 38.5) {
    const xsq = 1 / (y * y);
    let xnum = PP[5] * xsq;
    let xden = xsq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + PP[i]) * xsq;
      xden = (xden + PQ[i]) * xsq;
    }
    let temp = (xsq * (xnum + PP[4])) / (xden + PQ[4]);
    temp = (M_1_SQRT_2PI - temp) / y;
    lowerTailOfMinusY = expHalfSq(y) * temp;
  } else {
    lowerTailOfMinusY = 0;
  }
  return x >= 0 ? lowerTailOfMinusY : 1 - lowerTailOfMinusY;
}

/** Standard normal CDF, P(Z <= x). */
export const normalCdf = (x: number): number => normalUpper(-x);

/**
 * Upper quantile: the x with P(Z > x) = q, for q in (0, 1). Acklam's rational approximation refined by
 * two Halley steps on `normalUpper`, so it is accurate to a few ulps.
 */
export function normalUpperQuantile(q: number): number {
  if (!(q > 0)) return Infinity;
  if (!(q < 1)) return -Infinity;
  // Acklam gives the lower-tail quantile; P(Z > x) = q  <=>  x = -Phi^-1(q).
  let x = -acklam(q);
  for (let it = 0; it < 2; it++) {
    const e = normalUpper(x) - q; // d/dx normalUpper = -phi(x)
    const phi = M_1_SQRT_2PI * Math.exp(-0.5 * x * x);
    if (!(phi > 0)) break;
    const u = e / phi; // Newton step for f(x) = normalUpper(x) - q is x + u
    x = x + u / (1 - (x * u) / 2);
  }
  return x;
}

function acklam(p: number): number {
  const a0 = -39.69683028665376, a1 = 220.9460984245205, a2 = -275.9285104469687, a3 = 138.357751867269, a4 = -30.66479806614716, a5 = 2.506628277459239;
  const b0 = -54.47609879822406, b1 = 161.5858368580409, b2 = -155.6989798598866, b3 = 66.80131188771972, b4 = -13.28068155288572;
  const c0 = -0.007784894002430293, c1 = -0.3223964580411365, c2 = -2.400758277161838, c3 = -2.549732539343734, c4 = 4.374664141464968, c5 = 2.938163982698783;
  const d0 = 0.007784695709041462, d1 = 0.3224671290700398, d2 = 2.445134137142996, d3 = 3.754408661907416;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

let cachedConfidence = NaN;
let cachedZ = NaN;
/** R's `qnorm(alpha/2, lower.tail = FALSE)` with alpha = 1 - confidence (2.3263478740408408 for 0.98). */
export function criticalZ(confidence: number): number {
  if (confidence === cachedConfidence) return cachedZ;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const z = normalUpperQuantile((1 - confidence) / 2);
  cachedConfidence = confidence;
  cachedZ = z;
  return z;
}

// ---------------------------------------------------------------------------------------------------------
// Core on sorted, finite samples. Allocation-free apart from growing one scratch buffer.

export { sortPrefix };

/**
 * Rearranges a[l..r] so that a[k] holds the value of rank k (0-based, within the whole array) and
 * a[l..k-1] <= a[k] <= a[k+1..r]. Wirth's selection with a median-of-three pivot (Hoare partition, so runs of
 * equal values split evenly). Returns a[k].
 */
function select(a: Float64Array, l: number, r: number, k: number): number {
  while (l < r) {
    const m = (l + r) >> 1;
    let p0 = a[l], p1 = a[m], p2 = a[r];
    if (p0 > p1) { const t = p0; p0 = p1; p1 = t; }
    if (p1 > p2) { p1 = p2; if (p0 > p1) p1 = p0; }
    const pivot = p1;
    let i = l;
    let j = r;
    do {
      while (a[i] < pivot) i++;
      while (pivot < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k];
}

// ---------------------------------------------------------------------------------------------------------
// Order statistics of the pairwise differences D = {x_i - y_j} without forming them.
//
// With x and y sorted, row i of D (x_i - y_j over j) decreases in j and every column increases in i, so
// #{D <= t} is one two-pointer walk, O(nx + ny). The k-th smallest is bracketed as A < D(k) <= B with
// #{D <= A} < k <= #{D <= B}; the bracket shrinks by regula falsi on the count (Illinois variant), and by an
// exact step on matrix elements when ties stall it (B -> largest element <= B, which is the answer when fewer
// than k elements lie below it). Once at most (nx + ny)/2 + 8 elements remain in (A, B] they are gathered and a
// quickselect finishes. All comparisons use the computed differences x_i - y_j, so the result is exactly the
// value a sort of the materialised differences would give (floating-point subtraction is monotone).
// A capped loop falls back to materialising D, so termination never depends on the heuristics.

let posA = new Int32Array(64);
let posB = new Int32Array(64);
let posT = new Int32Array(64);
/** A cut remembered between searches: #{D <= cutV} = cutC, with its row positions in posM. */
let posM = new Int32Array(64);
let cutV = 0;
let cutC = 0;
let gathered = new Float64Array(512);
let diffs = new Float64Array(1024);

/** #{j : x_i - y_j <= t} summed over rows; pos[i] = first j with x_i - y_j <= t. */
function countLE(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, ny: number, t: number, pos: Int32Array): number {
  let j = 0;
  let c = 0;
  for (let i = 0; i < nx; i++) {
    const xi = xs[i];
    while (j < ny && xi - ys[j] > t) j++;
    pos[i] = j;
    c += ny - j;
  }
  return c;
}

/** #{j : x_i - y_j < t} summed over rows; pos[i] = first j with x_i - y_j < t. */
function countLT(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, ny: number, t: number, pos: Int32Array): number {
  let j = 0;
  let c = 0;
  for (let i = 0; i < nx; i++) {
    const xi = xs[i];
    while (j < ny && xi - ys[j] >= t) j++;
    pos[i] = j;
    c += ny - j;
  }
  return c;
}

/** Largest element at or below the cut described by pos (-Infinity if none). */
function maxBelow(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, ny: number, pos: Int32Array): number {
  let m = -Infinity;
  for (let i = 0; i < nx; i++) {
    const j = pos[i];
    if (j < ny) {
      const v = xs[i] - ys[j];
      if (v > m) m = v;
    }
  }
  return m;
}

/** Smallest element above the cut described by pos (+Infinity if none). */
function minAbove(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, pos: Int32Array): number {
  let m = Infinity;
  for (let i = 0; i < nx; i++) {
    const j = pos[i];
    if (j > 0) {
      const v = xs[i] - ys[j - 1];
      if (v < m) m = v;
    }
  }
  return m;
}

/** k-th smallest (1-based) of the differences by materialising them: the fallback. */
function orderStatisticByMaterialising(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, ny: number, k: number): number {
  const nn = nx * ny;
  if (diffs.length < nn) diffs = new Float64Array(Math.max(nn, diffs.length * 2));
  const d = diffs;
  let w = 0;
  for (let a = 0; a < nx; a++) {
    const xa = xs[a];
    for (let b = 0; b < ny; b++) d[w++] = xa - ys[b];
  }
  return select(d, 0, nn - 1, k - 1);
}

/**
 * The k-th smallest (1-based) of the nx*ny differences xs[i] - ys[j], xs and ys sorted ascending and finite.
 * Exact; O((nx + ny) log) typical time, no allocation once the scratch buffers have grown.
 */
export function pairwiseOrderStatistic(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, ny: number, k: number): number {
  return orderStatistic(xs, nx, ys, ny, k, false);
}

function ensurePositions(nx: number): void {
  if (posA.length < nx) {
    const len = Math.max(nx, posA.length * 2);
    posA = new Int32Array(len);
    posB = new Int32Array(len);
    posT = new Int32Array(len);
    posM = new Int32Array(len);
  }
}

/** As pairwiseOrderStatistic; with `useCut`, the remembered cut (cutV, cutC, posM) seeds the bracket. */
function orderStatistic(xs: ArrayLike<number>, nx: number, ys: ArrayLike<number>, ny: number, k: number, useCut: boolean): number {
  const nn = nx * ny;
  const dmin = xs[0] - ys[ny - 1];
  const dmax = xs[nx - 1] - ys[0];
  if (k <= 1) return dmin;
  if (k >= nn) return dmax;
  if (!(dmin - dmin === 0 && dmax - dmax === 0)) return orderStatisticByMaterialising(xs, nx, ys, ny, k);
  ensurePositions(nx);
  const gatherMax = ((nx + ny) >> 1) + 8;
  if (gathered.length < gatherMax) gathered = new Float64Array(gatherMax * 2);
  // Bracket (A, B]: A = -Infinity (no element <= A), B = dmax (all elements).
  let A = -Infinity;
  let cA = 0;
  posA.fill(ny, 0, nx);
  let B = dmax;
  let cB = nn;
  posB.fill(0, 0, nx);
  if (useCut) {
    if (cutC >= k) {
      B = cutV;
      cB = cutC;
      for (let i = 0; i < nx; i++) posB[i] = posM[i];
    } else {
      A = cutV;
      cA = cutC;
      for (let i = 0; i < nx; i++) posA[i] = posM[i];
    }
  }
  const target = k - 0.5;
  let fA = cA - target;
  let fB = cB - target;
  let side = 0;
  let lastSpan = -1;
  for (let it = 0; it < 64; it++) {
    const span = cB - cA;
    if (span <= gatherMax) {
      // Gather (A, B]: row i contributes j in [posB[i], posA[i]).
      const g = gathered;
      let w = 0;
      for (let i = 0; i < nx; i++) {
        const xi = xs[i];
        for (let j = posB[i], e = posA[i]; j < e; j++) g[w++] = xi - ys[j];
      }
      return select(g, 0, w - 1, k - cA - 1);
    }
    const lowV = A === -Infinity ? dmin : A;
    let t = B - (fB * (B - lowV)) / (fB - fA);
    if (!(t > lowV && t < B) || span === lastSpan) t = NaN; // interpolation is stuck (ties)
    lastSpan = span;
    if (t !== t) {
      // Exact step on elements: m = largest element <= B.
      const m = maxBelow(xs, nx, ys, ny, posB);
      const cLT = countLT(xs, nx, ys, ny, m, posT);
      if (cLT < k) return m; // #{D < m} < k <= #{D <= m}
      // D(k) < m: the new B is the largest element below m, with #{D <= B} = cLT.
      B = maxBelow(xs, nx, ys, ny, posT);
      cB = cLT;
      const p = posB;
      posB = posT;
      posT = p;
      fB = cB - target;
      side = 0;
      continue;
    }
    const c = countLE(xs, nx, ys, ny, t, posT);
    if (c >= k) {
      B = t;
      cB = c;
      const p = posB;
      posB = posT;
      posT = p;
      fB = c - target;
      if (side === 1) fA /= 2;
      side = 1;
    } else {
      A = t;
      cA = c;
      const p = posA;
      posA = posT;
      posT = p;
      fA = c - target;
      if (side === -1) fB /= 2;
      side = -1;
    }
  }
  return orderStatisticByMaterialising(xs, nx, ys, ny, k);
}

/**
 * The test on samples already sorted ascending and free of non-finite values: xs[0..nx) is the experiment,
 * ys[0..ny) the control. `zq` is `criticalZ(confidence)`. Writes into and returns `out`.
 */
export function mannWhitneySorted(
  xs: ArrayLike<number>,
  nx: number,
  ys: ArrayLike<number>,
  ny: number,
  zq: number,
  correct: boolean,
  out: MannWhitneyResult,
): MannWhitneyResult {
  out.nx = nx;
  out.ny = ny;
  if (nx === 0 || ny === 0) {
    out.u = 0;
    out.z = 0;
    out.pValue = 1;
    out.estimate = 0;
    out.lower = 0;
    out.upper = 0;
    return out;
  }
  // Merge walk: U of x, pooled tie term (p-value) and within-sample tie term (interval).
  let i = 0;
  let j = 0;
  let u = 0;
  let tiesPooled = 0;
  let tiesWithin = 0;
  while (i < nx || j < ny) {
    const v = i < nx && (j >= ny || xs[i] <= ys[j]) ? xs[i] : ys[j];
    let cx = 0;
    while (i < nx && xs[i] === v) {
      i++;
      cx++;
    }
    const below = j;
    let cy = 0;
    while (j < ny && ys[j] === v) {
      j++;
      cy++;
    }
    u += cx * (below + 0.5 * cy);
    const t = cx + cy;
    tiesPooled += t * t * t - t;
    tiesWithin += cx * cx * cx - cx + cy * cy * cy - cy;
  }
  const n = nx + ny;
  const nn = nx * ny;
  const half = nn / 2;
  const sigmaP = Math.sqrt((nn / 12) * (n + 1 - tiesPooled / (n * (n - 1))));
  const dz = u - half;
  const cc = correct ? 0.5 : 0;
  const z = sigmaP > 0 ? (dz - (dz > 0 ? cc : dz < 0 ? -cc : 0)) / sigmaP : 0;
  out.u = u;
  out.z = z;
  const p = 2 * normalUpper(Math.abs(z));
  out.pValue = p > 1 ? 1 : p;

  // Interval ranks (1-based) from the step-function roots; sigma0 carries only within-sample ties.
  const sigma0 = Math.sqrt((nn / 12) * (n + 1 - tiesWithin / (n * (n - 1))));
  let mL = Math.ceil(half - cc - zq * sigma0);
  if (mL < 1) mL = 1;
  let mU = Math.ceil(half + cc + zq * sigma0);
  if (mU > nn) mU = nn;
  // Median of the differences (numpy's: mean of the two middle ones when nn is even).
  const k1 = (nn + 1) >> 1;
  const m1 = orderStatistic(xs, nx, ys, ny, k1, false);
  // Remember the cut at m1: it gives the upper middle value and seeds the searches for the bounds.
  ensurePositions(nx);
  cutV = m1;
  cutC = countLE(xs, nx, ys, ny, m1, posM);
  const m2 = cutC > k1 ? m1 : minAbove(xs, nx, ys, posM); // D(k1 + 1)
  const estimate = (nn & 1) === 0 ? (m1 + m2) / 2 : m1;
  const lower = mL === k1 ? m1 : orderStatistic(xs, nx, ys, ny, mL, true);
  const upper = mU <= cutC ? m1 : mU === k1 + 1 ? m2 : orderStatistic(xs, nx, ys, ny, mU, true);
  out.estimate = estimate;
  out.lower = lower;
  out.upper = upper;
  return out;
}

/**
 * Two-sided Mann-Whitney test of experiment `x` against control `y` with the Hodges-Lehmann shift and its
 * confidence interval (see the header comment for every convention and edge case).
 */
export function mannWhitney(x: ArrayLike<number>, y: ArrayLike<number>, opts: MannWhitneyOptions = {}): MannWhitneyResult {
  const confidence = opts.confidence ?? 0.98;
  const correct = opts.correct ?? true;
  const zq = criticalZ(confidence);
  const xs = finiteSorted(x);
  const ys = finiteSorted(y);
  const out: MannWhitneyResult = { u: 0, z: 0, pValue: 1, estimate: 0, lower: 0, upper: 0, nx: 0, ny: 0 };
  return mannWhitneySorted(xs, xs.length, ys, ys.length, zq, correct, out);
}

function finiteSorted(v: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) n++;
  const a = new Float64Array(n);
  let w = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) a[w++] = v[i];
  return a.sort();
}
