// Recording rollout trajectories: every deployment's unguarded run, as a policy observes it minute by minute, with the
// truth of what happened next — the training data of the predictive-rollback family (format and reader:
// training/predictive-rollback/trajectories.ts), and optionally the labelled analysis windows of the same runs.
//
//   sim (world, env) → backtest (this file: runs the deployments) → data set → training/predictive-rollback
import { runEpisode } from './run.ts';
import { periods } from './worlds.ts';
import { judgeWindows } from '../judges/labelled-windows.ts';
import { RolloutEnv, recordRows, type Observation } from '../sim/env.ts';
import { scenarioStrategy, type Strategy } from '../sim/strategy.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import { onSchedule, type Policy } from '../policies/policy.ts';
import type { GamModel } from '../training/gam.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import type { TrajectorySet } from '../training/predictive-rollback/trajectories.ts';

/** Record the unguarded run of `deployments` deployments as policies observe them. */
export function recordTrajectories(scenario: Scenario, seed: number, deployments: number, onProgress?: (done: number, total: number) => void, strategy?: Strategy, windowMinutes?: number, risk: GamModel | null = null): TrajectorySet {
  const out: TrajectorySet = { deployments: [], observations: [] };
  let priors = new Map<string, number>();
  let slo: Scenario['slo'] = scenario.slo;
  const recorder: Policy = {
    name: 'record',
    needsTruth: true,
    prepare(world) {
      slo = world.scenario.slo;
      if (risk) priors = riskPriors(world, risk);
    },
    start(ctx, truth) {
      const u = truth!.unguarded;
      out.deployments.push({
        id: ctx.deploymentId,
        period: 0,
        service: ctx.service.name,
        plan: ctx.plan,
        slo,
        material: truth!.material,
        severe: truth!.fault?.severe ?? false,
        faultKind: truth!.fault?.kind ?? null,
        breachAge: u.faultBreachMinute === null ? null : u.faultBreachMinute - ctx.start,
        onsetAge: u.onsetMinute === null ? null : u.onsetMinute - ctx.start,
        riskPrior: priors.get(ctx.deploymentId) ?? NaN,
      });
      const obs: Observation[] = [];
      out.observations.push(obs);
      return {
        decide(o) {
          obs.push(structuredClone(o));
          return onSchedule(o, ctx.plan);
        },
      };
    },
  };
  // One run per deployment: the recorder follows the schedule, so its run is the unguarded run (the world's own
  // outcome is the truth), and recording its rows gives the judge windows of the same run.
  const strat = strategy ?? scenarioStrategy(scenario);
  out.windows = windowMinutes ? [] : undefined;
  let done = 0;
  for (const period of periods(scenario, seed, deployments)) {
    const env = new RolloutEnv(period.world);
    const sameAsWorld = JSON.stringify(strat) === JSON.stringify(scenarioStrategy(period.world.scenario));
    recorder.prepare!(period.world);
    for (const dep of period.deployments) {
      if (done >= deployments) break;
      const truth = sameAsWorld ? dep.outcome : runEpisode(env, period.world, dep, period.seed, strat, null, null).outcome;
      const recording = windowMinutes ? recordRows(env) : null;
      runEpisode(env, period.world, dep, period.seed, strat, recorder, truth);
      recording?.stop();
      out.deployments[out.deployments.length - 1].period = period.index;
      if (windowMinutes) out.windows!.push(...judgeWindows(period.world, dep, recording!.rows, windowMinutes, period.index));
      done++;
      onProgress?.(done, deployments);
    }
  }
  return out;
}
