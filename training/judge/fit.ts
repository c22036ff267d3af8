// Fitting the ML judge: features of every labelled window, the seeded split by deployment, an ensemble of small nets
// trained with TensorFlow.js, Platt scaling, and the decision thresholds — all chosen on the validation split.
import { RolloutlabError } from '../../lib/errors.ts';
import { fitPlatt } from '../gam.ts';
import { JUDGE_FEATURES, JUDGE_FEATURE_NAMES, JUDGE_MONOTONE_FEATURES, windowFeatures } from './features.ts';
import { JUDGE_MODEL_FORMAT, JudgeModel, canaryRequestsAll, type JudgeDecision, type JudgeModelJSON } from './model.ts';
import { NET_DEFAULTS, monotoneMasks, type NetJSON, type NetOptions, type NetTraining } from './net.ts';
import { LOW_TRAFFIC_REQUESTS, splitByDeployment, type LabelledWindows } from './data.ts';
import { drawSharedIncident, withSharedIncident } from './augment.ts';
import { Rng } from '../../lib/rng.ts';
import { EVIDENCE_Z_DEFAULT, EVIDENCE_Z_GRID, logNormalUpper, strongestExcess } from './evidence.ts';
import type { AnalysisWindow } from '../../judges/window-judges.ts';

/** Below this many canary requests in a window the judge does not pass (a handful of requests shows nothing healthy). */
export const MIN_CANARY_REQUESTS = 5;
/**
 * The uncertain band for low-traffic windows grows around the fail threshold in rings of 0.05 (at most 0.3) while the
 * judge's verdicts on the low-traffic validation windows a ring adds were right at most this often — there it would be
 * guessing. Rings are pooled until they hold BAND_MIN_WINDOWS windows before they are judged.
 */
export const GUESS_ACCURACY = 0.6;
export const BAND_MIN_WINDOWS = 20;

export interface JudgeFitOptions {
  /** Root seed: the split, the initialisers and the shuffles derive their streams from it (default 1). */
  seed?: number;
  /** Ensemble members (default 3). */
  members?: number;
  net?: Partial<NetOptions>;
  /** Standardised features are clipped to ±clip (default 8): replayed data can be wilder than the training worlds. */
  clip?: number;
  minRequests?: number;
  guessAccuracy?: number;
  /** Share of fitting windows copied with a synthetic shared incident hitting both cohorts (augment.ts; default 0.2). */
  augmentShared?: number;
  /** Share of deployments that validate in the seeded split by deployment (default SPLIT_SHARES.validation; parts with a given split keep theirs). */
  validationShare?: number;
  /**
   * Recalibrate this judge instead of training nets: keep its nets and standardisation, refit Platt on the fitting rows
   * and choose the decision (threshold, band, evidence level) on the validation rows, as for a new judge. What a team
   * with a few hundred recorded windows can afford to fit (training/judge/replay.ts).
   */
  recalibrate?: JudgeModel;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export const JUDGE_FIT_DEFAULTS = { seed: 1, members: 3, clip: 8, augmentShared: 0.2 };

export interface JudgePart {
  windows: LabelledWindows;
  /** Identity of the data for the split stream (the windows table's sha256 for a data set). */
  tag: string;
  windowsSha256: string | null;
  /** The part's split as given (indices within the part), instead of the seeded split by deployment. */
  split?: { train: number[]; validation: number[]; test: number[]; description: string };
}

export interface JudgeFitSplit {
  /** Row indices into the concatenation of the parts, in part order. */
  train: number[];
  validation: number[];
  test: number[];
  /** Per part: its row range and its own split (indices within the part). */
  parts: { start: number; end: number; train: number; validation: number; test: number }[];
  description: string;
  seed: number;
}

export interface JudgeFit {
  model: JudgeModel;
  split: JudgeFitSplit;
  /** On the validation split, with the chosen decision. */
  validation: { windows: number; accuracy: number; inconclusiveRate: number; logLoss: number; thresholdAccuracy: { threshold: number; accuracy: number }[]; /** Per ring [band − 0.05, band) around the threshold: low-traffic validation windows and the verdicts' accuracy. */
    band: { band: number; windows: number; accuracy: number | null }[];
    /** Accuracy with the evidence rule at each level tried (null level: the net alone), and the windows it fires on. */
    evidenceZ: { level: number | null; accuracy: number; fires: number; firesOnPass: number }[] };
  members: NetTraining[];
  seconds: { features: number; train: number; total: number };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Fit the judge on labelled windows of one or several sources. */
export async function fitJudge(parts: readonly JudgePart[], opts: JudgeFitOptions = {}): Promise<JudgeFit> {
  const t0 = performance.now();
  const seed = opts.seed ?? JUDGE_FIT_DEFAULTS.seed;
  const members = opts.members ?? JUDGE_FIT_DEFAULTS.members;
  const clip = opts.clip ?? JUDGE_FIT_DEFAULTS.clip;
  const netOptions = { ...NET_DEFAULTS, ...opts.net };
  if (parts.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'judge: no windows to train on', 'data');
  const F = JUDGE_FEATURES.length;
  const N = parts.reduce((a, p) => a + p.windows.n, 0);
  const X = new Float64Array(N * F);
  const y = new Uint8Array(N);
  const canaryAll = new Float64Array(N);
  const baselineReq = new Float64Array(N);
  /** ln p-value of the evidence rule's strongest test per window. */
  const evidenceLogP = new Float64Array(N);
  const split: JudgeFitSplit = { train: [], validation: [], test: [], parts: [], description: '', seed };
  let at = 0;
  for (const p of parts) {
    const d = p.windows;
    for (let i = 0; i < d.n; i++) {
      const { summary } = windowFeatures(d.windows[i], X.subarray((at + i) * F, (at + i + 1) * F));
      y[at + i] = d.labels[i];
      canaryAll[at + i] = canaryRequestsAll(d.windows[i]);
      baselineReq[at + i] = summary.baseline.requests;
      evidenceLogP[at + i] = strongestExcess(summary.canary, summary.baseline, undefined, false).logP;
    }
    const s = p.split ? { ...p.split, seed } : splitByDeployment(d, seed, p.tag, opts.validationShare);
    split.train.push(...s.train.map((r) => r + at));
    split.validation.push(...s.validation.map((r) => r + at));
    split.test.push(...s.test.map((r) => r + at));
    split.parts.push({ start: at, end: at + d.n, train: s.train.length, validation: s.validation.length, test: s.test.length });
    split.description = s.description;
    at += d.n;
  }
  if (split.train.length === 0 || split.validation.length === 0) throw new RolloutlabError('BAD_DATA', `judge: ${N} windows leave ${split.train.length} to fit and ${split.validation.length} to validate on; give more deployments`, 'data');
  if (parts.length > 1) split.description += `; each of the ${parts.length} sources split on its own, the parts concatenated`;
  const tFeatures = performance.now();

  // Standardisation and occlusion reference from the fitting rows (a recalibrated judge keeps its own).
  const base = opts.recalibrate?.toJSON();
  const mean: number[] = base ? [...base.encoder.mean] : [];
  const sd: number[] = base ? [...base.encoder.sd] : [];
  const reference: number[] = base ? [...base.encoder.reference] : [];
  for (let k = 0; k < F && !base; k++) {
    const xs: number[] = [];
    for (const r of split.train) {
      const v = X[r * F + k];
      if (Number.isFinite(v)) xs.push(v);
    }
    const m = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
    const s = xs.length ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) : 1;
    mean.push(m);
    sd.push(s > 1e-12 ? s : 1);
    const med = median(xs);
    reference.push(Number.isFinite(med) ? med : m);
  }
  let augmentedCount = 0;
  const emptyDecision: JudgeDecision = { failThreshold: 0.5, band: 0, lowTrafficRequests: LOW_TRAFFIC_REQUESTS, minRequests: opts.minRequests ?? MIN_CANARY_REQUESTS };
  const skeleton = (nets: NetJSON[], platt = { a: 1, b: 0 }, decision = emptyDecision, prior = 0, trainings: NetTraining[] = []): JudgeModelJSON => ({
    format: JUDGE_MODEL_FORMAT,
    features: [...JUDGE_FEATURE_NAMES],
    monotone: [...JUDGE_MONOTONE_FEATURES],
    encoder: { mean, sd, reference, clip: base ? base.encoder.clip : clip },
    members: nets,
    platt,
    decision,
    prior,
    training: {
      seed,
      splitSeed: seed,
      datasets: parts.map((p) => ({ tag: p.tag, windowsSha256: p.windowsSha256, source: p.windows.source })),
      rows: { train: split.train.length, validation: split.validation.length, test: split.test.length },
      augmentedShared: augmentedCount,
      members: trainings.map((t) => ({ epochs: t.epochs, bestEpoch: t.bestEpoch, trainLoss: t.trainLoss, validationLoss: t.validationLoss })),
    },
  });
  // Encoded rows (any member's encoder is the same).
  const placeholder: NetJSON = { sizes: [2 * F, 1], weights: [new Array(2 * F).fill(0)], biases: [[0]] };
  const enc = JudgeModel.fromJSON(skeleton([placeholder]));
  const encodeRows = (rows: number[]) => {
    const out = new Float32Array(rows.length * 2 * F);
    const buf = new Float64Array(2 * F);
    rows.forEach((r, i) => out.set(enc.encode(X.subarray(r * F, (r + 1) * F), buf), i * 2 * F));
    return out;
  };
  // Fitting rows, plus copies of some with a synthetic shared incident (label unchanged).
  const windowsOf: AnalysisWindow[] = parts.flatMap((p) => p.windows.windows);
  const augRng = new Rng(seed, 'judge-augment');
  const share = opts.augmentShared ?? JUDGE_FIT_DEFAULTS.augmentShared;
  const aug: number[] = [];
  const augX: number[] = [];
  const f = new Float64Array(F);
  for (const r of base ? [] : split.train) {
    if (!(share > 0) || !augRng.bernoulli(share)) continue;
    const w = windowsOf[r];
    windowFeatures(withSharedIncident(w, drawSharedIncident(augRng, w.canary.length), augRng), f);
    aug.push(r);
    augX.push(...f);
  }
  const Xtr0 = encodeRows(split.train);
  const Xtr = new Float32Array(Xtr0.length + aug.length * 2 * F);
  Xtr.set(Xtr0);
  const buf2 = new Float64Array(2 * F);
  aug.forEach((_, i) => Xtr.set(enc.encode(augX.slice(i * F, (i + 1) * F), buf2), Xtr0.length + i * 2 * F));
  const Xva = encodeRows(split.validation);
  const ytr = Float32Array.from([...split.train, ...aug], (r) => y[r]);
  augmentedCount = aug.length;
  const yva = Float32Array.from(split.validation, (r) => y[r]);

  // Loaded here: scoring a saved judge needs no tensor engine, so the modules it shares with training do not load tfjs.
  const { trainNet } = await import('./net-train.ts');
  const nets: NetJSON[] = base ? [...base.members] : [];
  const trainings: NetTraining[] = [];
  // Every net monotone in the canary's bad-request features (their values; their missing flags are free).
  const masks = monotoneMasks([2 * F, ...netOptions.hidden, 1], JUDGE_MONOTONE_FEATURES.map((name) => JUDGE_FEATURE_NAMES.indexOf(name)), netOptions.monotoneShare);
  for (let m = 0; m < (base ? 0 : members); m++) {
    const { net, training } = await trainNet(Xtr, ytr, Xva, yva, 2 * F, seed * 1000 + m, netOptions, (e) => opts.onProgress?.(`train judge (member ${m + 1}/${members}, epochs)`, e + 1, netOptions.maxEpochs), masks);
    nets.push(net);
    trainings.push(training);
  }
  const tTrain = performance.now();

  // Platt scaling on the validation rows; a recalibrated judge's on the fitting rows, which its nets never saw (the
  // validation rows then choose the decision alone).
  const raw = JudgeModel.fromJSON(skeleton(nets));
  const plattRows = base ? split.train : split.validation;
  const zPlatt = Float64Array.from(plattRows, (r) => raw.logit(X.subarray(r * F, (r + 1) * F)));
  const platt = fitPlatt(zPlatt, base ? Float32Array.from(split.train, (r) => y[r]) : yva);
  // A non-positive slope would reverse the nets' order (and break monotonicity): the nets learned nothing usable.
  if (!(platt.a > 0)) throw new RolloutlabError('BAD_DATA', `judge: calibration slope ${platt.a} on the ${base ? 'fitting' : 'validation'} windows is not positive: the nets did not learn to rank fail windows above pass windows`, 'data');
  const calibrated = JudgeModel.fromJSON(skeleton(nets, platt));
  const pVal = Float64Array.from(split.validation, (r) => calibrated.probability(X.subarray(r * F, (r + 1) * F)));
  const prior = yva.reduce((a, b) => a + b, 0) / yva.length;

  // Decision thresholds on the validation rows.
  // With `evidenceZ` set, the evidence rule as JudgeModel.judge applies it (P(fail) raised to 1 − p where it fires);
  // without it, the net alone.
  const decide = (d: JudgeDecision) => {
    const m = calibrated.withDecision(d);
    const lim = d.evidenceZ === undefined ? -Infinity : logNormalUpper(d.evidenceZ);
    let correct = 0;
    let inconclusive = 0;
    let fires = 0;
    let firesOnPass = 0;
    split.validation.forEach((r, i) => {
      const lp = evidenceLogP[r];
      const fire = lp < 0 && lp <= lim;
      if (fire) {
        fires++;
        if (!y[r]) firesOnPass++;
      }
      const v = m.decide(fire ? Math.max(pVal[i], -Math.expm1(lp)) : pVal[i], canaryAll[r], baselineReq[r]).verdict;
      if (v === 'inconclusive') inconclusive++;
      else if ((v === 'fail' ? 1 : 0) === y[r]) correct++;
    });
    return { accuracy: correct / split.validation.length, inconclusiveRate: inconclusive / split.validation.length, fires, firesOnPass };
  };
  const thresholdAccuracy: { threshold: number; accuracy: number }[] = [];
  let best = { threshold: 0.5, accuracy: -1 };
  for (let k = 5; k <= 95; k++) {
    const t = k / 100;
    const { accuracy } = decide({ ...emptyDecision, failThreshold: t });
    thresholdAccuracy.push({ threshold: t, accuracy });
    if (accuracy > best.accuracy + 1e-12 || (Math.abs(accuracy - best.accuracy) <= 1e-12 && Math.abs(t - 0.5) < Math.abs(best.threshold - 0.5))) best = { threshold: t, accuracy };
  }
  const t = best.threshold;
  const guess = opts.guessAccuracy ?? GUESS_ACCURACY;
  const bandRows: { band: number; windows: number; accuracy: number | null }[] = [];
  let band = 0;
  // Rings of 0.05 around the threshold, pooled until they hold BAND_MIN_WINDOWS low-traffic validation windows: the band
  // grows by a pool while the judge's verdicts in it were right at most GUESS_ACCURACY of the time.
  let pooled = 0;
  let pooledRight = 0;
  for (let k = 1; k <= 6; k++) {
    const lo = (k - 1) * 0.05;
    const hi = k * 0.05;
    let n = 0;
    let correct = 0;
    split.validation.forEach((r, i) => {
      if (canaryAll[r] < emptyDecision.minRequests || canaryAll[r] >= emptyDecision.lowTrafficRequests || baselineReq[r] <= 0) return;
      const dist = Math.abs(pVal[i] - t);
      if (dist < lo || dist >= hi) return;
      n++;
      if ((pVal[i] >= t ? 1 : 0) === y[r]) correct++;
    });
    bandRows.push({ band: Math.round(hi * 100) / 100, windows: n, accuracy: n ? correct / n : null });
    pooled += n;
    pooledRight += correct;
    if (pooled < BAND_MIN_WINDOWS) continue;
    if (pooledRight / pooled > guess) break;
    band = Math.round(hi * 100) / 100;
    pooled = 0;
    pooledRight = 0;
  }
  // The evidence rule's level: the highest validation accuracy over EVIDENCE_Z_GRID with the net's threshold and band,
  // among equals the one closest to EVIDENCE_Z_DEFAULT (a small validation split ties everywhere).
  const withRule = (level: number | null) => {
    const { accuracy, fires, firesOnPass } = decide({ ...emptyDecision, failThreshold: t, band, ...(level === null ? {} : { evidenceZ: level }) });
    return { level, accuracy, fires, firesOnPass };
  };
  const evidenceRows = [withRule(null), ...EVIDENCE_Z_GRID.map(withRule)];
  let bestZ = evidenceRows[1];
  const fromDefault = (r: { level: number | null }) => Math.abs(r.level! - EVIDENCE_Z_DEFAULT);
  for (const r of evidenceRows.slice(1)) if (r.accuracy > bestZ.accuracy + 1e-12 || (Math.abs(r.accuracy - bestZ.accuracy) <= 1e-12 && fromDefault(r) < fromDefault(bestZ))) bestZ = r;
  const decision: JudgeDecision = { ...emptyDecision, failThreshold: t, band, evidenceZ: bestZ.level! };
  const model = JudgeModel.fromJSON(skeleton(nets, platt, decision, prior, trainings));
  const v = decide(decision);
  let ll = 0;
  split.validation.forEach((r, i) => {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, pVal[i]));
    ll -= y[r] ? Math.log(q) : Math.log(1 - q);
  });
  const t1 = performance.now();
  return {
    model,
    split,
    validation: { windows: split.validation.length, accuracy: v.accuracy, inconclusiveRate: v.inconclusiveRate, logLoss: ll / split.validation.length, thresholdAccuracy, band: bandRows, evidenceZ: evidenceRows },
    members: trainings,
    seconds: { features: (tFeatures - t0) / 1000, train: (tTrain - tFeatures) / 1000, total: (t1 - t0) / 1000 },
  };
}
