// The retry family: `rolloutlab train retry --data <dirs>` and `rolloutlab evaluate retry`. Each data set is a simulated
// CI/CD failure world (rolloutlab simulate-pipelines, table ci_failures). With three or more data sets, whole worlds
// are the parts: the last one listed is held out, a third of the others (at least one) before it validate (calibration,
// threshold), the others train — a model must carry over to repositories, tests and incidents it has never seen. With one or two,
// each is split in time by pipeline: the oldest 60 % train, the next 20 % validate, the newest 20 % are held out. The
// held-out part is replayed under the served rule (card metrics). Recorded outcomes
// (--with-feedback: POST /v1/pipeline/outcome, or the wrapper's --record file) join the training part only.
import { createHash } from 'node:crypto';
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { datasetRef } from '../card.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { codeVersion } from '../../lib/version.ts';
import { ciFailuresFromRows, CI_FAILURES_TABLE, type CiFailure } from '../../sim/ci/index.ts';
import type { ModelRegistry } from '../registry.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { classifierCurves } from '../metrics.ts';
import { RETRY_FAMILY, RETRY_MODEL_FILE } from '../load.ts';
import { failedStepOf, retryRowsOf } from './data.ts';
import { fitRetryModel, RetryModel, type RetryModelJSON, type RetryRow } from './model.ts';
import { chooseWaits } from './waits.ts';
import { RETRY_LIMITS } from './rule.ts';
import { chooseReplayThreshold, featuresById, replayRule, MAX_WASTED_RETRIES } from './train.ts';
import { RETRY_SPLIT, RetryHyperParamsSchema, type RetryHyperParams } from './hyper-params.ts';
import { sharePct, tuningRecord, type HyperParamRecord, type TuningInput } from '../hyper-param-schema.ts';
import { stepFeatures, type SparseVector } from './features.ts';
import { parseFailedStep } from '../../datasets/failed-step.ts';
import type { RetryOutcomeRecord } from '../../datasets/retry-outcome.ts';

/** The parts of each data set, by the start of its pipelines: train, validation, held out (defined with the family's hyper-parameters). */
export { RETRY_SPLIT };
/** The share of each world's pipelines that fits, for a validation share (the newest 20 % are always held out). */
export const retryFitShare = (validationShare: number): number => Math.round((RETRY_SPLIT.train + RETRY_SPLIT.validation - validationShare) * 1e9) / 1e9;
/**
 * With whole worlds as the parts: the share of the data sets that validate (at least one). A world's wasted retries
 * hang on a few dozen faults, so the threshold needs several worlds to hold on the next one.
 */
export const VALIDATION_WORLD_SHARE = 1 / 3;
const validationWorldsOf = (n: number) => Math.max(1, Math.round((n - 1) * VALIDATION_WORLD_SHARE));

export interface RetryParts {
  train: CiFailure[];
  validation: CiFailure[];
  test: CiFailure[];
}

/** Every failed attempt of the data sets at `dirs` (comma-separated), each split in time by pipeline (`validationShare`: with one or two data sets). */
export async function readRetryParts(data: string | readonly string[], validationShare: number = RETRY_SPLIT.validation): Promise<{ dirs: string[]; manifests: Manifest[]; parts: RetryParts; byWorld: boolean }> {
  const dirs = (typeof data === 'string' ? data.split(',') : [...data]).map((d) => d.trim()).filter(Boolean);
  if (dirs.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'retry: --data names no data set', 'data');
  const parts: RetryParts = { train: [], validation: [], test: [] };
  const manifests: Manifest[] = [];
  const byWorld = dirs.length >= 3;
  // Validation worlds: a third of the others (at least one), just before the held-out one.
  const validationWorlds = validationWorldsOf(dirs.length);
  for (const [k, dir] of dirs.entries()) {
    const ds = await readDataset(dir);
    manifests.push(ds.manifest);
    try {
      if (!ds.manifest.tables[CI_FAILURES_TABLE]) throw new RolloutlabError('BAD_DATA', `retry training needs simulated pipeline data sets (rolloutlab simulate-pipelines); ${ds.dir} has no table ${CI_FAILURES_TABLE} (has: ${Object.keys(ds.manifest.tables).join(', ')})`, 'data');
      // Ids are unique within a world only: prefix them with the data set's position.
      const failures = ciFailuresFromRows(await ds.query(`SELECT * FROM ${CI_FAILURES_TABLE} ORDER BY started_at_min, id`)).map((f) => ({ ...f, id: `${k}:${f.id}`, pipelineId: `${k}:${f.pipelineId}` }));
      if (byWorld) parts[k === dirs.length - 1 ? 'test' : k >= dirs.length - 1 - validationWorlds ? 'validation' : 'train'].push(...failures);
      else {
        const p = splitByPipeline(failures, validationShare);
        parts.train.push(...p.train);
        parts.validation.push(...p.validation);
        parts.test.push(...p.test);
      }
    } finally {
      ds.close();
    }
  }
  if (parts.train.length === 0 || parts.validation.length === 0 || parts.test.length === 0) throw new RolloutlabError('BAD_DATA', `retry: the data sets hold too few failed steps to split (${parts.train.length} train, ${parts.validation.length} validation, ${parts.test.length} held out)`, 'data');
  return { dirs, manifests, parts, byWorld };
}

/** Split one world's failures by the time of each pipeline's first failure: every attempt of a pipeline in one part. */
export function splitByPipeline(failures: readonly CiFailure[], validationShare: number = RETRY_SPLIT.validation): RetryParts {
  const fit = retryFitShare(validationShare);
  const first = new Map<string, number>();
  for (const f of failures) first.set(f.pipelineId, Math.min(first.get(f.pipelineId) ?? Infinity, f.startedAtMin));
  const order = [...first].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([id]) => id);
  const part = new Map<string, keyof RetryParts>();
  order.forEach((id, i) => part.set(id, i < fit * order.length ? 'train' : i < (RETRY_SPLIT.train + RETRY_SPLIT.validation) * order.length ? 'validation' : 'test'));
  const out: RetryParts = { train: [], validation: [], test: [] };
  for (const f of failures) out[part.get(f.pipelineId)!].push(f);
  return out;
}

/** Training rows from recorded outcomes: retried steps whose retry's result is known. */
export function outcomeRows(records: readonly RetryOutcomeRecord[]): { rows: RetryRow[]; skipped: number } {
  const rows: RetryRow[] = [];
  let skipped = 0;
  for (const r of records) {
    if (!r.retried || r.retrySucceeded === null) {
      skipped++;
      continue;
    }
    const step = parseFailedStep({ step: r.step, exitCode: r.exitCode, log: r.log, attempt: r.attempt ?? 1, history: r.history ?? [] });
    rows.push({ x: stepFeatures(step), retrySucceeds: r.retrySucceeded, category: r.category ?? null });
  }
  return { rows, skipped };
}

/** The held-out measures of a rule: the shape of the card's metrics. */
export interface RetryHeldOut {
  transientRecoveryRate: number;
  wastedRetryRate: number;
  retryPrecision: number | null;
  retryRecall: number | null;
  episodes: number;
}

/**
 * The held-out failures replayed under `model`'s rule (the served one: threshold, waits, remediations, caps), measured
 * as `bench retry` measures a policy. `features`: the failures' feature vectors by id, when the caller has them.
 */
export function heldOutMeasures(model: RetryModel, test: readonly CiFailure[], features?: ReadonlyMap<string, SparseVector>): RetryHeldOut {
  const c = replayRule(model, test, model.threshold, undefined, features);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    transientRecoveryRate: round(c.transient ? c.recoveredTransient / c.transient : 0),
    wastedRetryRate: round(c.persistent ? c.wasted / c.persistent : 0),
    retryPrecision: c.retriedEpisodes ? round(c.retriedRecovered / c.retriedEpisodes) : null,
    retryRecall: c.transient ? round(c.retriedTransient / c.transient) : null,
    episodes: c.episodes,
  };
}

export interface RetryTrainResult {
  version: string;
  seconds: number;
  data: string[];
  rows: { train: number; validation: number; test: number; feedback: number };
  threshold: number;
  waits: Record<string, number>;
  /** How the data sets were split, one line. */
  split: string;
  heldOut: RetryHeldOut;
  targets: TargetResult[];
  feedback: { source: string; records: number; used: number; skipped: number } | null;
  promotion: { promoted: boolean; champion: string | null; reason: string };
  /** The hyper-parameters used, as the card's `tuning` records them. */
  tuning: HyperParamRecord & { values: RetryHyperParams };
}

export interface RetryTrainOptions {
  registry: ModelRegistry;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Recorded outcomes added to the training part. */
  feedback?: { source: string; kind: 'jsonl' | 'duckdb' | 'url'; records: readonly RetryOutcomeRecord[] };
  /** The hyper-parameters (training/hyper-params.ts `resolveHyperParams('retry', …)`); unset ones at their defaults. */
  tuning?: TuningInput<RetryHyperParams>;
}

export async function trainRetry(data: string | readonly string[], o: RetryTrainOptions): Promise<RetryTrainResult> {
  const t0 = performance.now();
  const tuning = tuningRecord<RetryHyperParams>(RETRY_FAMILY, RetryHyperParamsSchema, o.tuning);
  const hp = tuning.values;
  // In RetryFitOptions' order (the card lists them so).
  const fitOptions = { epochs: hp.epochs, learningRate: hp.learningRate, l2: hp.l2, seed: hp.seed };
  const { dirs, manifests, parts, byWorld } = await readRetryParts(data, hp.validationShare);
  const trainRows = retryRowsOf(parts.train);
  const fb = o.feedback ? outcomeRows(o.feedback.records) : null;
  const validationRows = retryRowsOf(parts.validation);
  o.onProgress?.('train retry', 0, 3);
  const fitted = fitRetryModel([...trainRows, ...(fb?.rows ?? [])], validationRows, fitOptions);
  o.onProgress?.('train retry', 1, 3);
  const waits = chooseWaits(parts.train, RETRY_LIMITS);
  const withWaits = fitted.withWaits(waits);
  // Failure ids are `<data set index>:<id>`: the data set is the world.
  const validationFeatures = featuresById(parts.validation, validationRows);
  const threshold = chooseReplayThreshold(withWaits, parts.validation, hp.maxWastedRetries, validationFeatures, (f) => f.id.slice(0, f.id.indexOf(':')));
  const model = withWaits.withThreshold(threshold);
  o.onProgress?.('train retry', 2, 3);
  const heldOut = heldOutMeasures(model, parts.test);
  const metrics = numeric(heldOut);
  const targets = checkTargets(RETRY_FAMILY, metrics);
  const validation = heldOutMeasures(model, parts.validation, validationFeatures);
  const saved = await o.registry.save(RETRY_FAMILY, {
    card: {
      dataset: datasetRef(manifests[0], dirs[0]),
      seed: hp.seed,
      codeVersion: codeVersion(),
      backend: { name: 'cpu', version: 'plain JavaScript' },
      hyperParameters: {
        model: 'logistic regression on hashed n-grams of the normalised log (tail lines and whole tail), exit code, step kind, attempt, step and test history, Platt-calibrated on validation, for P(a retry succeeds); a softmax over failure kinds on the same features folded smaller; per-kind backoff chosen on the training part; retry while P >= threshold, the lowest threshold whose validation replay spends at most 5 % retries per persistent failure',
        ...fitOptions,
        threshold,
        maxWastedOnValidation: hp.maxWastedRetries,
        limits: { ...RETRY_LIMITS },
        waits,
        datasets: dirs.map((dir, k) => ({ path: dir, scenario: manifests[k].scenario, seed: manifests[k].seed })),
        validation: numeric(validation),
      },
      split: { by: byWorld ? 'entity' : 'time', description: byWorld ? `by world: ${dirs.length - 1 - validationWorldsOf(dirs.length)} train, the ${validationWorldsOf(dirs.length)} before the last validate (calibration, threshold), the last is held out (these metrics: its failure episodes replayed under the rule)` : `per data set, pipelines in start order: oldest ${sharePct(retryFitShare(hp.validationShare))} % train, next ${sharePct(hp.validationShare)} % validation (calibration, threshold), newest ${Math.round((1 - RETRY_SPLIT.train - RETRY_SPLIT.validation) * 100)} % held out (these metrics: failure episodes replayed under the rule)`, rows: { train: trainRows.length + (fb?.rows.length ?? 0), validation: validationRows.length, test: parts.test.length }, seed: null },
      metrics,
      baselines: {},
      targets,
      // P(a retry succeeds) of every held-out failed step against its truth: the report's ROC, precision-recall and
      // reliability points.
      curves: classifierCurves(
        parts.test.map((f) => model.score(failedStepOf(f)).pRetry),
        parts.test.map((f) => f.truth.transient),
      ),
      notes: 'retry.json holds the weights (base64 Float32), the Platt scaling, the threshold, the kinds and the per-kind waits; it is scored without a tensor engine. Held-out metrics replay each failure episode under the served rule with the world\'s truth answering every retry.',
      ...(o.feedback && fb ? { feedback: { source: o.feedback.source, kind: o.feedback.kind, records: o.feedback.records.length, used: fb.rows.length, skipped: fb.skipped, skippedReasons: fb.skipped ? { 'not retried or outcome unknown': fb.skipped } : {}, missingFeatures: {}, positives: fb.rows.filter((r) => !r.retrySucceeds).length, weight: 1, sha256: createHash('sha256').update(JSON.stringify(o.feedback.records.filter((r) => r.retried && r.retrySucceeded !== null))).digest('hex') } } : {}),
      tuning,
    } as never,
    files: { [RETRY_MODEL_FILE]: JSON.stringify(model.json) },
  });
  const promotion = await o.registry.promoteIfBetter(RETRY_FAMILY, saved.version, async ({ champion }) => {
    const loaded = await o.registry.loadModel(RETRY_FAMILY, champion.version);
    let old: RetryModel;
    try {
      old = new RetryModel(JSON.parse(new TextDecoder().decode(loaded.files[RETRY_MODEL_FILE])) as RetryModelJSON);
    } catch (e) {
      return { atLeastAsGood: true, reason: `champion ${champion.version} cannot be read by this code (${(e as Error).message})` };
    }
    const theirs = heldOutMeasures(old, parts.test);
    const score = (m: RetryHeldOut) => m.transientRecoveryRate - 10 * Math.max(0, m.wastedRetryRate - MAX_WASTED_RETRIES);
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    return { atLeastAsGood: score(heldOut) >= score(theirs), reason: `on ${heldOut.episodes} held-out failures: transient recovered ${pct(heldOut.transientRecoveryRate)} / wasted ${pct(heldOut.wastedRetryRate)} vs champion ${champion.version} ${pct(theirs.transientRecoveryRate)} / ${pct(theirs.wastedRetryRate)}` };
  });
  o.onProgress?.('train retry', 3, 3);
  return {
    version: saved.version,
    split: saved.card.split.description,
    seconds: (performance.now() - t0) / 1000,
    data: dirs,
    rows: { train: trainRows.length, validation: validationRows.length, test: parts.test.length, feedback: fb?.rows.length ?? 0 },
    threshold,
    waits,
    heldOut,
    targets,
    feedback: o.feedback && fb ? { source: o.feedback.source, records: o.feedback.records.length, used: fb.rows.length, skipped: fb.skipped } : null,
    promotion: { promoted: promotion.promoted, champion: promotion.champion ?? null, reason: promotion.reason },
    tuning,
  };
}

/** The measures as card metrics (numbers only: an undefined ratio is left out). */
function numeric(m: RetryHeldOut): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

/** A version's (default: the champion's) held-out measures on other data sets' held-out parts. */
export async function evaluateRetry(data: string, o: { registry: ModelRegistry; version?: string }): Promise<{ version: string; data: string[]; heldOut: RetryHeldOut; targets: TargetResult[] }> {
  const loaded = await o.registry.loadModel(RETRY_FAMILY, o.version ?? 'champion');
  const bytes = loaded.files?.[RETRY_MODEL_FILE];
  if (!bytes) throw new RolloutlabError('BAD_DATA', `retry ${loaded.version} has no ${RETRY_MODEL_FILE}`, 'models');
  const model = new RetryModel(JSON.parse(new TextDecoder().decode(bytes)) as RetryModelJSON);
  const { dirs, parts } = await readRetryParts(data);
  const heldOut = heldOutMeasures(model, parts.test);
  return { version: loaded.version, data: dirs, heldOut, targets: checkTargets(RETRY_FAMILY, numeric(heldOut)) };
}

