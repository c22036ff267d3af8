// The ML judge's network: a small fully connected net (ReLU hidden layers, one logit out), trained with
// TensorFlow.js and scored in plain JavaScript from its weights, so judging needs no tensor engine and a saved model
// scores identically wherever it is loaded (a worker thread, a rollout policy, the server).
//
// This module has no TensorFlow.js import, so loading a judge to score with does not load a tensor engine; training
// is in net-train.ts.

/** One dense network: layer k maps sizes[k] inputs to sizes[k + 1] outputs; `weights[k]` is row-major [in][out]. */
export interface NetJSON {
  sizes: number[];
  weights: number[][];
  biases: number[][];
}

/**
 * A net ready to score: typed-array weights, each layer's also transposed (row-major [out][in], so one output's
 * weights are contiguous and its sum runs in a register), the widest layer, and the buffers scoring reuses (one
 * scoring at a time: scoring is synchronous).
 */
export interface ScoringNet {
  sizes: readonly number[];
  width: number;
  weights: readonly Float64Array[];
  biases: readonly Float64Array[];
  /** weights[k] transposed: row-major [out][in]. */
  transposed: readonly Float64Array[];
  /** The non-zero inputs of the layer being computed: their indices and values, ascending. */
  nonZeroAt: Int32Array;
  nonZero: Float64Array;
  /** A layer's outputs. */
  layerOut: Float64Array;
  /**
   * Occlusions (`prepareOcclusions`, `logitWithMovedInputs`): the prepared row's second-layer pre-activations, their
   * partial sums at every CHECKPOINT-th first-layer unit ([checkpoint][out]), a moved row's second layer, and per
   * second-layer unit the last first-layer unit with a non-zero weight into it (-1: none).
   */
  secondBase: Float64Array;
  partial: Float64Array[];
  secondMoved: Float64Array;
  lastInput: Int32Array;
}

/** First-layer units between the partial sums an occlusion can start from. */
const CHECKPOINT = 8;

/** The net with typed-array weights (scored several times faster than with plain arrays). */
export function scoringNet(n: NetJSON): ScoringNet {
  const width = Math.max(...n.sizes);
  const weights = n.weights.map((w) => Float64Array.from(w));
  const transposed = weights.map((w, k) => {
    const nIn = n.sizes[k];
    const nOut = n.sizes[k + 1];
    const t = new Float64Array(nIn * nOut);
    for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) t[o * nIn + i] = w[i * nOut + o];
    return t;
  });
  const n1 = n.sizes[1] ?? 0;
  const n2 = n.sizes[2] ?? 0;
  const lastInput = new Int32Array(n2).fill(-1);
  for (let i = 0; i < n1; i++) for (let o = 0; o < n2; o++) if (weights[1][i * n2 + o] !== 0) lastInput[o] = i;
  return {
    sizes: [...n.sizes],
    width,
    weights,
    biases: n.biases.map((b) => Float64Array.from(b)),
    transposed,
    nonZeroAt: new Int32Array(width),
    nonZero: new Float64Array(width),
    layerOut: new Float64Array(width),
    secondBase: new Float64Array(n2),
    partial: Array.from({ length: Math.ceil(n1 / CHECKPOINT) }, () => new Float64Array(n2)),
    secondMoved: new Float64Array(n2),
    lastInput,
  };
}

export interface NetOptions {
  /** Hidden layer widths. */
  hidden: number[];
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  /** Stop after this many epochs without a lower validation loss. */
  patience: number;
  /** Share of each hidden layer's units in the monotone branch (see `monotoneMasks`; used when inputs are monotone). */
  monotoneShare: number;
}

/** Per weight of a layer (row-major [in][out]): 0 = held at zero, 1 = any sign, 2 = held non-negative. */
export type WeightMask = Int8Array;

/**
 * Masks that make a net non-decreasing in the inputs `monotone`. Each hidden layer is split into free units (the first
 * `1 − share` of them) and monotone units (the rest). Monotone inputs feed only monotone units, with non-negative
 * weights; monotone units feed only monotone units (non-negative) and the output (non-negative); free units feed
 * anything with any sign. So the free branch never sees a monotone input, and every path from one to the logit has
 * non-negative weights through ReLUs (non-decreasing): the logit is non-decreasing in each monotone input, whatever
 * the other inputs are. `checkMonotone` verifies that property on any weights.
 */
export function monotoneMasks(sizes: readonly number[], monotone: readonly number[], share: number): WeightMask[] {
  const mono = new Set(monotone);
  const split = sizes.map((s, k) => (k === 0 || k === sizes.length - 1 ? 0 : Math.min(s - 1, Math.max(1, Math.round(s * (1 - share))))));
  const masks: WeightMask[] = [];
  for (let k = 0; k < sizes.length - 1; k++) {
    const nIn = sizes[k];
    const nOut = sizes[k + 1];
    const last = k === sizes.length - 2;
    const m = new Int8Array(nIn * nOut);
    for (let i = 0; i < nIn; i++) {
      // Is input i of this layer on the monotone side (a monotone feature, or a monotone hidden unit)?
      const inMono = k === 0 ? mono.has(i) : i >= split[k];
      for (let o = 0; o < nOut; o++) {
        const outMono = last || o >= split[k + 1];
        m[i * nOut + o] = !inMono ? 1 : outMono ? 2 : 0;
      }
    }
    masks.push(m);
  }
  return masks;
}

/**
 * Whether the net's logit is non-decreasing in each of the inputs `monotone`, from its weights alone: every unit a
 * monotone input reaches (through a non-zero weight) is reached only through non-negative weights, and ReLU keeps
 * order. Returns null when it holds, else where it breaks.
 */
export function checkMonotone(net: NetJSON, monotone: readonly number[]): string | null {
  let tainted = new Set(monotone);
  for (let k = 0; k < net.sizes.length - 1; k++) {
    const nOut = net.sizes[k + 1];
    const W = net.weights[k];
    const next = new Set<number>();
    for (const i of tainted) {
      for (let o = 0; o < nOut; o++) {
        const w = W[i * nOut + o];
        if (w < 0) return `layer ${k} weight [${i}][${o}] is ${w} < 0 on a path from a monotone input`;
        if (w > 0) next.add(o);
      }
    }
    tainted = next;
  }
  return null;
}

export const NET_DEFAULTS: NetOptions = { hidden: [64, 64], learningRate: 0.002, batchSize: 512, maxEpochs: 80, patience: 10, monotoneShare: 0.5 };

export interface NetTraining {
  epochs: number;
  bestEpoch: number;
  /** Mean training loss of the best epoch, and the validation loss after it. */
  trainLoss: number;
  validationLoss: number;
  /** Training loss of every epoch (for the tests and the card). */
  losses: number[];
}

// Scoring. Every sum is taken over the layer's non-zero inputs in ascending order, starting from the bias: for each
// output o, b[o] + v_i0 W[i0][o] + v_i1 W[i1][o] + … (zero inputs are skipped; ReLU makes many). The loops run over
// the transposed weights with the sum in a local variable, but each output's additions are the same, in the same
// order, as in a row-by-row pass over [in][out] weights, so the result is the same number to the last bit
// (test/judge-model.test.ts checks it against such a pass).

/** Collects the non-zero values of `xs[0..n)` (after a ReLU when asked) into net.nonZeroAt / net.nonZero; returns how many. */
function gatherNonZero(net: ScoringNet, xs: ArrayLike<number>, n: number, relu: boolean): number {
  const at = net.nonZeroAt;
  const val = net.nonZero;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const v = relu && x < 0 ? 0 : x;
    if (v === 0) continue;
    at[c] = i;
    val[c] = v;
    c++;
  }
  return c;
}

/**
 * out[o] = start[o] + Σ_j val[j] · T[o][at[j]] for o0 <= o < nOut and j0 <= j < j1, in ascending j (T row-major
 * [out][in], nIn columns). Eight outputs at a time share each loaded input; each output's additions stay in order.
 */
function sums(T: Float64Array, nIn: number, o0: number, nOut: number, at: Int32Array, val: Float64Array, j0: number, j1: number, start: Float64Array, out: Float64Array): void {
  let o = o0;
  for (; o + 7 < nOut; o += 8) {
    const r0 = o * nIn;
    const r1 = r0 + nIn;
    const r2 = r1 + nIn;
    const r3 = r2 + nIn;
    const r4 = r3 + nIn;
    const r5 = r4 + nIn;
    const r6 = r5 + nIn;
    const r7 = r6 + nIn;
    let a0 = start[o];
    let a1 = start[o + 1];
    let a2 = start[o + 2];
    let a3 = start[o + 3];
    let a4 = start[o + 4];
    let a5 = start[o + 5];
    let a6 = start[o + 6];
    let a7 = start[o + 7];
    for (let j = j0; j < j1; j++) {
      const i = at[j];
      const v = val[j];
      a0 += v * T[r0 + i];
      a1 += v * T[r1 + i];
      a2 += v * T[r2 + i];
      a3 += v * T[r3 + i];
      a4 += v * T[r4 + i];
      a5 += v * T[r5 + i];
      a6 += v * T[r6 + i];
      a7 += v * T[r7 + i];
    }
    out[o] = a0;
    out[o + 1] = a1;
    out[o + 2] = a2;
    out[o + 3] = a3;
    out[o + 4] = a4;
    out[o + 5] = a5;
    out[o + 6] = a6;
    out[o + 7] = a7;
  }
  for (; o < nOut; o++) {
    const r = o * nIn;
    let a = start[o];
    for (let j = j0; j < j1; j++) a += val[j] * T[r + at[j]];
    out[o] = a;
  }
}

/** Layers k.. of the net, from the gathered non-zero inputs of layer k (`count` of them): the logit. */
function logitFromLayer(net: ScoringNet, k0: number, count: number): number {
  const L = net.weights.length;
  const at = net.nonZeroAt;
  const val = net.nonZero;
  const out = net.layerOut;
  let c = count;
  for (let k = k0; k < L; k++) {
    const nIn = net.sizes[k];
    const nOut = net.sizes[k + 1];
    sums(net.transposed[k], nIn, 0, nOut, at, val, 0, c, net.biases[k], out);
    if (k === L - 1) return out[0];
    c = gatherNonZero(net, out, nOut, true);
  }
  return out[0];
}

/**
 * First-layer pre-activations of the encoded row `x` into `out` (the part every occlusion shares). Used for the
 * per-metric reasons: occluding a group of inputs changes only their rows' share of the first layer.
 */
export function firstLayer(net: ScoringNet, x: ArrayLike<number>, out: Float64Array): void {
  const nIn = net.sizes[0];
  const nOut = net.sizes[1];
  const c = gatherNonZero(net, x, nIn, false);
  sums(net.transposed[0], nIn, 0, nOut, net.nonZeroAt, net.nonZero, 0, c, net.biases[0], out);
}

/** Logit from first-layer pre-activations `h` (not modified). */
export function logitFromFirst(net: ScoringNet, h: ArrayLike<number>): number {
  if (net.weights.length === 1) return h[0];
  return logitFromLayer(net, 1, gatherNonZero(net, h, net.sizes[1], true));
}

/**
 * Logit from first-layer pre-activations `base`, the same number as `logitFromFirst`, keeping what occlusions of this
 * row start from (`logitWithMovedInputs`): its second layer and that layer's partial sums at every CHECKPOINT-th
 * first-layer unit.
 */
export function prepareOcclusions(net: ScoringNet, base: Float64Array): number {
  const L = net.weights.length;
  if (L === 1) return base[0];
  const n1 = net.sizes[1];
  const n2 = net.sizes[2];
  const T = net.transposed[1];
  const c = gatherNonZero(net, base, n1, true);
  const at = net.nonZeroAt;
  const val = net.nonZero;
  const partial = net.partial;
  // partial[k]: the sums over the units before k × CHECKPOINT; the last segment ends in the second layer itself.
  partial[0].set(net.biases[1]);
  let j0 = 0;
  for (let k = 0; k < partial.length; k++) {
    const end = (k + 1) * CHECKPOINT;
    let j1 = j0;
    while (j1 < c && at[j1] < end) j1++;
    sums(T, n1, 0, n2, at, val, j0, j1, partial[k], k + 1 < partial.length ? partial[k + 1] : net.secondBase);
    j0 = j1;
  }
  const z2 = net.secondBase;
  if (L === 2) return z2[0];
  return logitFromLayer(net, 2, gatherNonZero(net, z2, n2, true));
}

/**
 * Logit of the row prepared by `prepareOcclusions(net, base)` with some inputs moved: input `cols[j]` moves by
 * `deltas[j]` (j < n). Each first-layer unit is base[o] + deltas[0] W[cols[0]][o] + deltas[1] W[cols[1]][o] + …,
 * added in that order (the same number as adding the moved rows one after the other to a copy of `base`); `moved`
 * receives them. The second layer's sums are the same as `logitFromFirst`'s up to the first unit whose ReLU output
 * moved, so each sum resumes from the prepared partial sum before it, and a second-layer unit with no weight from
 * that unit on keeps the prepared value; the rest of the net runs as in `logitFromFirst`. So the logit is the one
 * `logitFromFirst(net, moved)` gives, in a fraction of the work when the moved units are late in the layer (when only
 * the bad-request features move, only the monotone units move, and those are the second half of the layer).
 */
export function logitWithMovedInputs(net: ScoringNet, base: Float64Array, cols: Int32Array, deltas: Float64Array, n: number, moved: Float64Array): number {
  const nIn = net.sizes[0];
  const n1 = net.sizes[1];
  sums(net.transposed[0], nIn, 0, n1, cols, deltas, 0, n, base, moved);
  const L = net.weights.length;
  if (L === 1) return moved[0];
  // The first unit whose ReLU output moved; none: the prepared row's logit.
  let first = -1;
  for (let i = 0; i < n1; i++) {
    const was = base[i] < 0 ? 0 : base[i];
    const now = moved[i] < 0 ? 0 : moved[i];
    if (now !== was) {
      first = i;
      break;
    }
  }
  const n2 = net.sizes[2];
  const z2 = net.secondMoved;
  if (first < 0) z2.set(net.secondBase);
  else {
    const k = Math.floor(first / CHECKPOINT);
    const from = k * CHECKPOINT;
    const at = net.nonZeroAt;
    const val = net.nonZero;
    let c = 0;
    for (let i = from; i < n1; i++) {
      const x = moved[i];
      if (x <= 0) continue;
      at[c] = i;
      val[c] = x;
      c++;
    }
    // Second-layer units before o0 have no weight from the units from `from` on: their sums only add zeros past the
    // checkpoint, so they keep the prepared values.
    const last = net.lastInput;
    let o0 = 0;
    while (o0 < n2 && last[o0] < from) o0++;
    for (let o = 0; o < o0; o++) z2[o] = net.secondBase[o];
    sums(net.transposed[1], n1, o0, n2, at, val, 0, c, net.partial[k], z2);
  }
  if (L === 2) return z2[0];
  return logitFromLayer(net, 2, gatherNonZero(net, z2, n2, true));
}

/** Logit of one encoded input row. */
export function netLogit(net: ScoringNet, x: ArrayLike<number>, scratch: Float64Array = new Float64Array(net.sizes[1])): number {
  firstLayer(net, x, scratch);
  return logitFromFirst(net, scratch);
}
