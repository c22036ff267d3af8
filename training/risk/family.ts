// The `risk` model family: train on a simulated data set, register the version with its model card, and make it the
// champion only if it is at least as good as the current champion on the same held-out deployments.
import { resolve } from 'node:path';
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { codeVersion } from '../../lib/version.ts';
import { initBackend } from '../backend.ts';
import { datasetRef } from '../card.ts';
import { ModelRegistry, type PromotionResult, type SavedVersion } from '../registry.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { GamModel, subset, type GamJSON, type GamOptions } from '../gam.ts';
import { rocAuc, logLoss, classifierMetrics } from '../metrics.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { combineRiskData, fitRisk, riskSplit, type RiskEvaluation } from './pipeline.ts';
import { simRiskData, type SimRiskData } from './sim.ts';

export const RISK_FAMILY = 'risk';
export const RISK_MODEL_FILE = 'gam.json';
/** Model options of the registered risk model (over GAM_DEFAULTS). */
export const RISK_GAM_OPTIONS: Partial<GamOptions> = {};

export interface RiskTrainResult {
  version: string;
  dir: string;
  evaluation: RiskEvaluation;
  targets: TargetResult[];
  promotion: PromotionResult;
  backend: string;
  seconds: number;
}

const metricsOf = (e: RiskEvaluation): Record<string, number> => {
  const m: Record<string, number> = { rocAuc: e.model.rocAuc, prAuc: e.model.prAuc, brier: e.model.brier, ece: e.model.ece, logLoss: e.model.logLoss, scoredShare: 1 };
  if (e.oracle) {
    m.oracleAuc = e.oracle.rocAuc;
    m.aucGapToOracle = e.aucGapToOracle!;
  }
  return m;
};

/** Data-set folders from one path, a comma-separated list of paths, or an array of them. */
export function riskDataDirs(data: string | readonly string[]): string[] {
  const dirs = (typeof data === 'string' ? data.split(',') : [...data]).map((x) => x.trim()).filter(Boolean).map((x) => resolve(x));
  if (dirs.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'risk: --data names no data set', 'data');
  const seen = new Set<string>();
  for (const d of dirs) {
    if (seen.has(d)) throw new RolloutlabError('BAD_ARGUMENT', `risk: data set ${d} is listed twice`, 'data');
    seen.add(d);
  }
  return dirs;
}

export interface RiskTrainOptions {
  registry?: ModelRegistry;
  onEpoch?: (e: number, loss: number) => void;
  /** Model options over RISK_GAM_OPTIONS (experiments; the registered defaults are RISK_GAM_OPTIONS). */
  gam?: Partial<GamOptions>;
}

/**
 * Train a risk model on one or several simulated data sets and register it. Each data set is split by time on its
 * own (riskSplit) and the parts are concatenated; the card's `dataset` is the first, `hyperParameters.datasets`
 * lists all of them.
 */
export async function trainRisk(data: string | readonly string[], opts: RiskTrainOptions = {}): Promise<RiskTrainResult> {
  const t0 = performance.now();
  const backend = await initBackend();
  const dirs = riskDataDirs(data);
  const parts: SimRiskData[] = [];
  const manifests: Manifest[] = [];
  for (const dir of dirs) {
    parts.push(await simRiskData(dir));
    const ds = await readDataset(dir);
    manifests.push(ds.manifest);
    ds.close();
  }
  const combined = combineRiskData(parts, (k) => dirs[k]);
  const fit = await fitRisk(combined.data, { ...RISK_GAM_OPTIONS, ...opts.gam }, opts.onEpoch, combined.split);
  const where = dirs.length === 1 ? dirs[0] : `${dirs.length} data sets (${dirs.join(', ')})`;
  const metrics = metricsOf(fit.evaluation);
  const targets = checkTargets(RISK_FAMILY, metrics);
  const registry = opts.registry ?? new ModelRegistry();
  const gam = fit.model.toJSON();
  const saved: SavedVersion = await registry.save(RISK_FAMILY, {
    card: {
      dataset: datasetRef(manifests[0], dirs[0]),
      seed: 0,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: {
        model: 'additive logistic (piecewise-linear shapes + interactions), Platt-scaled',
        ...gam.options,
        features: gam.specs.map((s) => s.name),
        interactions: gam.interactions.map((i) => `${i.a}×${i.b}`),
        bestEpoch: gam.training.bestEpoch,
        // Every training data set (the card's `dataset` is the first), with its rows in each part.
        datasets: dirs.map((dir, k) => {
          const s = riskSplit(parts[k].n);
          const m = manifests[k];
          const res = (m.extra as { scenarioConfig?: { dataset?: { trafficResolutionMinutes?: number } } } | undefined)?.scenarioConfig?.dataset?.trafficResolutionMinutes ?? null;
          return { path: dir, kind: m.kind, scenario: m.scenario, seed: m.seed, codeVersion: m.codeVersion, deploymentsSha256: m.tables.deployments?.sha256 ?? null, trafficResolutionMinutes: res, rows: { train: s.train.length, validation: s.validation.length, test: s.test.length } };
        }),
      },
      split: { by: 'time', description: fit.split.description, rows: { train: fit.split.train.length, validation: fit.split.validation.length, test: fit.split.test.length }, seed: null },
      metrics,
      baselines: {
        logistic: { rocAuc: fit.evaluation.logistic.rocAuc, ece: fit.evaluation.logistic.ece, brier: fit.evaluation.logistic.brier },
        lapredict: { rocAuc: fit.evaluation.lapredict.rocAuc, ece: fit.evaluation.lapredict.ece, brier: fit.evaluation.lapredict.brier },
        ...(fit.evaluation.oracle ? { oracle: { rocAuc: fit.evaluation.oracle.rocAuc, ece: fit.evaluation.oracle.ece, brier: fit.evaluation.oracle.brier } } : {}),
      },
      targets,
      notes:
        (dirs.length > 1 ? `Trained on ${dirs.length} data sets, each split by time on its own and concatenated (dataset is the first; hyperParameters.datasets lists all). ` : '') +
        'Scores need no tensor engine: gam.json holds the fitted shapes; model.json/weights.bin hold the same weights as a tfjs layers model over the encoded features.',
    },
    model: fit.layers,
    files: { [RISK_MODEL_FILE]: JSON.stringify(gam) },
  });
  // Champion check on the same held-out deployments: the current champion scores the test parts of these data sets.
  const promotion = await registry.promoteIfBetter(RISK_FAMILY, saved.version, async ({ champion }) => {
    const loaded = await registry.loadModel(RISK_FAMILY, champion.version);
    const old = GamModel.fromJSON(JSON.parse(new TextDecoder().decode(loaded.files[RISK_MODEL_FILE])) as GamJSON);
    const testCols = subset(combined.data.cols, fit.split.test);
    const y = Uint8Array.from(fit.split.test, (r) => combined.data.labels[r]);
    const oldP = old.predict(testCols, fit.split.test.length);
    const [aNew, aOld] = [fit.evaluation.model.rocAuc, rocAuc(oldP, y)];
    const [lNew, lOld] = [fit.evaluation.model.logLoss, logLoss(oldP, y)];
    const ok = aNew >= aOld && lNew <= lOld + 1e-12;
    return { atLeastAsGood: ok, reason: `on the ${fit.split.test.length} held-out deployments of ${where}: AUC ${aNew.toFixed(4)} vs champion ${champion.version} ${aOld.toFixed(4)}, log loss ${lNew.toFixed(4)} vs ${lOld.toFixed(4)}` };
  });
  return { version: saved.version, dir: saved.dir, evaluation: fit.evaluation, targets, promotion, backend: backend.name, seconds: (performance.now() - t0) / 1000 };
}

/** The champion (or a given version): its card, and the model to score with. */
export async function loadRisk(registry = new ModelRegistry(), version = 'champion'): Promise<{ model: GamModel; card: Awaited<ReturnType<ModelRegistry['readCard']>> }> {
  const loaded = await registry.loadModel(RISK_FAMILY, version);
  const model = GamModel.fromJSON(JSON.parse(new TextDecoder().decode(loaded.files[RISK_MODEL_FILE])) as GamJSON);
  return { model, card: loaded.card };
}


export interface RiskEvaluateResult {
  version: string;
  data: string;
  n: number;
  metrics: Record<string, number>;
  targets: TargetResult[];
}

/** Score the champion (or a version) on the held-out (newest 20 %) deployments of one or several data sets (each split on its own). */
export async function evaluateRisk(data: string | readonly string[], opts: { registry?: ModelRegistry; version?: string } = {}): Promise<RiskEvaluateResult> {
  const { model, card } = await loadRisk(opts.registry, opts.version);
  const dirs = riskDataDirs(data);
  const parts: SimRiskData[] = [];
  for (const dir of dirs) parts.push(await simRiskData(dir));
  const combined = combineRiskData(parts, (k) => dirs[k]);
  const { test } = combined.split;
  const cols = subset(combined.data.cols, test);
  const y = Uint8Array.from(test, (r) => combined.data.labels[r]);
  const p = model.predict(cols, test.length);
  const m = classifierMetrics(p, y);
  const o = classifierMetrics(Float64Array.from(test, (r) => combined.data.oracle![r]), y);
  const metrics = { rocAuc: m.rocAuc, prAuc: m.prAuc, brier: m.brier, ece: m.ece, logLoss: m.logLoss, scoredShare: 1, oracleAuc: o.rocAuc, aucGapToOracle: o.rocAuc - m.rocAuc };
  return { version: card.version, data: dirs.join(','), n: test.length, metrics, targets: checkTargets(RISK_FAMILY, metrics) };
}
