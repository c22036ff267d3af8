// The `rollback` model family: predictive rollback trained on recorded rollout trajectories
// (`rolloutlab backtest --out <dir> --trajectories`), registered with its model card, promoted only if at least as
// good as the champion on the same held-out deployments.
//
// Split, per data set, by deployment start (time): the first 60 % fit the two additive models, the next 20 % stop
// their training early, calibrate them and choose the decision thresholds, the newest 20 % are held out for the
// card's metrics and the champion comparison. The backtests that report the `ml` policy use other seeds entirely.
import { resolve } from 'node:path';
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { codeVersion } from '../../lib/version.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { initBackend } from '../backend.ts';
import { datasetRef } from '../card.ts';
import { ModelRegistry, type PromotionResult } from '../registry.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { classifierCurves } from '../metrics.ts';
import type { Columns } from '../gam.ts';
import { trainMlp, type MlpOptions } from '../mlp.ts';
import { TRAJECTORY_FEATURES, OVERWHELMING_P, KPI_SHORTFALL_Z } from './features.ts';
import { readTrajectories } from './trajectories.ts';
import { concatTicks, ticksFromTrajectories, type TickRows } from './data.ts';
import { RollbackPredictor, ROLLBACK_FORMAT, type RollbackPredictorJSON } from './model.ts';

import { ROLLBACK_FAMILY, ROLLBACK_MODEL_FILE } from '../load.ts';
export { ROLLBACK_FAMILY, ROLLBACK_MODEL_FILE, loadRollbackSync } from '../load.ts';
// The tunable settings and their defaults live with the family's hyper-parameter schema.
import { FALSE_ROLLBACK_BUDGET, HOLD_THRESHOLD, ROLLBACK_MLP_OPTIONS, ROLLBACK_VALIDATION_SHARE, RollbackHyperParamsSchema, TRAIN_STRIDE, type RollbackHyperParams } from './hyper-params.ts';
import { sharePct, tuningRecord, type HyperParamRecord, type TuningInput } from '../hyper-param-schema.ts';
export { FALSE_ROLLBACK_BUDGET, HOLD_THRESHOLD, ROLLBACK_MLP_OPTIONS, TRAIN_STRIDE };

/** What a threshold pair does on a set of deployments (first crossing on the unguarded trajectories). */
export interface ThresholdEvaluation {
  deployments: number;
  violating: number;
  /** Rolled back at or before the unguarded breach minute. */
  preventionRate: number | null;
  falseRollbackRate: number | null;
  medianLeadTimeMin: number | null;
  /** Material faults rolled back at all. */
  materialRollbackRate: number | null;
  severeDetectedInOneTick: number | null;
}

/** First tick per deployment with a crossing; evaluation by docs/definitions.md on the unguarded runs. */
export function evaluateThresholds(t: TickRows, pFault: ArrayLike<number>, pBreach: ArrayLike<number>, th: { fault: number; breach: number; overwhelmingLogP?: number; kpiShortfallZ?: number }, deps?: number[]): ThresholdEvaluation {
  const fast = th.overwhelmingLogP ?? -Infinity;
  const kpi = th.kpiShortfallZ === undefined ? -Infinity : -th.kpiShortfallZ;
  let clean = 0, fr = 0, viol = 0, prev = 0, mat = 0, matRb = 0, sev = 0, sevFast = 0;
  const leads: number[] = [];
  for (const k of deps ?? t.deployments.map((_, i) => i)) {
    const d = t.deployments[k];
    let a: number | null = null;
    for (let i = d.first; i < d.end; i++) {
      if (pFault[i] >= th.fault || pBreach[i] >= th.breach || t.fastLogP[i] <= fast || t.kpiZ[i] <= kpi) {
        a = t.age[i];
        break;
      }
    }
    if (!d.material) {
      clean++;
      if (a !== null) fr++;
    } else {
      mat++;
      if (a !== null) matRb++;
      if (d.severe && d.onsetAge !== null) {
        sev++;
        if (a !== null && a - d.onsetAge <= 1) sevFast++;
      }
    }
    if (d.breachAge !== null) {
      viol++;
      if (a !== null && a <= d.breachAge) {
        prev++;
        leads.push(d.breachAge - a);
      }
    }
  }
  leads.sort((x, y) => x - y);
  const med = leads.length ? (leads.length % 2 ? leads[(leads.length - 1) / 2] : (leads[leads.length / 2 - 1] + leads[leads.length / 2]) / 2) : null;
  return {
    deployments: clean + mat,
    violating: viol,
    preventionRate: viol ? prev / viol : null,
    falseRollbackRate: clean ? fr / clean : null,
    medianLeadTimeMin: med,
    materialRollbackRate: mat ? matRb / mat : null,
    severeDetectedInOneTick: sev ? sevFast / sev : null,
  };
}

const GRID_FAULT = [0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 1.01];
const GRID_BREACH = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 1.01];

/** The two fixed-level rules that act beside the network's thresholds (features.ts): their levels are set on the training rollouts, not searched. */
export interface RollbackRules {
  /** ln p-value at or below which the last minute is overwhelming evidence. */
  overwhelmingLogP: number;
  /** Two-sample z of the conversion shortfall since the canary started at or beyond which (negated) it rolls back; absent = off. */
  kpiShortfallZ?: number;
}

export const DEFAULT_RULES: RollbackRules = { overwhelmingLogP: Math.log(OVERWHELMING_P), kpiShortfallZ: KPI_SHORTFALL_Z };

/** The threshold pair with the highest prevention whose false-rollback rate stays within the budget (then: more material faults caught, longer lead). */
export function chooseThresholds(t: TickRows, pFault: ArrayLike<number>, pBreach: ArrayLike<number>, deps: number[], budget = FALSE_ROLLBACK_BUDGET, rules: RollbackRules = DEFAULT_RULES): { thresholds: { fault: number; breach: number } & RollbackRules; evaluation: ThresholdEvaluation } {
  // The fixed-level rules are on during the search: their (rare) false fires count against the same budget.
  type Th = { fault: number; breach: number } & RollbackRules;
  let best: { thresholds: Th; evaluation: ThresholdEvaluation } | null = null;
  const key = (e: ThresholdEvaluation) => [e.preventionRate ?? 0, e.materialRollbackRate ?? 0, e.medianLeadTimeMin ?? 0];
  for (const f of GRID_FAULT) {
    for (const b of GRID_BREACH) {
      const th: Th = { fault: f, breach: b, ...rules };
      const e = evaluateThresholds(t, pFault, pBreach, th, deps);
      if ((e.falseRollbackRate ?? 0) > budget) continue;
      if (!best) {
        best = { thresholds: th, evaluation: e };
        continue;
      }
      const [x, y] = [key(e), key(best.evaluation)];
      const better = x[0] > y[0] + 1e-12 || (Math.abs(x[0] - y[0]) <= 1e-12 && (x[1] > y[1] + 1e-12 || (Math.abs(x[1] - y[1]) <= 1e-12 && x[2] > y[2])));
      if (better) best = { thresholds: th, evaluation: e };
    }
  }
  const none: Th = { fault: 1.01, breach: 1.01, ...rules };
  return best ?? { thresholds: none, evaluation: evaluateThresholds(t, pFault, pBreach, none, deps) };
}

export interface RollbackSplit {
  train: number[];
  validation: number[];
  test: number[];
}

/** The share of each data set's deployments that fits, for a validation share (the newest 20 % are always held out). */
export const rollbackFitShare = (validationShare: number): number => Math.round((0.8 - validationShare) * 1e9) / 1e9;

/**
 * Deployment indices split by time within each data set: 60 / 20 / 20 of each set's deployments in start order (fit /
 * validation / held out; `validationShare` moves the first cut, never the held-out one).
 */
export function rollbackSplit(parts: TickRows[], validationShare = ROLLBACK_VALIDATION_SHARE): RollbackSplit {
  const out: RollbackSplit = { train: [], validation: [], test: [] };
  const fit = rollbackFitShare(validationShare);
  let off = 0;
  for (const p of parts) {
    const n = p.deployments.length;
    for (let k = 0; k < n; k++) (k < Math.floor(fit * n) ? out.train : k < Math.floor(0.8 * n) ? out.validation : out.test).push(off + k);
    off += n;
  }
  return out;
}

const rowsOf = (t: TickRows, deps: number[], stride = 1): number[] => deps.flatMap((k) => Array.from({ length: Math.ceil((t.deployments[k].end - t.deployments[k].first) / stride) }, (_, i) => t.deployments[k].first + i * stride));

export function tickColumns(t: TickRows): Columns {
  const nf = TRAJECTORY_FEATURES.length;
  return Object.fromEntries(TRAJECTORY_FEATURES.map((f, j) => [f, Float64Array.from({ length: t.n }, (_, i) => t.x[i * nf + j])]));
}

export interface RollbackTrainResult {
  version: string;
  dir: string;
  thresholds: RollbackPredictorJSON['thresholds'];
  validation: ThresholdEvaluation;
  test: ThresholdEvaluation;
  targets: TargetResult[];
  promotion: PromotionResult;
  backend: string;
  rows: { train: number; validation: number; test: number };
  seconds: number;
  /** The hyper-parameters used, as the card's `tuning` records them. */
  tuning: HyperParamRecord;
}

/** The network options of resolved rollback hyper-parameters, in MlpOptions' order. */
const mlpOptionsOf = (v: RollbackHyperParams): MlpOptions => ({ hidden: [...v.hidden], l2: v.l2, learningRate: v.learningRate, batchSize: v.batchSize, maxEpochs: v.maxEpochs, patience: v.patience, seed: v.seed });

/** "every second tick" as the split's description has always said it. */
const strideText = (n: number) => (n === 1 ? 'every tick' : n === 2 ? 'every second tick' : `one tick in ${n}`);

/** Read and featurise the trajectories of one or several data sets. */
export async function rollbackTicks(dirs: string[]): Promise<{ parts: TickRows[]; manifests: Manifest[] }> {
  const parts: TickRows[] = [];
  const manifests: Manifest[] = [];
  for (const dir of dirs) {
    const ds = await readDataset(dir);
    try {
      const set = await readTrajectories(ds);
      parts.push(ticksFromTrajectories(set, ds.manifest.scenario ?? '', ds.manifest.seed ?? 0));
      manifests.push(ds.manifest);
    } finally {
      ds.close();
    }
  }
  return { parts, manifests };
}

export function dataDirs(data: string | readonly string[], family: string): string[] {
  const dirs = (typeof data === 'string' ? data.split(',') : [...data]).map((x) => x.trim()).filter(Boolean).map((x) => resolve(x));
  if (dirs.length === 0) throw new RolloutlabError('BAD_ARGUMENT', `${family}: --data names no data set`, 'data');
  if (new Set(dirs).size !== dirs.length) throw new RolloutlabError('BAD_ARGUMENT', `${family}: a data set is listed twice in --data`, 'data');
  return dirs;
}

const metricsOf = (e: ThresholdEvaluation): Record<string, number> => {
  const m: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === 'number') m[k] = v;
  return m;
};

/** Train both models, choose the thresholds, register the version and promote it if it is at least as good. */
export async function trainRollback(
  data: string | readonly string[],
  opts: {
    registry?: ModelRegistry;
    onEpoch?: (model: string, epoch: number) => void;
    /** Network options over ROLLBACK_MLP_OPTIONS (tests, experiments); they win over `tuning` and are recorded as set by the caller. */
    mlp?: Partial<MlpOptions>;
    /** The hyper-parameters (training/hyper-params.ts `resolveHyperParams('rollback', …)`); unset ones at their defaults. */
    tuning?: TuningInput<RollbackHyperParams>;
  } = {},
): Promise<RollbackTrainResult> {
  const t0 = performance.now();
  const tuning: HyperParamRecord & { values: RollbackHyperParams } = tuningRecord(ROLLBACK_FAMILY, RollbackHyperParamsSchema, opts.tuning, opts.mlp as Partial<RollbackHyperParams> | undefined);
  const hp = tuning.values;
  const backend = await initBackend();
  const dirs = dataDirs(data, 'rollback');
  const { parts, manifests } = await rollbackTicks(dirs);
  const ticks = concatTicks(parts);
  const split = rollbackSplit(parts, hp.validationShare);
  const train = rowsOf(ticks, split.train, hp.trainStride);
  const validation = rowsOf(ticks, split.validation);
  const mlp = await trainMlp({ x: ticks.x, inputs: [...TRAJECTORY_FEATURES], labels: { fault: ticks.yFault, breach: ticks.yBreach }, train, validation }, mlpOptionsOf(hp), (e) => opts.onEpoch?.('network', e));
  const [pFault, pBreach] = mlp.predict(ticks.x, ticks.n);
  const chosen = chooseThresholds(ticks, pFault, pBreach, split.validation, hp.falseRollbackBudget);
  const test = evaluateThresholds(ticks, pFault, pBreach, chosen.thresholds, split.test);
  const thresholds = { ...chosen.thresholds, hold: hp.holdThreshold };
  const json: RollbackPredictorJSON = { format: ROLLBACK_FORMAT, features: [...TRAJECTORY_FEATURES], mlp: mlp.json, thresholds };
  const metrics = metricsOf(test);
  const targets = checkTargets(ROLLBACK_FAMILY, metrics);
  const testRows = rowsOf(ticks, split.test);
  const registry = opts.registry ?? new ModelRegistry();
  const saved = await registry.save(ROLLBACK_FAMILY, {
    card: {
      dataset: datasetRef(manifests[0], dirs[0]),
      seed: manifests[0].seed ?? 0,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: {
        model: 'MLP (ReLU hidden layers) with two sigmoid outputs — material fault active now; SLO breach ahead if the rollout carries on — over trajectory features, each output Platt-scaled; roll back at the first tick over either threshold or where the last minute is overwhelming evidence (exact conditional binomial test of the canary against the baseline in the same minute, p <= exp(overwhelmingLogP), canary ratio >= 2x the baseline ratio and >= the burn threshold) or where the canary\'s conversions since it started fall short of the baseline\'s rate (two-sample z <= -kpiShortfallZ and at least 5 % relative), hold the exposure while P(fault) >= hold',
        features: [...TRAJECTORY_FEATURES],
        thresholds,
        falseRollbackBudget: hp.falseRollbackBudget,
        ...mlp.json.options,
        hidden: mlp.json.options.hidden.join('x'),
        epochs: mlp.json.training.epochs,
        bestEpoch: mlp.json.training.bestEpoch,
        datasets: dirs.map((dir, k) => ({ path: dir, scenario: manifests[k].scenario, seed: manifests[k].seed, deployments: parts[k].deployments.length })),
        validation: metricsOf(chosen.evaluation),
      },
      split: { by: 'time', description: `per data set, deployments in start order: first ${sharePct(rollbackFitShare(hp.validationShare))} % fit (${strideText(hp.trainStride)}), next ${sharePct(hp.validationShare)} % early stopping + calibration + thresholds, newest 20 % held out (these metrics)`, rows: { train: train.length, validation: validation.length, test: testRows.length }, seed: null },
      metrics,
      targets,
      // P(material fault now) of every held-out tick against its label: the report's ROC, precision-recall and
      // reliability points (the per-tick classifier; the rollback figures above are the first-crossing replay).
      curves: classifierCurves(
        testRows.map((i) => pFault[i]),
        testRows.map((i) => ticks.yFault[i]),
      ),
      notes: 'Metrics are first-crossing replays on the held-out deployments’ unguarded trajectories (prevented = decision at or before the unguarded breach minute). The backtester’s figures for the `ml` policy are the authoritative ones. rollback.json holds the network (plain numbers, scored without a tensor engine), its input standardisation and the thresholds; model.json/weights.bin hold the same weights as a tfjs layers model over standardised inputs.',
      tuning,
    },
    model: await mlp.toLayers(),
    files: { [ROLLBACK_MODEL_FILE]: JSON.stringify(json) },
  });
  const promotion = await registry.promoteIfBetter(ROLLBACK_FAMILY, saved.version, async ({ champion }) => {
    const loaded = await registry.loadModel(ROLLBACK_FAMILY, champion.version);
    let old: RollbackPredictor;
    try {
      old = new RollbackPredictor(JSON.parse(new TextDecoder().decode(loaded.files[ROLLBACK_MODEL_FILE])) as RollbackPredictorJSON);
    } catch (e) {
      return { atLeastAsGood: true, reason: `champion ${champion.version} cannot score these features (${(e as Error).message})` };
    }
    const s = old.scoreMany(ticks.x, ticks.n);
    const o = evaluateThresholds(ticks, s.pFault, s.pBreach, old.thresholds, split.test);
    const score = (e: ThresholdEvaluation) => (e.preventionRate ?? 0) - 10 * Math.max(0, (e.falseRollbackRate ?? 0) - 0.01);
    const ok = score(test) >= score(o);
    return { atLeastAsGood: ok, reason: `on ${split.test.length} held-out deployments: prevention ${(100 * (test.preventionRate ?? 0)).toFixed(1)} % / false rollback ${(100 * (test.falseRollbackRate ?? 0)).toFixed(2)} % vs champion ${champion.version} ${(100 * (o.preventionRate ?? 0)).toFixed(1)} % / ${(100 * (o.falseRollbackRate ?? 0)).toFixed(2)} %` };
  });
  return {
    version: saved.version,
    dir: saved.dir,
    thresholds,
    validation: chosen.evaluation,
    test,
    targets,
    promotion,
    backend: backend.name,
    rows: { train: train.length, validation: validation.length, test: testRows.length },
    seconds: (performance.now() - t0) / 1000,
    tuning,
  };
}

/** Re-evaluate the champion (or a version) on the held-out part of trajectory data sets. */
export async function evaluateRollback(data: string | readonly string[], opts: { registry?: ModelRegistry; version?: string } = {}): Promise<{ version: string; test: ThresholdEvaluation; targets: TargetResult[] }> {
  const registry = opts.registry ?? new ModelRegistry();
  const loaded = await registry.loadModel(ROLLBACK_FAMILY, opts.version ?? 'champion');
  const model = new RollbackPredictor(JSON.parse(new TextDecoder().decode(loaded.files[ROLLBACK_MODEL_FILE])) as RollbackPredictorJSON);
  const { parts } = await rollbackTicks(dataDirs(data, 'rollback'));
  const ticks = concatTicks(parts);
  const s = model.scoreMany(ticks.x, ticks.n);
  const test = evaluateThresholds(ticks, s.pFault, s.pBreach, model.thresholds, rollbackSplit(parts).test);
  return { version: loaded.version, test, targets: checkTargets(ROLLBACK_FAMILY, metricsOf(test)) };
}

const pct = (x: number | null, d = 1) => (x === null ? '—' : `${(100 * x).toFixed(d)} %`);

/** A threshold evaluation with its targets as text. */
export function formatThresholdEvaluation(title: string, e: ThresholdEvaluation, targets: TargetResult[]): string {
  const lines = [
    title,
    `  deployments ${e.deployments}, violating ${e.violating}`,
    `  prevention ${pct(e.preventionRate)}   false rollback ${pct(e.falseRollbackRate, 2)}   median lead ${e.medianLeadTimeMin ?? '—'} min   material faults rolled back ${pct(e.materialRollbackRate)}   severe within one tick ${pct(e.severeDetectedInOneTick)}`,
  ];
  for (const t of targets) lines.push(`  ${t.metric.padEnd(20)} ${(t.value === null ? '—' : String(+t.value.toFixed(4))).padStart(8)}  target ${t.comparator} ${t.target}  ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`);
  return lines.join('\n');
}

export function formatRollbackTrain(r: RollbackTrainResult): string {
  return [
    `rollback ${r.version}: ${r.rows.train.toLocaleString('en-US')} / ${r.rows.validation.toLocaleString('en-US')} / ${r.rows.test.toLocaleString('en-US')} ticks (train / validation / held out), backend ${r.backend}, ${r.seconds.toFixed(1)} s`,
    `  thresholds: P(material fault) >= ${r.thresholds.fault}, P(breach ahead) >= ${r.thresholds.breach}, hold while P(material fault) >= ${r.thresholds.hold}; at once on overwhelming first-minute evidence (p <= ${Math.exp(r.thresholds.overwhelmingLogP).toExponential(0)})${r.thresholds.kpiShortfallZ === undefined ? '' : ` or a conversion shortfall since the start (z <= -${r.thresholds.kpiShortfallZ})`} (chosen on validation: prevention ${pct(r.validation.preventionRate)}, false rollback ${pct(r.validation.falseRollbackRate, 2)})`,
    formatThresholdEvaluation('  held out (first-crossing replay on unguarded trajectories):', r.test, r.targets),
    `  champion: ${r.promotion.promoted ? 'promoted' : 'kept ' + r.promotion.champion} — ${r.promotion.reason}`,
  ].join('\n');
}
