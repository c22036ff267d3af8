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
import { chooseSensitivity, SENSITIVITY_TABLE, type SensitivityTable } from '../policies/rollout-plan/sensitivity.ts';
import type { ThresholdCaps } from '../policies/thresholds.ts';

export interface DeploymentStrategy {
  strategy: Strategy;
  optimised: boolean;
  plan: string;
  /** With per-change thresholds: the rollback sensitivity chosen and its caps on the learned policy's thresholds. */
  sensitivity?: string;
  thresholds?: ThresholdCaps;
}

/** The units of a world's service a plan can run over. */
export function serviceUnits(world: World, service: number, by: UnitKind): UnitsInput {
  const svc = world.topology.services[service];
  const crit = world.scenario.topology.tenantCriticality;
  return by === 'region'
    ? { by, names: [...svc.regions], shares: [...svc.regionShares] }
    : { by, names: [...world.scenario.topology.tenants], shares: [...svc.tenantShares], ...(crit ? { criticality: [...crit] } : {}) };
}

/**
 * The chooser of one world: risk scores of its deployments once, then a plan per deployment (over `units` when given),
 * and with `thresholds` its rollback sensitivity too (from `sensitivityTable`).
 */
export function optimisedChooser(world: World, risk: GamModel | null, table: PlanTable = PLAN_TABLE, units?: UnitKind, thresholds = false, sensitivityTable: SensitivityTable = SENSITIVITY_TABLE): (dep: Deployment) => DeploymentStrategy {
  const priors = risk ? riskPriors(world, risk) : new Map<string, number>();
  return (dep) => {
    const u = units ? serviceUnits(world, dep.service, units) : undefined;
    const input = { risk: priors.get(dep.id) ?? null, rpm: world.traffic.requests[dep.service][dep.start] };
    const c = choosePlan({ ...input, units: u }, table);
    const chosen: DeploymentStrategy = { strategy: chosenStrategy(c, world.scenario.rollout.bakeMinutes, u), optimised: c.optimised, plan: c.units ? `${c.candidate.name} by ${c.units.by}` : c.candidate.name };
    if (thresholds) {
      const s = chooseSensitivity(input, sensitivityTable);
      chosen.sensitivity = s.level.name;
      chosen.thresholds = s.level.caps;
    }
    return chosen;
  };
}
