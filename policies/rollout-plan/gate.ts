// The pre-deploy answer for one change: its plan from the optimiser, fitted to the caller's constraints, and the risk
// gate. Every pre-deploy hook takes its pass / blocked / wait from `riskGate` here, so they cannot disagree: POST
// /v1/rollout/plan, `plan rollout`, Flagger's confirm-rollout / confirm-promotion and Argo's pre-promotion analysis
// (POST /v1/argo/gate). The hooks differ only in how they get the risk score (docs/rollout-plans.md).
// The gate blocks a change whose risk is above `blockAbove` (default 0.85) and says what would make it acceptable; it
// waits, never passes, when the risk score is incomplete (features missing or outside what the model learned) or
// missing. A pure function of the score, the traffic, the gate's setting and the constraints.
import { RolloutlabError } from '../../lib/errors.ts';
import { choosePlan, PLAN_TABLE, type PlanTable } from './choose.ts';
import { PLAN_CANDIDATES, dwellSum, type PlanCandidate } from './candidates.ts';
import { unitPlan, type UnitPlan, type UnitsInput } from './units.ts';
import { chooseSensitivity, PER_CHANGE_THRESHOLDS } from './sensitivity.ts';
import type { ThresholdCaps } from '../thresholds.ts';

export const DEFAULT_BLOCK_ABOVE = 0.85;

/** What the gate is told of a score it cannot use, or of the gaps of one it can, in the caller's terms. */
export interface GateNote {
  /** Why (e.g. "no risk champion is loaded", "3 features missing from the metadata (…)"). */
  reason: string;
  /** What would mend it (e.g. "send every feature"). */
  recommendation: string;
}

export interface RiskView {
  probability: number;
  /** Every feature given (or accepted at its training median by the caller) and inside the model's training ranges. */
  complete: boolean;
  /** The largest contributions first. */
  reasons: { feature: string; contribution: number }[];
  /** Why the score is incomplete, when it is (default: a general sentence). */
  gap?: GateNote;
  /** Features the caller accepted scored at their training median (Flagger's risk.impute), named in the reason. */
  imputed?: string[];
}

export interface GateAnswer {
  decision: 'pass' | 'blocked' | 'wait';
  blockAbove: number;
  reasons: string[];
  recommendations: string[];
}

export interface PlanView {
  name: string;
  /** Percent of the service's traffic on the new version at each stage, the last 100. */
  steps: number[];
  dwellMinutes: number[];
  bakeMinutes: number;
  minutesToFull: number;
  /** Only for a plan over regions or tenants: which units each stage exposes (`steps` are then the stages' totals). */
  units?: UnitPlan;
  /** With per-change thresholds: the rollback sensitivity chosen for the change (./sensitivity.ts). */
  sensitivity?: string;
  /** With per-change thresholds: its caps on the `ml` policy's thresholds, the `thresholds` of POST /v1/rollout/decision ({}: the champion's). */
  thresholds?: ThresholdCaps;
}

/** Limits the caller puts on the plan. Absent: the optimiser's plan as it is. */
export interface PlanConstraints {
  /** The first step may expose at most this percent of traffic. */
  maxFirstStepPercent?: number;
  /** No step above this percent. Every plan ends at 100 %, so only 100 (or more) is possible. */
  maxExposurePercent?: number;
  /** Full exposure within this many minutes of the start (the bake after it is not counted). */
  deadlineMinutes?: number;
}

export interface RolloutPlanAnswer {
  plan: PlanView;
  optimised: boolean;
  gate: GateAnswer;
  reasons: string[];
  /** Only when constraints were given: the optimiser's own plan and what the constraints did to it. */
  constraints?: PlanConstraints & { optimiserPlan: string; changed: boolean; lessCareful: boolean; reasons: string[] };
}

/**
 * No plan meets the constraints (or a constraint is not a finite number). `field` names the constraint
 * (`constraints.<name>`); `closestFeasible` is the plan that comes nearest, and why.
 */
export class NoFeasiblePlan extends Error {
  closestFeasible: { plan: PlanView; reasons: string[] } | null = null;
  constructor(
    readonly field: string,
    message: string,
    readonly closestIndex: number,
    readonly closestReasons: string[],
  ) {
    super(`${field} ${message}`);
    this.name = 'NoFeasiblePlan';
  }
}

const usable = (p: number | null | undefined): p is number => typeof p === 'number' && Number.isFinite(p) && p >= 0 && p <= 1;

/**
 * The risk gate: the one decision every pre-deploy hook serves. `missing` says why there is no score (the caller's
 * words); a probability that is not finite or outside [0, 1] counts as no score. Blocked is checked first: a change
 * above the gate is blocked even when its score is incomplete (the reasons then say that too).
 */
export function riskGate(risk: RiskView | null, blockAbove: number = DEFAULT_BLOCK_ABOVE, missing?: GateNote): GateAnswer {
  if (!(Number.isFinite(blockAbove) && blockAbove >= 0 && blockAbove <= 1)) throw new RolloutlabError('BAD_ARGUMENT', `gate.blockAbove: must be a probability in [0, 1] (got ${blockAbove})`, 'gate.blockAbove');
  const p = risk && usable(risk.probability) ? risk.probability : null;
  if (risk === null || p === null)
    return {
      decision: 'wait',
      blockAbove,
      reasons: [missing?.reason ?? (risk === null ? 'no risk score: the change cannot be judged, so it waits' : `no usable risk score (${String(risk.probability)}): the change cannot be judged, so it waits`)],
      recommendations: [missing?.recommendation ?? 'score the change (POST /v1/risk/score needs a risk champion and the change’s features)'],
    };
  const top = risk.reasons.slice(0, 3).map((x) => `${x.feature} ${x.contribution >= 0 ? '+' : ''}${x.contribution.toFixed(2)}`).join(', ');
  const imputed = risk.imputed?.length ? `; at the training median: ${risk.imputed.join(', ')}` : '';
  const detail = top || imputed ? ` (${top}${imputed})` : '';
  const gap = risk.gap ?? { reason: 'the score is incomplete (features missing or outside what the model learned)', recommendation: 'send every feature (GET /v1/risk/features lists them)' };
  if (p > blockAbove) {
    const adding = risk.reasons.filter((r) => r.contribution > 0).slice(0, 3).map((r) => r.feature);
    const c = PLAN_CANDIDATES[PLAN_CANDIDATES.length - 1];
    return {
      decision: 'blocked',
      blockAbove,
      reasons: [`risk ${p.toFixed(3)} > ${blockAbove}${detail}`, ...(risk.complete ? [] : [`and ${gap.reason}`])],
      recommendations: [
        `run more tests${adding.length ? `: the largest risk contributions are ${adding.join(', ')}` : ''}`,
        'deploy in a low-traffic window (POST /v1/deploy/windows ranks them)',
        `if it must ship, the smallest first step: ${c.name}, ${c.steps.join('-')} %`,
        'split the change: smaller changes score lower',
        ...(risk.complete ? [] : [gap.recommendation]),
      ],
    };
  }
  if (!risk.complete) return { decision: 'wait', blockAbove, reasons: [gap.reason, `risk ${p.toFixed(3)} <= ${blockAbove} on what was given, but an incomplete score never passes${detail}`], recommendations: [gap.recommendation] };
  return { decision: 'pass', blockAbove, reasons: [`risk ${p.toFixed(3)} <= ${blockAbove}${detail}`], recommendations: [] };
}

const first = (c: PlanCandidate) => c.steps[0];

/**
 * The plan for candidate `k` under the constraints: `k` itself when it meets them; else the nearest more careful plan
 * that does (a first-step cap never makes a plan less careful); else, when only a deadline stands in the way, the most
 * careful plan that meets it, saying it is less careful than the risk asked. Throws NoFeasiblePlan when no plan can.
 */
export function fitPlan(k: number, c: PlanConstraints | undefined, asked: string, candidates: readonly PlanCandidate[] = PLAN_CANDIDATES): { index: number; reasons: string[]; lessCareful: boolean } {
  if (!c) return { index: k, reasons: [], lessCareful: false };
  const { maxFirstStepPercent: F, maxExposurePercent: X, deadlineMinutes: D } = c;
  const without = (name: keyof PlanConstraints) => {
    try {
      return fitPlan(k, { ...c, [name]: undefined }, asked, candidates);
    } catch {
      return { index: k, reasons: [`${candidates[k].name}, the optimiser's plan`], lessCareful: false };
    }
  };
  for (const [name, v] of Object.entries(c) as [keyof PlanConstraints, number | undefined][]) {
    if (v !== undefined && !Number.isFinite(v)) {
      const w = without(name);
      throw new NoFeasiblePlan(`constraints.${name}`, `must be a finite number (got ${v})`, w.index, w.reasons);
    }
  }
  if (X !== undefined && X < 100) {
    const w = without('maxExposurePercent');
    throw new NoFeasiblePlan('constraints.maxExposurePercent', `is ${X} %: every plan ends at 100 % (a full rollout), so a cap below 100 % would never finish it; limit the first exposure with maxFirstStepPercent, or stop the rollout part way by hand (POST /v1/overrides with hold)`, w.index, w.reasons);
  }
  const fitsF = (i: number) => F === undefined || first(candidates[i]) <= F;
  const fitsD = (i: number) => D === undefined || dwellSum(candidates[i]) <= D;
  const desc = (i: number) => `${candidates[i].name} (first step ${first(candidates[i])} %, ${dwellSum(candidates[i])} min to full)`;
  const all = candidates.map((_, i) => i);
  if (F !== undefined && !all.some(fitsF)) {
    const smallest = Math.min(...candidates.map(first));
    const i = all.find((j) => j >= k && first(candidates[j]) === smallest) ?? all.find((j) => first(candidates[j]) === smallest)!;
    throw new NoFeasiblePlan('constraints.maxFirstStepPercent', `is ${F} %, below the first step of every plan (the smallest is ${smallest} %)`, i, [`${desc(i)}: the smallest first step of any plan`]);
  }
  if (D !== undefined && !all.some(fitsD)) {
    const i = all.find(fitsF)!;
    throw new NoFeasiblePlan('constraints.deadlineMinutes', `is ${D} min, shorter than every plan's time to full rollout (the shortest is ${Math.min(...candidates.map(dwellSum))} min)`, i, [`${desc(i)}: the fastest plan${F !== undefined ? ' whose first step fits maxFirstStepPercent' : ''}`]);
  }
  const fits = (i: number) => fitsF(i) && fitsD(i);
  if (fits(k)) return { index: k, reasons: [`the constraints are met by ${desc(k)}`], lessCareful: false };
  const safer = all.find((i) => i > k && fits(i));
  if (safer !== undefined) return { index: safer, reasons: [`maxFirstStepPercent ${F}: ${candidates[k].name} starts at ${first(candidates[k])} %, so ${desc(safer)}, the nearest more careful plan whose first step fits`], lessCareful: false };
  const faster = all.filter((i) => i < k && fits(i)).pop();
  if (faster !== undefined)
    return {
      index: faster,
      reasons: [`deadlineMinutes ${D}: ${candidates[k].name} takes ${dwellSum(candidates[k])} min to full rollout, so ${desc(faster)}, the most careful plan that fits: the deadline made the plan less careful than ${asked}`],
      lessCareful: true,
    };
  // Both caps can be met alone but not together: the first-step cap (exposure) comes first.
  const i = all.find((j) => j >= k && fitsF(j)) ?? all.find(fitsF)!;
  throw new NoFeasiblePlan('constraints.deadlineMinutes', `is ${D} min: no plan whose first step fits maxFirstStepPercent ${F} % reaches full rollout that soon`, i, [`${desc(i)}: the nearest plan whose first step fits maxFirstStepPercent; it misses the deadline`]);
}

const view = (c: PlanCandidate, bakeMinutes: number): PlanView => ({ name: c.name, steps: [...c.steps], dwellMinutes: [...c.dwellMinutes], bakeMinutes, minutesToFull: dwellSum(c) });

/**
 * The answer of every pre-deploy hook: the optimiser's plan for the score and the traffic, fitted to the constraints
 * (NoFeasiblePlan when none can be), and the risk gate (`riskGate`). Given the service's regions or tenants (`units`),
 * the fitted plan runs over them (./units.ts); the gate does not depend on it.
 */
export function rolloutPlanDecision(
  o: { risk: RiskView | null; rpm: number; bakeMinutes: number; blockAbove?: number; constraints?: PlanConstraints; missing?: GateNote; units?: UnitsInput; thresholds?: boolean },
  table: PlanTable = PLAN_TABLE,
): RolloutPlanAnswer {
  const gate = riskGate(o.risk, o.blockAbove ?? DEFAULT_BLOCK_ABOVE, o.missing);
  const p = o.risk && usable(o.risk.probability) ? o.risk.probability : null;
  const chosen = choosePlan({ risk: p, rpm: o.rpm }, table);
  const k = PLAN_CANDIDATES.indexOf(chosen.candidate);
  let fitted;
  try {
    fitted = fitPlan(k, o.constraints, chosen.optimised ? 'the risk score asked' : 'the fail-closed plan');
  } catch (e) {
    if (e instanceof NoFeasiblePlan) e.closestFeasible = { plan: view(PLAN_CANDIDATES[e.closestIndex], o.bakeMinutes), reasons: [...chosen.reasons, ...e.closestReasons] };
    throw e;
  }
  let plan = view(PLAN_CANDIDATES[fitted.index], o.bakeMinutes);
  const reasons = [...chosen.reasons, ...fitted.reasons];
  if (o.units && o.units.names.length < 2) reasons.push(`one ${o.units.by} (${o.units.names[0]}): the canary over it`);
  else if (o.units) {
    // The constrained canary run over the units. Its first exposure is never above the canary's first step; a cap
    // stage can make it longer, and a plan that then misses the deadline is not served: the canary is.
    const u = unitPlan(PLAN_CANDIDATES[fitted.index], o.units);
    const D = o.constraints?.deadlineMinutes;
    if (D !== undefined && u.minutesToFull > D) reasons.push(`over ${o.units.by}s the plan would take ${u.minutesToFull} min to full rollout, past deadlineMinutes ${D}: the canary over all traffic instead`);
    else {
      plan = { ...plan, steps: u.stages.map((x) => x.percent), dwellMinutes: u.stages.slice(0, -1).map((x) => x.dwellMinutes), minutesToFull: u.minutesToFull, units: u };
      reasons.push(`over ${o.units.by}s: ${u.note}`);
    }
  }
  // Per-change rollback thresholds, from the same score and traffic (fail closed: the most sensitive without a score).
  if (o.thresholds ?? PER_CHANGE_THRESHOLDS) {
    const s = chooseSensitivity({ risk: p, rpm: o.rpm });
    plan = { ...plan, sensitivity: s.level.name, thresholds: { ...s.level.caps } };
    reasons.push(...s.reasons);
  }
  const answer: RolloutPlanAnswer = { plan, optimised: chosen.optimised, gate, reasons };
  if (o.constraints) answer.constraints = { ...o.constraints, optimiserPlan: chosen.candidate.name, changed: fitted.index !== k, lessCareful: fitted.lessCareful, reasons: fitted.reasons };
  return answer;
}
