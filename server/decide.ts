// The routes' translation onto the decision core, apart from HTTP: request bodies → the library's types (with the
// checks a schema cannot express), then the core's canary verdict (policies/canary-verdict.ts) and rollout decision
// (policies/: the code the backtester runs), and the risk champion's score for one change.
import type { CohortMetrics, Observation } from '../sim/env.ts';
import type { Plan } from '../sim/strategy.ts';
import type { StageRanges } from '../sim/whatif.ts';
import type { AnalysisWindow } from '../judges/window-judges.ts';
import { canaryVerdict } from '../policies/canary-verdict.ts';
import type { JudgeModel } from '../training/judge/model.ts';
import type { RollbackPredictor } from '../training/predictive-rollback/model.ts';
import { mlPolicy } from '../policies/ml.ts';
import { checkThresholdCaps, effectiveThresholds, type RollbackThresholds, type ThresholdCaps } from '../policies/thresholds.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { decideOnHistory, type Policy, type PolicyContext } from '../policies/policy.ts';
import { resolvePolicies, type Versioned } from '../policies/index.ts';
import { TICK_SECONDS } from '../sim/env.ts';
import type { FeatureSpec, GamModel } from '../training/gam.ts';
import { SIM_RISK_SPECS } from '../training/risk/sim.ts';
import { rangeProblem, VALUE_RANGE_TEXT, type ValueRange } from '../lib/value-range.ts';
import type { Snapshot } from './models.ts';
import { MAX_LATENCY_MS, type CohortMetricsIn } from './common-schemas.ts';
import type { JudgeNameT, VerdictBody, VerdictResponse } from './routes/canary-schemas.ts';
import type { DecisionBody, DecisionResponse } from './routes/rollout-schemas.ts';
import type { RiskBody, RiskResponse } from './routes/risk-schemas.ts';

/** A request the schema accepts but that does not make sense (400, naming the field). */
export class BadInput extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'BadInput';
  }
}

/** The judge champion is needed and absent (503). */
export class ModelUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelUnavailable';
  }
}

const PERCENTILES = ['latencyP50', 'latencyP95', 'latencyP99'] as const;
const COHORT_NUMBERS = ['requests', 'errors', 'slow', 'conversions', 'callerRequests', 'callerErrors', 'latencyP50', 'latencyP95', 'latencyP99', 'cpu', 'memory', 'pool'] as const;

/**
 * One minute of one cohort, checked for values no real minute can have (400 naming the field): non-finite or negative
 * numbers, counts above the requests they are part of, and latency percentiles out of order (p50 <= p95 <= p99: the
 * percentiles of one minute's latencies cannot decrease with the rank; swapped or mixed-up fields would hide a regression).
 */
function cohort(m: CohortMetricsIn | null, field: string): CohortMetrics | null {
  if (m === null) return null;
  for (const k of COHORT_NUMBERS) {
    const v = m[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadInput(`${field}.${k}`, `must be a finite number (got ${String(v)})`);
    if (v < 0) throw new BadInput(`${field}.${k}`, `must be >= 0 (got ${v})`);
  }
  // Each given percentile against the previous given one.
  let below: (typeof PERCENTILES)[number] | null = null;
  for (const k of PERCENTILES) {
    const hi = m[k];
    if (hi === undefined || hi === null) continue;
    if (below !== null) {
      const lo = m[below] as number;
      if (lo > hi) throw new BadInput(`${field}.${k}`, `must be >= ${below} (${hi} < ${lo}): percentiles of one minute cannot decrease with the rank`);
    }
    below = k;
  }
  if (m.errors > m.requests) throw new BadInput(`${field}.errors`, `must be <= requests (${m.errors} > ${m.requests})`);
  if (m.slow > m.requests) throw new BadInput(`${field}.slow`, `must be <= requests (${m.slow} > ${m.requests})`);
  if (m.conversions > m.requests) throw new BadInput(`${field}.conversions`, `must be <= requests (${m.conversions} > ${m.requests})`);
  const callerRequests = m.callerRequests ?? 0;
  const callerErrors = m.callerErrors ?? 0;
  if (callerErrors > callerRequests) throw new BadInput(`${field}.callerErrors`, `must be <= callerRequests (${callerErrors} > ${callerRequests})`);
  return {
    requests: m.requests,
    errors: m.errors,
    slow: m.slow,
    latencyP50: m.latencyP50,
    latencyP95: m.latencyP95 ?? null,
    latencyP99: m.latencyP99,
    cpu: m.cpu ?? 0,
    memory: m.memory ?? 0,
    pool: m.pool ?? 0,
    conversions: m.conversions,
    callerRequests,
    callerErrors,
  };
}

/** The analysis window of a verdict request. */
export function windowOf(b: VerdictBody): AnalysisWindow {
  if (b.baseline.length !== b.canary.length) throw new BadInput('body.baseline', `must have as many minutes as canary (${b.baseline.length} vs ${b.canary.length})`);
  if (b.providerError && b.providerError.length !== b.canary.length) throw new BadInput('body.providerError', `must have as many minutes as canary (${b.providerError.length} vs ${b.canary.length})`);
  return {
    canary: b.canary.map((m, i) => cohort(m, `body.canary[${i}]`)),
    baseline: b.baseline.map((m, i) => cohort(m, `body.baseline[${i}]`)),
    providerError: b.providerError,
    latencyObjectiveMs: b.latencyObjectiveMs,
  };
}

const prob = (p: number) => (Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : null);

/** The verdict of one window with the chosen judge (policies/canary-verdict.ts); no judge champion for ml → 503. */
export function verdictFor(w: AnalysisWindow, judge: JudgeNameT, model: { model: JudgeModel; version: string } | null, opts: { reasons?: boolean } = {}): VerdictResponse {
  const v = canaryVerdict(w, judge, model, opts);
  if (v === null) throw new ModelUnavailable('no judge champion is loaded (train one with rolloutlab train judge, then POST /v1/models/reload); ask for judge=kayenta for the statistical judge');
  return v;
}

/** A Plan from the request's plan (the fields the trajectory features and the schedule read; the rest filled in). */
function planOf(p: DecisionBody['plan']): Plan {
  if (p.units !== undefined) {
    if (p.units.length !== p.unitShares.length) throw new BadInput('body.plan.units', `must have one name per unit (${p.units.length} vs ${p.unitShares.length} unitShares)`);
    const dup = p.units.find((u, i) => p.units!.indexOf(u) !== i);
    if (dup !== undefined) throw new BadInput('body.plan.units', `must all be different (${JSON.stringify(dup)} appears twice)`);
  }
  const units = p.units ? [...p.units] : p.unitShares.map((_, i) => (p.unitShares.length === 1 ? 'all' : `unit-${i}`));
  const sum = p.unitShares.reduce((a, x) => a + x, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new BadInput('body.plan.unitShares', `must sum to 1 (they sum to ${sum})`);
  p.stages.forEach((s, k) => {
    if (s.exposure.length !== p.unitShares.length) throw new BadInput(`body.plan.stages[${k}].exposure`, `must have one share per unit (${s.exposure.length} vs ${p.unitShares.length} unitShares)`);
  });
  const stages = p.stages.map((s) => ({ exposure: [...s.exposure], mirror: s.mirror ?? 0, dwellMinutes: s.dwellMinutes }));
  return {
    strategy: { kind: 'canary', steps: stages.map((s) => 100 * s.exposure.reduce((a, x, u) => a + x * p.unitShares[u], 0)), stepMinutes: stages[0].dwellMinutes, bakeMinutes: p.bakeMinutes },
    unitKind: units.length === 1 ? 'all' : 'region',
    units,
    unitShares: [...p.unitShares],
    stages,
    bakeMinutes: p.bakeMinutes,
    plannedMinutes: stages.reduce((a, s) => a + s.dwellMinutes, 0) + p.bakeMinutes,
  };
}

/** Policies a deploy system may ask to decide, and what each needs. */
const NEEDS_OBJECTIVE = new Set(['argo', 'flagger']);

/**
 * The decision of the asked policy (default `ml`) for the last observation: the request is translated into the
 * decision core's types (policies/), every observation is folded through a fresh run of the policy
 * (`decideOnHistory`), and its decision is answered as it is — the code, actions and reasons the backtester replays.
 */
export function rolloutDecision(b: DecisionBody, models: { rollback: Versioned<RollbackPredictor> | null; judge: Versioned<JudgeModel> | null; rollbackError?: string | null }): DecisionResponse {
  const name = b.policy ?? 'ml';
  const plan = planOf(b.plan);
  // The breach threshold is burnRate × the error budget, a bad-request ratio: above 1 nothing can ever breach, and a
  // predictor asked about breaches would answer "none ahead" on any evidence.
  const threshold = b.slo.burnRate * (1 - b.slo.objective);
  if (!(threshold <= 1 + 1e-9)) throw new BadInput('body.slo.burnRate', `× the error budget (1 - objective) must be at most 1: a bad-request ratio above 100 % can never be reached (got ${b.slo.burnRate} × ${1 - b.slo.objective} = ${threshold})`);
  if (NEEDS_OBJECTIVE.has(name) && b.latencyObjectiveMs === undefined) throw new BadInput('body.latencyObjectiveMs', `is required by policy ${name}: its latency check compares the canary's p99 with the objective`);
  const observations: Observation[] = [];
  let prevAge = -1;
  b.observations.forEach((o, i) => {
    const f = `body.observations[${i}]`;
    if (o.age <= prevAge) throw new BadInput(`${f}.age`, `must increase from one observation to the next (${o.age} after ${prevAge})`);
    if (o.tickSeconds === undefined ? !Number.isInteger(o.age) : Math.abs(o.age * 60 - Math.round(o.age * 60)) > 1e-6) throw new BadInput(`${f}.age`, o.tickSeconds === undefined ? `must be a whole number of minutes without tickSeconds (got ${o.age})` : `must be whole seconds (age × 60) (got ${o.age})`);
    prevAge = o.age;
    if (o.stage >= plan.stages.length) throw new BadInput(`${f}.stage`, `must be < the plan's ${plan.stages.length} stages (got ${o.stage})`);
    if (o.timeAtStage > o.age) throw new BadInput(`${f}.timeAtStage`, `must be at most age (${o.age}): no stage lasts longer than the rollout (got ${o.timeAtStage})`);
    const providerError = o.providerError ?? false;
    if (providerError && (o.canary !== null || o.baseline !== null)) throw new BadInput(`${f}.providerError`, 'is true while a cohort has metrics: a minute the metrics backend erred has none');
    const canaryUnits = o.canaryUnits === undefined ? undefined : unitsOf(o.canaryUnits, o.canary, plan.stages[o.stage].exposure, `${f}.canaryUnits`);
    observations.push({
      deploymentId: 'request',
      age: o.age,
      minute: o.age,
      phase: o.phase,
      stage: o.stage,
      stages: plan.stages.length,
      weight: o.weight,
      mirror: o.mirror ?? 0,
      exposure: plan.stages[o.stage].exposure,
      units: plan.units,
      timeAtStage: o.timeAtStage,
      providerError,
      canary: cohort(o.canary, `${f}.canary`),
      baseline: cohort(o.baseline, `${f}.baseline`),
      ...(canaryUnits ? { canaryUnits } : {}),
      ...(o.tickSeconds !== undefined ? { tickSeconds: o.tickSeconds } : {}),
    });
  });
  // Per-change thresholds (the plan's): only the learned policies have any; caps, so never less sensitive than the champion.
  const caps = b.thresholds === undefined ? undefined : thresholdCapsOf(b.thresholds, name);
  let policy: Policy;
  let modelVersion: string = name;
  let judgeVersion: string | null = null;
  let used: RollbackThresholds | undefined;
  if (name === 'ml' || name === 'ml-adaptive') {
    const rb = models.rollback;
    if (!rb) throw new ModelUnavailable(`no rollback champion is loaded (${models.rollbackError ?? 'not loaded'}); train one with rolloutlab train rollback, then POST /v1/models/reload`);
    policy = mlPolicy(rb.model, rb.version, { judge: models.judge?.model ?? null, adaptive: name === 'ml-adaptive' });
    modelVersion = rb.version;
    judgeVersion = models.judge?.version ?? null;
    if (caps) used = effectiveThresholds({ fault: rb.model.thresholds.fault, breach: rb.model.thresholds.breach, hold: rb.model.thresholds.hold }, caps);
  } else policy = resolvePolicies([name])[0];
  const ctx: PolicyContext = { deploymentId: 'request', service: { name: 'request', latencyObjectiveMs: b.latencyObjectiveMs }, start: 0, plan, slo: b.slo, tickSeconds: TICK_SECONDS, riskPrior: b.riskPrior };
  if (caps) ctx.thresholds = caps;
  if (b.ranges) ctx.ranges = rangesOf(b.ranges, plan.stages.length);
  const d = decideOnHistory(policy, ctx, observations);
  if (d.type !== 'advance' && d.type !== 'hold' && d.type !== 'rollback') throw new Error(`bug: policy ${name} answered ${d.type}`);
  const scores = d.scores ?? { pFault: null, pBreach: null, breachInMin: null };
  const unit = d.type === 'rollback' && d.unit !== undefined && d.unit !== 'all' ? { unit: d.unit } : {};
  const tick = d.tickSeconds !== undefined && d.tickSeconds !== TICK_SECONDS ? { tickSeconds: d.tickSeconds } : {};
  return { action: d.type, ...unit, pFault: scores.pFault, pBreach: scores.pBreach, breachInMin: scores.breachInMin, reasons: d.reasons, ...tick, modelVersion, judgeVersion, policy: name, ...(used ? { thresholds: used } : {}) };
}

/** A request's per-change thresholds, checked (400 naming the field): probabilities in (0, 1], for a learned policy only. */
function thresholdCapsOf(t: NonNullable<DecisionBody['thresholds']>, policy: string): ThresholdCaps {
  if (policy !== 'ml' && policy !== 'ml-adaptive') throw new BadInput('body.thresholds', `apply to the learned policies (ml, ml-adaptive) only: policy ${policy} has no rollback thresholds`);
  try {
    return checkThresholdCaps(t, 'body.thresholds');
  } catch (e) {
    if (e instanceof RolloutlabError) throw new BadInput(e.field ?? 'body.thresholds', e.message.slice(e.message.indexOf(': ') + 2));
    throw e;
  }
}

/** Ratios of counts: at most 1. */
const RATIO_METRICS = new Set(['errorRatio', 'slowRatio', 'kpi']);

/**
 * The predicted ranges of a request (400 naming the field): one per stage of the plan, each range's quantiles in order,
 * ratios at most 1 and latencies at most a day, so that no impossible range can make a minute look healthy.
 */
function rangesOf(rs: DecisionBody['ranges'] & {}, stages: number): StageRanges[] {
  if (rs.length !== stages) throw new BadInput('body.ranges', `must have one entry per stage of plan (${rs.length} vs ${stages})`);
  rs.forEach((st, k) => {
    if (st.stage !== k) throw new BadInput(`body.ranges[${k}].stage`, `must be ${k}: the ranges follow the plan's stages in order (got ${st.stage})`);
    for (const side of ['healthy', 'faulty', 'baseline'] as const)
      for (const [m, r] of Object.entries(st[side])) {
        if (!r) continue;
        const f = `body.ranges[${k}].${side}.${m}`;
        const q = [r.p1, r.p10, r.p50, r.p90, r.p99];
        for (let i = 1; i < q.length; i++) if (!(q[i] >= q[i - 1])) throw new BadInput(f, `quantiles must be in order p1 <= p10 <= p50 <= p90 <= p99 (got ${q.join(', ')})`);
        const max = RATIO_METRICS.has(m) ? 1 : MAX_LATENCY_MS;
        if (!(r.p99 <= max)) throw new BadInput(`${f}.p99`, `must be at most ${max}${RATIO_METRICS.has(m) ? ' (a ratio)' : ' (ms: a day)'} (got ${r.p99})`);
      }
  });
  return rs as StageRanges[];
}

/**
 * The canary's breakdown by unit of one observation (400 naming the field): one entry per unit, each a cohort's valid
 * minute, null where the stage does not expose the unit, and only beside a canary it breaks down.
 */
function unitsOf(xs: (CohortMetricsIn | null)[], canary: CohortMetricsIn | null, exposure: readonly number[], field: string): (CohortMetrics | null)[] {
  if (canary === null) throw new BadInput(field, 'is given while canary is null: it breaks the canary down by unit, so it needs one');
  if (xs.length !== exposure.length) throw new BadInput(field, `must have one entry per unit (${xs.length} vs ${exposure.length} unitShares)`);
  return xs.map((m, u) => {
    if (m !== null && !(exposure[u] > 0)) throw new BadInput(`${field}[${u}]`, `must be null: the stage does not put unit ${u} on the new version`);
    return cohort(m, `${field}[${u}]`);
  });
}

/** The request is well-formed but has no answer (422, naming the field that rules every answer out). */
export class NoAnswer extends Error {
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'NoAnswer';
  }
}

/** The loaded risk champion, or a 503 saying how to get one. */
export function riskChampion(s: Snapshot): NonNullable<Snapshot['risk']> {
  if (!s.risk) throw new ModelUnavailable(`no risk champion is loaded (${s.errors.risk ?? 'not loaded'}); train one with rolloutlab train risk, then POST /v1/models/reload`);
  return s.risk;
}

type RiskFeatureValue = number | boolean | string | null | undefined;

/** Ranges of the built-in features by name: the fallback for a risk model saved before its specs carried them. */
const BUILT_IN_RANGES: ReadonlyMap<string, ValueRange> = new Map(SIM_RISK_SPECS.flatMap((s) => (s.kind === 'numeric' && s.range ? [[s.name, s.range] as const] : [])));

/** The range of values a numeric feature admits (its spec's, else the built-in feature's of that name), or null. */
export function featureRange(s: FeatureSpec): ValueRange | null {
  return s.kind === 'numeric' ? (s.range ?? BUILT_IN_RANGES.get(s.name) ?? null) : null;
}

/** A given feature whose value lies outside what the model saw in training (scored by extrapolation). */
export interface OutsideTraining {
  feature: string;
  value: number;
  min: number;
  max: number;
}

/**
 * A change's risk features from a request, encoded as the model reads them: numbers; binaries from booleans or 0 / 1;
 * categories from a level name (→ its index); missing or null → NaN (imputed by the model, listed in `imputed`).
 * A number outside its feature's range (lib/value-range.ts: counts are whole numbers >= 0, shares lie in [0, 1], …)
 * is refused, naming the field; one inside it but outside the values the model was trained on is listed in
 * `outsideTraining` (when the model recorded its training range).
 * Names are checked in sorted order: `reject` may refuse one first (its message), then unknown names are refused.
 * Features in `skip` are neither read nor listed (e.g. the ones the server computes itself).
 */
export function encodeRiskFeatures(
  features: Record<string, RiskFeatureValue>,
  risk: { model: GamModel; version: string },
  field: string,
  opts: { reject?: (name: string) => string | null; skip?: ReadonlySet<string> } = {},
): { values: Record<string, number>; imputed: string[]; outsideTraining: OutsideTraining[] } {
  const specs = risk.model.specs;
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(features).sort()) {
    const refused = opts.reject?.(name);
    if (refused) throw new BadInput(`${field}.${name}`, refused);
    if (!known.has(name)) throw new BadInput(`${field}.${name}`, `is not a feature of risk model ${risk.version} (GET /v1/risk/features lists them)`);
  }
  const values: Record<string, number> = {};
  const imputed: string[] = [];
  const outsideTraining: OutsideTraining[] = [];
  for (const s of specs) {
    if (opts.skip?.has(s.name)) continue;
    const v = features[s.name];
    const f = `${field}.${s.name}`;
    let x = NaN;
    if (v === undefined || v === null) imputed.push(s.name);
    else if (s.kind === 'category') {
      if (typeof v !== 'string' || !s.levels.includes(v)) throw new BadInput(f, `must be one of ${s.levels.map((l) => JSON.stringify(l)).join(', ')}`);
      x = s.levels.indexOf(v);
    } else if (s.kind === 'binary') {
      if (typeof v === 'boolean') x = v ? 1 : 0;
      else if (v === 0 || v === 1) x = v;
      else throw new BadInput(f, 'must be a boolean (or 0 / 1)');
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadInput(f, 'must be a number');
      const range = featureRange(s);
      const problem = range ? rangeProblem(range, v) : null;
      if (range && problem) throw new BadInput(f, `${problem} (got ${v}): it must be ${VALUE_RANGE_TEXT[range]}`);
      x = v;
      const seen = risk.model.trainingRange(s.name);
      if (seen && (x < seen.min || x > seen.max)) outsideTraining.push({ feature: s.name, value: x, ...seen });
    }
    values[s.name] = x;
  }
  return { values, imputed, outsideTraining };
}

/** Whether the model recorded the training range of every numeric and binary feature (a model saved without them cannot tell an unseen value from a usual one, so its answers are never complete). */
export function knowsTrainingRanges(model: GamModel): boolean {
  return model.specs.every((s) => s.kind === 'category' || model.trainingRange(s.name) !== null);
}

/** The time features of a start at `at` (UTC), for a model that has them: the hour on the unit circle and the weekend flag. */
export function timeFeaturesAt(at: Date, specs: readonly FeatureSpec[]): Record<string, number> {
  const hour = at.getUTCHours() + at.getUTCMinutes() / 60;
  const all: Record<string, number> = { hour_sin: Math.sin((2 * Math.PI * hour) / 24), hour_cos: Math.cos((2 * Math.PI * hour) / 24), weekend: at.getUTCDay() === 0 || at.getUTCDay() === 6 ? 1 : 0 };
  return Object.fromEntries(specs.filter((s) => s.name in all).map((s) => [s.name, all[s.name]]));
}

/**
 * The risk champion's probability and reasons for one change (training/gam.ts GamModel.predict / reasons).
 * Imputed features still enter the score (at their training median) but are never given as reasons; `complete`
 * says whether every feature was given and inside the model's training range (never for a model saved without it). A score or contribution that is not
 * finite is a 422, never an answer.
 */
export function riskScore(b: RiskBody, risk: { model: GamModel; version: string }): RiskResponse {
  const { values, imputed, outsideTraining } = encodeRiskFeatures(b.features, risk, 'body.features');
  const cols: Record<string, Float64Array> = {};
  for (const [name, x] of Object.entries(values)) cols[name] = Float64Array.of(x);
  const far = outsideTraining.length ? ` (outside the training range: ${outsideTraining.map((o) => `${o.feature} ${o.value} not in [${o.min}, ${o.max}]`).join(', ')})` : '';
  const p = prob(risk.model.predict(cols, 1)[0]);
  if (p === null) throw new NoAnswer('NON_FINITE_SCORE', 'body.features', `give no finite score${far || ' (a value is far outside what the model was trained on)'}`);
  const all = risk.model.reasons(cols, 0);
  const broken = all.find((r) => !Number.isFinite(r.contribution));
  if (broken) throw new NoAnswer('NON_FINITE_SCORE', `body.features.${broken.feature}`, `gives no finite contribution${far}`);
  const skipped = new Set(imputed);
  const reasons = all
    .filter((r) => !skipped.has(r.feature))
    .slice(0, b.maxReasons ?? 5)
    .map((r) => ({ feature: r.feature, contribution: r.contribution, value: r.value }));
  return { probability: p, reasons, imputed, complete: knowsTrainingRanges(risk.model) && imputed.length === 0 && outsideTraining.length === 0, outsideTraining, modelVersion: risk.version };
}
