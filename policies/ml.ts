// `ml`: the learned rollout policy. Follows the schedule and rolls back at the first tick where the predictive-rollback
// model (training/predictive-rollback/) is confident that a material fault is active in the canary, or that the rollout will
// breach the SLO if it carries on, or where the last minute alone is overwhelming evidence against the canary (an
// exact test against the baseline at p <= 1e-7: a severe fault is caught at its first tick when its canary served
// enough requests to show it). It watches the bake after promotion as well, where the baseline is gone and the
// reference is the baseline's rates frozen at promotion (slow leaks show up there).
//
// Under a progressive strategy (one region or tenant at a time) a rollback takes back only the unit the evidence is
// confined to, when the canary's breakdown by unit shows one (policies/unit-scope.ts), and keeps the healthy ones; the
// rollout then carries on with the others, judged afresh from that minute on (a new trajectory: the rolled-back unit's
// minutes no longer speak for them), and any later rollback takes everything back.
//
// Adaptive (`ml-adaptive`, policies/adaptive.ts): the same, and the canary's last minute is compared with the what-if's
// predicted ranges for its stage. It observes every GREEN_TICK_SECONDS: green leaves the decision as it is; yellow
// holds instead of advancing (for at most the same extra hold) and observes every FINE_TICK_SECONDS; red that lasts a
// minute, or overwhelming evidence in the last steps, rolls back at once. Between minute boundaries only the ranges
// and that fast test speak; the predictor and the judge read the minute the short steps make up.
import { decision, onSchedule, type Decision, type DecisionScores, type Policy } from './policy.ts';
import type { Observation } from '../sim/env.ts';
import { Trajectory } from '../training/predictive-rollback/features.ts';
import type { RollbackPredictor } from '../training/predictive-rollback/model.ts';
import type { GamModel } from '../training/gam.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import type { JudgeModel } from '../training/judge/model.ts';
import { notProbabilities } from '../lib/scores.ts';
import { windowEvidence } from '../judges/evidence.ts';
import { UnitEvidence } from './unit-scope.ts';
import { effectiveThresholds } from './thresholds.ts';
import { checkRanges, FINE_TICK_SECONDS, GREEN_TICK_SECONDS, MinuteAssembler, overwhelmingNow, RED_PERSIST_MIN, RollingMinute } from './adaptive.ts';

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
  /** Compare observations with the what-if's predicted ranges (`ctx.ranges`): the `ml-adaptive` policy. */
  adaptive?: boolean;
}

/** A probability as served (clamped into [0, 1]), or null when it is none. */
const prob = (p: number): number | null => (Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : null);

const NOT_CONSULTED: DecisionScores = { pFault: null, pBreach: null, breachInMin: null };

/** A decision with one more reason at the end. */
const withReason = (d: Decision, why: string): Decision => {
  const reasons = [...d.reasons, why];
  return { ...d, reasons, reason: reasons.join('; ') };
};

export function mlPolicy(model: RollbackPredictor, version = '', parts: MlParts = {}): Policy {
  const risk = parts.risk ?? null;
  const judge = parts.judge ?? null;
  const maxHold = parts.maxExtraHoldMin ?? MAX_EXTRA_HOLD_MIN;
  const adaptive = parts.adaptive ?? false;
  const name = adaptive ? 'ml-adaptive' : 'ml';
  const tag = `${name}${version ? ' ' + version : ''}`;
  let priors = new Map<string, number>();
  return {
    name,
    ...(adaptive ? { needsRanges: true } : {}),
    prepare(world) {
      if (risk) priors = riskPriors(world, risk);
    },
    start(ctx) {
      const prior = ctx.riskPrior ?? priors.get(ctx.deploymentId) ?? NaN;
      // This rollout's thresholds: the champion's, lowered by the plan's caps when it gives some.
      const th = effectiveThresholds({ fault: model.thresholds.fault, breach: model.thresholds.breach, hold: model.thresholds.hold }, ctx.thresholds);
      const holdAt = Math.min(parts.holdThreshold ?? model.thresholds.hold, ctx.thresholds?.hold ?? Infinity);
      let tr = new Trajectory(ctx.plan, ctx.slo, prior);
      // Progressive strategies: the evidence by unit, and the units this run has rolled back.
      const units = ctx.plan.units.length > 1 ? new UnitEvidence(ctx.plan.units) : null;
      const rolledBack: number[] = [];
      const objective = ctx.service.latencyObjectiveMs;
      const schedule = (obs: Observation, why: string): Decision => ({ ...onSchedule(obs, ctx.plan, `${tag}: ${why}`), scores: NOT_CONSULTED });
      const core = (obs: Observation): Decision => {
          tr.push(obs);
          units?.push(obs);
          if (obs.age === 0) return schedule(obs, 'rollout just started: no metrics yet, on schedule');
          if (obs.phase !== 'progressing' && obs.phase !== 'baking') return schedule(obs, `rollout is ${obs.phase}: nothing to decide`);
          const d = model.decide(tr.features(obs), tr, obs, th);
          if (d.rollback) {
            const when = d.breachInMin === null ? '' : d.breachInMin === 0 ? ', breach projected at this exposure' : `, breach projected in ${d.breachInMin} min`;
            const why = [`${tag}: P(material fault) ${d.pFault.toFixed(2)}, P(breach ahead) ${d.pBreach.toFixed(2)}${when}`, ...d.reasons];
            const scores = { pFault: prob(d.pFault), pBreach: prob(d.pBreach), breachInMin: d.breachInMin };
            if (!units) return decision('rollback', why, scores);
            if (rolledBack.length > 0) return decision('rollback', [`${tag}: the rest still looks bad after rolling back ${rolledBack.map((u) => ctx.plan.units[u]).join(', ')} — rolling back everything`, ...why], scores);
            // The units on the new version now: this run's own unit rollbacks are off it whatever the exposure says.
            const scope = units.scope(obs.exposure.map((x, u) => x > 0 && !rolledBack.includes(u)));
            if (scope.unit === null) return decision('rollback', [...why, `${tag}: ${scope.reasons[0]}`], scores);
            rolledBack.push(scope.unit);
            // The units left are judged afresh from the next minute: the rolled-back unit's minutes do not speak for them.
            tr = new Trajectory(ctx.plan, ctx.slo, prior);
            const rb = decision('rollback', [`${tag}: ${scope.reasons[0]}`, ...why], scores) as Extract<Decision, { type: 'rollback' }>;
            rb.unit = ctx.plan.units[scope.unit];
            return rb;
          }
          // Unusable model output (not a probability): never advance on it, whatever the phase or the dwell.
          if (d.invalid) return decision('hold', [`${tag}: ${d.invalid} — holding`], NOT_CONSULTED);
          const scores: DecisionScores = { pFault: prob(d.pFault), pBreach: prob(d.pBreach), breachInMin: d.breachInMin };
          // Before adding exposure: evidence building but not decisive, or the canary judge failing the last window,
          // keeps the current exposure for more data (bounded). Rollbacks come from the predictor alone.
          const dwell = ctx.plan.stages[obs.stage].dwellMinutes;
          const due = obs.phase === 'progressing' && obs.timeAtStage >= dwell;
          if (due) {
            const gap = advanceEvidenceGap(tr, obs.weight);
            if (gap) return decision('hold', [`${tag}: ${gap[0]} — holding`, ...gap.slice(1)], scores);
          }
          if (due && obs.timeAtStage < dwell + maxHold) {
            if (d.pFault >= holdAt) return decision('hold', [`${tag}: P(material fault) ${d.pFault.toFixed(2)} — holding for more evidence`], scores);
            if (judge) {
              const w = tr.lastWindow(JUDGE_WINDOW_MIN);
              const window = { canary: w.canary, baseline: w.baseline, latencyObjectiveMs: objective };
              const j = judge.judge(window, { reasons: false });
              const broken = notProbabilities({ 'P(fail)': j.pFail });
              if (broken) return decision('hold', [`${tag}: the judge's ${broken} — holding`], scores);
              if (j.verdict === 'fail') {
                const why = judge.judge(window, { reasons: true, maxReasons: 2 }).reasons;
                return decision('hold', [`${tag}: the judge fails the last ${JUDGE_WINDOW_MIN} min (P(fail) ${j.pFail.toFixed(2)}) — holding`, ...why], scores);
              }
            }
          }
          const why = due ? 'healthy so far: advance on schedule' : obs.phase === 'baking' ? 'healthy so far: keep baking' : 'healthy so far: keep the stage until its dwell time';
          return decision(due ? 'advance' : 'hold', [`${tag}: ${why}`], scores);
      };
      if (!adaptive) return { decide: core };
      // Adaptive stages: the ranges of this plan's stages (none, or not this plan's: the learned policy alone decides).
      const ranges = ctx.ranges && ctx.ranges.length === ctx.plan.stages.length ? ctx.ranges : null;
      const noRanges = ctx.ranges ? `${tag}: the predicted ranges have ${ctx.ranges.length} stages, the plan ${ctx.plan.stages.length}: not compared` : `${tag}: no predicted ranges for this rollout: not compared`;
      const roll = new RollingMinute();
      const threshold = ctx.slo.burnRate * (1 - ctx.slo.objective);
      const minutes = new MinuteAssembler();
      // Since when the rolling minute has been red without a break (minutes since the start), or null.
      let redSince: number | null = null;
      return {
        decide(obs: Observation): Decision {
          if (!ranges) {
            return withReason(core(obs), noRanges);
          }
          const live = obs.phase === 'progressing' || obs.phase === 'baking';
          if (obs.age > 0) roll.push(obs);
          // The rolling minute, put together once for both tests of this step.
          const [canary, baseline] = obs.age > 0 && live ? [roll.canary, roll.baseline] : [null, null];
          const check = obs.age > 0 && live && roll.seconds >= 60 ? checkRanges(ranges[obs.stage], canary, baseline) : null;
          const colour = check?.colour ?? null;
          redSince = colour === 'red' ? (redSince ?? obs.age) : null;
          const said = (c: string) => `${tag}: stage ${obs.stage + 1} ${c} against the predicted ranges`;
          // Red rolls back once a whole minute of fresh data has said it too (the first red minute and the next).
          if (colour === 'red' && obs.age - redSince! >= RED_PERSIST_MIN - 1e-9) {
            return decision('rollback', [`${said('red')} for ${Math.round((obs.age - redSince!) * 60)} s — rolling back`, ...check!.reasons], NOT_CONSULTED);
          }
          const fast = obs.age > 0 && live ? overwhelmingNow(canary, baseline, threshold) : null;
          if (fast) return decision('rollback', [`${tag}: red in the last ${roll.seconds} s — rolling back`, fast], NOT_CONSULTED);
          const closely = colour === 'red' || colour === 'yellow';
          const tick = closely ? FINE_TICK_SECONDS : GREEN_TICK_SECONDS;
          const head = closely ? `${said(colour!)}${colour === 'red' ? ', confirming' : ''}` : '';
          const minute = minutes.push(obs);
          if (minute === null) {
            // Inside a minute: only the ranges and the fast test speak; the rollout stays where it is until the minute is complete.
            if (closely) return decision('hold', [`${head} — holding, observing every ${tick} s`, ...check!.reasons], NOT_CONSULTED, tick);
            return decision('hold', [`${tag}: ${colour === 'green' ? 'inside the predicted ranges' : 'no range to compare yet'} — observing every ${tick} s to the end of the minute`], NOT_CONSULTED, tick);
          }
          const d = core(minute);
          if (d.type === 'rollback') return d;
          if (!closely) return { ...d, tickSeconds: tick };
          const dwell = ctx.plan.stages[obs.stage].dwellMinutes;
          if (d.type === 'advance' && obs.timeAtStage >= dwell + maxHold) {
            return { ...withReason(d, `${head}, but the stage has been held ${maxHold} min beyond its dwell`), tickSeconds: tick };
          }
          const what = d.type === 'advance' ? 'holding instead of advancing' : 'holding';
          return decision('hold', [`${head} — ${what}, observing every ${tick} s`, ...check!.reasons, ...d.reasons], d.scores, tick);
        },
      };
    },
  };
}
