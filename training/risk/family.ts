// The `risk` model family: train on a simulated data set, register the version with its model card, and make it the
// champion only if it is at least as good as the current champion on the same held-out deployments.
import { resolve } from 'node:path';
import { readDataset } from '../../datasets/read-dataset.ts';
import { codeVersion } from '../../lib/version.ts';
import { initBackend } from '../backend.ts';
import { datasetRef } from '../card.ts';
import { ModelRegistry, type PromotionResult, type SavedVersion } from '../registry.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { GamModel, subset, type GamJSON } from '../gam.ts';
import { rocAuc, logLoss } from '../metrics.ts';
import { fitRisk, riskSplit, type RiskEvaluation } from './pipeline.ts';
import { simRiskData } from './sim.ts';

export const RISK_FAMILY = 'risk';
export const RISK_MODEL_FILE = 'gam.json';

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

/** Train a risk model on a simulated data set and register it. */
export async function trainRisk(dataDir: string, opts: { registry?: ModelRegistry; onEpoch?: (e: number, loss: number) => void } = {}): Promise<RiskTrainResult> {
  const t0 = performance.now();
  const backend = await initBackend();
  const dir = resolve(dataDir);
  const data = await simRiskData(dir);
  const ds = await readDataset(dir);
  const manifest = ds.manifest;
  ds.close();
  const fit = await fitRisk(data, {}, opts.onEpoch);
  const metrics = metricsOf(fit.evaluation);
  const targets = checkTargets(RISK_FAMILY, metrics);
  const registry = opts.registry ?? new ModelRegistry();
  const gam = fit.model.toJSON();
  const saved: SavedVersion = await registry.save(RISK_FAMILY, {
    card: {
      dataset: datasetRef(manifest, dir),
      seed: 0,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: { model: 'additive logistic (piecewise-linear shapes + interactions), Platt-scaled', ...gam.options, features: gam.specs.map((s) => s.name), interactions: gam.interactions.map((i) => `${i.a}×${i.b}`), bestEpoch: gam.training.bestEpoch },
      split: { by: 'time', description: fit.split.description, rows: { train: fit.split.train.length, validation: fit.split.validation.length, test: fit.split.test.length }, seed: null },
      metrics,
      baselines: {
        logistic: { rocAuc: fit.evaluation.logistic.rocAuc, ece: fit.evaluation.logistic.ece, brier: fit.evaluation.logistic.brier },
        lapredict: { rocAuc: fit.evaluation.lapredict.rocAuc, ece: fit.evaluation.lapredict.ece, brier: fit.evaluation.lapredict.brier },
        ...(fit.evaluation.oracle ? { oracle: { rocAuc: fit.evaluation.oracle.rocAuc, ece: fit.evaluation.oracle.ece, brier: fit.evaluation.oracle.brier } } : {}),
      },
      targets,
      notes: 'Scores need no tensor engine: gam.json holds the fitted shapes; model.json/weights.bin hold the same weights as a tfjs layers model over the encoded features.',
    },
    model: fit.layers,
    files: { [RISK_MODEL_FILE]: JSON.stringify(gam) },
  });
  // Champion check on the same held-out deployments: the current champion scores this data set's test part.
  const promotion = await registry.promoteIfBetter(RISK_FAMILY, saved.version, async ({ champion }) => {
    const loaded = await registry.loadModel(RISK_FAMILY, champion.version);
    const old = GamModel.fromJSON(JSON.parse(new TextDecoder().decode(loaded.files[RISK_MODEL_FILE])) as GamJSON);
    const testCols = subset(data.cols, fit.split.test);
    const y = Uint8Array.from(fit.split.test, (r) => data.labels[r]);
    const oldP = old.predict(testCols, fit.split.test.length);
    const [aNew, aOld] = [fit.evaluation.model.rocAuc, rocAuc(oldP, y)];
    const [lNew, lOld] = [fit.evaluation.model.logLoss, logLoss(oldP, y)];
    const ok = aNew >= aOld && lNew <= lOld + 1e-12;
    return { atLeastAsGood: ok, reason: `on the ${fit.split.test.length} held-out deployments of ${dir}: AUC ${aNew.toFixed(4)} vs champion ${champion.version} ${aOld.toFixed(4)}, log loss ${lNew.toFixed(4)} vs ${lOld.toFixed(4)}` };
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

/** Score the champion (or a version) on a data set's held-out (newest 20 %) deployments. */
export async function evaluateRisk(dataDir: string, opts: { registry?: ModelRegistry; version?: string } = {}): Promise<RiskEvaluateResult> {
  const { model, card } = await loadRisk(opts.registry, opts.version);
  const data = await simRiskData(resolve(dataDir));
  const { test } = riskSplit(data.n);
  const cols = subset(data.cols, test);
  const y = Uint8Array.from(test, (r) => data.labels[r]);
  const p = model.predict(cols, test.length);
  const { classifierMetrics } = await import('../metrics.ts');
  const m = classifierMetrics(p, y);
  const o = classifierMetrics(Float64Array.from(test, (r) => data.oracle![r]), y);
  const metrics = { rocAuc: m.rocAuc, prAuc: m.prAuc, brier: m.brier, ece: m.ece, logLoss: m.logLoss, scoredShare: 1, oracleAuc: o.rocAuc, aucGapToOracle: o.rocAuc - m.rocAuc };
  return { version: card.version, data: resolve(dataDir), n: test.length, metrics, targets: checkTargets(RISK_FAMILY, metrics) };
}
