// The risk model trained and evaluated on a team's own deployment history (`train risk --data <imported history>`,
// `evaluate risk --data <imported history>`): the same pipeline, model, metrics and feedback path as on simulated
// data sets (training/risk/family.ts, pipeline.ts), on the features the history gives (training/risk/history.ts).
//
// Its versions go to their own registry folder, `risk-history`, never to `risk`: the `risk` champion is what the
// server, the deploy-window recommender, the rollout-plan gate and the `ml` policy score with, over every feature of
// the schema; a history model lacks many of them, and its metrics were measured on other data, so comparing it with a
// simulated champion would compare numbers from different rows. A history version competes only with the
// `risk-history` champion, and both are scored on the candidate's held-out rows.
import { codeVersion } from '../../lib/version.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { initBackend } from '../backend.ts';
import { datasetRef } from '../card.ts';
import { GamModel, subset, type GamJSON } from '../gam.ts';
import { classifierCurves, classifierMetrics, logLoss, rocAuc } from '../metrics.ts';
import { ModelRegistry, resolveCardPath, type DecisionBy, type PromotionResult } from '../registry.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { cardFeedback, feedbackSummary, metricsOf, readRiskFeedback, riskChampionVerdict, riskDataDirs, riskGamOptions, riskTuning, RISK_FAMILY, RISK_MODEL_FILE, withFeedbackRows, type RiskTrainOptions, type RiskTrainResult } from './family.ts';
import { feedbackRows, riskRowsSha256 } from './feedback.ts';
import { HISTORY_RISK_FAMILY, historyRiskData, isHistoryManifest, readManifest, type HistoryFeatures, type HistoryRiskData } from './history.ts';
import { fitRisk, type CombinedRiskData } from './pipeline.ts';
import { notRiskData } from './sim.ts';

/** What the card and `--json` say about the history a model was trained on. */
export interface HistoryTrainingInfo {
  /** The registry folder the version went to. */
  family: typeof HISTORY_RISK_FAMILY;
  /** The data set's kind and where its rows came from. */
  source: { kind: 'imported'; source: string; file: string | null; path: string };
  label: string;
  features: HistoryFeatures;
  /** Rows and failed rows per part (feedback rows not included), and each part's first and last start. */
  rows: HistoryRiskData['rows'];
  periods: Record<'train' | 'validation' | 'test', { from: string; to: string }>;
}

export interface HistoryTrainResult extends RiskTrainResult {
  history: HistoryTrainingInfo;
}

/**
 * Which kind of `--data` the risk family got: simulated data sets (the default path, training/risk/family.ts), or
 * one imported deployment history. Several data sets that are not all simulated are refused: each imported history
 * is its own team's data, and a history beside simulated worlds would mix metrics of different data.
 */
export async function riskDataKind(data: string): Promise<'simulated' | 'history'> {
  const dirs = riskDataDirs(data);
  const manifests = [];
  for (const dir of dirs) manifests.push(await readManifest(dir));
  const history = manifests.map(isHistoryManifest);
  // Another imported kind (NAB, JIT) is named before any model is looked for.
  const other = manifests.findIndex((m, k) => m.kind === 'imported' && !history[k]);
  if (other >= 0) throw notRiskData(dirs[other], manifests[other]);
  if (!history.some(Boolean)) return 'simulated';
  if (dirs.length > 1) throw new RolloutlabError('BAD_DATA', `risk: --data lists ${dirs.length} data sets with an imported history among them (${dirs[history.indexOf(true)]}); train or evaluate on one imported history at a time, never beside other data sets`, 'data');
  return 'history';
}

const iso = (t: number) => new Date(t).toISOString();

/** Train the risk model on one imported deployment history and register it in `risk-history` (docs/risk.md). */
export async function trainRiskHistory(data: string, opts: RiskTrainOptions = {}): Promise<HistoryTrainResult> {
  const t0 = performance.now();
  const tuning = riskTuning(HISTORY_RISK_FAMILY, opts);
  const backend = await initBackend();
  const [dir] = riskDataDirs(data);
  const { weight, source } = await readRiskFeedback(opts.feedback);
  const d = await historyRiskData(dir, 'train', tuning.values.validationShare);
  const rows = source ? feedbackRows(source.records, d.specs, { strict: opts.feedback!.strict }) : null;
  const base: CombinedRiskData<HistoryRiskData> = { data: d, split: { ...d.split, description: `${d.split.description}; by started_at: fit ${iso(d.periods.train.from)} to ${iso(d.periods.train.to)}, test from ${iso(d.periods.test.from)}` }, ranges: [{ start: 0, end: d.n }] };
  const combined = rows ? withFeedbackRows(base, rows, weight) : base;
  const feedback = feedbackSummary(source, rows, weight);
  const fit = await fitRisk(combined.data, riskGamOptions(tuning), opts.onEpoch, combined.split);
  const metrics = metricsOf(fit.evaluation);
  // The risk family's targets; the AUC gap to the oracle is "not measured" (a history has no true probability).
  const targets = checkTargets(RISK_FAMILY, metrics);
  const extra = d.manifest.extra as { source?: unknown; file?: unknown };
  const history: HistoryTrainingInfo = {
    family: HISTORY_RISK_FAMILY,
    source: { kind: 'imported', source: String(extra.source), file: typeof extra.file === 'string' ? extra.file : null, path: dir },
    label: 'failed (the history\'s "failed" column: the deployment caused a failure)',
    features: d.features,
    rows: d.rows,
    periods: Object.fromEntries((['train', 'validation', 'test'] as const).map((k) => [k, { from: iso(d.periods[k].from), to: iso(d.periods[k].to) }])) as HistoryTrainingInfo['periods'],
  };
  const registry = opts.registry ?? new ModelRegistry();
  const gam = fit.model.toJSON();
  const saved = await registry.save(HISTORY_RISK_FAMILY, {
    card: {
      dataset: datasetRef(d.manifest, dir),
      seed: 0,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: {
        model: 'additive logistic (piecewise-linear shapes), the risk family\'s, on the features an imported deployment history gives; refitted on the fitting + validation rows when large enough (training.refit), Platt-scaled on validation',
        ...gam.options,
        trainedOn: history.source,
        label: history.label,
        features: gam.specs.map((s) => s.name),
        featureSources: d.features.derivedFrom,
        missingFeatures: d.features.missing,
        imputedCells: { rows: d.features.imputedCells, handling: 'an empty cell of a used feature is scored at its training median (schema_migration: at none)' },
        interactions: gam.interactions.map((i) => `${i.a}×${i.b}`),
        bestEpoch: gam.training.bestEpoch,
        rows: d.rows,
        periods: history.periods,
      },
      split: { by: 'time', description: fit.split.description, rows: { train: fit.split.train.length, validation: fit.split.validation.length, test: fit.split.test.length }, seed: null },
      metrics,
      baselines: {
        logistic: { rocAuc: fit.evaluation.logistic.rocAuc, ece: fit.evaluation.logistic.ece, brier: fit.evaluation.logistic.brier },
        ...(fit.evaluation.lapredict ? { lapredict: { rocAuc: fit.evaluation.lapredict.rocAuc, ece: fit.evaluation.lapredict.ece, brier: fit.evaluation.lapredict.brier } } : {}),
      },
      targets,
      ...(feedback ? { feedback: cardFeedback(feedback) } : {}),
      // The held-out scores' curve points, for the report's ROC, precision-recall and reliability diagrams.
      curves: classifierCurves(fit.testScores, Uint8Array.from(fit.split.test, (r) => combined.data.labels[r])),
      notes:
        `Trained on an imported deployment history (${registry.cardPath(history.source.file ?? dir)}), not on simulated data: registered under ${HISTORY_RISK_FAMILY}, never the served risk champion. ` +
        `Uses ${d.features.used.length} of the schema's features; ${d.features.missing.length} are missing and dropped from the model (hyperParameters.missingFeatures). ` +
        (feedback ? `Training part includes ${feedback.used} outcome-feedback rows from ${feedback.source} (${feedback.skipped} skipped; card.feedback). ` : '') +
        'No oracle: a history has no true failure probability, so the AUC gap to the oracle is not measured.',
      tuning,
    },
    model: fit.layers,
    files: { [RISK_MODEL_FILE]: JSON.stringify(gam) },
  });
  // Champion check on the same held-out rows: the current risk-history champion scores this history's newest 20 %.
  const testCols = subset(combined.data.cols, fit.split.test);
  const y = Uint8Array.from(fit.split.test, (r) => combined.data.labels[r]);
  const promotion = await registry.promoteIfBetter(HISTORY_RISK_FAMILY, saved.version, async ({ champion }) => {
    const old = (await loadHistoryRisk(registry, champion.version)).model;
    const absent = old.specs.filter((s) => !testCols[s.name]).map((s) => s.name);
    const oldP = old.predict(testCols, fit.split.test.length);
    const note = absent.length ? ` (the champion's ${absent.join(', ')} not in this history: scored at its training medians)` : '';
    return riskChampionVerdict(fit.evaluation.model, { rocAuc: rocAuc(oldP, y), logLoss: logLoss(oldP, y) }, { n: fit.split.test.length, where: registry.cardPath(dir), champion: champion.version, note });
  });
  const heldOut = { n: fit.split.test.length, sha256: riskRowsSha256(combined.data.cols, combined.data.labels, combined.data.specs, fit.split.test) };
  return { version: saved.version, dir: saved.dir, evaluation: fit.evaluation, targets, promotion, backend: backend.name, seconds: (performance.now() - t0) / 1000, heldOut, feedback, history, tuning };
}

/** A risk-history version (default: its champion) and its card. */
export async function loadHistoryRisk(registry = new ModelRegistry(), version = 'champion'): Promise<{ model: GamModel; card: Awaited<ReturnType<ModelRegistry['readCard']>> }> {
  const loaded = await registry.loadModel(HISTORY_RISK_FAMILY, version);
  const model = GamModel.fromJSON(JSON.parse(new TextDecoder().decode(loaded.files[RISK_MODEL_FILE])) as GamJSON);
  return { model, card: loaded.card };
}

export interface HistoryEvaluateResult {
  family: typeof HISTORY_RISK_FAMILY;
  version: string;
  data: string;
  n: number;
  positives: number;
  metrics: Record<string, number>;
  targets: TargetResult[];
  /** The model's features this history has no value for in the held-out rows: scored at the model's training medians. */
  imputedFeatures: string[];
}

/** Score the risk-history champion (or a version) on an imported history's held-out part (its newest 20 %). */
export async function evaluateRiskHistory(data: string, opts: { registry?: ModelRegistry; version?: string } = {}): Promise<HistoryEvaluateResult> {
  // The data first: a history that cannot be scored is named as such whether or not the registry has a model.
  const [dir] = riskDataDirs(data);
  const d = await historyRiskData(dir, 'evaluate');
  const { model, card } = await loadHistoryRisk(opts.registry, opts.version);
  const { test } = d.split;
  const cols = subset(d.cols, test);
  const imputedFeatures = model.specs.filter((s) => !cols[s.name] || test.every((_, i) => Number.isNaN(cols[s.name][i]))).map((s) => s.name);
  const y = Uint8Array.from(test, (r) => d.labels[r]);
  const m = classifierMetrics(model.predict(cols, test.length), y);
  const metrics = { rocAuc: m.rocAuc, prAuc: m.prAuc, brier: m.brier, ece: m.ece, logLoss: m.logLoss, scoredShare: 1 };
  return { family: HISTORY_RISK_FAMILY, version: card.version, data: dir, n: test.length, positives: m.positives, metrics, targets: checkTargets(RISK_FAMILY, metrics), imputedFeatures };
}

/**
 * `rolloutlab models promote risk-history <version>`: the risk families' champion rule (`riskChampionVerdict`, as
 * training applies it) run again on the version's own held-out rows: the newest 20 % of the history on its card,
 * checked against the card's sha256s; the champion scores the same rows (features it has and the history lacks at its
 * training medians, as in training).
 */
export async function promoteRiskHistoryByRule(registry: ModelRegistry, version: string, who: DecisionBy): Promise<PromotionResult> {
  const card = await registry.readCard(HISTORY_RISK_FAMILY, version);
  if (card.dataset.path === undefined) throw new RolloutlabError('BAD_DATA', `${HISTORY_RISK_FAMILY} ${version}: its card names no data set path, so its held-out rows cannot be scored again`, 'dataset.path');
  const dir = resolveCardPath(registry.root, card.dataset.path);
  let manifest;
  try {
    manifest = await readManifest(dir);
  } catch (e) {
    throw new RolloutlabError('NOT_FOUND', `${HISTORY_RISK_FAMILY} ${version} was trained on ${dir}, which cannot be read (${(e as Error).message}): re-import it, or promote by hand with --force --reason`, 'dataset.path');
  }
  for (const [t, ref] of Object.entries(card.dataset.tables)) {
    if (manifest.tables[t]?.sha256 !== ref.sha256) throw new RolloutlabError('BAD_DATA', `${HISTORY_RISK_FAMILY} ${version} was trained on ${dir}, whose table ${t} changed since (sha256 differs from the card): its held-out rows are not the same`, 'dataset.path');
  }
  const d = await historyRiskData(dir, 'evaluate');
  const { test } = d.split;
  const testCols = subset(d.cols, test);
  const y = Uint8Array.from(test, (r) => d.labels[r]);
  const scores = async (v: string) => {
    const p = (await loadHistoryRisk(registry, v)).model.predict(testCols, test.length);
    return { rocAuc: rocAuc(p, y), logLoss: logLoss(p, y) };
  };
  const mine = await scores(version);
  return registry.promoteIfBetter(
    HISTORY_RISK_FAMILY,
    version,
    async ({ champion }) => {
      const absent = (await loadHistoryRisk(registry, champion.version)).model.specs.filter((s) => !testCols[s.name]).map((s) => s.name);
      const note = absent.length ? ` (the champion's ${absent.join(', ')} not in this history: scored at its training medians)` : '';
      return riskChampionVerdict(mine, await scores(champion.version), { n: test.length, where: registry.cardPath(dir), champion: champion.version, note });
    },
    who,
  );
}
