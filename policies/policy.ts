// The decision core's contract. A policy is a pure function of (the observations of one rollout so far, its
// parameters, its models) → the action for the next minute, with its reasons. The backtester folds a deployment's
// observations through a run one by one; the server folds the observations a deploy system sends through a fresh run
// (`decideOnHistory`): the same code, so what a team backtests is what the server answers.
//
//   sim (observations) → policies (this folder: decisions) → backtest (replays, scores) / server (answers deploy systems)
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Fault } from '../sim/faults.ts';
import type { Action, Observation, EpisodeOutcome } from '../sim/env.ts';
import type { Plan } from '../sim/strategy.ts';
import type { World } from '../sim/world.ts';
import type { StageRanges } from '../sim/whatif.ts';
import type { ThresholdCaps } from './thresholds.ts';

/** What a policy may know of the service it rolls out to: its name and its latency objective (none: judges fall back to the baseline's latency). */
export interface ServiceFacts {
  name: string;
  latencyObjectiveMs?: number;
}

/** What a policy may know about a deployment before it starts: nothing from the truth. */
export interface PolicyContext {
  deploymentId: string;
  service: ServiceFacts;
  /** Absolute minute of the world at the start. */
  start: number;
  plan: Plan;
  /** The SLO's objective and burn-rate multiple (the breach threshold is burnRate × (1 − objective)). */
  slo: Pick<Scenario['slo'], 'objective' | 'burnRate'>;
  /** Seconds per tick (one step of the environment). */
  tickSeconds: number;
  /** Risk prior for the deployment, when a risk model scored it (0..1); baselines ignore it. */
  riskPrior?: number;
  /**
   * The what-if engine's predicted ranges for each stage of `plan` (sim/whatif.ts), for policies that declare
   * `needsRanges`: what a healthy canary, its baseline and the likely faults look like at each stage.
   */
  ranges?: readonly StageRanges[];
  /**
   * Per-change caps on the learned policy's rollback thresholds (./thresholds.ts): the plan's, for a risky change.
   * Each threshold used is the lower of the champion's and the cap; absent, the champion's. Baselines ignore them.
   */
  thresholds?: ThresholdCaps;
}

/** The truth, handed only to policies that declare `needsTruth` (the oracle). */
export interface DeploymentTruth {
  fault: Fault | null;
  material: boolean;
  /** The unguarded run of the same deployment, seed and strategy. */
  unguarded: EpisodeOutcome;
}

/** What a learned policy's model said, as probabilities (null: not consulted, or no usable probability). */
export interface DecisionScores {
  pFault: number | null;
  pBreach: number | null;
  breachInMin: number | null;
}

/**
 * A policy's answer for one minute: the action the environment takes, every reason (the first is the headline;
 * `reason` is all of them joined with "; "), and the model's scores when a model was consulted.
 */
export type Decision = Action & { reason: string; reasons: string[]; scores?: DecisionScores };

/** A decision from its reasons: `reason` is them joined with "; ". */
export function decision(type: 'advance' | 'hold' | 'rollback', reasons: string[], scores?: DecisionScores, tickSeconds?: number): Decision {
  const d = { type, reason: reasons.join('; '), reasons } as Decision;
  if (scores) d.scores = scores;
  if (tickSeconds !== undefined) d.tickSeconds = tickSeconds;
  return d;
}

export interface PolicyRun {
  /** Decide the action for the next tick from the latest observation (the first comes from `reset`). */
  decide(obs: Observation): Decision;
}

export interface Policy {
  readonly name: string;
  readonly needsTruth?: boolean;
  /** Compares observations with the what-if's predicted ranges: the backtester computes them for each deployment. */
  readonly needsRanges?: boolean;
  /** Called once per simulated period before its deployments run (e.g. to score every deployment's risk prior). */
  prepare?(world: World): void;
  start(ctx: PolicyContext, truth?: DeploymentTruth): PolicyRun;
}

/** Advance when the current stage has been held for its dwell time, else hold: what every tool does when all is well. */
export function onSchedule(obs: Observation, plan: Plan, reason = 'on schedule'): Decision {
  return decision(obs.phase === 'progressing' && obs.timeAtStage >= plan.stages[obs.stage].dwellMinutes ? 'advance' : 'hold', [reason]);
}

/**
 * The decision for the last of `observations` (oldest first), folding each through a fresh run of the policy: what a
 * stateless caller (the server's routes) answers, and exactly what the backtester's run answered at that minute when
 * it was handed the same observations.
 */
export function decideOnHistory(policy: Policy, ctx: PolicyContext, observations: readonly Observation[], truth?: DeploymentTruth): Decision {
  if (observations.length === 0) throw new Error('decideOnHistory: no observation to decide on');
  const run = policy.start(ctx, truth);
  let d: Decision | null = null;
  for (const o of observations) d = run.decide(o);
  return d!;
}
