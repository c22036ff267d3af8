// The ML judge trained and evaluated on a team's own recorded rollouts (`train judge --replay <file>`, `evaluate judge
// --replay <file>`, docs/judge.md "Training the judge on your own rollouts"): the labelled analysis windows that
// `backtest --replay` judges (cut in backtest/replay.ts, which reads the file; this layer only gets the windows), split
// by deployment and by time, then two candidates fitted on the older deployments and compared on a validation slice:
//
// - `scratch`: a new judge trained on the team's windows alone (nets, calibration, decision);
// - `recalibrated`: the simulated champion (`judge`) with its nets and standardisation kept, Platt refitted on the
//   team's fitting windows and the decision (threshold, band, evidence level) chosen on the validation slice. Only a
//   positive Platt slope is accepted, so the champion's monotonicity in bad requests survives.
//
// The one with the higher validation accuracy (then the lower validation false-pass rate; then the recalibrated one,
// which fits 2 numbers instead of thousands) is registered in its own registry folder, `judge-replay`, never in `judge`:
// the server, `backtest --replay`'s `ml` and the `ml` policy serve the `judge` champion, and a judge tuned on one
// team's rollouts (whose replay files lack the slow, saturation and callers' metrics the simulated worlds have) must
// never replace it silently. A version competes only with the `judge-replay` champion, on the candidate's held-out
// windows.
import { RolloutlabError } from '../../lib/errors.ts';
import { codeVersion } from '../../lib/version.ts';
import { capPass } from '../../judges/evidence.ts';
import { kayentaWindowJudge, type AnalysisWindow, type WindowVerdict } from '../../judges/window-judges.ts';
import { ModelRegistry, type PromotionResult } from '../registry.ts';
import type { TargetResult } from '../targets.ts';
import { REPLAY_VALIDATION_SHARE, type LabelledWindows } from './data.ts';
import { evaluateJudgeOn, scoreVerdicts, type JudgeEvaluation, type VerdictScore } from './evaluate.ts';
import { fitJudge, type JudgeFit, type JudgeFitOptions, type JudgePart } from './fit.ts';
import { JUDGE_FAMILY, JUDGE_MODEL_FILE, judgeCallerParams, judgeFitOptions, loadJudge } from './family.ts';
import type { JudgeModel } from './model.ts';
import { NET_DEFAULTS } from './net.ts';
import { tuningRecord, type HyperParamRecord, type TuningInput } from '../hyper-param-schema.ts';
import { JudgeReplayHyperParamsSchema, type JudgeReplayHyperParams } from './hyper-params.ts';

/** The registry folder of judges trained on recorded rollouts (never the served `judge` champion). */
export const JUDGE_REPLAY_FAMILY = 'judge-replay';
/** Fewer labelled windows than this, or fewer labelled deployments than REPLAY_MIN_DEPLOYMENTS, are refused. */
export const REPLAY_MIN_WINDOWS = 50;
export const REPLAY_MIN_DEPLOYMENTS = 10;
/** The newest share of labelled deployments held out; of the older ones, the newest REPLAY_VALIDATION_SHARE validates (hyper-parameter `validationShare`). */
export const REPLAY_HELD_OUT_SHARE = 0.2;
export { REPLAY_VALIDATION_SHARE };

/** What backtest/replay.ts hands over: the labelled windows of a replay file, deployments oldest first. */
export interface ReplayJudgeInput {
  file: string;
  format: string;
  /** sha256 of the file's bytes, and its data rows. */
  sha256: string;
  rows: number;
  intervalTicks: number;
  tickSeconds: number;
  /** How deployments were put in time order: by their earliest `timestamp`, or (some lack one) by first appearance in the file. */
  order: 'timestamp' | 'file';
  /** Every deployment, oldest first: its start (null without timestamps), windows cut, labelled and labelled fail. */
  deployments: { id: string; startedAt: number | null; windows: number; labelled: number; failWindows: number }[];
  /** The labelled windows only, in deployment order and tick order; `deployment[i]` is the deployment id. */
  windows: LabelledWindows;
  /** Windows cut without any labelled tick (left out). */
  unlabelledWindows: number;
}

export type ReplayPartName = 'fit' | 'validation' | 'heldOut';

export interface ReplayPart {
  deployments: number;
  windows: number;
  fail: number;
  pass: number;
  /** First and last deployment of the part (ids), and their starts when the file has timestamps. */
  first: string;
  last: string;
  from: string | null;
  to: string | null;
}

export interface ReplaySplit {
  /** Row indices into `windows`. */
  fit: number[];
  validation: number[];
  heldOut: number[];
  parts: Record<ReplayPartName, ReplayPart>;
  description: string;
}

const PART_TEXT: Record<ReplayPartName, string> = { fit: 'fitting', validation: 'validation', heldOut: 'held-out' };
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * Split by deployment and by time: the newest 20 % of the labelled deployments are held out, the newest
 * `validationShare` (20 %) of the rest validate (calibration, thresholds, the choice between candidates), the older ones fit. Refuses (BAD_DATA,
 * field `label`) a file without labels, too few labelled windows or deployments, and — for training every part, for
 * evaluation the held-out part — a part with only one label.
 */
export function replayTimeSplit(d: ReplayJudgeInput, use: 'train' | 'evaluate', validationShare = REPLAY_VALIDATION_SHARE): ReplaySplit {
  const w = d.windows;
  const refuse = (m: string) => new RolloutlabError('BAD_DATA', `${d.file}: ${m}`, 'label');
  if (w.n === 0) {
    throw refuse(`no labelled windows in ${d.deployments.length} deployment(s) (${d.unlabelledWindows} windows without a label): ${use === 'train' ? 'training' : 'evaluating'} a judge needs the label column (fail/pass per tick: fail while a material fault was active in the canary)`);
  }
  const order: string[] = [];
  for (const id of w.deployment) if (order[order.length - 1] !== id) order.push(id);
  if (w.n < REPLAY_MIN_WINDOWS || order.length < REPLAY_MIN_DEPLOYMENTS) {
    throw refuse(`too few labelled windows: ${w.n} in ${order.length} deployment(s) (windows of ${d.intervalTicks} ticks); a judge needs at least ${REPLAY_MIN_WINDOWS} labelled windows in ${REPLAY_MIN_DEPLOYMENTS} deployments to split them into fitting, validation and held-out parts`);
  }
  const n = order.length;
  const nHeld = Math.max(1, Math.round(REPLAY_HELD_OUT_SHARE * n));
  const nVal = Math.max(1, Math.round(validationShare * (n - nHeld)));
  const partOf = new Map<string, ReplayPartName>(order.map((id, k) => [id, k >= n - nHeld ? 'heldOut' : k >= n - nHeld - nVal ? 'validation' : 'fit']));
  const s: ReplaySplit = { fit: [], validation: [], heldOut: [], parts: {} as ReplaySplit['parts'], description: '' };
  for (let i = 0; i < w.n; i++) s[partOf.get(w.deployment[i])!].push(i);
  const started = new Map(d.deployments.map((x) => [x.id, x.startedAt]));
  for (const p of ['fit', 'validation', 'heldOut'] as const) {
    const ids = order.filter((id) => partOf.get(id) === p);
    const fail = s[p].reduce((a, i) => a + w.labels[i], 0);
    s.parts[p] = { deployments: ids.length, windows: s[p].length, fail, pass: s[p].length - fail, first: ids[0], last: ids[ids.length - 1], from: iso(started.get(ids[0]) ?? null), to: iso(started.get(ids[ids.length - 1]) ?? null) };
  }
  for (const p of use === 'train' ? (['fit', 'validation', 'heldOut'] as const) : (['heldOut'] as const)) {
    const q = s.parts[p];
    if (q.fail === 0 || q.pass === 0) {
      throw refuse(
        `the ${PART_TEXT[p]} part (${q.deployments} deployment(s), ${q.first} to ${q.last}) has only ${q.fail === 0 ? 'pass' : 'fail'} windows (${q.windows}): ` +
          `${p === 'heldOut' ? 'accuracy and the false-pass rate need both labels' : 'fitting and choosing thresholds need both labels'}; record more rollouts, with bad canaries among the ${p === 'heldOut' ? 'newest' : 'older'} ones`,
      );
    }
  }
  const when = d.order === 'timestamp' ? 'by their earliest timestamp' : 'by first appearance in the file (not every deployment has a timestamp)';
  s.description = `by deployment and time (${when}): the newest ${nHeld} of ${n} labelled deployments held out (from ${s.parts.heldOut.first}), the newest ${nVal} of the rest validate, the oldest ${n - nHeld - nVal} fit`;
  return s;
}

/** A judge's verdicts on labelled windows: canary verdict accuracy and the false-pass rate, with the per-label counts. */
export interface ReplayScore extends VerdictScore {
  /** Fail-labelled windows judged pass: windows a deploy system would have promoted past. */
  falsePasses: number;
  /** falsePasses / fail-labelled windows (null without any): the figure a fail-closed gate must keep low. */
  falsePassRate: number | null;
  /** Label → verdict → windows. */
  confusion: Record<'fail' | 'pass', Record<WindowVerdict, number>>;
}

type Verdicts = (w: AnalysisWindow) => WindowVerdict;

/** The learned judge as served: a pass on a window without sufficient evidence is inconclusive (judges/evidence.ts). */
const mlVerdicts = (model: JudgeModel): Verdicts => (w) => capPass('ml', w, model.judge(w, { reasons: false })).verdict;
const kayentaVerdicts = (): Verdicts => {
  const k = kayentaWindowJudge();
  return (w) => k.judge(w).verdict;
};

export function replayScore(judge: Verdicts, windows: LabelledWindows, rows: readonly number[]): ReplayScore {
  const verdicts = rows.map((r) => judge(windows.windows[r]));
  const labels = Uint8Array.from(rows, (r) => windows.labels[r]);
  const confusion: ReplayScore['confusion'] = { fail: { pass: 0, fail: 0, inconclusive: 0 }, pass: { pass: 0, fail: 0, inconclusive: 0 } };
  verdicts.forEach((v, i) => confusion[labels[i] ? 'fail' : 'pass'][v]++);
  const base = scoreVerdicts(verdicts, labels);
  return { ...base, falsePasses: confusion.fail.pass, falsePassRate: base.failWindows ? confusion.fail.pass / base.failWindows : null, confusion };
}

export interface ReplayCandidate {
  name: 'scratch' | 'recalibrated';
  /** Null when it could not be fitted (no simulated champion, or its calibration failed), with the reason. */
  validation: ReplayScore | null;
  heldOut: ReplayScore | null;
  decision: JudgeModel['decision'] | null;
  note: string | null;
}

export interface JudgeReplayTrainResult {
  family: typeof JUDGE_REPLAY_FAMILY;
  version: string;
  dir: string;
  file: string;
  sha256: string;
  intervalTicks: number;
  order: ReplayJudgeInput['order'];
  /** The candidate registered. */
  method: ReplayCandidate['name'];
  split: ReplaySplit;
  candidates: ReplayCandidate[];
  /** On the held-out windows: the registered judge, Kayenta's judge, and the simulated champion as it is (null: none). */
  heldOut: { ml: ReplayScore; kayenta: ReplayScore; champion: ReplayScore | null; championVersion: string | null };
  /** The registered judge on the held-out windows in the judge family's evaluation shape (slices, targets). */
  evaluation: JudgeEvaluation;
  decision: JudgeModel['decision'];
  targets: TargetResult[];
  promotion: PromotionResult;
  backend: string;
  windows: { labelled: number; unlabelled: number; deployments: number };
  seconds: number;
  /** The hyper-parameters used, as the card's `tuning` records them. */
  tuning: HyperParamRecord;
}

export interface JudgeReplayTrainOptions extends Pick<JudgeFitOptions, 'seed' | 'members' | 'net' | 'augmentShared' | 'onProgress'> {
  registry?: ModelRegistry;
  /** The hyper-parameters (training/hyper-params.ts `resolveHyperParams('judge-replay', …)`); the options above, when given, win (recorded as set by the caller). */
  tuning?: TuningInput<JudgeReplayHyperParams>;
}

/** The served champion, or null with why (none, or one this code cannot load). */
async function simulatedChampion(registry: ModelRegistry): Promise<{ model: JudgeModel | null; note: string | null }> {
  try {
    return { model: await loadJudge(registry), note: null };
  } catch (e) {
    if (e instanceof RolloutlabError && (e.code === 'NOT_FOUND' || e.code === 'BAD_DATA')) return { model: null, note: `no simulated judge champion to recalibrate (${e.message})` };
    throw e;
  }
}

const better = (a: ReplayScore, b: ReplayScore) => (a.accuracy ?? 0) - (b.accuracy ?? 0) || (b.falsePassRate ?? 0) - (a.falsePassRate ?? 0);

/** Train on a replay file's labelled windows (see the header) and register the chosen candidate in `judge-replay`. */
export async function trainJudgeReplay(d: ReplayJudgeInput, opts: JudgeReplayTrainOptions = {}): Promise<JudgeReplayTrainResult> {
  const t0 = performance.now();
  const tuning: HyperParamRecord & { values: JudgeReplayHyperParams } = tuningRecord(JUDGE_REPLAY_FAMILY, JudgeReplayHyperParamsSchema, opts.tuning, judgeCallerParams(opts));
  // The data first: a recording that cannot be split is named as such before anything is loaded or written.
  const split = replayTimeSplit(d, 'train', tuning.values.validationShare);
  const { initBackend } = await import('../backend.ts');
  const backend = await initBackend();
  const registry = opts.registry ?? new ModelRegistry();
  const part: JudgePart = { windows: d.windows, tag: d.sha256, windowsSha256: null, split: { train: split.fit, validation: split.validation, test: split.heldOut, description: split.description } };
  // The split is this file's (by time, above): validationShare is not the seeded split's.
  const { validationShare: _, ...fitParams } = judgeFitOptions(tuning.values);
  const fitOpts: JudgeFitOptions = { ...fitParams, onProgress: opts.onProgress };
  const fits: Partial<Record<ReplayCandidate['name'], JudgeFit>> = { scratch: await fitJudge([part], fitOpts) };
  const champ = await simulatedChampion(registry);
  const candidates: ReplayCandidate[] = [];
  let recalNote = champ.note;
  if (champ.model) {
    try {
      fits.recalibrated = await fitJudge([part], { ...fitOpts, recalibrate: champ.model });
    } catch (e) {
      if (!(e instanceof RolloutlabError && e.code === 'BAD_DATA')) throw e;
      recalNote = `the simulated champion ${champ.model.version} could not be recalibrated (${e.message})`;
    }
  }
  for (const name of ['scratch', 'recalibrated'] as const) {
    const f = fits[name];
    candidates.push(
      f
        ? { name, validation: replayScore(mlVerdicts(f.model), d.windows, split.validation), heldOut: replayScore(mlVerdicts(f.model), d.windows, split.heldOut), decision: f.model.decision, note: name === 'recalibrated' ? `from judge ${champ.model!.version}` : null }
        : { name, validation: null, heldOut: null, decision: null, note: recalNote },
    );
  }
  const [scratch, recal] = candidates;
  const method = recal.validation && better(recal.validation, scratch.validation!) >= 0 ? 'recalibrated' : 'scratch';
  const chosen = fits[method]!;
  const evaluation = evaluateJudgeOn(chosen.model, [{ windows: d.windows, rows: split.heldOut, part: 'held out (newest deployments)' }]);
  const heldOut = {
    ml: candidates.find((c) => c.name === method)!.heldOut!,
    kayenta: replayScore(kayentaVerdicts(), d.windows, split.heldOut),
    champion: champ.model ? replayScore(mlVerdicts(champ.model), d.windows, split.heldOut) : null,
    championVersion: champ.model?.version ?? null,
  };
  const metrics: Record<string, number> = { ...evaluation.metrics, validationAccuracy: candidates.find((c) => c.name === method)!.validation!.accuracy ?? 0 };
  if (heldOut.ml.falsePassRate !== null) metrics.falsePassRate = heldOut.ml.falsePassRate;
  const baseline = (s: ReplayScore): Record<string, number> => {
    const o: Record<string, number> = {};
    for (const k of ['accuracy', 'inconclusiveRate', 'failPrecision', 'failRecall', 'falsePassRate'] as const) if (s[k] !== null && Number.isFinite(s[k])) o[k] = s[k]!;
    return o;
  };
  const j = chosen.model.toJSON();
  const net = { ...NET_DEFAULTS, ...fitParams.net };
  const saved = await registry.save(JUDGE_REPLAY_FAMILY, {
    card: {
      dataset: { kind: 'replay', scenario: null, seed: null, codeVersion: codeVersion(), tables: { replay: { rows: d.rows, sha256: d.sha256 } }, path: d.file },
      seed: j.training.seed,
      codeVersion: codeVersion(),
      backend: { name: backend.name, version: backend.version },
      hyperParameters: {
        model:
          method === 'recalibrated'
            ? `the simulated judge champion ${champ.model!.version} (its nets and standardisation), Platt refitted on the fitting windows, decision chosen on the validation windows`
            : `ensemble of ${j.members.length} ReLU nets (${[j.members[0].sizes[0], ...net.hidden, 1].join(' → ')}) trained on the recorded windows alone, monotone in the canary's bad-request features, Platt-scaled and thresholded on the validation windows`,
        method,
        trainedOn: { file: d.file, format: d.format, sha256: d.sha256, rows: d.rows, intervalTicks: d.intervalTicks, tickSeconds: d.tickSeconds, order: d.order },
        label: "the file's label column: a window is fail if any of its ticks is labelled fail",
        windows: { labelled: d.windows.n, unlabelled: d.unlabelledWindows },
        parts: split.parts,
        candidates: candidates.map((c) => ({ name: c.name, validationAccuracy: c.validation?.accuracy ?? null, validationFalsePassRate: c.validation?.falsePassRate ?? null, note: c.note })),
        decision: { ...j.decision },
        ...(method === 'scratch' ? { members: j.members.length, net, augmentShared: j.training.augmentedShared } : { recalibratedFrom: champ.model!.version, platt: j.platt }),
      },
      split: { by: 'time', description: split.description, rows: { train: split.fit.length, validation: split.validation.length, test: split.heldOut.length }, seed: null },
      metrics,
      baselines: { kayenta: baseline(heldOut.kayenta), ...(heldOut.champion ? { simulatedChampion: baseline(heldOut.champion) } : {}) },
      targets: evaluation.targets,
      notes:
        `Trained on recorded rollouts (${d.file}), not on simulated worlds: registered under ${JUDGE_REPLAY_FAMILY}, never the served ${JUDGE_FAMILY} champion. ` +
        'Metrics are on the held-out windows (the newest deployments); falsePassRate is fail-labelled windows judged pass over fail-labelled windows.',
      tuning,
    },
    files: { [JUDGE_MODEL_FILE]: JSON.stringify(j) },
  });
  const promotion = await registry.promoteIfBetter(JUDGE_REPLAY_FAMILY, saved.version, async ({ champion }) => {
    const old = await loadJudge(registry, champion.version, JUDGE_REPLAY_FAMILY);
    const o = replayScore(mlVerdicts(old), d.windows, split.heldOut);
    const [aNew, aOld] = [heldOut.ml.accuracy ?? 0, o.accuracy ?? 0];
    return { atLeastAsGood: aNew >= aOld, reason: `accuracy ${aNew.toFixed(4)} vs champion ${champion.version} ${aOld.toFixed(4)} (false-pass rate ${(heldOut.ml.falsePassRate ?? 0).toFixed(4)} vs ${(o.falsePassRate ?? 0).toFixed(4)}) on the ${split.heldOut.length} held-out windows of ${d.file}` };
  });
  return {
    family: JUDGE_REPLAY_FAMILY,
    version: saved.version,
    dir: saved.dir,
    file: d.file,
    sha256: d.sha256,
    intervalTicks: d.intervalTicks,
    order: d.order,
    method,
    split,
    candidates,
    heldOut,
    evaluation,
    decision: chosen.model.decision,
    targets: evaluation.targets,
    promotion,
    backend: backend.name,
    windows: { labelled: d.windows.n, unlabelled: d.unlabelledWindows, deployments: d.deployments.length },
    seconds: (performance.now() - t0) / 1000,
    tuning,
  };
}

export interface JudgeReplayEvaluation {
  family: typeof JUDGE_REPLAY_FAMILY;
  version: string;
  file: string;
  intervalTicks: number;
  heldOut: ReplayPart;
  /** The judge-replay model, Kayenta's judge and the served simulated champion (null: none) on the same windows. */
  judges: { ml: ReplayScore; kayenta: ReplayScore; champion: ReplayScore | null };
  championVersion: string | null;
  evaluation: JudgeEvaluation;
  targets: TargetResult[];
}

/** The `judge-replay` champion (or a version) on a replay file's held-out windows (its newest 20 % of deployments). */
export async function evaluateJudgeReplay(d: ReplayJudgeInput, opts: { registry?: ModelRegistry; version?: string } = {}): Promise<JudgeReplayEvaluation> {
  const split = replayTimeSplit(d, 'evaluate');
  const registry = opts.registry ?? new ModelRegistry();
  const model = await loadJudge(registry, opts.version ?? 'champion', JUDGE_REPLAY_FAMILY);
  const champ = await simulatedChampion(registry);
  const evaluation = evaluateJudgeOn(model, [{ windows: d.windows, rows: split.heldOut, part: 'held out (newest deployments)' }]);
  return {
    family: JUDGE_REPLAY_FAMILY,
    version: model.version ?? 'champion',
    file: d.file,
    intervalTicks: d.intervalTicks,
    heldOut: split.parts.heldOut,
    judges: {
      ml: replayScore(mlVerdicts(model), d.windows, split.heldOut),
      kayenta: replayScore(kayentaVerdicts(), d.windows, split.heldOut),
      champion: champ.model ? replayScore(mlVerdicts(champ.model), d.windows, split.heldOut) : null,
    },
    championVersion: champ.model?.version ?? null,
    evaluation,
    targets: evaluation.targets,
  };
}
