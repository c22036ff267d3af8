// `ml`: the learned rollout policy. Follows the schedule and rolls back at the first tick where the predictive-rollback
// model (training/rollback/) is confident that a material fault is active in the canary, or that the rollout will
// breach the SLO if it carries on, or where the last minute alone is overwhelming evidence against the canary (an
// exact test against the baseline at p <= 1e-7: a severe fault is caught at its first tick when its canary served
// enough requests to show it). It watches the bake after promotion as well, where the baseline is gone and the
// reference is the baseline's rates frozen at promotion (slow leaks show up there).
import type { Policy } from '../policy.ts';
import { onSchedule } from '../policy.ts';
import type { Action, Observation } from '../../sim/env.ts';
import { Trajectory } from '../../training/rollback/features.ts';
import type { RollbackModel } from '../../training/rollback/model.ts';
import type { GamModel } from '../../training/gam.ts';
import { riskPriors } from '../../training/rollback/prior.ts';
import type { JudgeModel } from '../../training/judge/model.ts';
import { notProbabilities } from '../../lib/scores.ts';
import { windowEvidence } from '../../judges/evidence.ts';

/** Longest extra time a stage is held for more evidence beyond its dwell. */
export const MAX_EXTRA_HOLD_MIN = 10;

/** Minutes of the window the canary judge reads before each advance. */
export const JUDGE_WINDOW_MIN = 5;

/**
 * Before an advance: the last JUDGE_WINDOW_MIN minutes must hold sufficient evidence (judges/evidence.ts: more than half
 * of them, at least 3, with request and error counts and p50 / p99 latency from the canary, and from the baseline while
 * one is served). Null when they do; otherwise the reasons. No exposure is added on minutes nobody measured, however long
 * the gap lasts: the rollout holds until the metrics come back (or the predictor rolls it back).
 */
export function advanceEvidenceGap(tr: Trajectory, weight: number): string[] | null {
  const w = tr.lastWindow(JUDGE_WINDOW_MIN);
  const e = windowEvidence({ canary: w.canary, baseline: w.baseline }, { baseline: weight < 1, latency: ['latencyP99', 'latencyP50'] });
  return e.sufficient ? null : e.reasons;
}

export interface MlParts {
  /** The risk champion: each deployment's prior (null: unknown). */
  risk?: GamModel | null;
  /** The canary judge: a fail verdict on the last window holds the exposure instead of advancing (null: no gate). */
  judge?: JudgeModel | null;
  /** Longest extra hold per stage, minutes (default MAX_EXTRA_HOLD_MIN). */
  maxExtraHoldMin?: number;
  /** Hold while P(fault) is at least this (default: the model's thresholds.hold). */
  holdThreshold?: number;
}

export function mlPolicy(model: RollbackModel, version = '', parts: MlParts = {}): Policy {
  const risk = parts.risk ?? null;
  const judge = parts.judge ?? null;
  const maxHold = parts.maxExtraHoldMin ?? MAX_EXTRA_HOLD_MIN;
  const holdAt = parts.holdThreshold ?? model.thresholds.hold;
  let priors = new Map<string, number>();
  return {
    name: 'ml',
    prepare(world) {
      if (risk) priors = riskPriors(world, risk);
    },
    start(ctx) {
      const tr = new Trajectory(ctx.plan, ctx.slo, ctx.riskPrior ?? priors.get(ctx.deploymentId) ?? NaN);
      return {
        decide(obs: Observation): Action {
          tr.push(obs);
          if (obs.age === 0 || (obs.phase !== 'progressing' && obs.phase !== 'baking')) return onSchedule(obs, ctx.plan);
          const d = model.decide(tr.features(obs), tr, obs);
          if (d.rollback) {
            const when = d.breachInMin === null ? '' : d.breachInMin === 0 ? ', breach projected at this exposure' : `, breach projected in ${d.breachInMin} min`;
            return { type: 'rollback', reason: `ml${version ? ' ' + version : ''}: P(material fault) ${d.pFault.toFixed(2)}, P(breach ahead) ${d.pBreach.toFixed(2)}${when}; ${d.reasons.join('; ')}` };
          }
          // Unusable model output (not a probability): never advance on it.
          if (d.invalid) return { type: 'hold', reason: `ml: ${d.invalid} — holding` };
          // Before adding exposure: evidence building but not decisive, or the canary judge failing the last window,
          // keeps the current exposure for more data (bounded). Rollbacks come from the predictor alone.
          const dwell = ctx.plan.stages[obs.stage].dwellMinutes;
          if (obs.phase === 'progressing' && obs.timeAtStage >= dwell) {
            const gap = advanceEvidenceGap(tr, obs.weight);
            if (gap) return { type: 'hold', reason: `ml: ${gap.join('; ')} — holding` };
          }
          if (obs.phase === 'progressing' && obs.timeAtStage >= dwell && obs.timeAtStage < dwell + maxHold) {
            if (d.pFault >= holdAt) return { type: 'hold', reason: `ml: P(material fault) ${d.pFault.toFixed(2)} — holding for more evidence` };
            if (judge) {
              const w = tr.lastWindow(JUDGE_WINDOW_MIN);
              const j = judge.judge({ canary: w.canary, baseline: w.baseline, latencyObjectiveMs: ctx.service.latencyObjectiveMs }, { reasons: false });
              const broken = notProbabilities({ 'P(fail)': j.pFail });
              if (broken) return { type: 'hold', reason: `ml: the judge's ${broken} — holding` };
              if (j.verdict === 'fail') {
                const why = judge.judge({ canary: w.canary, baseline: w.baseline, latencyObjectiveMs: ctx.service.latencyObjectiveMs }, { reasons: true, maxReasons: 2 }).reasons;
                return { type: 'hold', reason: `ml: judge fails the last ${JUDGE_WINDOW_MIN} min (P(fail) ${j.pFail.toFixed(2)}: ${why.join('; ')}) — holding` };
              }
            }
          }
          return onSchedule(obs, ctx.plan, 'ml: healthy so far');
        },
      };
    },
  };
}
