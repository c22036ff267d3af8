// The JIT change-risk models `bench jit` can run, by name, each fitted on a list of training rows in time order
// (its newest 20 % early-stops and calibrates) and scoring any rows of any project's columns. Settings are the same
// for every project; they were chosen on validation slices carved from the training parts of qt and openstack,
// across the two projects and on time-shifted copies of them (docs/benchmarks.md, "JIT change risk that
// transfers"), never on a test part.
//
// - `blend` (the default): the mean of the standardised logits of `gbdt` and `gam`, mixed with standardised log
//   lines added (LApredict's one feature) at weight JIT_BLEND_WEIGHT. Lines added ranks changes well on every
//   project; the mix keeps the model from falling below it where the other metrics transfer badly, and the two
//   model kinds err in different places (trees cannot extrapolate, the additive shapes can).
// - `gbdt-la`: `gbdt` alone mixed with lines added the same way.
// - `gbdt`: gradient-boosted trees (training/gbdt.ts) on the size metrics as they are and the metrics that grow
//   with the project's age as ranks among the commits just before (training/risk/jit-features.ts).
// - `gbdt-raw`: the same trees on Kamei's 14 metrics as they are (for comparison: what the ranks change).
// - `gam`: the additive model of the simulated deployments (training/gam.ts) on Kamei's 14 metrics, log scale: the
//   default before, whose shapes extrapolate past the training range.
// - `rf`: ml-random-forest on the 14 metrics (a forest in TypeScript, for comparison; slow, so few trees).
import type { RandomForestClassifier } from 'ml-random-forest';
import { JIT_FEATURES, type JitHistory } from '../../datasets/import-jit.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { Rng } from '../../lib/rng.ts';
import { fitPlatt, sigmoid, subset, trainGam, type Columns, type GamModel } from '../gam.ts';
import { trainGbdtEarlyAndRefit, type GbdtModel } from '../gbdt.ts';
import { JIT_SPECS } from './jit.ts';
import { JIT_GROWING, recentRank } from './jit-features.ts';

export const JIT_MODEL_NAMES = ['blend', 'gbdt-la', 'gbdt', 'gbdt-raw', 'gam', 'rf'] as const;
export type JitModelName = (typeof JIT_MODEL_NAMES)[number];
export const DEFAULT_JIT_MODEL: JitModelName = 'blend';

/** Commits a growing metric is ranked among (the `_rank` columns). */
export const JIT_RANK_WINDOW = 1000;
/** Weight of standardised log lines added in `blend` (the boosted trees' standardised logit gets 1 − it). */
export const JIT_BLEND_WEIGHT = 0.3;
/** ml-random-forest: trees, and rows each tree is grown on (its split search is quadratic in the rows). */
export const JIT_RF = { trees: 40, rowsPerTree: 2000, maxDepth: 10, minNumSamples: 20, seed: 1 } as const;

const rankName = (f: string) => `${f}_rank`;
/** What `gbdt` and `blend` read: the metrics that do not grow with time as they are, the growing ones as recent ranks. */
export const JIT_DRIFT_FREE_FEATURES: string[] = [
  ...JIT_FEATURES.filter((f) => !(JIT_GROWING as readonly string[]).includes(f)),
  ...JIT_GROWING.map(rankName),
];

/** Multipliers of the growing metrics in a time-shifted copy (the stress test: a project whose authors and files aged). */
export const JIT_TIME_SHIFT: Readonly<Record<string, number>> = { exp: 4, sexp: 4, rexp: 2, nuc: 2, ndev: 2, age: 3, lt: 1.5 };

/** A copy of the history whose growing metrics are multiplied by `factors` in rows [from, n) (labels unchanged). */
export function timeShifted(h: JitHistory, from: number, factors: Readonly<Record<string, number>> = JIT_TIME_SHIFT): JitHistory {
  const columns = { ...h.columns } as JitHistory['columns'];
  for (const [f, k] of Object.entries(factors)) {
    if (!(JIT_FEATURES as readonly string[]).includes(f)) throw new RolloutlabError('BAD_ARGUMENT', `timeShifted: ${f} is not a JIT metric`, 'factors');
    const x = Float64Array.from(h.columns[f as keyof JitHistory['columns']]);
    for (let i = from; i < x.length; i++) x[i] *= k;
    (columns as unknown as Record<string, Float64Array>)[f] = x;
  }
  return { ...h, project: `${h.project} (time-shifted)`, columns };
}

/** Every column a JIT model reads: the 14 metrics and the recent rank of each growing one. Labels are never read. */
export function jitColumns(h: JitHistory): Columns {
  const cols: Record<string, Float64Array> = {};
  for (const f of JIT_FEATURES) cols[f] = h.columns[f];
  for (const f of JIT_GROWING) cols[rankName(f)] = recentRank(h.columns[f], JIT_RANK_WINDOW);
  return cols;
}

export interface JitModel {
  name: JitModelName;
  /** Calibrated probabilities of the given rows. */
  predict(cols: Columns, rows: number[]): Float64Array;
  /** Wall seconds of the fit. */
  seconds: number;
}

/** The fitting part and the early-stopping / calibration slice of the training rows: the newest 20 % (as riskSplit). */
export function jitInnerSplit(trainRows: number[]): { train: number[]; validation: number[] } {
  const k = Math.floor(trainRows.length * 0.8);
  return { train: trainRows.slice(0, k), validation: trainRows.slice(k) };
}

const meanSd = (a: ArrayLike<number>): [number, number] => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i] / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2 / a.length;
  return [m, Math.sqrt(v) || 1];
};

/**
 * Fit model `name` on `trainRows` (time order) of `cols` / `labels`. Only those rows' labels are read; scoring
 * reads the features of the rows asked for. Deterministic.
 */
export async function fitJitModel(name: JitModelName, cols: Columns, labels: ArrayLike<number>, trainRows: number[], fitted: { gam?: GamModel } = {}): Promise<JitModel> {
  if (!(JIT_MODEL_NAMES as readonly string[]).includes(name)) throw new RolloutlabError('BAD_ARGUMENT', `--model: unknown JIT model ${JSON.stringify(name)} (expected one of ${JIT_MODEL_NAMES.join(', ')})`, 'model');
  const t0 = performance.now();
  const split = jitInnerSplit(trainRows);
  // Only the training rows' labels reach the fit: every other row reads as negative.
  const y = new Uint8Array(labels.length);
  for (const r of trainRows) y[r] = labels[r] ? 1 : 0;
  const yVal = Uint8Array.from(split.validation, (r) => y[r]);
  const done = (predict: JitModel['predict']): JitModel => ({ name, predict, seconds: (performance.now() - t0) / 1000 });
  if (name === 'gam') {
    // The tensor engine is needed to fit (not to score); a later call returns the backend already chosen.
    const { initBackend } = await import('../backend.ts');
    await initBackend();
    const { model } = await trainGam(JIT_SPECS, [], { cols, labels: y, ...split });
    return done((c, rows) => model.predict(subset(c, rows), rows.length));
  }
  if (name === 'rf') {
    const row = (c: Columns, r: number) => JIT_FEATURES.map((f) => c[f][r]);
    // Each tree on its own deterministic subsample of the fitting and validation rows (ml-cart is quadratic in rows).
    const pool = trainRows;
    // Loaded here: the CLI reads this module's names at start-up, and only `rf` needs the forest.
    const { RandomForestClassifier } = await import('ml-random-forest');
    const rng = new Rng(JIT_RF.seed, 'jit-rf');
    const forests: RandomForestClassifier[] = [];
    const perForest = 10;
    for (let k = 0; k < JIT_RF.trees / perForest; k++) {
      const rows = rng.fork('rows', String(k)).sample(pool.length, JIT_RF.rowsPerTree).map((i) => pool[i]);
      const rf = new RandomForestClassifier({
        nEstimators: perForest, maxFeatures: 0.5, replacement: false, useSampleBagging: true, noOOB: true, seed: JIT_RF.seed + k,
        treeOptions: { maxDepth: JIT_RF.maxDepth, minNumSamples: JIT_RF.minNumSamples },
      } as ConstructorParameters<typeof RandomForestClassifier>[0]);
      rf.train(rows.map((r) => row(cols, r)), rows.map((r) => y[r]));
      forests.push(rf);
    }
    const votes = (c: Columns, rows: number[]) => {
      const X = rows.map((r) => row(c, r));
      const out = new Float64Array(rows.length);
      for (const f of forests) f.predictProbability(X, 1).forEach((p, i) => (out[i] += p / forests.length));
      return out;
    };
    return done((c, rows) => votes(c, rows));
  }
  const features = name === 'gbdt-raw' ? [...JIT_FEATURES] : JIT_DRIFT_FREE_FEATURES;
  const w = name === 'blend' || name === 'gbdt-la' ? JIT_BLEND_WEIGHT : 0;
  // Each part standardised over the training rows, so the weights mean the same on every project.
  type Part = (c: Columns, rows: number[]) => Float64Array;
  const standardised = (f: Part): Part => {
    const [m, sd] = meanSd(f(cols, trainRows));
    return (c, rows) => f(c, rows).map((v) => (v - m) / sd);
  };
  const trees = (m: GbdtModel) => standardised((c, rows) => m.rawLogits(subset(c, rows), rows.length));
  const la = standardised((c, rows) => Float64Array.from(rows, (r) => Math.log1p(Math.max(0, c.la[r]))));
  let gam: Part | null = null;
  if (name === 'blend') {
    // `fitted.gam`: the caller's additive model fitted on exactly these fitting and validation rows (bench jit's
    // fitRisk) — the model this would fit (full-batch, deterministic), not fitted twice.
    let model = fitted.gam;
    if (!model) {
      const { initBackend } = await import('../backend.ts');
      await initBackend();
      model = (await trainGam(JIT_SPECS, [], { cols, labels: y, ...split })).model;
    }
    const m = model;
    gam = standardised((c, rows) => m.rawLogits(subset(c, rows), rows.length));
  }
  const mix = (t: Part): Part => (c, rows) => {
    const z = t(c, rows);
    const g = gam?.(c, rows);
    const l = w > 0 ? la(c, rows) : null;
    return z.map((v, i) => (1 - w) * (g ? (v + g[i]) / 2 : v) + (l ? w * l[i] : 0));
  };
  // The early-stopped trees and the same number regrown on fitting + validation rows, from one early stop.
  const boosted = trainGbdtEarlyAndRefit({ cols, labels: y, features, ...split });
  const early = mix(trees(boosted.early));
  const refit = mix(trees(boosted.refit));
  // Platt scaling on the slice the early-stopped trees never fitted, with their scores; the refit has as many trees.
  const platt = fitPlatt(early(cols, split.validation), yVal);
  return done((c, rows) => refit(c, rows).map((s) => sigmoid(platt.a * s + platt.b)));
}
