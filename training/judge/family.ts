// The `judge` model family: train the ML canary judge on labelled windows of backtest data sets, register the version
// with its model card, and make it the champion only if it is at least as good as the champion on the same held-out
// windows; load it for a rollout policy or a worker thread.
import type { Manifest } from '../../datasets/manifest.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { codeVersion } from '../../lib/version.ts';
import { datasetRef } from '../card.ts';
import { ModelRegistry, type PromotionResult } from '../registry.ts';
import type { TargetResult } from '../targets.ts';
import { classifierCurves } from '../metrics.ts';
import { judgeDataDirs, readJudgeWindows, type LabelledWindows } from './data.ts';
import { evaluateJudgeOn, type JudgeEvaluation } from './evaluate.ts';
import { JUDGE_FEATURES } from './features.ts';
import { fitJudge, type JudgeFit, type JudgeFitOptions, type JudgePart } from './fit.ts';
import { JudgeModel, type JudgeModelJSON } from './model.ts';
import { NET_DEFAULTS, type NetOptions } from './net.ts';
import { EVIDENCE_MARGIN, EVIDENCE_Z_DEFAULT, EVIDENCE_Z_GRID } from './evidence.ts';
import { tuningRecord, type HyperParamRecord, type TuningInput } from '../hyper-param-schema.ts';
import { JudgeHyperParamsSchema, type JudgeHyperParams, type JudgeReplayHyperParams } from './hyper-params.ts';

export const JUDGE_FAMILY = 'judge';
export const JUDGE_MODEL_FILE = 'judge.json';

export interface JudgeTrainOptions extends JudgeFitOptions {
  registry?: ModelRegistry;
  /** The hyper-parameters (training/hyper-params.ts `resolveHyperParams('judge', …)`); the fit options above, when given, win (recorded as set by the caller). */
  tuning?: TuningInput<JudgeHyperParams>;
}

/** A library caller's fit options as hyper-parameters (the nets' options flattened). */
export function judgeCallerParams(o: Pick<JudgeFitOptions, 'seed' | 'members' | 'net' | 'clip' | 'augmentShared' | 'guessAccuracy' | 'validationShare'>): Partial<JudgeHyperParams> {
  return { seed: o.seed, members: o.members, clip: o.clip, augmentShared: o.augmentShared, guessAccuracy: o.guessAccuracy, validationShare: o.validationShare, ...o.net };
}

/** The fit options for resolved judge hyper-parameters (`minRequests`, `recalibrate` and progress are not hyper-parameters). */
export function judgeFitOptions(v: JudgeHyperParams | JudgeReplayHyperParams): JudgeFitOptions & { net: NetOptions } {
  return {
    seed: v.seed,
    members: v.members,
    net: { hidden: [...v.hidden], learningRate: v.learningRate, batchSize: v.batchSize, maxEpochs: v.maxEpochs, patience: v.patience, monotoneShare: v.monotoneShare },
    clip: v.clip,
    guessAccuracy: v.guessAccuracy,
    augmentShared: v.augmentShared,
    validationShare: v.validationShare,
  };
}

export interface JudgeTrainResult {
  version: string;
  dir: string;
  /** The new version on the test split of its training data sets, beside the Kayenta-style judge. */
  evaluation: JudgeEvaluation;
  validation: JudgeFit['validation'];
  /** Each ensemble member's training: epochs, best epoch, losses per epoch. */
  members: JudgeFit['members'];
  decision: JudgeModel['decision'];
  targets: TargetResult[];
  promotion: PromotionResult;
  backend: string;
  rows: { train: number; validation: number; test: number };
  seconds: { features: number; train: number; evaluation: number; total: number };
  /** The hyper-parameters used, as the card's `tuning` records them. */
  tuning: HyperParamRecord;
}

/** Parts for fitJudge from data-set folders: the windows, tagged by their windows table's sha256. */
async function partsFrom(dirs: string[]): Promise<{ parts: JudgePart[]; manifests: Manifest[] }> {
  const parts: JudgePart[] = [];
  const manifests: Manifest[] = [];
  for (const dir of dirs) {
    const windows = await readJudgeWindows(dir);
    const sha = windows.manifest?.tables.windows?.sha256 ?? null;
    if (sha !== null && parts.some((p) => p.windowsSha256 === sha)) throw new RolloutlabError('BAD_ARGUMENT', `judge: ${dir} has the same windows as ${parts.find((p) => p.windowsSha256 === sha)!.windows.source}`, 'data');
    parts.push({ windows, tag: sha ?? dir, windowsSha256: sha });
    manifests.push(windows.manifest!);
  }
  return { parts, manifests };
}

const testParts = (fit: JudgeFit, parts: readonly JudgePart[]) =>
  parts.map((p, k) => {
    const { start, end } = fit.split.parts[k];
    return { windows: p.windows, rows: fit.split.test.filter((r) => r >= start && r < end).map((r) => r - start), part: 'test split' };
  });

/**
 * Train the judge on the windows of one or several backtest data sets (`rolloutlab backtest --out`), each split by
 * deployment with a seeded stream; register it with its card; promote it if its accuracy on the test split is at
 * least the champion's on the same windows.
 */
export async function trainJudge(data: string | readonly string[], opts: JudgeTrainOptions = {}): Promise<JudgeTrainResult> {
  const t0 = performance.now();
  const tuning: HyperParamRecord & { values: JudgeHyperParams } = tuningRecord(JUDGE_FAMILY, JudgeHyperParamsSchema, opts.tuning, judgeCallerParams(opts));
  const hp = tuning.values;
  const { initBackend } = await import('../backend.ts');
  const backend = await initBackend();
  const dirs = judgeDataDirs(data);
  const { parts, manifests } = await partsFrom(dirs);
  const fit = await fitJudge(parts, { ...opts, ...judgeFitOptions(hp) });
  const tEval = performance.now();
  const tests = testParts(fit, parts);
  const evaluation = evaluateJudgeOn(fit.model, tests);
  const evalSeconds = (performance.now() - tEval) / 1000;
  const metrics = { ...evaluation.metrics, validationAccuracy: fit.validation.accuracy, validationLogLoss: fit.validation.logLoss };
  const registry = opts.registry ?? new ModelRegistry();
  const j = fit.model.toJSON();
  const kay = evaluation.slices;
  const baseline = (s: 'overall' | 'lowTraffic' | 'sharedIncident') => kay[s].kayenta;
  const base: Record<string, number> = {};
  const putB = (k: string, v: number | null) => {
    if (v !== null && Number.isFinite(v)) base[k] = v;
  };
  putB('accuracy', baseline('overall').accuracy);
  putB('inconclusiveRate', baseline('overall').inconclusiveRate);
  putB('failPrecision', baseline('overall').failPrecision);
  putB('failRecall', baseline('overall').failRecall);
  putB('lowTrafficAccuracy', baseline('lowTraffic').accuracy);
  putB('sharedIncidentAccuracy', baseline('sharedIncident').accuracy);
  const where = dirs.length === 1 ? registry.cardPath(dirs[0]) : `${dirs.length} data sets`;
  const saved = await registry.save(JUDGE_FAMILY, {
    card: {
      dataset: datasetRef(manifests[0], dirs[0]),
      seed: j.training.seed,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: {
        model: `ensemble of ${j.members.length} ReLU nets (${[j.members[0].sizes[0], ...hp.hidden, 1].join(' → ')}), each monotone (non-decreasing) in the canary's bad-request features through a constrained branch, logits averaged, Platt-scaled; scored in plain JavaScript`,
        monotone: j.monotone,
        members: j.members.length,
        net: { ...NET_DEFAULTS, ...judgeFitOptions(hp).net },
        clip: j.encoder.clip,
        augmentShared: { share: hp.augmentShared, rows: j.training.augmentedShared, about: 'fitting windows copied with a synthetic shared incident hitting both cohorts alike, label unchanged (augment.ts)' },
        features: JUDGE_FEATURES.map((f) => ({ name: f.name, group: f.group })),
        inputs: 'each feature standardised and clipped, plus a missing flag',
        decision: { ...j.decision },
        decisionRule: `inconclusive without canary or baseline requests; below ${j.decision.minRequests} canary requests fail only if P(fail) >= threshold, else inconclusive; below ${j.decision.lowTrafficRequests} inconclusive when |P(fail) - threshold| < band; threshold maximises validation accuracy, band is the widest where low-traffic validation verdicts were right <= ${hp.guessAccuracy}; evidence rule: fail whenever the canary's bad-request, error, slow-request or callers' error ratio exceeds ${(100 * (1 + EVIDENCE_MARGIN)).toFixed(0)} % of the baseline's at a one-sided exact z >= evidenceZ ${j.decision.evidenceZ} (P(fail) = max(net, 1 - p)); evidenceZ is the level of {${EVIDENCE_Z_GRID.join(', ')}} with the highest validation accuracy, among equals the closest to ${EVIDENCE_Z_DEFAULT}`,
        validation: { accuracy: fit.validation.accuracy, inconclusiveRate: fit.validation.inconclusiveRate, logLoss: fit.validation.logLoss, band: fit.validation.band, evidenceZ: fit.validation.evidenceZ },
        membersTraining: j.training.members,
        datasets: dirs.map((dir, k) => ({
          path: dir,
          kind: manifests[k].kind,
          scenario: manifests[k].scenario,
          seed: manifests[k].seed,
          codeVersion: manifests[k].codeVersion,
          windowsSha256: parts[k].windowsSha256,
          rows: { train: fit.split.parts[k].train, validation: fit.split.parts[k].validation, test: fit.split.parts[k].test },
        })),
        fitSeconds: Math.round(fit.seconds.total * 10) / 10,
      },
      split: { by: 'entity', description: fit.split.description, rows: { train: fit.split.train.length, validation: fit.split.validation.length, test: fit.split.test.length }, seed: fit.split.seed },
      metrics,
      baselines: { kayenta: base },
      targets: evaluation.targets,
      // P(fail) of every test-split window against its label: the report's ROC, precision-recall and reliability points.
      curves: classifierCurves(
        tests.flatMap((t) => t.rows.map((r) => fit.model.pFail(t.windows.windows[r]))),
        tests.flatMap((t) => t.rows.map((r) => t.windows.labels[r])),
      ),
      notes:
        'Metrics are on the test split (deployments never used for fitting, early stopping, calibration or thresholds) of the training data sets; ' +
        '`rolloutlab evaluate judge --data <held-out data sets>` scores other worlds (e.g. seed 1). judge.json holds the whole model as plain numbers.',
      tuning,
    },
    files: { [JUDGE_MODEL_FILE]: JSON.stringify(j) },
  });
  const promotion = await registry.promoteIfBetter(JUDGE_FAMILY, saved.version, async ({ champion }) => {
    let old: JudgeModel;
    try {
      old = await loadJudge(registry, champion.version);
    } catch (e) {
      // A champion this code cannot load (an older format, other features) cannot be served either.
      if (e instanceof RolloutlabError && e.code === 'BAD_DATA') return { atLeastAsGood: true, reason: `champion ${champion.version} cannot be loaded by this code (${e.message})` };
      throw e;
    }
    const e = evaluateJudgeOn(old, tests, { baselines: [] });
    const aNew = evaluation.slices.overall.ml.accuracy ?? 0;
    const aOld = e.slices.overall.ml.accuracy ?? 0;
    return { atLeastAsGood: aNew >= aOld, reason: `accuracy ${aNew.toFixed(4)} vs champion ${champion.version} ${aOld.toFixed(4)} on the ${evaluation.windows} test-split windows of ${where}` };
  });
  return {
    version: saved.version,
    dir: saved.dir,
    evaluation,
    validation: fit.validation,
    members: fit.members,
    decision: fit.model.decision,
    targets: evaluation.targets,
    promotion,
    backend: backend.name,
    rows: { train: fit.split.train.length, validation: fit.split.validation.length, test: fit.split.test.length },
    seconds: { features: fit.seconds.features, train: fit.seconds.train, evaluation: evalSeconds, total: (performance.now() - t0) / 1000 },
    tuning,
  };
}

/**
 * The champion (or a version) as a ready judge; synchronous to use once loaded. `family` is the registry folder:
 * `judge` (what the server serves) or `judge-replay` (judges trained on a team's recorded rollouts, training/judge/replay.ts).
 */
export async function loadJudge(registry = new ModelRegistry(), version = 'champion', family = JUDGE_FAMILY): Promise<JudgeModel> {
  const how = family === JUDGE_FAMILY ? 'rolloutlab train judge --data <backtest data sets>' : 'rolloutlab train judge --replay <recorded rollouts>';
  const card = await registry.readCard(family, version).catch((e) => {
    if (e instanceof RolloutlabError && e.code === 'NOT_FOUND') throw new RolloutlabError('NOT_FOUND', `no ${family} model ${version} in ${registry.familyDir(family)}: train one with \`${how}\``, 'version');
    throw e;
  });
  const loaded = await registry.loadModel(family, card.version);
  const bytes = loaded.files[JUDGE_MODEL_FILE];
  if (!bytes) throw new RolloutlabError('BAD_DATA', `${family} ${card.version} has no ${JUDGE_MODEL_FILE}`, JUDGE_MODEL_FILE);
  const j = JSON.parse(new TextDecoder().decode(bytes)) as JudgeModelJSON;
  return JudgeModel.fromJSON({ ...j, version: card.version });
}

/** Fit on in-memory windows without the registry (tests, notebooks): `fitJudge` over parts tagged by their source. */
export function fitJudgeOn(windows: readonly LabelledWindows[], opts: JudgeFitOptions = {}): Promise<JudgeFit> {
  return fitJudge(windows.map((w) => ({ windows: w, tag: w.source, windowsSha256: null })), opts);
}
