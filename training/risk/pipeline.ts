// The change-risk pipeline, shared by simulated deployments and real JIT change histories: a time split decided
// by the data's order, the additive model (training/gam.ts) fitted on the older part with its newest slice held
// for early stopping and calibration, and the evaluation on the held-out newest part beside two baselines:
// logistic regression on all raw features, and LApredict (logistic regression on lines added alone).
import { RolloutlabError } from '../../lib/errors.ts';
import { chronologicalSplit } from '../../datasets/import-jit.ts';
import { trainGam, subset, type Columns, type FeatureSpec, type InteractionSpec, type GamModel, type GamOptions } from '../gam.ts';
import { classifierMetrics, type ClassifierMetrics } from '../metrics.ts';
import type { tf } from '../backend.ts';

export interface RiskData {
  /** Rows in time order. */
  cols: Columns;
  labels: Uint8Array;
  n: number;
  specs: FeatureSpec[];
  interactions: InteractionSpec[];
  /** The lines-added column (LApredict's one feature). */
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

/** Chronological split: the first floor(0.8 n) rows train (their newest 20 % validate), the rest test. */
export function riskSplit(n: number): RiskSplit {
  const { trainEnd } = chronologicalSplit(n);
  const valStart = Math.floor(trainEnd * 0.8);
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  return {
    train: range(0, valStart),
    validation: range(valStart, trainEnd),
    test: range(trainEnd, n),
    description: `chronological: rows [0, ${valStart}) fit, [${valStart}, ${trainEnd}) early stopping + calibration, [${trainEnd}, ${n}) test (floor 0.8 n)`,
  };
}

export interface RiskEvaluation {
  model: ClassifierMetrics;
  logistic: ClassifierMetrics;
  lapredict: ClassifierMetrics;
  oracle: ClassifierMetrics | null;
  /** oracle AUC − model AUC on the same test rows (null without an oracle). */
  aucGapToOracle: number | null;
}

export interface RiskFit {
  model: GamModel;
  layers: tf.LayersModel;
  logistic: GamModel;
  lapredict: GamModel;
  split: RiskSplit;
  evaluation: RiskEvaluation;
  /** Calibrated risk of every test row, in test order. */
  testScores: Float64Array;
}

/** Fit the model and both baselines on the training part and evaluate all of them on the test part. */
export async function fitRisk(d: RiskData, options: Partial<GamOptions> = {}, onEpoch?: (epoch: number, loss: number) => void): Promise<RiskFit> {
  const split = riskSplit(d.n);
  if (split.test.length === 0) throw new RolloutlabError('BAD_DATA', `risk: ${d.n} rows leave nothing to test on`, 'rows');
  const data = { cols: d.cols, labels: d.labels, train: split.train, validation: split.validation };
  const { model, layers } = await trainGam(d.specs, d.interactions, data, options, onEpoch);
  // Logistic regression on the raw features: no transforms, no hinges, no interactions.
  const rawSpecs: FeatureSpec[] = d.specs.map((s) => (s.kind === 'numeric' ? { name: s.name, kind: 'numeric', transform: 'none', knots: 0 } : s));
  const logistic = (await trainGam(rawSpecs, [], data, { ...options, knots: 0 })).model;
  const lapredict = (await trainGam([{ name: d.linesAdded, kind: 'numeric', transform: 'none', knots: 0 }], [], data, { ...options, knots: 0 })).model;
  const testCols = subset(d.cols, split.test);
  const y = Uint8Array.from(split.test, (r) => d.labels[r]);
  const n = split.test.length;
  const testScores = model.predict(testCols, n);
  const m = classifierMetrics(testScores, y);
  const oracle = d.oracle ? classifierMetrics(Float64Array.from(split.test, (r) => d.oracle![r]), y) : null;
  const evaluation: RiskEvaluation = {
    model: m,
    logistic: classifierMetrics(logistic.predict(testCols, n), y),
    lapredict: classifierMetrics(lapredict.predict(testCols, n), y),
    oracle,
    aucGapToOracle: oracle ? oracle.rocAuc - m.rocAuc : null,
  };
  return { model, layers, logistic, lapredict, split, evaluation, testScores };
}
