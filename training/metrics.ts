// Evaluation metrics for probabilistic binary classifiers (docs/definitions.md#risk-model-quality).
import { rocAuc } from '../datasets/import-jit.ts';
import { RolloutlabError } from '../lib/errors.ts';

export { rocAuc };

/** Area under the precision-recall curve as average precision (step-wise, ties grouped). */
export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) pos++;
  if (pos === 0) throw new RolloutlabError('BAD_ARGUMENT', 'prAuc: needs at least one positive label', 'labels');
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    let tpHere = 0;
    while (j < n && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]]) tpHere++;
      j++;
    }
    tp += tpHere;
    seen += j - i;
    ap += (tpHere / pos) * (tp / seen);
    i = j;
  }
  return ap;
}

/** Mean squared error of the probabilities. */
export function brier(p: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - (labels[i] ? 1 : 0)) ** 2;
  return s / p.length;
}

/** Mean log loss (probabilities clipped to [1e-7, 1 - 1e-7]). */
export function logLoss(p: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
    s -= labels[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}

/** Expected calibration error with `bins` equal-width bins: Σ (n_b / n) |mean p_b − rate_b|. */
export function ece(p: ArrayLike<number>, labels: ArrayLike<number | boolean>, bins = 10): number {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    count[b]++;
    sumP[b] += p[i];
    sumY[b] += labels[i] ? 1 : 0;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) e += (count[b] / p.length) * Math.abs(sumP[b] / count[b] - sumY[b] / count[b]);
  return e;
}

export interface ClassifierMetrics {
  n: number;
  positives: number;
  rocAuc: number;
  prAuc: number;
  brier: number;
  ece: number;
  logLoss: number;
}

export function classifierMetrics(p: ArrayLike<number>, labels: ArrayLike<number | boolean>): ClassifierMetrics {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  return { n: p.length, positives: pos, rocAuc: rocAuc(p, labels), prAuc: prAuc(p, labels), brier: brier(p, labels), ece: ece(p, labels), logLoss: logLoss(p, labels) };
}
