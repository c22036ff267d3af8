// The `risk` model family: train on a simulated data set, register the version with its model card, and make it the
// champion only if it is at least as good as the current champion on the same held-out deployments.
import { resolve } from 'node:path';
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { codeVersion } from '../../lib/version.ts';
import { initBackend } from '../backend.ts';
import { datasetRef, type FeedbackRef, type ModelCard } from '../card.ts';
import { ModelRegistry, resolveCardPath, type DecisionBy, type PromotionResult, type SavedVersion, type Verdict } from '../registry.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { GamModel, subset, type GamJSON, type GamOptions } from '../gam.ts';
import { rocAuc, logLoss, classifierMetrics, classifierCurves } from '../metrics.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { combineRiskData, fitRisk, riskSplit, type CombinedRiskData, type RiskEvaluation } from './pipeline.ts';
import { SIM_RISK_SPECS, simRiskData, type SimRiskData } from './sim.ts';
import { feedbackRows, readFeedbackSource, riskRowsSha256, type FeedbackRows, type FeedbackSource } from './feedback.ts';
import { tuningRecord, type HyperParamRecord, type TuningInput } from '../hyper-param-schema.ts';
import { RISK_GAM_OPTIONS, RiskHyperParamsSchema, type RiskHyperParams } from './hyper-params.ts';

export const RISK_FAMILY = 'risk';
export const RISK_MODEL_FILE = 'gam.json';
/** Model options of the registered risk model (over GAM_DEFAULTS), with the family's other defaults in its hyper-parameter schema. */
export { RISK_GAM_OPTIONS };

export interface RiskTrainResult {
  version: string;
  dir: string;
  evaluation: RiskEvaluation;
  targets: TargetResult[];
  promotion: PromotionResult;
  backend: string;
  seconds: number;
  /** The held-out rows the metrics and the champion check use (identical with and without feedback). */
  heldOut: { n: number; sha256: string };
  /** The outcome feedback added to the training part (null: none asked for). */
  feedback: RiskFeedbackSummary | null;
  /** The hyper-parameters used, as the card's `tuning` records them. */
  tuning: HyperParamRecord;
}

/** What `--with-feedback` added (`--json` prints it; the card's `feedback` holds the same). */
export interface RiskFeedbackSummary extends FeedbackRef {
  /** Feature name → records skipped for an unusable value (null, not finite, out of range). */
  invalidFeatures: Record<string, number>;
  /** Unknown feature names in the records (ignored) → how many records gave them. */
  ignoredFeatures: Record<string, number>;
  /** Records dropped as earlier duplicates of a deploymentId (used + skipped + duplicates = records). */
  duplicates: number;
  /** Records the source says it holds (a server holding more than the 10,000 it lists answers a larger count). */
  available: number;
  /** Up to 10 skipped records and why. */
  examples: FeedbackRows['examples'];
}

export interface RiskFeedbackOptions {
  /** A DuckDB feedback file (read-only), a server URL (GET /v1/feedback) or a JSON / JSONL export. */
  source: string;
  /** Each usable record enters the training part this many times (a whole number >= 1; default 1). */
  weight?: number;
  /** Fail on a record that cannot be used instead of skipping it. */
  strict?: boolean;
  /** Bearer token sent with the URL source (GET /v1/feedback needs the server's token). */
  token?: string;
  /** fetch for the URL source (tests). */
  fetch?: typeof fetch;
}

/**
 * Appends feedback rows to the TRAINING (fitting) part only: the rows go after every data set's rows and their
 * indices (each `weight` times) join `split.train`; the validation and test indices, and the rows they point at,
 * do not change. Rows without an oracle get NaN there (the oracle is only read on test rows).
 */
export function withFeedbackRows<D extends SimRiskData>(c: CombinedRiskData<D>, f: FeedbackRows, weight = 1): CombinedRiskData<D> {
  if (f.n === 0) return c;
  const n0 = c.data.n;
  const n = n0 + f.n;
  const cols: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(c.data.cols)) {
    const out = new Float64Array(n).fill(NaN);
    out.set(Float64Array.from(v), 0);
    if (f.cols[k]) out.set(f.cols[k], n0);
    cols[k] = out;
  }
  const labels = new Uint8Array(n);
  labels.set(c.data.labels, 0);
  labels.set(f.labels, n0);
  let oracle: Float64Array | undefined;
  if (c.data.oracle) {
    oracle = new Float64Array(n).fill(NaN);
    oracle.set(c.data.oracle, 0);
  }
  const startedAt = new Float64Array(n);
  startedAt.set(c.data.startedAt, 0);
  startedAt.set(f.times, n0);
  const data = { ...c.data, cols, labels, n, oracle, deploymentIds: [...c.data.deploymentIds, ...f.deploymentIds], startedAt } as D;
  const added: number[] = [];
  for (let i = 0; i < f.n; i++) for (let w = 0; w < weight; w++) added.push(n0 + i);
  const split = {
    train: [...c.split.train, ...added],
    validation: c.split.validation,
    test: c.split.test,
    description: `${c.split.description}; plus ${f.n} outcome-feedback rows${weight > 1 ? ` (each ${weight} times)` : ''} appended to the fitting part only (rows [${n0}, ${n}); validation and test unchanged)`,
  };
  return { data, split, ranges: c.ranges };
}

/** The card's metrics from an evaluation on the held-out part (the oracle's only when the data have one). */
export const metricsOf = (e: RiskEvaluation): Record<string, number> => {
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
  /** Model options over RISK_GAM_OPTIONS (experiments; the registered defaults are RISK_GAM_OPTIONS). Recorded as set by the caller. */
  gam?: Partial<GamOptions>;
  /** Outcome feedback to add to the training part (`train risk --with-feedback`). */
  feedback?: RiskFeedbackOptions;
  /** The hyper-parameters (training/hyper-params.ts `resolveHyperParams('risk' | 'risk-history', …)`); unset ones at their defaults. */
  tuning?: TuningInput<RiskHyperParams>;
}

/** The GamOptions part of the risk hyper-parameters (validationShare is the split's). */
const gamOptionsOf = (v: RiskHyperParams): GamOptions => ({ knots: v.knots, l2: v.l2, learningRate: v.learningRate, maxEpochs: v.maxEpochs, patience: v.patience, select: v.select, refit: v.refit, refitMinRowsPerWeight: v.refitMinRowsPerWeight });

/** The hyper-parameters a risk training uses (`family`: the registry folder): defaults, `opts.tuning`, then `opts.gam`. */
export const riskTuning = (family: string, opts: RiskTrainOptions): HyperParamRecord & { values: RiskHyperParams } =>
  tuningRecord<RiskHyperParams>(family, RiskHyperParamsSchema, opts.tuning, opts.gam);

/** The model options fitRisk gets for a tuning (every GamOptions hyper-parameter; RISK_GAM_OPTIONS are the schema's defaults). */
export const riskGamOptions = (t: { values: RiskHyperParams }): GamOptions => gamOptionsOf(t.values);

/**
 * The `--with-feedback` source, read before any data set (a locked or unreachable source fails first), and the
 * checked `--feedback-weight`. Shared by simulated data sets and an imported history (training/risk/history-family.ts).
 */
export async function readRiskFeedback(f: RiskFeedbackOptions | undefined): Promise<{ weight: number; source: FeedbackSource | null }> {
  const weight = f?.weight ?? 1;
  if (!(Number.isInteger(weight) && weight >= 1 && weight <= 1000)) throw new RolloutlabError('BAD_ARGUMENT', `--feedback-weight must be a whole number from 1 to 1000 (each feedback row enters the fitting part that many times), got ${weight}`, 'feedback-weight');
  return { weight, source: f ? await readFeedbackSource(f.source, { token: f.token, fetch: f.fetch }) : null };
}

/** What `--with-feedback` added, as the result reports it (null: no feedback asked for). */
export function feedbackSummary(source: FeedbackSource | null, rows: FeedbackRows | null, weight: number): RiskFeedbackSummary | null {
  if (!source || !rows) return null;
  return {
    source: source.location,
    kind: source.kind,
    records: source.records.length,
    used: rows.n,
    skipped: rows.skipped,
    skippedReasons: { ...rows.skippedReasons },
    missingFeatures: rows.missingFeatures,
    positives: rows.positives,
    weight,
    sha256: rows.sha256,
    invalidFeatures: rows.invalidFeatures,
    ignoredFeatures: rows.ignoredFeatures,
    duplicates: rows.duplicates,
    available: source.count,
    examples: rows.examples,
  };
}

/**
 * Train a risk model on one or several simulated data sets and register it. Each data set is split by time on its
 * own (riskSplit) and the parts are concatenated; the card's `dataset` is the first, `hyperParameters.datasets`
 * lists all of them.
 */
export async function trainRisk(data: string | readonly string[], opts: RiskTrainOptions = {}): Promise<RiskTrainResult> {
  const t0 = performance.now();
  const tuning = riskTuning(RISK_FAMILY, opts);
  const backend = await initBackend();
  const dirs = riskDataDirs(data);
  const { weight, source } = await readRiskFeedback(opts.feedback);
  const rows = source ? feedbackRows(source.records, SIM_RISK_SPECS, { strict: opts.feedback!.strict }) : null;
  const parts: SimRiskData[] = [];
  const manifests: Manifest[] = [];
  for (const dir of dirs) {
    parts.push(await simRiskData(dir));
    const ds = await readDataset(dir);
    manifests.push(ds.manifest);
    ds.close();
  }
  const share = tuning.values.validationShare;
  const combined = rows ? withFeedbackRows(combineRiskData(parts, (k) => dirs[k], share), rows, weight) : combineRiskData(parts, (k) => dirs[k], share);
  const feedback = feedbackSummary(source, rows, weight);
  const fit = await fitRisk(combined.data, riskGamOptions(tuning), opts.onEpoch, combined.split);
  const registry = opts.registry ?? new ModelRegistry();
  // Relative to the registry root, as the card records the data sets (a card holds no absolute path).
  const shown = dirs.map((d) => registry.cardPath(d));
  const where = shown.length === 1 ? shown[0] : `${shown.length} data sets (${shown.join(', ')})`;
  const metrics = metricsOf(fit.evaluation);
  const targets = checkTargets(RISK_FAMILY, metrics);
  const gam = fit.model.toJSON();
  const saved: SavedVersion = await registry.save(RISK_FAMILY, {
    card: {
      dataset: datasetRef(manifests[0], dirs[0]),
      seed: 0,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: {
        model: 'additive logistic (piecewise-linear shapes + interactions), refitted on the fitting + validation rows when large enough (training.refit), Platt-scaled on validation',
        ...gam.options,
        features: gam.specs.map((s) => s.name),
        interactions: gam.interactions.map((i) => `${i.a}×${i.b}`),
        bestEpoch: gam.training.bestEpoch,
        // Every training data set (the card's `dataset` is the first), with its rows in each part.
        datasets: dirs.map((dir, k) => {
          const s = riskSplit(parts[k].n, share);
          const m = manifests[k];
          const res = (m.extra as { scenarioConfig?: { dataset?: { trafficResolutionMinutes?: number } } } | undefined)?.scenarioConfig?.dataset?.trafficResolutionMinutes ?? null;
          return { path: dir, kind: m.kind, scenario: m.scenario, seed: m.seed, codeVersion: m.codeVersion, deploymentsSha256: m.tables.deployments?.sha256 ?? null, trafficResolutionMinutes: res, rows: { train: s.train.length, validation: s.validation.length, test: s.test.length } };
        }),
      },
      split: { by: 'time', description: fit.split.description, rows: { train: fit.split.train.length, validation: fit.split.validation.length, test: fit.split.test.length }, seed: null },
      metrics,
      baselines: {
        logistic: { rocAuc: fit.evaluation.logistic.rocAuc, ece: fit.evaluation.logistic.ece, brier: fit.evaluation.logistic.brier },
        ...(fit.evaluation.lapredict ? { lapredict: { rocAuc: fit.evaluation.lapredict.rocAuc, ece: fit.evaluation.lapredict.ece, brier: fit.evaluation.lapredict.brier } } : {}),
        ...(fit.evaluation.oracle ? { oracle: { rocAuc: fit.evaluation.oracle.rocAuc, ece: fit.evaluation.oracle.ece, brier: fit.evaluation.oracle.brier } } : {}),
      },
      targets,
      ...(feedback ? { feedback: cardFeedback(feedback) } : {}),
      // The held-out scores' curve points, for the report's ROC, precision-recall and reliability diagrams.
      curves: classifierCurves(fit.testScores, Uint8Array.from(fit.split.test, (r) => combined.data.labels[r])),
      notes:
        (feedback ? `Training part includes ${feedback.used} outcome-feedback rows from ${feedback.source} (${feedback.skipped} skipped; card.feedback). ` : '') +
        (dirs.length > 1 ? `Trained on ${dirs.length} data sets, each split by time on its own and concatenated (dataset is the first; hyperParameters.datasets lists all). ` : '') +
        'Scores need no tensor engine: gam.json holds the fitted shapes; model.json/weights.bin hold the same weights as a tfjs layers model over the encoded features.',
      tuning,
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
    return riskChampionVerdict(fit.evaluation.model, { rocAuc: rocAuc(oldP, y), logLoss: logLoss(oldP, y) }, { n: fit.split.test.length, where, champion: champion.version });
  });
  const heldOut = { n: fit.split.test.length, sha256: riskRowsSha256(combined.data.cols, combined.data.labels, combined.data.specs, fit.split.test) };
  return { version: saved.version, dir: saved.dir, evaluation: fit.evaluation, targets, promotion, backend: backend.name, seconds: (performance.now() - t0) / 1000, heldOut, feedback, tuning };
}

/**
 * The risk families' champion rule (risk and risk-history): the candidate wins when, on the same held-out
 * deployments, its ROC AUC is at least the champion's and its log loss at most the champion's. Training applies it
 * right after saving a version; `rolloutlab models promote` applies it again later (`promoteRiskByRule`).
 */
export function riskChampionVerdict(
  candidate: { rocAuc: number; logLoss: number },
  champion: { rocAuc: number; logLoss: number },
  o: { n: number; where: string; champion: string; note?: string },
): Verdict {
  const [aNew, aOld] = [candidate.rocAuc, champion.rocAuc];
  const [lNew, lOld] = [candidate.logLoss, champion.logLoss];
  const ok = aNew >= aOld && lNew <= lOld + 1e-12;
  return { atLeastAsGood: ok, reason: `on the ${o.n} held-out deployments of ${o.where}: AUC ${aNew.toFixed(4)} vs champion ${o.champion} ${aOld.toFixed(4)}, log loss ${lNew.toFixed(4)} vs ${lOld.toFixed(4)}${o.note ?? ''}` };
}

/** The data sets a risk card was trained on, resolved against the registry root (older cards: absolute paths). */
export function riskCardDataDirs(registry: ModelRegistry, card: ModelCard): { dir: string; deploymentsSha256: string | null }[] {
  const listed = (card.hyperParameters as { datasets?: unknown }).datasets;
  if (Array.isArray(listed) && listed.length > 0) {
    return listed.map((d: { path?: unknown; deploymentsSha256?: unknown }, i) => {
      if (typeof d?.path !== 'string') throw new RolloutlabError('BAD_DATA', `${card.family} ${card.version}: its card's hyperParameters.datasets.${i}.path is missing`, `hyperParameters.datasets.${i}.path`);
      return { dir: resolveCardPath(registry.root, d.path), deploymentsSha256: typeof d.deploymentsSha256 === 'string' ? d.deploymentsSha256 : null };
    });
  }
  if (card.dataset.path === undefined) throw new RolloutlabError('BAD_DATA', `${card.family} ${card.version}: its card names no data set path, so its held-out deployments cannot be scored again`, 'dataset.path');
  return [{ dir: resolveCardPath(registry.root, card.dataset.path), deploymentsSha256: card.dataset.tables.deployments?.sha256 ?? null }];
}

/**
 * `rolloutlab models promote risk <version>`: the champion rule training applies (`riskChampionVerdict`), run again
 * on the candidate's own held-out deployments (the data sets on its card, each checked against the card's sha256):
 * candidate and champion both score them. Logged with who asked.
 */
export async function promoteRiskByRule(registry: ModelRegistry, version: string, who: DecisionBy): Promise<PromotionResult> {
  const card = await registry.readCard(RISK_FAMILY, version);
  const sets = riskCardDataDirs(registry, card);
  const parts: SimRiskData[] = [];
  for (const [i, s] of sets.entries()) {
    let manifest: Manifest;
    try {
      const ds = await readDataset(s.dir);
      manifest = ds.manifest;
      ds.close();
    } catch (e) {
      throw new RolloutlabError('NOT_FOUND', `risk ${version} was trained on ${s.dir}, which cannot be read (${(e as Error).message}): re-create it, or promote by hand with --force --reason`, `hyperParameters.datasets.${i}.path`);
    }
    if (s.deploymentsSha256 !== null && manifest.tables.deployments?.sha256 !== s.deploymentsSha256) {
      throw new RolloutlabError('BAD_DATA', `risk ${version} was trained on ${s.dir}, whose deployments changed since (sha256 differs from the card): its held-out part is not the same`, `hyperParameters.datasets.${i}.path`);
    }
    parts.push(await simRiskData(s.dir));
  }
  const combined = combineRiskData(parts, (k) => sets[k].dir);
  const { test } = combined.split;
  const testCols = subset(combined.data.cols, test);
  const y = Uint8Array.from(test, (r) => combined.data.labels[r]);
  const shown = sets.map((s) => registry.cardPath(s.dir));
  const where = shown.length === 1 ? shown[0] : `${shown.length} data sets (${shown.join(', ')})`;
  const scores = async (v: string) => {
    const p = (await loadRisk(registry, v)).model.predict(testCols, test.length);
    return { rocAuc: rocAuc(p, y), logLoss: logLoss(p, y) };
  };
  const mine = await scores(version);
  return registry.promoteIfBetter(RISK_FAMILY, version, async ({ champion }) => riskChampionVerdict(mine, await scores(champion.version), { n: test.length, where, champion: champion.version }), who);
}

/** The card's `feedback` field: the summary without the per-run details. */
export function cardFeedback(f: RiskFeedbackSummary): FeedbackRef {
  const { source, kind, records, used, skipped, skippedReasons, missingFeatures, positives, weight, sha256 } = f;
  return { source, kind, records, used, skipped, skippedReasons, missingFeatures, positives, weight, sha256 };
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
