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
}

export const NET_DEFAULTS: NetOptions = { hidden: [64, 64], learningRate: 0.002, batchSize: 512, maxEpochs: 80, patience: 10 };

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
