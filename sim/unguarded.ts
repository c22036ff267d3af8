// The unguarded counterfactual of a deployment (docs/definitions.md#violating-deployment): the same seed and the same traffic steps, every
// rollback ignored. It is the rollout environment driven by a policy that follows the schedule and never rolls
// back, so the world's ground truth and every backtest's `none` policy are one code path.
import type { Scenario } from './scenario-schema.ts';
import { RolloutEnv, scheduleAction, recordRows, type EnvWorld, type EnvDeployment, type EpisodeOutcome, type ObservationRow } from './env.ts';
import { scenarioStrategy, type Strategy } from './strategy.ts';

export { COHORTS, type ObservationRow } from './env.ts';

/** Canary weight (0..1) `age` minutes into an unguarded run of the scenario's rollout. */
export function canaryWeight(rollout: Scenario['rollout'], age: number): number {
  const k = Math.floor(age / rollout.stepMinutes);
  return k < rollout.steps.length - 1 ? rollout.steps[k] / 100 : 1;
}

/** Minutes from the first step to the end of the bake period. */
export const rolloutWindow = (rollout: Scenario['rollout']): number => (rollout.steps.length - 1) * rollout.stepMinutes + rollout.bakeMinutes;

export interface UnguardedRun {
  outcome: EpisodeOutcome;
  rows: ObservationRow[];
}

/** Run a deployment's unguarded counterfactual with the world's seed (the scenario's strategy unless given); its rows are recorded unless `record` is false. */
export function runUnguarded(world: EnvWorld, dep: EnvDeployment, seed: number, opts: { strategy?: Strategy; record?: boolean } = {}): UnguardedRun {
  const env = new RolloutEnv(world);
  const recording = (opts.record ?? true) ? recordRows(env) : null;
  let { observation } = env.reset({ seed, deployment: dep, strategy: opts.strategy ?? scenarioStrategy(world.scenario) });
  const plan = env.plan;
  for (;;) {
    const r = env.step(scheduleAction(observation, plan));
    observation = r.observation;
    if (r.terminated || r.truncated) break;
  }
  recording?.stop();
  return { outcome: env.outcome(), rows: recording?.rows ?? [] };
}
