// The pre-deploy answer for one change: its plan from the optimiser and the risk gate. Every pre-deploy hook takes its
// pass / blocked / wait from `riskGate` here, so they cannot disagree: POST /v1/rollout/plan, `plan rollout`, Flagger's
// confirm-rollout / confirm-promotion and Argo's pre-promotion analysis (POST /v1/argo/gate). The hooks differ only in
// how they get the risk score (docs/rollout-plans.md).
// The gate blocks a change whose risk is above `blockAbove` (default 0.85) and says what would make it acceptable; it
// waits, never passes, when the risk score is incomplete (features missing or outside what the model learned) or
// missing. A pure function of the score, the traffic and the gate's setting.
import { RolloutlabError } from '../../lib/errors.ts';
import { choosePlan, PLAN_TABLE, type PlanTable } from './choose.ts';
import { PLAN_CANDIDATES, dwellSum, type PlanCandidate } from './candidates.ts';

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
  steps: number[];
  dwellMinutes: number[];
  bakeMinutes: number;
  minutesToFull: number;
}

export interface RolloutPlanAnswer {
  plan: PlanView;
  optimised: boolean;
  gate: GateAnswer;
  reasons: string[];
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

const view = (c: PlanCandidate, bakeMinutes: number): PlanView => ({ name: c.name, steps: [...c.steps], dwellMinutes: [...c.dwellMinutes], bakeMinutes, minutesToFull: dwellSum(c) });

/** The answer of every pre-deploy hook: the optimiser's plan for the score and the traffic, and the risk gate (`riskGate`). */
export function rolloutPlanDecision(o: { risk: RiskView | null; rpm: number; bakeMinutes: number; blockAbove?: number; missing?: GateNote }, table: PlanTable = PLAN_TABLE): RolloutPlanAnswer {
  const gate = riskGate(o.risk, o.blockAbove ?? DEFAULT_BLOCK_ABOVE, o.missing);
  const p = o.risk && usable(o.risk.probability) ? o.risk.probability : null;
  const chosen = choosePlan({ risk: p, rpm: o.rpm }, table);
  return { plan: view(chosen.candidate, o.bakeMinutes), optimised: chosen.optimised, gate, reasons: chosen.reasons };
}
