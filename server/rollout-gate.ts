// What every pre-deploy hook of the server hands the one risk gate (policies/rollout-plan/gate.ts): the change's
// features scored by the risk champion, and what makes the score incomplete, said in the hook's own terms (a body's
// `features`, Flagger's metadata). POST /v1/rollout/plan, POST /v1/argo/gate, Flagger's confirm hooks and
// `plan rollout --from` all come through here, so the same features and threshold give the same decision.
import { rolloutPlanDecision, type GateNote, type PlanConstraints, type RiskView, type RolloutPlanAnswer } from '../policies/rollout-plan/gate.ts';
import type { GamModel } from '../training/gam.ts';
import { BadInput, knowsTrainingRanges, NoAnswer, riskScore, timeFeaturesAt } from './decide.ts';
import type { RiskResponse } from './routes/risk-schemas.ts';
import { checkUnits, type UnitsInput } from '../policies/rollout-plan/units.ts';
import { RolloutlabError } from '../lib/errors.ts';

/** Where a hook's features come from and how a missing one is given, for the reasons and recommendations. */
export interface GateTerms {
  /** "body.features", "the metadata". */
  where: string;
  /** What to do about a missing feature. */
  give: string;
}

export const BODY_TERMS: GateTerms = { where: 'body.features', give: 'send every feature in features, or name the ones to score at their training median in impute (GET /v1/risk/features lists them)' };

/**
 * The gate's view of a risk answer. Complete only when every feature was given (or is in `accepted`, the features
 * the caller accepts scored at their training median), every value lies inside the model's training range, and the
 * model recorded those ranges: otherwise `gap` says what is wrong, first problem first.
 */
export function riskViewOf(r: RiskResponse, model: GamModel, terms: GateTerms, accepted: ReadonlySet<string> = new Set()): RiskView {
  const missing = r.imputed.filter((f) => !accepted.has(f));
  let gap: GateNote | undefined;
  if (missing.length) gap = { reason: `risk evidence incomplete: ${missing.length} of ${model.specs.length} features missing from ${terms.where} (${missing.join(', ')})`, recommendation: terms.give };
  else if (r.outsideTraining.length)
    gap = {
      reason: `risk evidence outside the training range (${r.outsideTraining.map((x) => `${x.feature} ${x.value} not in [${x.min}, ${x.max}]`).join(', ')}): the model has not seen such a change`,
      recommendation: 'check the values outside the training range; if they are right, the model has not learned such a change: review it by hand, or retrain the risk model on data that has such changes',
    };
  else if (!knowsTrainingRanges(model))
    gap = { reason: `risk model ${r.modelVersion} was saved without the range of its training values, so an unseen change cannot be told from a usual one`, recommendation: 'retrain the risk model (rolloutlab train risk)' };
  const imputed = r.imputed.filter((f) => accepted.has(f));
  return { probability: r.probability, complete: gap === undefined, reasons: r.reasons, ...(gap ? { gap } : {}), ...(imputed.length ? { imputed } : {}) };
}

/** Why there is no score without a risk champion. */
export const noChampion = (error: string | null | undefined): GateNote => ({
  reason: `no risk champion is loaded (${error ?? 'not loaded'}): the change cannot be judged, so it waits`,
  recommendation: 'train a risk champion (rolloutlab train risk), then POST /v1/models/reload',
});

export interface ChangeGateInput {
  features: Record<string, number | boolean | string | null>;
  rpm: number;
  bakeMinutes?: number;
  blockAbove?: number;
  constraints?: PlanConstraints;
  /** The service's regions or tenants (the body's `units`): the plan runs over them. */
  units?: { by: 'region' | 'tenant'; shares: Record<string, number>; criticality?: Record<string, number> };
  /** The field `units` came in, for the 400 naming a bad one (default body.units). */
  unitsField?: string;
  /** Features the caller accepts scored at their training median when not given (each must be a feature of the model). */
  impute?: readonly string[];
  /** The field `impute` came in, for the 400 naming a name the model lacks (default body.impute). */
  imputeField?: string;
  /** The plan also carries per-change rollback thresholds (default: policies/rollout-plan/sensitivity.ts PER_CHANGE_THRESHOLDS). */
  perChangeThresholds?: boolean;
}

export interface ChangeGateAnswer {
  answer: RolloutPlanAnswer;
  risk: { probability: number; complete: boolean; modelVersion: string } | null;
}

/**
 * The pre-deploy answer for a change described by its features: the risk champion's score (none without a champion:
 * the careful plan and a wait), then the one gate and the plan. `now`: the time features (hour, weekend) the caller
 * did not send are those of now (a hook called at deploy time). `waitOnNoScore`: a model that gives no finite score
 * is a wait rather than a 422 (a deploy system's hook must get an answer). Constraints no plan can meet throw
 * NoFeasiblePlan (a 422 naming the constraint, with the closest feasible plan).
 */
export function gateChange(b: ChangeGateInput, champion: { model: GamModel; version: string } | null, o: { championError?: string | null; now?: Date; waitOnNoScore?: boolean } = {}): ChangeGateAnswer {
  const base = { rpm: b.rpm, bakeMinutes: b.bakeMinutes ?? 30, blockAbove: b.blockAbove, constraints: b.constraints, units: b.units ? unitsInput(b.units, b.unitsField ?? 'body.units') : undefined, thresholds: b.perChangeThresholds };
  if (!champion) return { answer: rolloutPlanDecision({ ...base, risk: null, missing: noChampion(o.championError) }), risk: null };
  const features = o.now ? { ...timeFeaturesAt(o.now, champion.model.specs), ...b.features } : b.features;
  let r: RiskResponse;
  try {
    r = riskScore({ features, maxReasons: 10 }, champion);
  } catch (e) {
    if (!(o.waitOnNoScore && e instanceof NoAnswer)) throw e;
    const missing = { reason: `no risk score: ${e.message}: the change cannot be judged, so it waits`, recommendation: 'check the features against GET /v1/risk/features (a value far outside what the model learned gives no score)' };
    return { answer: rolloutPlanDecision({ ...base, risk: null, missing }), risk: null };
  }
  const accepted = imputeNames(b.impute ?? [], champion.model, b.imputeField ?? 'body.impute');
  return { answer: rolloutPlanDecision({ ...base, risk: riskViewOf(r, champion.model, BODY_TERMS, accepted) }), risk: { probability: r.probability, complete: r.complete, modelVersion: r.modelVersion } };
}

/** The body's units as the optimiser takes them, checked (a 400 naming the field). */
export function unitsInput(u: NonNullable<ChangeGateInput['units']>, field: string): UnitsInput {
  const names = Object.keys(u.shares);
  if (u.criticality) {
    if (u.by !== 'tenant') throw new BadInput(`${field}.criticality`, 'is for tenants only: regions go out by traffic');
    const extra = Object.keys(u.criticality).find((k) => !(k in u.shares));
    if (extra !== undefined) throw new BadInput(`${field}.criticality.${extra}`, `names a unit that is not in ${field}.shares`);
    const missing = names.find((k) => !(k in u.criticality!));
    if (missing !== undefined) throw new BadInput(`${field}.criticality`, `gives no criticality for ${missing} (give every unit of ${field}.shares one)`);
  }
  try {
    return checkUnits({ by: u.by, names, shares: names.map((n) => u.shares[n]), ...(u.criticality ? { criticality: names.map((n) => u.criticality![n]) } : {}) }, field);
  } catch (e) {
    if (e instanceof RolloutlabError) throw new BadInput(e.field ?? field, e.message.slice(e.message.indexOf(': ') + 2));
    throw e;
  }
}

/** The features a caller accepts scored at their training median: each a feature of the model (400 naming the one that is not). */
export function imputeNames(names: readonly string[], model: GamModel, field: string): Set<string> {
  names.forEach((n, i) => {
    if (!model.specs.some((s) => s.name === n)) throw new BadInput(`${field}[${i}]`, `names ${JSON.stringify(n)}, which is not a feature of the risk model (GET /v1/risk/features lists them)`);
  });
  return new Set(names);
}

/** The plan as the deploy systems' hooks give it (HookPlanSchema): the plan, whether it is optimised, and why. */
export type HookPlan = RolloutPlanAnswer['plan'] & { optimised: boolean; reasons: string[] };

/** A pre-deploy answer as a hook gives it: the gate, and the plan with its reasons. */
export function planOf(a: RolloutPlanAnswer): { gate: RolloutPlanAnswer['gate']; plan: HookPlan } {
  return { gate: a.gate, plan: { ...a.plan, optimised: a.optimised, reasons: a.reasons } };
}
