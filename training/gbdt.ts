// Gradient-boosted decision trees for binary risk, on binned features (a small histogram GBDT in plain TypeScript).
//
// Why binned: each feature's bin edges are quantiles of the fitting rows, so a value beyond anything seen in training
// falls into the last bin and is scored like the largest training values: a tree model cannot extrapolate a trend
// past its training range, which is what a feature that grows with time (author experience, file age) needs on a
// newer period. Trees are grown level by level on gradient and hessian histograms of the logistic loss, leaves take
// a Newton step shrunk by the learning rate, and the number of trees is early-stopped on a validation slice; then,
// with `refit`, the same number of trees is grown again on the fitting and validation rows together (as the additive
// model does, training/gam.ts). Deterministic: row and column subsamples draw from an `Rng` stream of the seed.
import { RolloutlabError } from '../lib/errors.ts';
import { Rng } from '../lib/rng.ts';
import type { Columns } from './gam.ts';

export interface GbdtOptions {
  /** Most trees; early stopping picks fewer. */
  maxTrees: number;
  depth: number;
  learningRate: number;
  /** Most bins per feature (quantiles of the fitting rows; a feature with fewer distinct values gets one bin each). */
  bins: number;
  /** Fewest fitting rows in a leaf. */
  minLeaf: number;
  /** L2 penalty on leaf values (added to the hessian sum). */
  lambda: number;
  /** Share of rows each tree is grown on (drawn without replacement). */
  subsample: number;
  /** Share of features each tree may split on. */
  colsample: number;
  /** Stop after this many trees without a lower validation loss. */
  patience: number;
  /** Grow the selected number of trees again on fitting + validation rows. */
  refit: boolean;
  /** Weight of a positive row in the loss (negatives weigh 1); 'balanced' = negatives / positives of the rows fitted. */
  positiveWeight: number | 'balanced';
  seed: number;
}

export const GBDT_DEFAULTS: GbdtOptions = {
  maxTrees: 600, depth: 3, learningRate: 0.05, bins: 32, minLeaf: 50, lambda: 1, subsample: 0.8, colsample: 0.8, patience: 60, refit: true, positiveWeight: 1, seed: 1,
};

interface Tree {
  /** Per node: split feature (−1 = leaf), split bin (rows with bin <= it go left), children, leaf value. */
  feature: Int32Array;
  bin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

export interface GbdtJSON {
  format: 'rolloutlab-gbdt-1';
  features: string[];
  /** Per feature: ascending upper bin edges; bin(x) = number of edges below x (NaN → bin 0). */
  edges: number[][];
  bias: number;
  trees: { feature: number[]; bin: number[]; left: number[]; right: number[]; value: number[] }[];
  options: GbdtOptions;
  training: { trees: number; bestValidationLoss: number; nTrain: number; nValidation: number; refitRows?: number };
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function binOf(edges: ArrayLike<number>, x: number): number {
  if (Number.isNaN(x)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x > edges[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bin edges from the fitting rows: midpoints between distinct values when few, else distinct quantiles. */
function fitEdges(col: ArrayLike<number>, rows: number[], bins: number): number[] {
  const xs = rows.map((r) => col[r]).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const v of xs) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  if (distinct.length <= bins) return distinct.slice(0, -1).map((v, i) => (v + distinct[i + 1]) / 2);
  const edges: number[] = [];
  for (let q = 1; q < bins; q++) {
    const e = xs[Math.min(xs.length - 1, Math.floor((q * xs.length) / bins))];
    // The last training value would make an empty top bin.
    if (e < distinct[distinct.length - 1] && (edges.length === 0 || e > edges[edges.length - 1])) edges.push(e);
  }
  return edges;
}

export class GbdtModel {
  private constructor(private readonly j: GbdtJSON) {}

  static fromJSON(j: GbdtJSON): GbdtModel {
    if (!j || j.format !== 'rolloutlab-gbdt-1') throw new RolloutlabError('BAD_DATA', `model.format: expected "rolloutlab-gbdt-1", got ${JSON.stringify((j as { format?: unknown })?.format)}`, 'format');
    return new GbdtModel(j);
  }

  toJSON(): GbdtJSON {
    return this.j;
  }

  /** Logits of n rows. */
  rawLogits(cols: Columns, n: number): Float64Array {
    const { features, edges, trees, bias } = this.j;
    const binned = features.map((f, k) => {
      const c = cols[f];
      if (!c) throw new RolloutlabError('BAD_DATA', `feature ${f}: no such column`, f);
      return Int32Array.from({ length: n }, (_, i) => binOf(edges[k], c[i]));
    });
    const out = new Float64Array(n).fill(bias);
    for (const t of trees) {
      for (let i = 0; i < n; i++) {
        let node = 0;
        while (t.feature[node] >= 0) node = binned[t.feature[node]][i] <= t.bin[node] ? t.left[node] : t.right[node];
        out[i] += t.value[node];
      }
    }
    return out;
  }

  predict(cols: Columns, n: number): Float64Array {
    return this.rawLogits(cols, n).map(sigmoid);
  }
}

export interface GbdtData {
  cols: Columns;
  labels: ArrayLike<number | boolean>;
  features: string[];
  train: number[];
  validation: number[];
}

/** Fit a GBDT: trees early-stopped on the validation rows' log loss, then (with `refit`) regrown on all rows. */
export function trainGbdt(data: GbdtData, options: Partial<GbdtOptions> = {}): GbdtModel {
  const o = { ...GBDT_DEFAULTS, ...options };
  const fit = fitGbdt(data, o);
  return o.refit ? fit.refit() : fit.early;
}

/**
 * Both models of one fit: the early-stopped one (what `trainGbdt` with `refit: false` gives) and the one regrown on
 * the fitting and validation rows (`refit: true`), the early stop computed once for the two. Each is the very model
 * `trainGbdt` gives with those options.
 */
export function trainGbdtEarlyAndRefit(data: GbdtData, options: Partial<GbdtOptions> = {}): { early: GbdtModel; refit: GbdtModel } {
  const fit = fitGbdt(data, { ...GBDT_DEFAULTS, ...options, refit: true });
  return { early: fit.early, refit: fit.refit() };
}

function fitGbdt(data: GbdtData, o: GbdtOptions): { early: GbdtModel; refit: () => GbdtModel } {
  // Bin indices are stored in bytes.
  if (!Number.isInteger(o.bins) || o.bins < 2 || o.bins > 256) throw new RolloutlabError('BAD_ARGUMENT', `gbdt: bins must be a whole number in [2, 256], got ${o.bins}`, 'bins');
  if (data.train.length === 0 || data.validation.length === 0) throw new RolloutlabError('BAD_DATA', `training needs rows in both parts, got ${data.train.length} train and ${data.validation.length} validation`, 'rows');
  for (const f of data.features) if (!data.cols[f]) throw new RolloutlabError('BAD_DATA', `feature ${f}: no such column`, f);
  const edges = data.features.map((f) => fitEdges(data.cols[f], data.train, o.bins));
  const bin = (rows: number[]) => data.features.map((f, k) => Uint8Array.from(rows, (r) => binOf(edges[k], data.cols[f][r])));
  const y = (rows: number[]) => Float64Array.from(rows, (r) => (data.labels[r] ? 1 : 0));
  const trainX = bin(data.train);
  const valX = bin(data.validation);
  const trainY = y(data.train);
  const valY = y(data.validation);
  const first = boost(trainX, trainY, { X: valX, y: valY }, edges, o, o.maxTrees);
  const model = (options: GbdtOptions, final: { bias: number; trees: Tree[] }, refitRows?: number) =>
    GbdtModel.fromJSON({
      format: 'rolloutlab-gbdt-1', features: data.features, edges, bias: final.bias, options,
      trees: final.trees.map((t) => ({ feature: Array.from(t.feature), bin: Array.from(t.bin), left: Array.from(t.left), right: Array.from(t.right), value: Array.from(t.value) })),
      training: { trees: first.trees.length, bestValidationLoss: first.bestLoss, nTrain: data.train.length, nValidation: data.validation.length, ...(refitRows ? { refitRows } : {}) },
    });
  const refit = () => {
    const allX = trainX.map((c, k) => {
      const a = new Uint8Array(c.length + valX[k].length);
      a.set(c);
      a.set(valX[k], c.length);
      return a;
    });
    const allY = new Float64Array(trainY.length + valY.length);
    allY.set(trainY);
    allY.set(valY, trainY.length);
    return model({ ...o, refit: true }, boost(allX, allY, null, edges, o, first.trees.length), allY.length);
  };
  return { early: model({ ...o, refit: false }, first), refit };
}

function boost(X: Uint8Array[], y: Float64Array, val: { X: Uint8Array[]; y: Float64Array } | null, edges: number[][], o: GbdtOptions, nTrees: number): { bias: number; trees: Tree[]; bestLoss: number } {
  const n = y.length;
  const nf = X.length;
  const nBins = edges.map((e) => e.length + 1);
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, y.reduce((a, b) => a + b, 0) / n));
  const bias = Math.log(prior / (1 - prior));
  const f = new Float64Array(n).fill(bias);
  const fv = val ? new Float64Array(val.y.length).fill(bias) : null;
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rng = new Rng(o.seed, 'gbdt');
  const pos = y.reduce((a, b) => a + b, 0);
  const wPos = o.positiveWeight === 'balanced' ? (n - pos) / Math.max(1, pos) : o.positiveWeight;
  const trees: Tree[] = [];
  let best = { loss: Infinity, trees: 0 };
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const pool = new Int32Array(n);
  const chosen = new Uint8Array(n);
  // Row-major copy of the bins: a node's histograms are built in one pass over its rows.
  const rowBins = new Uint8Array(n * nf);
  for (let k = 0; k < nf; k++) for (let i = 0; i < n; i++) rowBins[i * nf + k] = X[k][i];
  for (let t = 0; t < nTrees; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(f[i]);
      const w = y[i] ? wPos : 1;
      g[i] = w * (p - y[i]);
      h[i] = w * Math.max(p * (1 - p), 1e-12);
    }
    const treeRng = rng.fork('tree', String(t));
    const rows = o.subsample < 1 ? subsampleRows(treeRng.fork('rows'), n, Math.max(1, Math.round(o.subsample * n)), pool, chosen) : all;
    const feats = o.colsample < 1 ? treeRng.fork('cols').sample(nf, Math.max(1, Math.round(o.colsample * nf))).sort((a, b) => a - b) : Array.from({ length: nf }, (_, k) => k);
    const tree = growTree(rowBins, nf, g, h, rows, feats, nBins, o);
    trees.push(tree);
    for (let i = 0; i < n; i++) f[i] += leafValue(tree, X, i);
    if (val && fv) {
      let loss = 0;
      for (let i = 0; i < fv.length; i++) {
        fv[i] += leafValue(tree, val.X, i);
        const z = fv[i];
        loss += Math.max(z, 0) - val.y[i] * z + Math.log1p(Math.exp(-Math.abs(z)));
      }
      loss /= fv.length;
      if (loss < best.loss - 1e-9) best = { loss, trees: t + 1 };
      else if (t + 1 - best.trees >= o.patience) break;
    }
  }
  return { bias, trees: val ? trees.slice(0, Math.max(1, best.trees)) : trees, bestLoss: best.loss };
}

/**
 * `rng.sample(n, k)` sorted ascending: the same draws and swaps (so the same rows), in reused buffers and without the
 * sort (the chosen rows are read back in order from a mask).
 */
function subsampleRows(rng: Rng, n: number, k: number, pool: Int32Array, chosen: Uint8Array): Int32Array {
  for (let i = 0; i < n; i++) pool[i] = i;
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  chosen.fill(0);
  for (let i = 0; i < m; i++) chosen[pool[i]] = 1;
  const rows = new Int32Array(m);
  for (let i = 0, a = 0; i < n; i++) if (chosen[i]) rows[a++] = i;
  return rows;
}

function leafValue(t: Tree, X: Uint8Array[], i: number): number {
  let node = 0;
  while (t.feature[node] >= 0) node = X[t.feature[node]][i] <= t.bin[node] ? t.left[node] : t.right[node];
  return t.value[node];
}

/**
 * One tree, level by level from `rows` (ascending). `rowBins` holds row i's bin of feature k at i * nf + k. Every
 * histogram bin sums its rows' gradients in row order, as a feature-by-feature pass would: the same sums to the bit.
 */
function growTree(rowBins: Uint8Array, nf: number, g: Float64Array, h: Float64Array, rows: Int32Array, feats: number[], nBins: number[], o: GbdtOptions): Tree {
  const feature: number[] = [];
  const bin: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const newNode = () => {
    feature.push(-1);
    bin.push(-1);
    left.push(-1);
    right.push(-1);
    value.push(0);
    return feature.length - 1;
  };
  const maxBins = Math.max(...nBins);
  // The features this tree may split on that have two bins or more, in ascending order (the order splits are compared in).
  const splittable = Int32Array.from(feats.filter((k) => nBins[k] >= 2));
  const nk = splittable.length;
  const hg = new Float64Array(nf * maxBins);
  const hh = new Float64Array(nf * maxBins);
  const hc = new Int32Array(nf * maxBins);
  const grow = (node: number, idx: Int32Array, depth: number) => {
    const m = idx.length;
    let G = 0;
    let H = 0;
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      G += g[i];
      H += h[i];
    }
    value[node] = (-G / (H + o.lambda)) * o.learningRate;
    if (depth >= o.depth || m < 2 * o.minLeaf) return;
    const parent = (G * G) / (H + o.lambda);
    for (let q = 0; q < nk; q++) {
      const off = splittable[q] * maxBins;
      const nb = nBins[splittable[q]];
      hg.fill(0, off, off + nb);
      hh.fill(0, off, off + nb);
      hc.fill(0, off, off + nb);
    }
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      const gi = g[i];
      const hi = h[i];
      const base = i * nf;
      for (let q = 0; q < nk; q++) {
        const k = splittable[q];
        const at = k * maxBins + rowBins[base + k];
        hg[at] += gi;
        hh[at] += hi;
        hc[at]++;
      }
    }
    let bestGain = 1e-9;
    let bestF = -1;
    let bestB = -1;
    for (let q = 0; q < nk; q++) {
      const k = splittable[q];
      const nb = nBins[k];
      const off = k * maxBins;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += hg[off + b];
        hl += hh[off + b];
        cl += hc[off + b];
        if (cl < o.minLeaf) continue;
        if (m - cl < o.minLeaf) break;
        const gr = G - gl;
        const hr = H - hl;
        const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          bestF = k;
          bestB = b;
        }
      }
    }
    if (bestF < 0) return;
    let nl = 0;
    for (let j = 0; j < m; j++) if (rowBins[idx[j] * nf + bestF] <= bestB) nl++;
    const l = new Int32Array(nl);
    const r = new Int32Array(m - nl);
    for (let j = 0, a = 0, c = 0; j < m; j++) {
      const i = idx[j];
      if (rowBins[i * nf + bestF] <= bestB) l[a++] = i;
      else r[c++] = i;
    }
    feature[node] = bestF;
    bin[node] = bestB;
    left[node] = newNode();
    right[node] = newNode();
    grow(left[node], l, depth + 1);
    grow(right[node], r, depth + 1);
  };
  grow(newNode(), rows, 0);
  return { feature: Int32Array.from(feature), bin: Int32Array.from(bin), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
}
