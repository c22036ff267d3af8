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

/** A net ready to score: typed-array weights, and the widest layer (for the scratch buffer). */
export interface ScoringNet {
  sizes: readonly number[];
  width: number;
  weights: readonly Float64Array[];
  biases: readonly Float64Array[];
}

/** The net with typed-array weights (scored several times faster than with plain arrays). */
export const scoringNet = (n: NetJSON): ScoringNet => ({ sizes: [...n.sizes], width: Math.max(...n.sizes), weights: n.weights.map((w) => Float64Array.from(w)), biases: n.biases.map((b) => Float64Array.from(b)) });

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

/** out[outOff + o] = b[o] + Σ_i inp[inOff + i] W[i][o], then ReLU if asked. Zero inputs are skipped (ReLU makes many). */
function dense(W: Float64Array, b: Float64Array, buf: Float64Array, inOff: number, nIn: number, outOff: number, nOut: number, relu: boolean): void {
  for (let o = 0; o < nOut; o++) buf[outOff + o] = b[o];
  for (let i = 0; i < nIn; i++) {
    const v = buf[inOff + i];
    if (v === 0) continue;
    const row = i * nOut;
    for (let o = 0; o < nOut; o++) buf[outOff + o] += v * W[row + o];
  }
  if (relu) for (let o = 0; o < nOut; o++) if (buf[outOff + o] < 0) buf[outOff + o] = 0;
}

/**
 * First-layer pre-activations of the encoded row `x` into `out` (the part every occlusion shares). Used for the
 * per-metric reasons: occluding a group of inputs changes only their rows' share of the first layer.
 */
export function firstLayer(net: ScoringNet, x: ArrayLike<number>, out: Float64Array): void {
  const nIn = net.sizes[0];
  const nOut = net.sizes[1];
  const W = net.weights[0];
  const b = net.biases[0];
  for (let o = 0; o < nOut; o++) out[o] = b[o];
  for (let i = 0; i < nIn; i++) {
    const v = x[i];
    if (v === 0) continue;
    const row = i * nOut;
    for (let o = 0; o < nOut; o++) out[o] += v * W[row + o];
  }
}

/** Logit from first-layer pre-activations `h` (not modified). `scratch` holds at least 2 × net.width numbers. */
export function logitFromFirst(net: ScoringNet, h: Float64Array, scratch: Float64Array): number {
  const L = net.weights.length;
  const n1 = net.sizes[1];
  if (L === 1) return h[0];
  let a = 0;
  let c = net.width;
  for (let o = 0; o < n1; o++) scratch[o] = h[o] < 0 ? 0 : h[o];
  for (let k = 1; k < L; k++) {
    dense(net.weights[k], net.biases[k], scratch, a, net.sizes[k], c, net.sizes[k + 1], k < L - 1);
    const t = a;
    a = c;
    c = t;
  }
  return scratch[a];
}

/** Logit of one encoded input row. */
export function netLogit(net: ScoringNet, x: ArrayLike<number>, scratch: Float64Array = new Float64Array(3 * net.width)): number {
  const h = scratch.subarray(2 * net.width, 2 * net.width + net.sizes[1]);
  firstLayer(net, x, h);
  return logitFromFirst(net, h, scratch);
}
