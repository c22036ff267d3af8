// A calibrated additive model for binary risk: logit p = b + Σ_j f_j(x_j) + Σ_(a,b) w_ab z_a z_b.
//
// Each numeric feature gets a piecewise-linear shape f_j (a linear term plus hinges at training quantiles, after an
// optional log1p), binaries a weight, categories one-hot weights, and a few declared pairwise interactions a
// product term. The weights are fitted with TensorFlow.js (full-batch Adam on the L2-penalised log loss, early
// stopping on a validation slice), refitted on the fitting and validation rows together for the number of epochs
// early stopping chose (option `refit`), then Platt-scaled on the validation slice. Because the model is additive, every score
// decomposes exactly into per-feature contributions (the reasons), and scoring needs no tensor engine: the fitted
// weights are plain numbers, so a saved model scores identically wherever it is loaded.
import type { tf } from './backend.ts';
import { RolloutlabError } from '../lib/errors.ts';
import type { ValueRange } from '../lib/value-range.ts';

export type FeatureSpec =
  /** `range`: the values that make sense for the feature (lib/value-range.ts); inputs outside it are refused where a model is served. */
  | { name: string; kind: 'numeric'; transform?: 'log1p' | 'none'; knots?: number; range?: ValueRange; description?: string }
  | { name: string; kind: 'binary'; description?: string }
  | { name: string; kind: 'category'; levels: string[]; description?: string };

export interface InteractionSpec {
  a: string;
  b: string;
}

/** Columnar inputs: numeric and binary as numbers (NaN = missing), categories as level indices. */
export type Columns = Record<string, ArrayLike<number>>;

export interface GamOptions {
  knots: number;
  /** L2 penalty on linear / interaction weights and (×4) on hinge weights. */
  l2: number;
  learningRate: number;
  maxEpochs: number;
  patience: number;
  /** Keep the weights of the epoch with the lowest validation loss ('best', early stopping) or of the last epoch. */
  select: 'best' | 'last';
  /**
   * After early stopping, fit again from zero on the fitting + validation rows together for the selected number of
   * epochs (best epoch + 1; with select 'last', all epochs run), so the newest rows shape the weights too; Platt
   * scaling is then fitted on the validation slice with the refitted weights. Encoders (knots, standardisation)
   * stay those of the fitting rows. Chosen on validation slices carved from the training parts (docs/risk.md).
   */
  refit: boolean;
  /**
   * Refit only with at least this many fitting rows per design column. The Platt scaling after a refit sees rows the
   * weights were fitted on, so it cannot detect overfitting; with few rows per weight it must see held-out logits.
   */
  refitMinRowsPerWeight: number;
}

export const GAM_DEFAULTS: GamOptions = { knots: 5, l2: 1e-3, learningRate: 0.05, maxEpochs: 600, patience: 40, select: 'best', refit: true, refitMinRowsPerWeight: 40 };

interface Encoder {
  spec: FeatureSpec;
  /** numeric: transform, standardisation, knots (standardised units), median for missing values */
  mean: number;
  sd: number;
  knots: number[];
  median: number;
  /** numeric and binary: smallest and largest raw value among the training rows (absent in models fitted before they were recorded) */
  min?: number;
  max?: number;
  /** columns this feature owns in the design matrix */
  offset: number;
  width: number;
  /** mean of each owned column over the training rows (contributions are centred on it) */
  colMeans: number[];
}

export interface GamJSON {
  format: 'rolloutlab-gam-1';
  specs: FeatureSpec[];
  interactions: InteractionSpec[];
  encoders: Omit<Encoder, 'spec'>[];
  /** Mean of each interaction column over the training rows. */
  interactionMeans: number[];
  weights: number[];
  bias: number;
  platt: { a: number; b: number };
  options: GamOptions;
  training: {
    epochs: number;
    bestEpoch: number;
    /** Training and validation loss of the early-stopping fit at its selected epoch. */
    trainLoss: number;
    validationLoss: number;
    nTrain: number;
    nValidation: number;
    /** With `refit`: epochs and rows (fitting + validation) of the refit that gave the stored weights; absent in models fitted without it. */
    refit?: { epochs: number; rows: number; trainLoss: number };
  };
}

export interface Reason {
  feature: string;
  /** Contribution to the logit, relative to an average training row. */
  contribution: number;
  value: number | string | null;
}

const transformValue = (spec: FeatureSpec, x: number): number => (spec.kind === 'numeric' && spec.transform === 'log1p' ? Math.log1p(Math.max(0, x)) : x);

export class GamModel {
  private constructor(private readonly j: GamJSON) {}

  static fromJSON(j: GamJSON): GamModel {
    if (!j || j.format !== 'rolloutlab-gam-1') throw new RolloutlabError('BAD_DATA', `model.format: expected "rolloutlab-gam-1", got ${JSON.stringify((j as { format?: unknown })?.format)}`, 'format');
    return new GamModel(j);
  }

  toJSON(): GamJSON {
    return this.j;
  }

  get specs(): FeatureSpec[] {
    return this.j.specs;
  }

  get training(): GamJSON['training'] {
    return this.j.training;
  }

  /** The raw values feature `name` took in the training rows, or null (a category, or a model saved without them). */
  trainingRange(name: string): { min: number; max: number } | null {
    const k = this.j.specs.findIndex((s) => s.name === name);
    const e = this.j.encoders[k];
    return k >= 0 && this.j.specs[k].kind !== 'category' && typeof e?.min === 'number' && typeof e?.max === 'number' ? { min: e.min, max: e.max } : null;
  }

  /** Design-matrix row of input row `i`. */
  private encodeRow(cols: Columns, i: number, out: Float64Array): void {
    encodeInto(this.j.specs, this.j.encoders, this.j.interactions, cols, i, out);
  }

  private width(): number {
    return this.j.weights.length;
  }

  /** Uncalibrated logits. */
  rawLogits(cols: Columns, n: number): Float64Array {
    const out = new Float64Array(n);
    const row = new Float64Array(this.width());
    for (let i = 0; i < n; i++) {
      this.encodeRow(cols, i, row);
      let z = this.j.bias;
      for (let c = 0; c < row.length; c++) z += this.j.weights[c] * row[c];
      out[i] = z;
    }
    return out;
  }

  /** Calibrated probabilities. */
  predict(cols: Columns, n: number): Float64Array {
    const z = this.rawLogits(cols, n);
    const { a, b } = this.j.platt;
    for (let i = 0; i < n; i++) z[i] = sigmoid(a * z[i] + b);
    return z;
  }

  /** Per-feature contributions to row i's calibrated logit, largest in absolute value first. */
  reasons(cols: Columns, i: number): Reason[] {
    const row = new Float64Array(this.width());
    this.encodeRow(cols, i, row);
    const { a } = this.j.platt;
    const byName = new Map<string, number>();
    this.j.encoders.forEach((e, k) => {
      let c = 0;
      for (let q = 0; q < e.width; q++) c += this.j.weights[e.offset + q] * (row[e.offset + q] - e.colMeans[q]);
      const spec = this.j.specs[k];
      byName.set(spec.name, (byName.get(spec.name) ?? 0) + a * c);
    });
    // Interaction columns sit after the features; each splits its contribution between its two features.
    const base = this.j.encoders.reduce((s, e) => s + e.width, 0);
    this.j.interactions.forEach((it, q) => {
      const col = base + q;
      const c = (a * this.j.weights[col] * (row[col] - this.j.interactionMeans[q])) / 2;
      byName.set(it.a, (byName.get(it.a) ?? 0) + c);
      byName.set(it.b, (byName.get(it.b) ?? 0) + c);
    });
    return this.j.specs
      .map((s) => {
        const v = cols[s.name]?.[i];
        const value = v === undefined || Number.isNaN(v) ? null : s.kind === 'category' ? s.levels[v] ?? null : v;
        return { feature: s.name, contribution: byName.get(s.name) ?? 0, value };
      })
      .sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
  }
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function encodeInto(specs: FeatureSpec[], encs: Omit<Encoder, 'spec'>[], inter: InteractionSpec[], cols: Columns, i: number, out: Float64Array): void {
  const z = new Map<string, number>();
  specs.forEach((s, k) => {
    const e = encs[k];
    const raw = cols[s.name]?.[i];
    if (s.kind === 'category') {
      const lvl = raw === undefined || Number.isNaN(raw) ? -1 : raw;
      for (let q = 0; q < e.width; q++) out[e.offset + q] = lvl === q + 1 ? 1 : 0;
      z.set(s.name, 0);
      return;
    }
    const x = raw === undefined || Number.isNaN(raw) ? e.median : transformValue(s, raw);
    const v = (x - e.mean) / e.sd;
    out[e.offset] = v;
    for (let q = 0; q < e.knots.length; q++) out[e.offset + 1 + q] = v > e.knots[q] ? v - e.knots[q] : 0;
    z.set(s.name, v);
  });
  const base = encs.reduce((a, e) => a + e.width, 0);
  inter.forEach((it, q) => {
    out[base + q] = (z.get(it.a) ?? 0) * (z.get(it.b) ?? 0);
  });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Fit the encoders on the training rows. */
function fitEncoders(specs: FeatureSpec[], cols: Columns, rows: number[], knots: number): Omit<Encoder, 'spec'>[] {
  let offset = 0;
  return specs.map((s) => {
    const col = cols[s.name];
    if (!col) throw new RolloutlabError('BAD_DATA', `feature ${s.name}: no such column`, s.name);
    if (s.kind === 'category') {
      const width = Math.max(0, s.levels.length - 1);
      const e = { mean: 0, sd: 1, knots: [], median: 0, offset, width, colMeans: [] as number[] };
      offset += width;
      return e;
    }
    const raw = rows.map((i) => col[i]).filter((v) => !Number.isNaN(v));
    const xs = raw.map((v) => transformValue(s, v));
    const sorted = [...xs].sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
    const sd = Math.sqrt(xs.length ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length : 1) || 1;
    let ks: number[] = [];
    if (s.kind === 'numeric') {
      const k = s.knots ?? knots;
      const cand = Array.from({ length: k }, (_, q) => (quantile(sorted, (q + 1) / (k + 1)) - mean) / sd);
      // Distinct knots strictly inside the data (a knot at the maximum would own an all-zero column).
      const maxZ = (sorted[sorted.length - 1] - mean) / sd;
      ks = [...new Set(cand.map((v) => Math.round(v * 1e9) / 1e9))].filter((v) => v < maxZ);
    }
    const width = 1 + ks.length;
    const range = raw.length ? { min: raw.reduce((a, b) => Math.min(a, b)), max: raw.reduce((a, b) => Math.max(a, b)) } : {};
    const e = { mean, sd, knots: ks, median, ...range, offset, width, colMeans: [] as number[] };
    offset += width;
    return e;
  });
}

export interface TrainData {
  cols: Columns;
  labels: ArrayLike<number | boolean>;
  /** Row indices for fitting and for early stopping + calibration. */
  train: number[];
  validation: number[];
}

/** Fit a GAM with TensorFlow.js. Deterministic: zero initialisation, full-batch updates, no shuffling. */
export async function trainGam(specs: FeatureSpec[], interactions: InteractionSpec[], data: TrainData, options: Partial<GamOptions> = {}, onEpoch?: (epoch: number, loss: number) => void): Promise<{ model: GamModel; layers: tf.LayersModel }> {
  const o = { ...GAM_DEFAULTS, ...options };
  // Loaded here, not at the top: scoring a saved model needs no tensor engine (policies in worker threads, servers).
  const { tf } = await import('./backend.ts');
  if (data.train.length === 0 || data.validation.length === 0) throw new RolloutlabError('BAD_DATA', `training needs rows in both parts, got ${data.train.length} train and ${data.validation.length} validation`, 'rows');
  for (const it of interactions) for (const f of [it.a, it.b]) if (!specs.some((s) => s.name === f && s.kind !== 'category')) throw new RolloutlabError('BAD_ARGUMENT', `interaction ${it.a}×${it.b}: ${f} is not a numeric or binary feature`, 'interactions');
  const encoders = fitEncoders(specs, data.cols, data.train, o.knots);
  const D = encoders.reduce((a, e) => a + e.width, 0) + interactions.length;
  const design = (rows: number[]) => {
    const m = new Float32Array(rows.length * D);
    const row = new Float64Array(D);
    rows.forEach((r, i) => {
      encodeInto(specs, encoders, interactions, data.cols, r, row);
      m.set(row, i * D);
    });
    return m;
  };
  const Xtr = design(data.train);
  const Xva = design(data.validation);
  // Column means over the training rows: contributions are relative to an average row.
  const means = new Float64Array(D);
  for (let i = 0; i < data.train.length; i++) for (let c = 0; c < D; c++) means[c] += Xtr[i * D + c] / data.train.length;
  for (const e of encoders) e.colMeans = Array.from(means.subarray(e.offset, e.offset + e.width));
  const interactionMeans = Array.from(means.subarray(D - interactions.length));
  const ytr = Float32Array.from(data.train, (r) => (data.labels[r] ? 1 : 0));
  const yva = Float32Array.from(data.validation, (r) => (data.labels[r] ? 1 : 0));
  // Heavier penalty on hinges than on linear terms: shapes stay smooth unless the data insists.
  const penalty = new Float32Array(D).fill(o.l2);
  for (const e of encoders) for (let q = 1; q < e.width; q++) if (specs[encoders.indexOf(e)].kind === 'numeric') penalty[e.offset + q] = 4 * o.l2;

  const pen = tf.tensor2d(penalty, [D, 1]);
  // Full-batch Adam from zero weights and the prior's log-odds: deterministic for the same rows.
  const adam = async (Xm: Float32Array, ym: Float32Array, epochs: number, select: 'best' | 'last', val: { X: Float32Array; y: Float32Array } | null, report?: (epoch: number, loss: number) => void) => {
    const n = ym.length;
    const X = tf.tensor2d(Xm, [n, D]);
    const y = tf.tensor2d(ym, [n, 1]);
    const Xv = val ? tf.tensor2d(val.X, [val.y.length, D]) : null;
    const yv = val ? tf.tensor2d(val.y, [val.y.length, 1]) : null;
    const prior = ym.reduce((a, b) => a + b, 0) / n;
    const w = tf.variable(tf.zeros([D, 1]));
    const b = tf.variable(tf.scalar(Math.log(Math.max(1e-6, prior) / Math.max(1e-6, 1 - prior))));
    const opt = tf.train.adam(o.learningRate);
    const bce = (Xq: tf.Tensor2D, yq: tf.Tensor2D) => tf.losses.sigmoidCrossEntropy(yq, tf.add(tf.matMul(Xq, w), b));
    let best = { loss: Infinity, epoch: -1, w: new Float32Array(D), b: 0, train: Infinity };
    let epoch = 0;
    for (; epoch < epochs; epoch++) {
      const trainLoss = opt.minimize(() => tf.add(bce(X, y), tf.sum(tf.mul(pen, tf.square(w)))) as tf.Scalar, true, [w, b]);
      const tl = (await trainLoss!.data())[0];
      trainLoss!.dispose();
      let v = NaN;
      if (Xv && yv) {
        const vl = tf.tidy(() => bce(Xv, yv));
        v = (await vl.data())[0];
        vl.dispose();
      }
      report?.(epoch, tl);
      if (select === 'last' || v < best.loss - 1e-7) best = { loss: v, epoch, w: (await w.data()) as Float32Array, b: (await b.data())[0], train: tl };
      else if (epoch - best.epoch >= o.patience) break;
    }
    [X, y, w, b].forEach((t) => t.dispose());
    if (Xv) Xv.dispose();
    if (yv) yv.dispose();
    opt.dispose();
    return { ...best, epochs: epoch };
  };
  const first = await adam(Xtr, ytr, o.maxEpochs, o.select, { X: Xva, y: yva }, onEpoch);
  let final = first;
  let refit: GamJSON['training']['refit'];
  if (o.refit && data.train.length >= o.refitMinRowsPerWeight * D) {
    // The same number of full-batch steps on all rows before the test part (the rows stay in time order).
    const Xall = new Float32Array(Xtr.length + Xva.length);
    Xall.set(Xtr);
    Xall.set(Xva, Xtr.length);
    const yall = new Float32Array(ytr.length + yva.length);
    yall.set(ytr);
    yall.set(yva, ytr.length);
    const steps = first.epoch + 1;
    final = await adam(Xall, yall, steps, 'last', null);
    refit = { epochs: steps, rows: yall.length, trainLoss: final.train };
    // Contributions are relative to an average row of the rows the final weights were fitted on.
    means.fill(0);
    for (let i = 0; i < yall.length; i++) for (let c = 0; c < D; c++) means[c] += Xall[i * D + c] / yall.length;
    for (const e of encoders) e.colMeans = Array.from(means.subarray(e.offset, e.offset + e.width));
    interactionMeans.splice(0, interactionMeans.length, ...Array.from(means.subarray(D - interactions.length)));
  }
  pen.dispose();
  // The final weights as a tfjs layers model (saved beside the JSON in the registry).
  const layers = tf.sequential({ layers: [tf.layers.dense({ inputShape: [D], units: 1, activation: 'sigmoid' })] });
  layers.layers[0].setWeights([tf.tensor2d(final.w, [D, 1]), tf.tensor1d([final.b])]);

  const weights = Array.from(final.w);
  const raw = GamModel.fromJSON({
    format: 'rolloutlab-gam-1', specs, interactions, encoders, weights, bias: final.b, platt: { a: 1, b: 0 }, options: o,
    training: { epochs: first.epochs, bestEpoch: first.epoch, trainLoss: first.train, validationLoss: first.loss, nTrain: data.train.length, nValidation: data.validation.length, ...(refit ? { refit } : {}) },
    interactionMeans,
  });
  // Platt scaling on the validation slice (Newton's method on two parameters).
  const zv = raw.rawLogits(subset(data.cols, data.validation), data.validation.length);
  const platt = fitPlatt(zv, yva);
  const model = GamModel.fromJSON({ ...raw.toJSON(), platt });
  return { model, layers };
}

/** The given rows of every column, as new columns. */
export function subset(cols: Columns, rows: number[]): Columns {
  const out: Columns = {};
  for (const [k, v] of Object.entries(cols)) out[k] = Float64Array.from(rows, (r) => v[r]);
  return out;
}

/**
 * Logistic recalibration p = σ(a z + b) by Newton's method. A step that would raise the log loss is halved until it
 * lowers it (on separable data a full step can overshoot, even to a < 0); otherwise the steps are Newton's own.
 * `smooth` replaces the 0 / 1 targets by Platt's (1 / (n₋ + 2), (n₊ + 1) / (n₊ + 2)), which keeps separable data finite.
 */
export function fitPlatt(z: ArrayLike<number>, y: ArrayLike<number>, o: { smooth?: boolean } = {}): { a: number; b: number } {
  const n = z.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i];
  const t = (i: number) => (o.smooth ? (y[i] ? (pos + 1) / (pos + 2) : 1 / (n - pos + 2)) : y[i]);
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      const v = a * z[i] + b;
      l += Math.max(v, 0) - t(i) * v + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let it = 0; it < 50; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * z[i] + b);
      const r = p - t(i);
      const wgt = p * (1 - p);
      ga += r * z[i];
      gb += r;
      haa += wgt * z[i] * z[i];
      hab += wgt * z[i];
      hbb += wgt;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    let da = (hbb * ga - hab * gb) / det;
    let db = (haa * gb - hab * ga) / det;
    // Rounding noise near the optimum is no rise: only a real one halves the step.
    const rises = (l: number) => !(l <= current + 1e-9 * Math.max(1, Math.abs(current)));
    let next = loss(a - da, b - db);
    while (rises(next) && Math.abs(da) + Math.abs(db) > 1e-12) {
      da /= 2;
      db /= 2;
      next = loss(a - da, b - db);
    }
    if (rises(next)) break;
    a -= da;
    b -= db;
    current = next;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}
