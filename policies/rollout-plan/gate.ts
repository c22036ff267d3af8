// The pre-deploy answer for one change (POST /v1/rollout/plan): its plan from the optimiser and the risk gate.
// The gate blocks a change whose risk is above `blockAbove` (default 0.85) and says what would make it acceptable; it
// waits, never passes, when the risk score is incomplete (features missing or outside what the model learned) or
// missing. A pure function of the score, the traffic and the gate's setting.
import { choosePlan, PLAN_TABLE, type PlanTable } from './choose.ts';
import { PLAN_CANDIDATES, dwellSum } from './candidates.ts';

export const DEFAULT_BLOCK_ABOVE = 0.85;

export interface RiskView {
  probability: number;
  /** Every feature given and inside the model's training ranges. */
  complete: boolean;
  /** The largest contributions first. */
  reasons: { feature: string; contribution: number }[];
}

export interface RolloutPlanAnswer {
  plan: { name: string; steps: number[]; dwellMinutes: number[]; bakeMinutes: number; minutesToFull: number };
  optimised: boolean;
  gate: { decision: 'pass' | 'blocked' | 'wait'; blockAbove: number; reasons: string[]; recommendations: string[] };
  reasons: string[];
}

export function rolloutPlanDecision(o: { risk: RiskView | null; rpm: number; bakeMinutes: number; blockAbove?: number }, table: PlanTable = PLAN_TABLE): RolloutPlanAnswer {
  const blockAbove = o.blockAbove ?? DEFAULT_BLOCK_ABOVE;
  const p = o.risk && Number.isFinite(o.risk.probability) ? o.risk.probability : null;
  const chosen = choosePlan({ risk: p, rpm: o.rpm }, table);
  const c = chosen.candidate;
  const plan = { name: c.name, steps: [...c.steps], dwellMinutes: [...c.dwellMinutes], bakeMinutes: o.bakeMinutes, minutesToFull: dwellSum(c) };
  const careful = PLAN_CANDIDATES[PLAN_CANDIDATES.length - 1];
  const top = (o.risk?.reasons ?? []).filter((r) => r.contribution > 0).slice(0, 3).map((r) => r.feature);
  let gate: RolloutPlanAnswer['gate'];
  if (p === null) gate = { decision: 'wait', blockAbove, reasons: ['no risk score: the change cannot be judged, so it waits'], recommendations: ['score the change (POST /v1/risk/score needs a risk champion and the change’s features)'] };
  else if (p > blockAbove)
    gate = {
      decision: 'blocked',
      blockAbove,
      reasons: [`risk ${p.toFixed(3)} is above ${blockAbove}`],
      recommendations: [
        `run more tests${top.length ? `: the largest risk contributions are ${top.join(', ')}` : ''}`,
        'deploy in a low-traffic window (POST /v1/deploy/windows ranks them)',
        `if it must ship, the smallest first step: ${careful.name}, ${careful.steps.join('-')} %`,
        'split the change: smaller changes score lower',
      ],
    };
  else if (!o.risk!.complete) gate = { decision: 'wait', blockAbove, reasons: [`risk ${p.toFixed(3)} is below ${blockAbove}, but the score is incomplete (features missing or outside what the model learned)`], recommendations: ['send every feature (GET /v1/risk/features lists them)'] };
  else gate = { decision: 'pass', blockAbove, reasons: [`risk ${p.toFixed(3)} is at or below ${blockAbove}`], recommendations: [] };
  return { plan, optimised: chosen.optimised, gate, reasons: chosen.reasons };
}
