// The predicted ranges a range-reading policy (`ml-adaptive`) gets for each deployment of a backtest: the what-if
// engine run for the deployment's change and plan before it starts, from what was known then (sim/whatif.ts: the
// forecast traffic, incidents drawn afresh, the catalogue's faults), without the stress pre-checks. The server's
// callers send the same ranges with their observations (from POST /v1/whatif, `rolloutlab whatif --json` or
// `plan rollout --json`).
import { whatIf, type StageRanges } from '../sim/whatif.ts';
import type { Strategy } from '../sim/strategy.ts';
import type { World, Deployment } from '../sim/world.ts';

/** Healthy and faulty what-if runs per deployment in a backtest (the ranges' p1 / p99 rest on runs × dwell minutes). */
export const BACKTEST_WHATIF_RUNS = 40;

/** The what-if's ranges for each stage of `strategy`'s plan for `dep`. */
export function predictedRanges(world: World, dep: Deployment, strategy: Strategy, seed: number, runs = BACKTEST_WHATIF_RUNS): StageRanges[] {
  const change = world.changes.find((c) => c.id === dep.changeId);
  return whatIf({
    scenario: world.scenario,
    topology: world.topology,
    traffic: world.traffic,
    service: dep.service,
    start: dep.start,
    id: dep.id,
    apiContractChange: change?.features.apiContractChange ?? false,
    risk: null,
    strategy,
    runs,
    seed,
    stress: false,
  }).stages;
}
