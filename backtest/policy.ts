// The policy interface: anything that turns observations of a rollout into actions. Baseline policies (the real
// tools' behaviour) and, later, learned policies implement it; the backtester only ever sees this interface.
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Service } from '../sim/topology.ts';
import type { Fault } from '../sim/faults.ts';
import type { Action, Observation, EpisodeOutcome } from '../sim/env.ts';
import type { Plan } from '../sim/strategy.ts';
import type { World } from '../sim/world.ts';

/** What a policy may know about a deployment before it starts: nothing from the truth. */
export interface PolicyContext {
  deploymentId: string;
  service: Service;
  /** Absolute minute of the world at the start. */
  start: number;
  plan: Plan;
  slo: Scenario['slo'];
  /** Seconds per tick (one step of the environment). */
  tickSeconds: number;
  /** Risk prior for the deployment, when a risk model scored it (0..1); baselines ignore it. */
  riskPrior?: number;
}

/** The truth, handed only to policies that declare `needsTruth` (the oracle). */
export interface DeploymentTruth {
  fault: Fault | null;
  material: boolean;
  /** The unguarded run of the same deployment, seed and strategy. */
  unguarded: EpisodeOutcome;
}

export interface PolicyRun {
  /** Decide the action for the next tick from the latest observation (the first comes from `reset`). */
  decide(obs: Observation): Action;
}

export interface Policy {
  readonly name: string;
  readonly needsTruth?: boolean;
  /** Called once per simulated period before its deployments run (e.g. to score every deployment's risk prior). */
  prepare?(world: World): void;
  start(ctx: PolicyContext, truth?: DeploymentTruth): PolicyRun;
}

/** Advance when the current stage has been held for its dwell time, else hold: what every tool does when all is well. */
export function onSchedule(obs: Observation, plan: Plan, reason = 'on schedule'): Action {
  return obs.phase === 'progressing' && obs.timeAtStage >= plan.stages[obs.stage].dwellMinutes ? { type: 'advance', reason } : { type: 'hold', reason };
}
