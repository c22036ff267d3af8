// The change-risk pipeline, shared by simulated deployments and real JIT change histories: a time split decided
// by the data's order, the additive model (training/gam.ts) fitted on the older part with its newest slice held
// for early stopping and calibration (then, with the default `refit`, fitted again on both for the chosen number of
// epochs and Platt-scaled on that slice), and the evaluation on the held-out newest part beside two baselines:
// logistic regression on all raw features, and LApredict (logistic regression on lines added alone).
import { RolloutlabError } from '../../lib/errors.ts';
import { chronologicalSplit } from '../../datasets/import-jit.ts';
import { trainGam, subset, type Columns, type FeatureSpec, type InteractionSpec, type GamModel, type GamOptions } from '../gam.ts';
import { classifierMetrics, type ClassifierMetrics } from '../metrics.ts';
import type { tf } from '../backend.ts';
import { sharePct } from '../hyper-param-schema.ts';

export interface RiskData {
  /** Rows in time order (combined data sets: each one's rows in time order, one after the other). */
  cols: Columns;
  labels: Uint8Array;
  n: number;
  specs: FeatureSpec[];
  interactions: InteractionSpec[];
  /** The lines-added column (LApredict's one feature; a deployment history may lack it: then no LApredict baseline). */
  linesAdded: string;
  /** The simulator's true failure probability per row, when known (the oracle). */
  oracle?: Float64Array;
}

export interface RiskSplit {
  train: number[];
  validation: number[];
  test: number[];
  description: string;
}

/** The newest share of the training part that stops early and calibrates (hyper-parameter `validationShare`). */
export const RISK_VALIDATION_SHARE = 0.2;

/**
 * Chronological split: the first floor(0.8 n) rows train (their newest `validationShare` validate), the rest test. The
 * test part depends on n alone, so `evaluate` and `models promote` find it again whatever the validation share was.
 */
export function riskSplit(n: number, validationShare = RISK_VALIDATION_SHARE): RiskSplit {
  const { trainEnd } = chronologicalSplit(n);
  const valStart = Math.floor(trainEnd * (1 - validationShare));
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  return {
    train: range(0, valStart),
    validation: range(valStart, trainEnd),
    test: range(trainEnd, n),
    description: `chronological: rows [0, ${valStart}) fit, [${valStart}, ${trainEnd}) early stopping + calibration, [${trainEnd}, ${n}) test (floor 0.8 n)`,
  };
}

/** Several data sets as one: each split by time on its own (`riskSplit`), then the parts concatenated. */
export interface CombinedRiskData<D extends RiskData = RiskData> {
  data: D;
  split: RiskSplit;
  /** Row range [start, end) of each input in `data`, in input order. */
  ranges: { start: number; end: number }[];
}

/**
 * Concatenate data sets that share specs: rows of input k follow those of input k − 1 (each input stays in its own
 * time order), and each input is split by `riskSplit` on its own, so every test row is newer than every training
 * row of the same data set. Columns present in every input are kept; `oracle` only if every input has one. Extra
 * per-row arrays (`deploymentIds`, `startedAt`) are concatenated when every input has them.
 */
export function combineRiskData<D extends RiskData>(parts: D[], describe: (k: number) => string = (k) => `data set ${k + 1}`, validationShare = RISK_VALIDATION_SHARE): CombinedRiskData<D> {
  if (parts.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'risk: no data sets to combine', 'data');
  if (parts.length === 1) return { data: parts[0], split: riskSplit(parts[0].n, validationShare), ranges: [{ start: 0, end: parts[0].n }] };
  const first = parts[0];
  const names = (d: RiskData) => JSON.stringify(d.specs.map((s) => s.name));
  for (const p of parts) if (names(p) !== names(first)) throw new RolloutlabError('BAD_DATA', 'risk: the data sets to combine have different features', 'data');
  const n = parts.reduce((a, p) => a + p.n, 0);
  const cols: Record<string, Float64Array> = {};
  for (const k of Object.keys(first.cols)) {
    if (!parts.every((p) => p.cols[k])) continue;
    const out = new Float64Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(Float64Array.from(p.cols[k]), at);
      at += p.n;
    }
    cols[k] = out;
  }
  const labels = new Uint8Array(n);
  const oracle = parts.every((p) => p.oracle) ? new Float64Array(n) : undefined;
  const split: RiskSplit = { train: [], validation: [], test: [], description: '' };
  const ranges: { start: number; end: number }[] = [];
  const descriptions: string[] = [];
  let at = 0;
  parts.forEach((p, k) => {
    labels.set(p.labels, at);
    if (oracle) oracle.set(p.oracle!, at);
    const s = riskSplit(p.n, validationShare);
    split.train.push(...s.train.map((r) => r + at));
    split.validation.push(...s.validation.map((r) => r + at));
    split.test.push(...s.test.map((r) => r + at));
    descriptions.push(`${describe(k)} (${p.n} rows: ${s.train.length} fit, ${s.validation.length} early stopping + calibration, ${s.test.length} test)`);
    ranges.push({ start: at, end: at + p.n });
    at += p.n;
  });
  split.description = `each of ${parts.length} data sets split by time on its own (in start order, the first floor(0.8 n) train, their newest ${sharePct(validationShare)} % early stopping + calibration, the newest 20 % test), the parts concatenated: ${descriptions.join('; ')}`;
  const data = { ...first, cols, labels, n, oracle } as D;
  const extra = data as unknown as Record<string, unknown>;
  for (const key of ['deploymentIds', 'startedAt'] as const) {
    const arrays = parts.map((p) => (p as unknown as Record<string, unknown>)[key]);
    if (arrays.every((a) => Array.isArray(a))) extra[key] = (arrays as unknown[][]).flat();
    else if (arrays.every((a) => a instanceof Float64Array)) {
      const out = new Float64Array(n);
      let o = 0;
      for (const a of arrays as Float64Array[]) {
        out.set(a, o);
        o += a.length;
      }
      extra[key] = out;
    } else delete extra[key];
  }
  return { data, split, ranges };
}

export interface RiskEvaluation {
  model: ClassifierMetrics;
  logistic: ClassifierMetrics;
  /** null: the data have no lines-added column (an imported deployment history without `lines_added`). */
  lapredict: ClassifierMetrics | null;
  oracle: ClassifierMetrics | null;
  /** oracle AUC − model AUC on the same test rows (null without an oracle). */
  aucGapToOracle: number | null;
}

export interface RiskFit {
  model: GamModel;
  layers: tf.LayersModel;
  logistic: GamModel;
  lapredict: GamModel | null;
  split: RiskSplit;
  evaluation: RiskEvaluation;
  /** Calibrated risk of every test row, in test order. */
  testScores: Float64Array;
  /** Wall seconds: the model's trainGam (encoding, tfjs fit and refit, Platt), both baselines', and scoring the test part. */
  seconds: { model: number; baselines: number; evaluation: number };
}

/**
 * Fit the model and both baselines on the training part and evaluate all of them on the test part (default split: `riskSplit`).
 * The options apply to all three (the baselines with `knots: 0`), so with the default `refit` the baselines are refitted too.
 */
export async function fitRisk(d: RiskData, options: Partial<GamOptions> = {}, onEpoch?: (epoch: number, loss: number) => void, split: RiskSplit = riskSplit(d.n)): Promise<RiskFit> {
  if (split.test.length === 0) throw new RolloutlabError('BAD_DATA', `risk: ${d.n} rows leave nothing to test on`, 'rows');
  const data = { cols: d.cols, labels: d.labels, train: split.train, validation: split.validation };
  const t0 = performance.now();
  const { model, layers } = await trainGam(d.specs, d.interactions, data, options, onEpoch);
  const t1 = performance.now();
  // Logistic regression on the raw features: no transforms, no hinges, no interactions.
  const rawSpecs: FeatureSpec[] = d.specs.map((s) => (s.kind === 'numeric' ? { name: s.name, kind: 'numeric', transform: 'none', knots: 0 } : s));
  const logistic = (await trainGam(rawSpecs, [], data, { ...options, knots: 0 })).model;
  const lapredict = d.cols[d.linesAdded] ? (await trainGam([{ name: d.linesAdded, kind: 'numeric', transform: 'none', knots: 0 }], [], data, { ...options, knots: 0 })).model : null;
  const t2 = performance.now();
  const testCols = subset(d.cols, split.test);
  const y = Uint8Array.from(split.test, (r) => d.labels[r]);
  const n = split.test.length;
  const testScores = model.predict(testCols, n);
  const m = classifierMetrics(testScores, y);
  const oracle = d.oracle ? classifierMetrics(Float64Array.from(split.test, (r) => d.oracle![r]), y) : null;
  const evaluation: RiskEvaluation = {
    model: m,
    logistic: classifierMetrics(logistic.predict(testCols, n), y),
    lapredict: lapredict ? classifierMetrics(lapredict.predict(testCols, n), y) : null,
    oracle,
    aucGapToOracle: oracle ? oracle.rocAuc - m.rocAuc : null,
  };
  return { model, layers, logistic, lapredict, split, evaluation, testScores, seconds: { model: (t1 - t0) / 1000, baselines: (t2 - t1) / 1000, evaluation: (performance.now() - t2) / 1000 } };
}
