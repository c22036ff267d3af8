// `--strategy optimised`: each deployment rolls out under the plan the rollout-plan optimiser chooses for it
// (policies/rollout-plan/), from the risk champion's score of its change and its service's traffic at the start.
import type { World, Deployment } from '../sim/world.ts';
import type { Strategy } from '../sim/strategy.ts';
import type { GamModel } from '../training/gam.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import { choosePlan, candidateStrategy, PLAN_TABLE, type PlanTable } from '../policies/rollout-plan/choose.ts';

export interface DeploymentStrategy {
  strategy: Strategy;
  optimised: boolean;
  plan: string;
}

/** The chooser of one world: risk scores of its deployments once, then a plan per deployment. */
export function optimisedChooser(world: World, risk: GamModel | null, table: PlanTable = PLAN_TABLE): (dep: Deployment) => DeploymentStrategy {
  const priors = risk ? riskPriors(world, risk) : new Map<string, number>();
  return (dep) => {
    const c = choosePlan({ risk: priors.get(dep.id) ?? null, rpm: world.traffic.requests[dep.service][dep.start] }, table);
    return { strategy: candidateStrategy(c.candidate, world.scenario.rollout.bakeMinutes), optimised: c.optimised, plan: c.candidate.name };
  };
}
