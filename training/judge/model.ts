// The ML canary judge as a scoring object: window → features → an ensemble of small nets → a Platt-calibrated
// P(fail) → pass / fail / inconclusive, with per-metric reasons. Plain numbers only: `judge` is synchronous and needs
// no tensor engine, and `toJSON` / `fromJSON` carry the model to a worker thread or a rollout policy as JSON.
//
// Decision (thresholds fitted on the validation split, see training/judge/fit.ts):
//   - no canary requests, or no baseline requests, in the window            → inconclusive (nothing to compare);
//   - fewer than `minRequests` canary requests: fail if P(fail) >= the fail threshold, otherwise inconclusive —
//     a handful of requests cannot show that a change is healthy, so the judge does not pass it on the base rate;
//   - fewer than `lowTrafficRequests` canary requests and P(fail) within `band` of the threshold → inconclusive
//     (on validation the judge was right there no more often than a coin that leans: see `GUESS_ACCURACY`);
//   - otherwise fail if P(fail) >= the threshold, else pass;
//   - a P(fail) that is not a number in [0, 1] (a corrupted model) → inconclusive, never a verdict.
//
// Evidence rule beside the net (evidence.ts): when the canary's bad-request, error, slow-request or callers' error
// ratio is above the baseline's by more than the materiality margin (10 % relative) at a one-sided exact z of at
// least `decision.evidenceZ`, P(fail) is at least 1 − that test's p-value, so the window fails whatever the net
// learned (the net alone passed a canary slow on 10x the baseline's share of thousands of requests, with p99 equal).
// The combined P(fail) = max(net, rule) stays non-decreasing in the canary's bad counts, and the decision line names
// the rule and its z.
//
// Monotone in evidence: the logit is non-decreasing in every feature of `JUDGE_MONOTONE_FEATURES` (the canary's
// errors, slow requests and callers' errors against the baseline's), checked from the weights when a model loads
// (net.ts `checkMonotone`) and Platt's slope must be positive, so more bad canary requests with everything else fixed
// never lower P(fail). A reason from those metrics never speaks for passing while the canary's ratio is above the
// baseline's.
//
// Reasons: the first line states the decision; then, per metric group (bad-request ratio, error ratio, latency,
// conversions, callers' errors, saturation, traffic, the baseline's own state), how much the group moved the
// calibrated logit — the logit with the window's values minus the logit with that group's features set to their
// training medians (a typical window) — with the canary and baseline figures behind it. Groups that support the
// verdict come first (towards fail for a fail, towards pass for a pass; by size for an inconclusive); groups with
// nothing measured in the window are left out. The net is not additive, so the group contributions need not sum to
// the logit.
import { RolloutlabError, show } from '../../lib/errors.ts';
import { registerWindowJudge, type AnalysisWindow, type WindowJudge, type WindowVerdict } from '../../judges/window-judges.ts';
import { notProbabilities } from '../../lib/scores.ts';
import { JUDGE_FEATURES, JUDGE_FEATURE_NAMES, JUDGE_MONOTONE_FEATURES, JUDGE_MONOTONE_GROUPS, windowFeatures, type JudgeMetricGroup, type WindowSummary } from './features.ts';
import { checkMonotone, firstLayer, logitFromFirst, logitWithMovedInputs, prepareOcclusions, scoringNet, type NetJSON, type ScoringNet } from './net.ts';
import { EVIDENCE_Z_DEFAULT, describeExcess, logNormalUpper, strongestExcess, withZOf, type EvidenceTest } from './evidence.ts';

/** Format 2: robust baseline, conversions per request, and a net monotone in `monotone` (format 1 had neither); `decision.evidenceZ` optional (absent: EVIDENCE_Z_DEFAULT). */
export const JUDGE_MODEL_FORMAT = 'rolloutlab-judge-2';

export interface JudgeDecision {
  /** P(fail) at or above which a window fails. */
  failThreshold: number;
  /** Half-width of the uncertain band around the threshold for low-traffic windows (0 = none). */
  band: number;
  /** Below this many canary requests a window is low traffic (the band applies). */
  lowTrafficRequests: number;
  /** Below this many canary requests the judge never passes (fail on a clear signal, else inconclusive). */
  minRequests: number;
  /**
   * Level (one-sided z) of the evidence rule (evidence.ts): a canary ratio above the baseline's by more than the
   * materiality margin at this z fails the window whatever the net says. Chosen on the validation split; a model
   * saved without it (format 2 before the rule) judges at EVIDENCE_Z_DEFAULT.
   */
  evidenceZ?: number;
}

export interface JudgeModelJSON {
  format: typeof JUDGE_MODEL_FORMAT;
  /** Feature names in input order (must match the code's JUDGE_FEATURES). */
  features: string[];
  /** Features the logit is non-decreasing in (must match the code's JUDGE_MONOTONE_FEATURES; checked on the weights). */
  monotone: string[];
  /** Standardisation of each feature (training rows), the occlusion reference (training median), and the clip. */
  encoder: { mean: number[]; sd: number[]; reference: number[]; clip: number };
  /** Ensemble members; their logits are averaged. */
  members: NetJSON[];
  platt: { a: number; b: number };
  decision: JudgeDecision;
  /** Share of fail windows among the validation rows (the base rate). */
  prior: number;
  /** What made it (for `evaluateJudge`: windows-table digests of the training data sets, to score only their test part). */
  training: {
    seed: number;
    splitSeed: number;
    datasets: { tag: string; windowsSha256: string | null; source: string }[];
    rows: { train: number; validation: number; test: number };
    /** Fitting rows added as copies with a synthetic shared incident (augment.ts). */
    augmentedShared: number;
    members: { epochs: number; bestEpoch: number; trainLoss: number; validationLoss: number }[];
  };
  /** Registry version, set when loaded from the registry. */
  version?: string | null;
}

export interface JudgeResult {
  verdict: WindowVerdict;
  /** Calibrated probability that a material fault is active in the window (at least 1 − p of a firing evidence rule). */
  pFail: number;
  reasons: string[];
}

export interface JudgeOptions {
  /** Compute the per-metric reasons (default true; false is several times faster and gives only the decision line). */
  reasons?: boolean;
  /** How many metric reasons at most (default 4). */
  maxReasons?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

const GROUP_ORDER: JudgeMetricGroup[] = ['bad', 'errors', 'slow', 'latency-p50', 'latency-p99', 'conversion', 'caller-errors', 'saturation', 'traffic', 'baseline'];

const pct = (x: number, n: number) => (n > 0 ? `${((100 * x) / n).toFixed(x / n < 0.001 ? 3 : x / n < 0.1 ? 2 : 1)} %` : '—');
const ms = (x: number | null) => (x === null ? '—' : `${x.toFixed(x < 10 ? 2 : 1)} ms`);
const sat = (x: number | null) => (x === null ? '—' : x.toFixed(2));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} logit`;

/** What the figures of one metric group were, for its reason line. */
function describeGroup(g: JudgeMetricGroup, s: WindowSummary, f: Float64Array): string {
  const c = s.canary;
  const b = s.baseline;
  const z = (name: string) => {
    const v = f[JUDGE_FEATURE_NAMES.indexOf(name)];
    if (!Number.isFinite(v)) return '';
    const raw = v >= 0 ? Math.expm1(v) : -Math.expm1(-v);
    return `, z ${raw.toFixed(1)}`;
  };
  switch (g) {
    case 'bad':
      return `bad-request ratio (errors + slow): canary ${pct(c.errors + c.slow, c.requests)} of ${c.requests} vs baseline ${pct(b.errors + b.slow, b.requests)}${z('bad_z')}`;
    case 'errors':
      return `error ratio: canary ${pct(c.errors, c.requests)} vs baseline ${pct(b.errors, b.requests)}${z('error_z')}`;
    case 'slow':
      return `slow-request ratio: canary ${pct(c.slow, c.requests)} vs baseline ${pct(b.slow, b.requests)}${z('slow_z')}`;
    case 'latency-p50':
      return `p50 latency: canary ${ms(c.p50)} vs baseline ${ms(b.p50)}`;
    case 'latency-p99':
      return `tail latency: p99 canary ${ms(c.p99)} vs baseline ${ms(b.p99)}, p95 ${ms(c.p95)} vs ${ms(b.p95)}`;
    case 'conversion':
      return `conversion rate: canary ${pct(c.conversions, c.requests)} vs baseline ${pct(b.conversions, b.requests)}${z('conv_z')}`;
    case 'caller-errors':
      return `callers' error ratio: on the canary ${pct(c.callerErrors, c.callerRequests)} of ${c.callerRequests} vs on the baseline ${pct(b.callerErrors, b.callerRequests)}${z('caller_z')}`;
    case 'saturation':
      return `saturation: memory canary ${sat(c.memory)} vs baseline ${sat(b.memory)}, pool ${sat(c.pool)} vs ${sat(b.pool)}, cpu ${sat(c.cpu)} vs ${sat(b.cpu)}`;
    case 'traffic':
      return `traffic: canary ${c.requests} requests in ${s.canaryScraped}/${s.ticks} scraped minutes (${pct(c.requests, c.requests + b.requests)} of both cohorts)${s.providerErrors ? `, ${s.providerErrors} minute(s) of metrics-backend errors` : ''}`;
    case 'baseline': {
      const rise = f[JUDGE_FEATURE_NAMES.indexOf('baseline_rise')];
      return `baseline itself: bad ratio ${pct(b.errors + b.slow, b.requests)}${Number.isFinite(rise) ? `, ×${Math.exp(rise).toFixed(2)} in its last two minutes against the earlier ones` : ''}`;
    }
  }
}

type Contribution = { group: JudgeMetricGroup; c: number };
const TOWARDS_FAIL = (x: Contribution, y: Contribution) => y.c - x.c;
const TOWARDS_PASS = (x: Contribution, y: Contribution) => x.c - y.c;
const BY_SIZE = (x: Contribution, y: Contribution) => Math.abs(y.c) - Math.abs(x.c);

const over = (x: number, n: number, x0: number, n0: number) => n > 0 && n0 > 0 && x / n > x0 / n0;
/** Whether the canary's ratio of a bad-request group is above the baseline's. */
function canaryWorse(g: JudgeMetricGroup, s: WindowSummary): boolean {
  const c = s.canary;
  const bl = s.baseline;
  if (g === 'bad') return over(c.errors + c.slow, c.requests, bl.errors + bl.slow, bl.requests);
  if (g === 'errors') return over(c.errors, c.requests, bl.errors, bl.requests);
  if (g === 'slow') return over(c.slow, c.requests, bl.slow, bl.requests);
  if (g === 'caller-errors') return over(c.callerErrors, c.callerRequests, bl.callerErrors, bl.callerRequests);
  return false;
}

export class JudgeModel {
  private readonly j: JudgeModelJSON;
  private readonly width: number;
  /** Feature indices of each group. */
  private readonly groups: { group: JudgeMetricGroup; idx: number[] }[];
  private readonly encodedReference: Float64Array;
  /** The members with typed-array weights. */
  private readonly nets: ScoringNet[];
  /** Per member, first-layer pre-activations of the window being judged (kept for the occlusions). */
  private readonly firsts: Float64Array[];
  // Scratch buffers: judge() is synchronous and single-threaded, so they are safe to reuse.
  private readonly feat = new Float64Array(JUDGE_FEATURES.length);
  private readonly x: Float64Array;
  /** Per member, the logit of the window being judged. */
  private readonly memberLogits: Float64Array;
  /** The encoded inputs one occlusion moves (value and missing-flag columns) and by how much. */
  private readonly movedCols: Int32Array;
  private readonly movedBy: Float64Array;
  private readonly h: Float64Array;
  private readonly h2: Float64Array;
  /** ln P(Z >= evidenceZ): the evidence rule fires at a p-value at or below it. */
  private readonly evidenceLogP: number;

  private constructor(j: JudgeModelJSON) {
    this.j = j;
    this.evidenceLogP = logNormalUpper(j.decision.evidenceZ ?? EVIDENCE_Z_DEFAULT);
    const F = j.features.length;
    this.width = 2 * F;
    this.x = new Float64Array(this.width);
    const maxW = Math.max(...j.members.flatMap((m) => m.sizes));
    this.h = new Float64Array(maxW);
    this.h2 = new Float64Array(maxW);
    this.encodedReference = Float64Array.from(j.encoder.reference, (r, k) => this.encodeValue(r, k));
    this.nets = j.members.map(scoringNet);
    this.firsts = j.members.map((m) => new Float64Array(m.sizes[1]));
    this.memberLogits = new Float64Array(j.members.length);
    this.movedCols = new Int32Array(this.width);
    this.movedBy = new Float64Array(this.width);
    this.groups = GROUP_ORDER.map((group) => ({ group, idx: JUDGE_FEATURES.flatMap((f, k) => (f.group === group ? [k] : [])) })).filter((g) => g.idx.length > 0);
  }

  /** Checks the format, that the features are the ones this code computes, that every number is finite and that each member is monotone. */
  static fromJSON(j: JudgeModelJSON): JudgeModel {
    const bad = (field: string, message: string) => new RolloutlabError('BAD_DATA', `judge model ${field}: ${message}`, field);
    if (!j || j.format !== JUDGE_MODEL_FORMAT) throw new RolloutlabError('BAD_DATA', `judge model format: expected "${JUDGE_MODEL_FORMAT}", got ${show((j as { format?: unknown })?.format)}: retrain it (rolloutlab train judge)`, 'format');
    if (JSON.stringify(j.features) !== JSON.stringify(JUDGE_FEATURE_NAMES)) {
      throw new RolloutlabError('BAD_DATA', `judge model features differ from this code's (${j.features.length} vs ${JUDGE_FEATURE_NAMES.length}): retrain it (rolloutlab train judge)`, 'features');
    }
    if (JSON.stringify(j.monotone) !== JSON.stringify(JUDGE_MONOTONE_FEATURES)) throw bad('monotone', `must list ${JUDGE_MONOTONE_FEATURES.join(', ')}: retrain it (rolloutlab train judge)`);
    const F = j.features.length;
    const finite = (xs: unknown, field: string) => {
      if (!Array.isArray(xs)) throw bad(field, 'must be an array of numbers');
      const k = xs.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
      if (k >= 0) throw bad(`${field}.${k}`, `must be a finite number, got ${show(xs[k])}`);
    };
    for (const k of ['mean', 'sd', 'reference'] as const) {
      if (!Array.isArray(j.encoder?.[k]) || j.encoder[k].length !== F) throw new RolloutlabError('BAD_DATA', `judge model encoder.${k} must have ${F} numbers`, `encoder.${k}`);
      finite(j.encoder[k], `encoder.${k}`);
    }
    const sd0 = j.encoder.sd.findIndex((x) => !(x > 0));
    if (sd0 >= 0) throw bad(`encoder.sd.${sd0}`, `must be > 0, got ${j.encoder.sd[sd0]}`);
    if (!(Number.isFinite(j.encoder.clip) && j.encoder.clip > 0)) throw bad('encoder.clip', `must be a finite number > 0, got ${show(j.encoder.clip)}`);
    // Platt's slope must be positive: a negative one would turn more evidence of a fault into a lower P(fail).
    if (!(Number.isFinite(j.platt?.a) && j.platt.a > 0)) throw bad('platt.a', `must be a finite number > 0, got ${show(j.platt?.a)}`);
    if (!Number.isFinite(j.platt.b)) throw bad('platt.b', `must be a finite number, got ${show(j.platt.b)}`);
    for (const k of ['failThreshold', 'band', 'lowTrafficRequests', 'minRequests'] as const) if (typeof j.decision?.[k] !== 'number' || Number.isNaN(j.decision[k])) throw bad(`decision.${k}`, `must be a number, got ${show(j.decision?.[k])}`);
    const ez = j.decision.evidenceZ;
    if (ez !== undefined && !(typeof ez === 'number' && Number.isFinite(ez) && ez > 0)) throw bad('decision.evidenceZ', `must be a finite number > 0 (a one-sided z), got ${show(ez)}`);
    if (!Array.isArray(j.members) || j.members.length === 0) throw new RolloutlabError('BAD_DATA', 'judge model has no members', 'members');
    const mono = JUDGE_MONOTONE_FEATURES.map((name) => JUDGE_FEATURE_NAMES.indexOf(name));
    j.members.forEach((m, i) => {
      if (m.sizes[0] !== 2 * F || m.sizes[m.sizes.length - 1] !== 1) throw new RolloutlabError('BAD_DATA', `judge model members.${i}: sizes ${JSON.stringify(m.sizes)} do not map ${2 * F} inputs to 1 logit`, `members.${i}.sizes`);
      for (let k = 0; k < m.sizes.length - 1; k++) {
        if (m.weights[k]?.length !== m.sizes[k] * m.sizes[k + 1] || m.biases[k]?.length !== m.sizes[k + 1]) throw new RolloutlabError('BAD_DATA', `judge model members.${i} layer ${k}: weights/biases do not match sizes`, `members.${i}.weights`);
        finite(m.weights[k], `members.${i}.weights.${k}`);
        finite(m.biases[k], `members.${i}.biases.${k}`);
      }
      const broken = checkMonotone(m, mono);
      if (broken) throw bad(`members.${i}.weights`, `not monotone in the canary's bad-request features (${broken}): retrain it (rolloutlab train judge)`);
    });
    return new JudgeModel(ez === undefined ? { ...j, decision: { ...j.decision, evidenceZ: EVIDENCE_Z_DEFAULT } } : j);
  }

  toJSON(): JudgeModelJSON {
    return this.j;
  }

  get decision(): JudgeDecision {
    return this.j.decision;
  }

  get version(): string | null {
    return this.j.version ?? null;
  }

  get training(): JudgeModelJSON['training'] {
    return this.j.training;
  }

  /** The same model with other decision settings (e.g. `{ minRequests: 0 }`). */
  withDecision(d: Partial<JudgeDecision>): JudgeModel {
    return JudgeModel.fromJSON({ ...this.j, decision: { ...this.j.decision, ...d } });
  }

  private encodeValue(v: number, k: number): number {
    const c = this.j.encoder.clip;
    const s = (v - this.j.encoder.mean[k]) / this.j.encoder.sd[k];
    return s > c ? c : s < -c ? -c : s;
  }

  /** Encoded input row of raw features: standardised and clipped, missing → 0 with its flag set. */
  encode(f: ArrayLike<number>, out: Float64Array = new Float64Array(this.width)): Float64Array {
    const F = this.j.features.length;
    for (let k = 0; k < F; k++) {
      const v = f[k];
      if (Number.isFinite(v)) {
        out[k] = this.encodeValue(v, k);
        out[F + k] = 0;
      } else {
        out[k] = 0;
        out[F + k] = 1;
      }
    }
    return out;
  }

  /** Uncalibrated ensemble logit of an encoded row. */
  private rawLogit(x: Float64Array): number {
    let z = 0;
    for (const m of this.nets) {
      firstLayer(m, x, this.h);
      z += logitFromFirst(m, this.h);
    }
    return z / this.nets.length;
  }

  /** Calibrated logit of P(fail) from raw features (JUDGE_FEATURES order). */
  logit(features: ArrayLike<number>): number {
    this.encode(features, this.x);
    const { a, b } = this.j.platt;
    return a * this.rawLogit(this.x) + b;
  }

  /** Calibrated P(fail) from raw features (JUDGE_FEATURES order). */
  probability(features: ArrayLike<number>): number {
    return sigmoid(this.logit(features));
  }

  /** Calibrated P(fail) of a window: the net's, raised to 1 − p when the evidence rule fires. */
  pFail(w: AnalysisWindow): number {
    const { summary } = windowFeatures(w, this.feat);
    return this.withEvidence(this.probability(this.feat), this.evidence(summary, false));
  }

  /**
   * The evidence rule's strongest test on a window's summary, and whether it fires at this model's level. With
   * `withZ` false the test's z is left at 0 (whether it fires is decided on its p-value; `withZOf` fills the z in).
   */
  evidence(summary: WindowSummary, withZ = true): EvidenceTest & { fires: boolean; level: number } {
    const t = strongestExcess(summary.canary, summary.baseline, undefined, withZ);
    return { ...t, fires: t.logP < 0 && t.logP <= this.evidenceLogP, level: this.j.decision.evidenceZ ?? EVIDENCE_Z_DEFAULT };
  }

  /** max(net P(fail), 1 − p of a firing rule): non-decreasing in the canary's bad counts; NaN stays NaN. */
  private withEvidence(net: number, ev: { fires: boolean; logP: number }): number {
    return ev.fires ? Math.max(net, -Math.expm1(ev.logP)) : net;
  }

  /** Pass / fail / inconclusive for a probability and the window's sample sizes, with the decision line. */
  decide(pFail: number, canaryRequests: number, baselineRequests: number): { verdict: WindowVerdict; why: string } {
    const d = this.j.decision;
    const t = d.failThreshold;
    // A P(fail) that is no probability is no evidence: `pFail >= t` is false for NaN, which would pass.
    const broken = notProbabilities({ 'P(fail)': pFail });
    if (broken) return { verdict: 'inconclusive', why: `inconclusive: ${broken}` };
    const p = `P(fail) ${pFail.toFixed(3)}`;
    if (!(canaryRequests > 0)) return { verdict: 'inconclusive', why: `inconclusive: no canary requests in the window (${p} is the base rate, not evidence)` };
    if (!(baselineRequests > 0)) return { verdict: 'inconclusive', why: `inconclusive: no baseline requests in the window to compare the canary with` };
    if (canaryRequests < d.minRequests) {
      return pFail >= t
        ? { verdict: 'fail', why: `fail: ${p} >= ${t.toFixed(2)} on only ${canaryRequests} canary requests` }
        : { verdict: 'inconclusive', why: `inconclusive: only ${canaryRequests} canary requests (fewer than ${d.minRequests}) and no clear fail signal (${p} < ${t.toFixed(2)})` };
    }
    if (canaryRequests < d.lowTrafficRequests && Math.abs(pFail - t) < d.band) {
      return { verdict: 'inconclusive', why: `inconclusive: low traffic (${canaryRequests} canary requests) and ${p} within ${d.band.toFixed(2)} of the threshold ${t.toFixed(2)}` };
    }
    return pFail >= t ? { verdict: 'fail', why: `fail: ${p} >= ${t.toFixed(2)}` } : { verdict: 'pass', why: `pass: ${p} < ${t.toFixed(2)}` };
  }

  /** Judge one window: verdict, calibrated P(fail), reasons. */
  judge(w: AnalysisWindow, opts: JudgeOptions = {}): JudgeResult {
    const { summary } = windowFeatures(w, this.feat);
    const f = this.feat;
    this.encode(f, this.x);
    const { a, b } = this.j.platt;
    // First-layer pre-activations per member, kept for the occlusions.
    const firsts = this.firsts;
    const logits = this.memberLogits;
    let raw = 0;
    // With reasons, the same logit is taken by `prepareOcclusions`, which keeps what the occlusions start from.
    const occlusions = opts.reasons !== false;
    for (let mi = 0; mi < this.nets.length; mi++) {
      firstLayer(this.nets[mi], this.x, firsts[mi]);
      logits[mi] = occlusions ? prepareOcclusions(this.nets[mi], firsts[mi]) : logitFromFirst(this.nets[mi], firsts[mi]);
      raw += logits[mi];
    }
    raw /= this.nets.length;
    const z = a * raw + b;
    const net = sigmoid(z);
    // The rule's z is worked out only for the line that quotes it (below).
    const ev = this.evidence(summary, false);
    const pFail = this.withEvidence(net, ev);
    const canaryAll = canaryRequestsAll(w);
    const decided = this.decide(pFail, canaryAll, summary.baseline.requests);
    const { verdict } = decided;
    // A fail the evidence rule forced names the rule and its z (the net's own P(fail) beside it); where the net failed
    // the window too, the rule follows its line.
    let why = decided.why;
    if (ev.fires && verdict === 'fail') {
      const rule = describeExcess(withZOf(ev), ev.level);
      why = this.decide(net, canaryAll, summary.baseline.requests).verdict === 'fail' ? `${decided.why}; ${rule}` : `fail: ${rule}; the net's P(fail) ${net.toFixed(3)}`;
    }
    const reasons = [why];
    if (opts.reasons === false || notProbabilities({ 'P(fail)': pFail }) !== null) return { verdict, pFail, reasons };
    if (summary.outliers.length > 0) {
      const show1 = (o: WindowSummary['outliers'][number]) => (o.metric.startsWith('p') ? `${o.metric} ${ms(o.value)} vs median minute ${ms(o.median)}` : `${o.metric} ${pct(o.value, 1)} vs median minute ${pct(o.median, 1)}`);
      reasons.push(`baseline minute(s) set aside as outliers (both cohorts compared without them): ${summary.outliers.map((o) => `#${o.minute + 1} (${show1(o)})`).join(', ')}`);
    }
    const F = this.j.features.length;
    const nets = this.nets;
    const x = this.x;
    const ref = this.encodedReference;
    const cols = this.movedCols;
    const by = this.movedBy;
    const contrib: Contribution[] = [];
    for (const g of this.groups) {
      const idx = g.idx;
      // A group with nothing measured in this window (e.g. no callers) has nothing to say.
      let measured = false;
      for (let q = 0; q < idx.length; q++) if (Number.isFinite(f[idx[q]])) measured = true;
      if (!measured) continue;
      // The group's value and missing-flag columns move to the reference (flag 0), feature by feature.
      let n = 0;
      for (let q = 0; q < idx.length; q++) {
        const k = idx[q];
        const dv = ref[k] - x[k];
        const df = 0 - x[F + k];
        if (dv !== 0) {
          cols[n] = k;
          by[n++] = dv;
        }
        if (df !== 0) {
          cols[n] = F + k;
          by[n++] = df;
        }
      }
      let occluded = 0;
      for (let mi = 0; mi < nets.length; mi++) occluded += n === 0 ? logits[mi] : logitWithMovedInputs(nets[mi], firsts[mi], cols, by, n, this.h2);
      occluded /= nets.length;
      contrib.push({ group: g.group, c: a * (raw - occluded) });
    }
    // What supports the verdict first: towards fail for a fail, towards pass for a pass; by size when inconclusive.
    contrib.sort(verdict === 'fail' ? TOWARDS_FAIL : verdict === 'pass' ? TOWARDS_PASS : BY_SIZE);
    // More bad canary requests are never evidence for passing: a bad-request group whose canary ratio is above the
    // baseline's is not listed as speaking for a pass (the model is monotone in it; this keeps the wording honest
    // where a group's features disagree with the typical window they are compared with).
    const most = opts.maxReasons ?? 4;
    let listed = 0;
    for (const { group, c } of contrib) {
      if (c < 0 && JUDGE_MONOTONE_GROUPS.has(group) && canaryWorse(group, summary)) continue;
      if (listed >= most || Math.abs(c) < 0.05) break;
      reasons.push(`${describeGroup(group, summary, f)} (${signed(c)})`);
      listed++;
    }
    return { verdict, pFail, reasons };
  }

  /** This model as a window judge (judges/window-judges.ts), named 'ml'. */
  windowJudge(name = 'ml'): WindowJudge {
    return {
      name,
      judge: (w) => {
        const r = this.judge(w);
        return { verdict: r.verdict, score: Math.round(1000 * (1 - r.pFail)) / 10, reasons: r.reasons };
      },
    };
  }
}

/** Canary requests over every scraped minute of the window (what the decision's sample-size rules count). */
export function canaryRequestsAll(w: AnalysisWindow): number {
  let n = 0;
  for (const m of w.canary) if (m) n += m.requests;
  return n;
}

/** Make the model available to replay and the window-judge registry as `name` (default 'ml'). */
export function registerMlWindowJudge(model: JudgeModel, name = 'ml'): void {
  registerWindowJudge(name, () => model.windowJudge(name));
}
