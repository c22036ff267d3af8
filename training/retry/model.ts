// The retry family's model: a logistic regression on the hashed features of a failed step (training/retry/features.ts)
// for P(a retry succeeds), calibrated on validation data (Platt, training/gam.ts fitPlatt), and a softmax over the same
// features folded into a smaller space for the failure's kind (sim/ci's failure kinds: its category, and the
// remediation a kind needs, follow from it). The retry threshold chosen on validation data travels with the weights. Plain JavaScript scores it (no tensor engine): a served decision needs a
// few dozen multiply-adds per non-zero feature. Fitted by a seeded AdaGrad pass over the rows (fitRetryModel).
import { Rng } from '../../lib/rng.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import type { FailedStep } from '../../datasets/failed-step.ts';
import { FEATURE_WIDTH, TEXT_BUCKETS, stepFeatures, type SparseVector } from './features.ts';
import { fitPlatt } from '../gam.ts';
import { findCiKind } from '../../sim/ci/catalogue.ts';
import type { Remediation } from '../../sim/ci/types.ts';

export const RETRY_FORMAT = 'rolloutlab-retry-1';
/** The category softmax reads text buckets folded into this many (the structured features keep their own). */
export const CATEGORY_TEXT_BUCKETS = 1 << 14;
const CATEGORY_WIDTH = CATEGORY_TEXT_BUCKETS + (FEATURE_WIDTH - TEXT_BUCKETS);

export interface RetryModelJSON {
  format: typeof RETRY_FORMAT;
  /** Logistic weights over FEATURE_WIDTH, as base64 of a Float32Array; and the bias. */
  weights: string;
  bias: number;
  /** Platt scaling of the logit: p = sigmoid(a · logit + b). */
  platt: { a: number; b: number };
  /** Retry while the calibrated P(a retry succeeds) is at least this (chosen on validation data; 1: never). */
  threshold: number;
  /** Backoff base per label (seconds before the first retry, doubling after), chosen on the training worlds (absent: the category's default). */
  waits?: Record<string, number>;
  /** The softmax's labels: failure kinds (sim/ci's ids) or, for rows that name only one, categories. */
  categories: string[];
  /** Softmax weights, labels × CATEGORY_WIDTH (base64 Float32Array), and one bias per label. */
  categoryWeights: string;
  categoryBias: number[];
}

export interface RetryFitOptions {
  epochs: number;
  /** AdaGrad step size. */
  learningRate: number;
  /** L2 penalty per update. */
  l2: number;
  seed: number;
}

export const RETRY_FIT_DEFAULTS: RetryFitOptions = { epochs: 6, learningRate: 0.2, l2: 1e-6, seed: 1 };

/** A row to learn from: the step's features, whether a retry succeeded, its kind or category (null: unknown, the softmax skips it). */
export interface RetryRow {
  x: SparseVector;
  retrySucceeds: boolean;
  category: string | null;
}

/** The category of a softmax label: a kind's category, or the label itself when it is a category. */
export const categoryOfLabel = (label: string): string => findCiKind(label)?.category ?? label;
/** The remediation a kind needs when a plain retry does not do (null: none, or the label is not a kind). */
export const remediationOfLabel = (label: string): Remediation | null => findCiKind(label)?.remediation ?? null;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const foldIndex = (i: number) => (i < TEXT_BUCKETS ? i % CATEGORY_TEXT_BUCKETS : CATEGORY_TEXT_BUCKETS + (i - TEXT_BUCKETS));
const toBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function fromBase64(s: string, n: number, field: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.length !== n * 4) throw new RolloutlabError('BAD_DATA', `retry model: ${field} holds ${b.length / 4} weights, expected ${n}`, field);
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export class RetryModel {
  private readonly w: Float32Array;
  private readonly cw: Float32Array;

  constructor(readonly json: RetryModelJSON) {
    if (json.format !== RETRY_FORMAT) throw new RolloutlabError('BAD_DATA', `retry model format ${JSON.stringify(json.format)} is not ${RETRY_FORMAT}: retrain with rolloutlab train retry`, 'format');
    this.w = fromBase64(json.weights, FEATURE_WIDTH, 'weights');
    this.cw = fromBase64(json.categoryWeights, json.categories.length * CATEGORY_WIDTH, 'categoryWeights');
  }

  /** The uncalibrated logit of a retry succeeding. */
  logit(x: SparseVector): number {
    let z = this.json.bias;
    for (let k = 0; k < x.idx.length; k++) z += this.w[x.idx[k]] * x.val[k];
    return z;
  }

  /** Calibrated P(a retry of this step succeeds). */
  pRetry(x: SparseVector): number {
    return sigmoid(this.json.platt.a * this.logit(x) + this.json.platt.b);
  }

  /** The most likely category and its probability. */
  category(x: SparseVector): { category: string; p: number } {
    const K = this.json.categories.length;
    const z = this.json.categoryBias.slice();
    for (let k = 0; k < x.idx.length; k++) {
      const j = foldIndex(x.idx[k]);
      for (let c = 0; c < K; c++) z[c] += this.cw[c * CATEGORY_WIDTH + j] * x.val[k];
    }
    const m = Math.max(...z);
    let sum = 0;
    let best = 0;
    for (let c = 0; c < K; c++) {
      z[c] = Math.exp(z[c] - m);
      sum += z[c];
      if (z[c] > z[best]) best = c;
    }
    return { category: this.json.categories[best], p: z[best] / sum };
  }

  /** Every answer for a failed step (`features`: its stepFeatures, when the caller has them): P(a retry succeeds), the most likely kind (its category, its remediation). */
  score(step: FailedStep, features?: SparseVector): { pRetry: number; kind: string; category: string; pCategory: number; remediation: Remediation | null } {
    const x = features ?? stepFeatures(step);
    const c = this.category(x);
    return { pRetry: this.pRetry(x), kind: c.category, category: categoryOfLabel(c.category), pCategory: c.p, remediation: remediationOfLabel(c.category) };
  }

  get threshold(): number {
    return this.json.threshold;
  }

  /** The backoff base for a label, seconds (undefined: the model has none for it). */
  waitFor(label: string): number | undefined {
    return this.json.waits?.[label];
  }

  /** The same weights with other waits. */
  withWaits(waits: Record<string, number>): RetryModel {
    return new RetryModel({ ...this.json, waits });
  }

  /** The same weights with another retry threshold. */
  withThreshold(threshold: number): RetryModel {
    return new RetryModel({ ...this.json, threshold });
  }
}

/**
 * Fit the logistic regression and the category softmax on `train` (seeded AdaGrad, rows in a fresh order each epoch),
 * then Platt-scale the logit on `validation` (the rows the threshold is later chosen on too).
 */
export function fitRetryModel(train: readonly RetryRow[], validation: readonly RetryRow[], o: RetryFitOptions = RETRY_FIT_DEFAULTS): RetryModel {
  if (train.length === 0 || validation.length === 0) throw new RolloutlabError('BAD_DATA', 'retry model: no training or validation rows', 'data');
  const categories = [...new Set(train.flatMap((r) => (r.category === null ? [] : [r.category])))].sort();
  if (categories.length === 0) throw new RolloutlabError('BAD_DATA', 'retry model: no training row names its kind or category', 'data');
  const K = categories.length;
  const catOf = new Map(categories.map((c, i) => [c, i]));
  const w = new Float32Array(FEATURE_WIDTH);
  const g2 = new Float32Array(FEATURE_WIDTH);
  const cw = new Float32Array(K * CATEGORY_WIDTH);
  const cg2 = new Float32Array(K * CATEGORY_WIDTH);
  let bias = 0;
  let bg2 = 0;
  const cb = new Array<number>(K).fill(0);
  const cbg2 = new Array<number>(K).fill(0);
  const rng = new Rng(o.seed, 'retry-fit');
  const order = Array.from({ length: train.length }, (_, i) => i);
  const eps = 1e-8;
  const z = new Array<number>(K).fill(0);
  for (let e = 0; e < o.epochs; e++) {
    rng.shuffle(order);
    for (const i of order) {
      const r = train[i];
      const { idx, val } = r.x;
      // Logistic regression: gradient of the log loss.
      let s = bias;
      for (let k = 0; k < idx.length; k++) s += w[idx[k]] * val[k];
      const g = sigmoid(s) - (r.retrySucceeds ? 1 : 0);
      for (let k = 0; k < idx.length; k++) {
        const j = idx[k];
        const gj = g * val[k] + o.l2 * w[j];
        g2[j] += gj * gj;
        w[j] -= (o.learningRate * gj) / Math.sqrt(g2[j] + eps);
      }
      bg2 += g * g;
      bias -= (o.learningRate * g) / Math.sqrt(bg2 + eps);
      // Softmax over the categories (folded features).
      if (r.category === null) continue;
      const y = catOf.get(r.category)!;
      for (let c = 0; c < K; c++) z[c] = cb[c];
      for (let k = 0; k < idx.length; k++) {
        const j = foldIndex(idx[k]);
        for (let c = 0; c < K; c++) z[c] += cw[c * CATEGORY_WIDTH + j] * val[k];
      }
      const m = Math.max(...z);
      let sum = 0;
      for (let c = 0; c < K; c++) sum += (z[c] = Math.exp(z[c] - m));
      for (let c = 0; c < K; c++) {
        const gc = z[c] / sum - (c === y ? 1 : 0);
        if (Math.abs(gc) < 1e-3) continue; // a class the row hardly moves: skip its update (most of the 30, once the head has learnt)
        for (let k = 0; k < idx.length; k++) {
          const j = c * CATEGORY_WIDTH + foldIndex(idx[k]);
          const gj = gc * val[k];
          cg2[j] += gj * gj;
          cw[j] -= (o.learningRate * gj) / Math.sqrt(cg2[j] + eps);
        }
        cbg2[c] += gc * gc;
        cb[c] -= (o.learningRate * gc) / Math.sqrt(cbg2[c] + eps);
      }
    }
  }
  const uncalibrated = new RetryModel({ format: RETRY_FORMAT, weights: toBase64(w), bias, platt: { a: 1, b: 0 }, threshold: 0.5, categories, categoryWeights: toBase64(cw), categoryBias: cb });
  const platt = fitPlatt(validation.map((r) => uncalibrated.logit(r.x)), validation.map((r) => (r.retrySucceeds ? 1 : 0)), { smooth: true });
  return new RetryModel({ ...uncalibrated.json, platt });
}
