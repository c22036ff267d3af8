// The rollout-plan optimiser's decision: for a change about to ship, the plan from its risk score, the traffic its
// service has now and how many services call it, read from a table learned by search in the simulator
// (scripts/search-rollout-plans.ts writes ./table.ts; docs/rollout-plans.md). A pure function of its inputs.
// Fail closed: without a usable risk score the most careful plan is chosen, never a faster one. Given the service's
// regions or tenants, the chosen plan also comes as a unit plan (./units.ts): the same ramp inside the first unit, a
// short one inside every later unit, capped.
import type { Strategy } from '../../sim/strategy.ts';
import { PLAN_CANDIDATES, type PlanCandidate } from './candidates.ts';
import { LEARNED_TABLE } from './table.ts';
import { unitPlan, unitStrategy, type UnitPlan, type UnitsInput } from './units.ts';

export interface PlanTable {
  format: 'rolloutlab-rollout-plan-table-1';
  /** Upper edges of the risk buckets (the last bucket is above the last edge). */
  riskEdges: number[];
  /** Upper edges of the traffic buckets, requests per minute of the service at the start. */
  trafficEdges: number[];
  /** choice[trafficBucket][riskBucket] = index into PLAN_CANDIDATES. */
  choice: number[][];
  /** How it was learned: scenarios, seeds, deployments, the objective. */
  trainedOn: { scenarios: string[]; seeds: number[]; deploymentsPerRun: number; lambda: number; note: string };
}

export const PLAN_TABLE = LEARNED_TABLE as unknown as PlanTable;

export interface PlanInput {
  /** P(the change carries a material fault) from the risk model; null or non-finite: unknown. */
  risk: number | null;
  /** Requests per minute the service serves at the start. */
  rpm: number;
  /** The service's regions or tenants with their traffic shares: the plan then runs over them (one unit: the canary). */
  units?: UnitsInput;
}

export interface ChosenPlan {
  candidate: PlanCandidate;
  /** The plan differs from what the table would give without a risk score: an optimised plan. */
  optimised: boolean;
  riskBucket: number | null;
  trafficBucket: number;
  reasons: string[];
  /** With `units` of more than one unit: the chosen plan run over them. */
  units?: UnitPlan;
}

const bucket = (x: number, edges: readonly number[]) => {
  let i = 0;
  while (i < edges.length && x > edges[i]) i++;
  return i;
};

export function choosePlan(input: PlanInput, table: PlanTable = PLAN_TABLE): ChosenPlan {
  const chosen = chooseCanary(input, table);
  const u = input.units;
  if (!u) return chosen;
  if (u.names.length < 2) return { ...chosen, reasons: [...chosen.reasons, `one ${u.by} (${u.names[0]}): the canary over it`] };
  const plan = unitPlan(chosen.candidate, u);
  return { ...chosen, units: plan, reasons: [...chosen.reasons, `over ${u.by}s: ${plan.note}`] };
}

function chooseCanary(input: PlanInput, table: PlanTable): ChosenPlan {
  const rpm = Number.isFinite(input.rpm) && input.rpm > 0 ? input.rpm : 0;
  const t = bucket(rpm, table.trafficEdges);
  if (input.risk === null || !Number.isFinite(input.risk) || input.risk < 0 || input.risk > 1) {
    const c = PLAN_CANDIDATES[PLAN_CANDIDATES.length - 1];
    return { candidate: c, optimised: false, riskBucket: null, trafficBucket: t, reasons: [`no usable risk score (${String(input.risk)}): the most careful plan, ${c.name}`] };
  }
  const r = bucket(input.risk, table.riskEdges);
  const c = PLAN_CANDIDATES[table.choice[t][r]];
  return {
    candidate: c,
    optimised: true,
    riskBucket: r,
    trafficBucket: t,
    reasons: [`risk ${input.risk.toFixed(3)} (bucket ${r + 1} of ${table.riskEdges.length + 1}), ${Math.round(rpm)} requests/min (bucket ${t + 1} of ${table.trafficEdges.length + 1}): ${c.name}, ${c.steps.join('-')} %`],
  };
}

/** The strategy the rollout environment runs for a chosen plan: its unit plan when it has one, else its canary. */
export function chosenStrategy(c: ChosenPlan, bakeMinutes: number, units?: UnitsInput): Strategy {
  return c.units && units ? unitStrategy(c.candidate, units, bakeMinutes) : candidateStrategy(c.candidate, bakeMinutes);
}

/** A candidate as the canary strategy the rollout environment runs. */
export function candidateStrategy(c: PlanCandidate, bakeMinutes: number): Strategy {
  return { kind: 'canary', steps: [...c.steps], stepMinutes: c.dwellMinutes[0], dwellMinutes: [...c.dwellMinutes], bakeMinutes };
}
