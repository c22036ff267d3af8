// A small multi-output MLP classifier: TensorFlow.js trains it, plain JavaScript scores it.
//
// Inputs are standardised with the training rows' means and standard deviations (missing values -> the mean, i.e.
// 0 after standardising). Hidden layers use ReLU; each output is a sigmoid (independent binary labels, summed
// binary cross-entropy). Training is deterministic: seeded Glorot initialisation, a seeded permutation of the rows
// each epoch, no dropout, early stopping on a validation slice; each output is then Platt-scaled on that slice.
// The fitted weights are plain numbers (`MlpJSON`), so a saved model scores identically without a tensor engine
// (worker threads, servers), and `toLayers()` rebuilds the tfjs model for the registry's model.json.
import type { tf as TF } from './backend.ts';
import { Rng } from '../lib/rng.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { fitPlatt, sigmoid } from './gam.ts';

export interface MlpOptions {
  hidden: number[];
  l2: number;
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
  seed: number;
}

export const MLP_DEFAULTS: MlpOptions = { hidden: [48, 24], l2: 1e-4, learningRate: 2e-3, batchSize: 512, maxEpochs: 40, patience: 4, seed: 1 };

export interface MlpJSON {
  format: 'rolloutlab-mlp-1';
  inputs: string[];
  outputs: string[];
  mean: number[];
  sd: number[];
  /** Dense layers: weights row-major [in][out], biases [out]. */
  layers: { w: number[]; b: number[]; in: number; out: number }[];
  platt: { a: number; b: number }[];
  options: MlpOptions;
  training: { epochs: number; bestEpoch: number; trainLoss: number; validationLoss: number; nTrain: number; nValidation: number; lossCurve: number[] };
}

export class MlpModel {
  private readonly buf: Float64Array[];
  constructor(readonly json: MlpJSON) {
    if (!json || json.format !== 'rolloutlab-mlp-1') throw new RolloutlabError('BAD_DATA', `model.format: expected "rolloutlab-mlp-1", got ${JSON.stringify((json as { format?: unknown })?.format)}`, 'format');
    this.buf = [new Float64Array(json.inputs.length), ...json.layers.map((l) => new Float64Array(l.out))];
  }

  /** Raw logits of one input row (NaN = missing). */
  logits(x: ArrayLike<number>, offset = 0): Float64Array {
    const j = this.json;
    const h0 = this.buf[0];
    for (let i = 0; i < h0.length; i++) {
      const v = x[offset + i];
      h0[i] = Number.isFinite(v) ? (v - j.mean[i]) / j.sd[i] : 0;
    }
    for (let k = 0; k < j.layers.length; k++) {
      const L = j.layers[k];
      const inp = this.buf[k];
      const out = this.buf[k + 1];
      for (let o = 0; o < L.out; o++) out[o] = L.b[o];
      for (let i = 0; i < L.in; i++) {
        const v = inp[i];
        if (v === 0) continue;
        const row = i * L.out;
        for (let o = 0; o < L.out; o++) out[o] += v * L.w[row + o];
      }
      if (k < j.layers.length - 1) for (let o = 0; o < L.out; o++) if (out[o] < 0) out[o] = 0;
    }
    return this.buf[j.layers.length];
  }

  /** Calibrated probabilities of one row, one per output. */
  predictRow(x: ArrayLike<number>, offset = 0): number[] {
    const z = this.logits(x, offset);
    return this.json.platt.map((p, o) => sigmoid(p.a * z[o] + p.b));
  }

  /** Calibrated probabilities for n rows (row-major x): one Float64Array per output. */
  predict(x: ArrayLike<number>, n: number): Float64Array[] {
    const d = this.json.inputs.length;
    const out = this.json.outputs.map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const z = this.logits(x, i * d);
      this.json.platt.forEach((p, o) => (out[o][i] = sigmoid(p.a * z[o] + p.b)));
    }
    return out;
  }

  /**
   * Per-input contributions to output `o`'s calibrated logit for one row: the change when the input is replaced by
   * its training mean (occlusion), largest first. Not additive like a GAM's, but says which evidence carried it.
   */
  reasons(x: ArrayLike<number>, o: number, groups?: Record<string, string[]>): { feature: string; contribution: number }[] {
    const d = this.json.inputs.length;
    const row = Float64Array.from({ length: d }, (_, i) => x[i]);
    const p = this.json.platt[o];
    const full = p.a * this.logits(row)[o];
    const sets = groups ? Object.entries(groups) : this.json.inputs.map((n) => [n, [n]] as [string, string[]]);
    return sets
      .map(([name, members]) => {
        const copy = Float64Array.from(row);
        for (const m of members) {
          const i = this.json.inputs.indexOf(m);
          if (i >= 0) copy[i] = NaN;
        }
        return { feature: name, contribution: full - p.a * this.logits(copy)[o] };
      })
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  }

  /** The same weights as a tfjs layers model over standardised inputs (for the registry's model.json). */
  async toLayers(): Promise<TF.LayersModel> {
    const { tf } = await import('./backend.ts');
    const m = tf.sequential();
    this.json.layers.forEach((L, k) => m.add(tf.layers.dense({ inputShape: k === 0 ? [L.in] : undefined, units: L.out, activation: k < this.json.layers.length - 1 ? 'relu' : 'linear' })));
    m.layers.forEach((layer, k) => layer.setWeights([tf.tensor2d(this.json.layers[k].w, [this.json.layers[k].in, this.json.layers[k].out]), tf.tensor1d(this.json.layers[k].b)]));
    return m;
  }
}

/** Train on row-major `x` (n × inputs) with one 0/1 label array per output; `train` / `validation` are row indices. */
export async function trainMlp(
  data: { x: Float64Array; inputs: string[]; labels: Record<string, ArrayLike<number>>; train: number[]; validation: number[] },
  options: Partial<MlpOptions> = {},
  onEpoch?: (epoch: number, trainLoss: number, validationLoss: number) => void,
): Promise<MlpModel> {
  const o = { ...MLP_DEFAULTS, ...options };
  const { tf } = await import('./backend.ts');
  const d = data.inputs.length;
  const outputs = Object.keys(data.labels);
  if (data.train.length === 0 || data.validation.length === 0) throw new RolloutlabError('BAD_DATA', `training needs rows in both parts, got ${data.train.length} train and ${data.validation.length} validation`, 'rows');
  // Standardisation from the training rows.
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  const cnt = new Array<number>(d).fill(0);
  for (const r of data.train) for (let i = 0; i < d; i++) { const v = data.x[r * d + i]; if (Number.isFinite(v)) { mean[i] += v; cnt[i]++; } }
  for (let i = 0; i < d; i++) mean[i] = cnt[i] ? mean[i] / cnt[i] : 0;
  for (const r of data.train) for (let i = 0; i < d; i++) { const v = data.x[r * d + i]; if (Number.isFinite(v)) sd[i] += (v - mean[i]) ** 2; }
  for (let i = 0; i < d; i++) sd[i] = cnt[i] > 1 && sd[i] > 0 ? Math.sqrt(sd[i] / (cnt[i] - 1)) : 1;
  const design = (rows: number[]) => {
    const m = new Float32Array(rows.length * d);
    rows.forEach((r, k) => {
      for (let i = 0; i < d; i++) {
        const v = data.x[r * d + i];
        m[k * d + i] = Number.isFinite(v) ? (v - mean[i]) / sd[i] : 0;
      }
    });
    return m;
  };
  const ys = (rows: number[]) => {
    const m = new Float32Array(rows.length * outputs.length);
    rows.forEach((r, k) => outputs.forEach((name, q) => (m[k * outputs.length + q] = data.labels[name][r] ? 1 : 0)));
    return m;
  };
  const Xtr = design(data.train);
  const Ytr = ys(data.train);
  const Xv = tf.tensor2d(design(data.validation), [data.validation.length, d]);
  const Yv = tf.tensor2d(ys(data.validation), [data.validation.length, outputs.length]);

  const model = tf.sequential();
  const sizes = [...o.hidden, outputs.length];
  sizes.forEach((units, k) =>
    model.add(
      tf.layers.dense({
        inputShape: k === 0 ? [d] : undefined,
        units,
        activation: k < sizes.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + k }),
        biasInitializer: 'zeros',
        kernelRegularizer: tf.regularizers.l2({ l2: o.l2 }),
      }),
    ),
  );
  const bce = (yTrue: TF.Tensor, logits: TF.Tensor) => tf.losses.sigmoidCrossEntropy(yTrue, logits);
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: bce });
  const rng = new Rng(o.seed, 'mlp-shuffle');
  const n = data.train.length;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let best = { loss: Infinity, epoch: -1, weights: [] as Float32Array[], train: Infinity };
  const curve: number[] = [];
  let epoch = 0;
  const Xb = new Float32Array(n * d);
  const Yb = new Float32Array(n * outputs.length);
  for (; epoch < o.maxEpochs; epoch++) {
    rng.shuffle(perm);
    for (let k = 0; k < n; k++) {
      Xb.set(Xtr.subarray(perm[k] * d, perm[k] * d + d), k * d);
      Yb.set(Ytr.subarray(perm[k] * outputs.length, (perm[k] + 1) * outputs.length), k * outputs.length);
    }
    const X = tf.tensor2d(Xb, [n, d]);
    const Y = tf.tensor2d(Yb, [n, outputs.length]);
    const h = await model.fit(X, Y, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0, yieldEvery: 'never' });
    X.dispose();
    Y.dispose();
    const tl = Number(h.history.loss[0]);
    const vt = tf.tidy(() => bce(Yv, model.predict(Xv, { batchSize: 16384 }) as TF.Tensor));
    const vl = (await vt.data())[0];
    vt.dispose();
    curve.push(tl);
    onEpoch?.(epoch, tl, vl);
    if (vl < best.loss - 1e-6) best = { loss: vl, epoch, weights: await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array)), train: tl };
    else if (epoch - best.epoch >= o.patience) break;
  }
  const layers: MlpJSON['layers'] = [];
  for (let k = 0; k < sizes.length; k++) layers.push({ w: Array.from(best.weights[2 * k]), b: Array.from(best.weights[2 * k + 1]), in: k === 0 ? d : sizes[k - 1], out: sizes[k] });
  Xv.dispose();
  Yv.dispose();
  model.dispose();
  const raw = new MlpModel({
    format: 'rolloutlab-mlp-1', inputs: data.inputs, outputs, mean, sd, layers, platt: outputs.map(() => ({ a: 1, b: 0 })), options: o,
    training: { epochs: epoch, bestEpoch: best.epoch, trainLoss: best.train, validationLoss: best.loss, nTrain: n, nValidation: data.validation.length, lossCurve: curve },
  });
  // Platt scaling per output on the validation rows.
  const zs = outputs.map(() => new Float64Array(data.validation.length));
  data.validation.forEach((r, k) => {
    const z = raw.logits(data.x, r * d);
    outputs.forEach((_, q) => (zs[q][k] = z[q]));
  });
  const platt = outputs.map((name, q) => fitPlatt(zs[q], Float64Array.from(data.validation, (r) => (data.labels[name][r] ? 1 : 0))));
  return new MlpModel({ ...raw.json, platt });
}
