// `--strategy optimised`: each deployment rolls out under the plan the rollout-plan optimiser chooses for it
// (policies/rollout-plan/), from the risk champion's score of its change and its service's traffic at the start.
// `optimised:region` / `optimised:tenant`: the same plan run over the service's regions (tenants), smallest (least
// critical) first, under the exposure cap (policies/rollout-plan/units.ts).
import type { World, Deployment } from '../sim/world.ts';
import type { Strategy } from '../sim/strategy.ts';
import type { GamModel } from '../training/gam.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import { choosePlan, chosenStrategy, PLAN_TABLE, type PlanTable } from '../policies/rollout-plan/choose.ts';
import type { UnitKind, UnitsInput } from '../policies/rollout-plan/units.ts';

export interface DeploymentStrategy {
  strategy: Strategy;
  optimised: boolean;
  plan: string;
}

/** The units of a world's service a plan can run over. */
export function serviceUnits(world: World, service: number, by: UnitKind): UnitsInput {
  const svc = world.topology.services[service];
  const crit = world.scenario.topology.tenantCriticality;
  return by === 'region'
    ? { by, names: [...svc.regions], shares: [...svc.regionShares] }
    : { by, names: [...world.scenario.topology.tenants], shares: [...svc.tenantShares], ...(crit ? { criticality: [...crit] } : {}) };
}

/** The chooser of one world: risk scores of its deployments once, then a plan per deployment (over `units` when given). */
export function optimisedChooser(world: World, risk: GamModel | null, table: PlanTable = PLAN_TABLE, units?: UnitKind): (dep: Deployment) => DeploymentStrategy {
  const priors = risk ? riskPriors(world, risk) : new Map<string, number>();
  return (dep) => {
    const u = units ? serviceUnits(world, dep.service, units) : undefined;
    const c = choosePlan({ risk: priors.get(dep.id) ?? null, rpm: world.traffic.requests[dep.service][dep.start], units: u }, table);
    return { strategy: chosenStrategy(c, world.scenario.rollout.bakeMinutes, u), optimised: c.optimised, plan: c.units ? `${c.candidate.name} by ${c.units.by}` : c.candidate.name };
  };
}
