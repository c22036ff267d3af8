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

/**
 * The points a report draws a classifier's ROC, precision-recall and reliability diagrams from, on the held-out part
 * (the rows its metrics are computed on). Curves keep at most `maxPoints` thresholds, evenly spaced in rank (the
 * first and last always), and every figure is rounded to 4 decimals, so a card stays small and its bytes stable.
 */
export interface ClassifierCurves {
  n: number;
  positives: number;
  /** [false-positive rate, true-positive rate] from the highest threshold down, starting at [0, 0]. */
  roc: [number, number][];
  /** [recall, precision] from the highest threshold down. */
  pr: [number, number][];
  /** Equal-width bins of the predicted probability (the bins of `ece`): mean predicted, observed rate, rows; empty bins left out. */
  reliability: { lower: number; upper: number; predicted: number; observed: number; n: number }[];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function classifierCurves(scores: ArrayLike<number>, ys: ArrayLike<number | boolean>, o: { maxPoints?: number; bins?: number } = {}): ClassifierCurves {
  // A score that is no probability (NaN from a broken model) is left out rather than drawn: `n` counts the rows used.
  const keep = Array.from({ length: scores.length }, (_, i) => i).filter((i) => Number.isFinite(scores[i]) && scores[i] >= 0 && scores[i] <= 1);
  const p = keep.map((i) => scores[i]);
  const labels = keep.map((i) => (ys[i] ? 1 : 0));
  const n = p.length;
  const maxPoints = o.maxPoints ?? 101;
  const bins = o.bins ?? 10;
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) pos++;
  const neg = n - pos;
  // Index order breaks ties, so equal inputs give equal curves.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && p[order[j]] === p[order[i]]) {
      if (labels[order[j]]) tp++;
      else fp++;
      j++;
    }
    roc.push([neg ? fp / neg : 0, pos ? tp / pos : 0]);
    pr.push([pos ? tp / pos : 0, tp / (tp + fp)]);
    i = j;
  }
  const thin = (xs: [number, number][]): [number, number][] => {
    if (xs.length <= maxPoints) return xs.map(([a, b]) => [r4(a), r4(b)]);
    const out: [number, number][] = [];
    for (let k = 0; k < maxPoints; k++) {
      const [a, b] = xs[Math.round((k * (xs.length - 1)) / (maxPoints - 1))];
      out.push([r4(a), r4(b)]);
    }
    return out;
  };
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    count[b]++;
    sumP[b] += p[i];
    sumY[b] += labels[i] ? 1 : 0;
  }
  const reliability: ClassifierCurves['reliability'] = [];
  for (let b = 0; b < bins; b++) if (count[b] > 0) reliability.push({ lower: r4(b / bins), upper: r4((b + 1) / bins), predicted: r4(sumP[b] / count[b]), observed: r4(sumY[b] / count[b]), n: count[b] });
  return { n, positives: pos, roc: thin(roc), pr: thin(pr), reliability };
}
