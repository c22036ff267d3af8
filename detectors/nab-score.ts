// A port of the Numenta Anomaly Benchmark's scorer (github.com/numenta/NAB, nab/sweeper.py `calcSweepScore`,
// `calcScoreByThreshold`, `scoreDataSet`; nab/optimizer.py; nab/runner.py `normalize`). It reproduces NAB's
// official per-file raw scores and TP/TN/FP/FN counts (test/nab.test.ts checks them against the published
// Numenta HTM results). The rules, in NAB's own order:
//
// - Probationary period: the first min(floor(0.15 N), 0.15 * 5000) rows of a file are not scored at all.
// - Windows: a row whose timestamp equals the next window's start opens it; its right edge is the first row
//   whose timestamp equals the window's end (NAB's `timestamps.index`), its width the rows between, inclusive.
//   A row whose timestamp equals the open window's end closes it (after being scored).
// - A detection is a scored row with anomaly score >= threshold. Inside a window only the earliest detection
//   counts: A_TP * sigma(y) / sigma(-1), y = -(R - i + 1) / W. A window with a scored row but no detection costs
//   -A_FN (a window entirely inside the probationary period counts for nothing).
// - A detection outside every window costs -A_FP with no window before it, else A_FP * sigma(|R' - i| / (W' - 1))
//   for the previous window (right edge R', width W'). sigma(x) = 2 / (1 + e^{5x}) - 1, and -1 for x > 3.
// - One threshold for the corpus: every distinct anomaly score is tried (highest first) and the best summed raw
//   score wins (ties: the higher threshold, as NAB's stable sort keeps). We also try "above every score" (no
//   detection at all), so a detector can never do worse than the null detector; NAB's sweep starts from that
//   state too but only records thresholds at actual scores.
// - Normalised score = 100 (S - S_null) / (S_perfect - S_null), S_perfect = windows * A_TP and
//   S_null = -windows * A_FN (NAB's "null" detector, which never fires).
import { RolloutlabError } from '../lib/errors.ts';

export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export const NAB_PROFILE_NAMES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
export type NabProfileName = (typeof NAB_PROFILE_NAMES)[number];
export type NabProfiles = Record<NabProfileName, CostMatrix>;

/** NAB's config/profiles.json (A_TN is unused by the scorer). */
export const NAB_PROFILES: NabProfiles = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

export const PROBATION_PERCENT = 0.15;

/** Rows at the start of an N-row file that NAB does not score: min(floor(0.15 N), 750). */
export function probationLength(n: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * n), percent * 5000);
}

/** NAB's scaled sigmoid: 2 / (1 + e^{5x}) - 1, and -1 for x > 3. */
export function scaledSigmoid(x: number): number {
  return x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1;
}

/** A window as row indices: `start` opens it, `end` is its right edge (both inclusive), `width` = end - start + 1. */
export interface WindowRows {
  start: number;
  end: number;
  width: number;
}

/** What the scorer needs of a file: its timestamps (epoch ms, file order) and windows [startMs, endMs]. */
export interface NabFileLabels {
  key: string;
  timestamps: ArrayLike<number>;
  windows: readonly (readonly [number, number])[];
}

/**
 * The rows of a file as NAB scores them, independent of any detector: for every row after the probationary
 * period, the window it lies in (-1 outside) and the score it adds when detected (NAB's "sweep score").
 */
export interface FileSweep {
  key: string;
  /** Rows in the file (NAB's Total_Count). */
  rows: number;
  probation: number;
  /** Windows as row indices, in label order (NAB walks them in that order). */
  windows: WindowRows[];
  /** Windows with at least one scored row: those count -A_FN when missed. */
  scorableWindows: number[];
  /** Per row (index = row), window id or -1 outside, -2 in the probationary period. */
  windowOf: Int32Array;
  /** Per row: the weighted sweep score of a detection there (0 in the probationary period). */
  sweepScore: Float64Array;
  cost: CostMatrix;
}

/** Maps the label windows to rows and computes every row's sweep score (NAB `calcSweepScore`). */
export function sweepFile(file: NabFileLabels, cost: CostMatrix, probationPercent = PROBATION_PERCENT): FileSweep {
  const ts = file.timestamps;
  const n = ts.length;
  const firstIndex = (t: number): number => {
    for (let i = 0; i < n; i++) if (ts[i] === t) return i;
    return -1;
  };
  const pending = file.windows.map((w) => [w[0], w[1]] as const);
  const windows: WindowRows[] = [];
  const windowOf = new Int32Array(n);
  const sweepScore = new Float64Array(n);
  const maxTP = scaledSigmoid(-1);
  const probation = probationLength(n, probationPercent);
  let cur: { limits: readonly [number, number]; id: number; right: number; width: number } | null = null;
  let prevRight = -1;
  let prevWidth = 0;
  let nextWindow = 0;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (nextWindow < pending.length && t === pending[nextWindow][0]) {
      const limits = pending[nextWindow];
      const right = firstIndex(limits[1]);
      if (right < 0) {
        throw new RolloutlabError('BAD_DATA', `${file.key}: window ${nextWindow + 1} ends at ${new Date(limits[1]).toISOString()}, which is no row's timestamp`, file.key);
      }
      const width = right - firstIndex(limits[0]) + 1;
      cur = { limits, id: nextWindow, right, width };
      windows.push({ start: i, end: right, width });
      nextWindow++;
    }
    let s: number;
    if (cur) {
      s = (scaledSigmoid(-(cur.right - i + 1) / cur.width) * cost.tpWeight) / maxTP;
    } else if (prevRight < 0) {
      s = -1 * cost.fpWeight;
    } else {
      s = scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1)) * cost.fpWeight;
    }
    if (i >= probation) {
      windowOf[i] = cur ? cur.id : -1;
      sweepScore[i] = s;
    } else {
      windowOf[i] = -2;
      sweepScore[i] = 0;
    }
    if (cur && t === cur.limits[1]) {
      prevRight = i;
      prevWidth = cur.width;
      cur = null;
    }
  }
  if (nextWindow < pending.length) {
    const w = pending[nextWindow];
    throw new RolloutlabError('BAD_DATA', `${file.key}: window ${nextWindow + 1} starts at ${new Date(w[0]).toISOString()}, which is no row's timestamp (NAB windows must start and end on rows)`, file.key);
  }
  const scorable = new Set<number>();
  for (let i = 0; i < n; i++) if (windowOf[i] >= 0) scorable.add(windowOf[i]);
  return { key: file.key, rows: n, probation, windows, scorableWindows: [...scorable].sort((a, b) => a - b), windowOf, sweepScore, cost };
}

export interface ThresholdScore {
  threshold: number;
  /** Raw NAB score. */
  score: number;
  /** NAB's counts are of rows after the probationary period: detections inside / outside windows, misses. */
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  total: number;
}

/** One file's raw score and counts at a threshold (NAB `scoreDataSet`): detections are rows with score >= threshold. */
export function scoreFile(sweep: FileSweep, scores: ArrayLike<number>, threshold: number): ThresholdScore {
  if (scores.length !== sweep.rows) {
    throw new RolloutlabError('BAD_ARGUMENT', `${sweep.key}: ${scores.length} anomaly scores for ${sweep.rows} rows`, sweep.key);
  }
  const bestTp = new Map<number, number>();
  let fpScore = 0;
  let tp = 0, tn = 0, fp = 0, fn = 0;
  for (let i = sweep.probation; i < sweep.rows; i++) {
    const w = sweep.windowOf[i];
    if (w === -2) continue;
    const hit = scores[i] >= threshold;
    if (w < 0) {
      if (hit) {
        fp++;
        fpScore += sweep.sweepScore[i];
      } else tn++;
    } else if (hit) {
      tp++;
      if (!bestTp.has(w)) bestTp.set(w, sweep.sweepScore[i]); // the earliest detection scores highest
    } else fn++;
  }
  let score = fpScore;
  for (const w of sweep.scorableWindows) score += bestTp.get(w) ?? -sweep.cost.fnWeight;
  return { threshold, score, tp, tn, fp, fn, total: sweep.rows };
}

/** Best corpus-wide threshold (NAB's optimizer over `calcScoreByThreshold` of all files' rows together). */
export function optimizeThreshold(sweeps: readonly FileSweep[], scores: readonly ArrayLike<number>[]): ThresholdScore {
  if (sweeps.length !== scores.length) throw new RolloutlabError('BAD_ARGUMENT', `${scores.length} score series for ${sweeps.length} files`);
  let m = 0;
  for (let f = 0; f < sweeps.length; f++) {
    if (scores[f].length !== sweeps[f].rows) throw new RolloutlabError('BAD_ARGUMENT', `${sweeps[f].key}: ${scores[f].length} anomaly scores for ${sweeps[f].rows} rows`, sweeps[f].key);
    for (let i = sweeps[f].probation; i < sweeps[f].rows; i++) if (sweeps[f].windowOf[i] !== -2) m++;
  }
  const anomaly = new Float64Array(m);
  const sweep = new Float64Array(m);
  const win = new Int32Array(m); // global window id, -1 outside
  let total = 0;
  let base = 0;
  let nullScore = 0;
  let tn = 0;
  let fn = 0;
  let k = 0;
  for (let f = 0; f < sweeps.length; f++) {
    const s = sweeps[f];
    total += s.rows;
    for (let i = s.probation; i < s.rows; i++) {
      const w = s.windowOf[i];
      if (w === -2) continue;
      anomaly[k] = scores[f][i];
      sweep[k] = s.sweepScore[i];
      win[k] = w < 0 ? -1 : base + w;
      if (w < 0) tn++;
      else fn++;
      k++;
    }
    nullScore -= s.scorableWindows.length * s.cost.fnWeight;
    base += s.windows.length;
  }
  // NaN scores never count as detections (NaN >= t is false): sort them last and stop before them.
  const order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  order.sort((a, b) => {
    const x = anomaly[a], y = anomaly[b];
    if (Number.isNaN(x)) return Number.isNaN(y) ? a - b : 1;
    if (Number.isNaN(y)) return -1;
    return y - x || a - b;
  });
  const fnWeightOf = new Float64Array(base);
  {
    let b = 0;
    for (const s of sweeps) {
      for (let w = 0; w < s.windows.length; w++) fnWeightOf[b + w] = s.cost.fnWeight;
      b += s.windows.length;
    }
  }
  const windowPart = new Float64Array(base).fill(NaN); // NaN: no detection yet (still costs -A_FN)
  let fpPart = 0;
  let tpPart = 0; // sum over detected windows of their best sweep score
  let missed = -nullScore; // sum over undetected scorable windows of A_FN
  let tp = 0, fp = 0;
  let best: ThresholdScore = { threshold: Infinity, score: nullScore, tp, tn, fp, fn, total };
  for (let j = 0; j < m; j++) {
    const i = order[j];
    const a = anomaly[i];
    if (Number.isNaN(a)) break;
    const w = win[i];
    if (w < 0) {
      fp++;
      tn--;
      fpPart += sweep[i];
    } else {
      tp++;
      fn--;
      const prev = windowPart[w];
      if (Number.isNaN(prev)) {
        windowPart[w] = sweep[i];
        tpPart += sweep[i];
        missed -= fnWeightOf[w];
      } else if (sweep[i] > prev) {
        windowPart[w] = sweep[i];
        tpPart += sweep[i] - prev;
      }
    }
    if (j === m - 1 || anomaly[order[j + 1]] !== a) {
      const score = fpPart + tpPart - missed;
      if (score > best.score) best = { threshold: a, score, tp, tn, fp, fn, total };
    }
  }
  return best;
}

/** 100 (S - S_null) / (S_perfect - S_null) with S_perfect = windows * A_TP and S_null = -windows * A_FN. */
export function normalizedScore(raw: number, windows: number, cost: CostMatrix): number {
  const perfect = windows * cost.tpWeight;
  const nul = -windows * cost.fnWeight;
  return perfect === nul ? 0 : (100 * (raw - nul)) / (perfect - nul);
}

export interface ProfileResult {
  profile: NabProfileName;
  /** The corpus-wide threshold (Infinity when not firing at all is best). */
  threshold: number;
  raw: number;
  normalized: number;
  perFile: (ThresholdScore & { key: string })[];
}

/** Optimises the threshold for one profile over the corpus and returns per-file results at it. */
export function scoreCorpus(
  files: readonly NabFileLabels[],
  scores: readonly ArrayLike<number>[],
  profile: NabProfileName,
  profiles: NabProfiles = NAB_PROFILES,
): ProfileResult {
  const cost = profiles[profile];
  const sweeps = files.map((f) => sweepFile(f, cost));
  const best = optimizeThreshold(sweeps, scores);
  const perFile = sweeps.map((s, f) => ({ key: s.key, ...scoreFile(s, scores[f], best.threshold) }));
  const raw = perFile.reduce((a, r) => a + r.score, 0);
  const windows = files.reduce((a, f) => a + f.windows.length, 0);
  return { profile, threshold: best.threshold, raw, normalized: normalizedScore(raw, windows, cost), perFile };
}
