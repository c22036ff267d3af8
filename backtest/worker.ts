// A backtest worker thread: simulates one period of the scenario and runs its deployments under every policy.
import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Strategy } from '../sim/strategy.ts';
import { simulatePeriod } from './worlds.ts';
import { resolvePolicies } from '../policies/index.ts';
import { runPeriod } from './run.ts';
import { loadRolloutChampionsSync, loadRiskSync } from '../training/load.ts';
import { optimisedChooser } from './optimised.ts';
import type { World } from '../sim/world.ts';
import type { UnitKind } from '../policies/rollout-plan/units.ts';

export interface PeriodTask {
  index: number;
  limit: number;
}

export interface WorkerSetup {
  scenario: Scenario;
  seed: number;
  policies: string[];
  strategy: Strategy;
  /** Each deployment under the optimiser's plan, from the registry's risk champion (none: the most careful plan). */
  optimised?: boolean;
  /** With `optimised`: the plan run over the service's regions or tenants. */
  optimisedUnits?: UnitKind;
  /** With `optimised`: the plan also sets the learned policy's rollback thresholds per change. */
  optimisedThresholds?: boolean;
  windowMinutes?: number;
  /** Modules to import first (they register extra policies by name). */
  policyModules: string[];
  /** Registry of the learned policies' champions (default: the registry's default root). */
  modelsRoot?: string;
}

const setup = workerData as WorkerSetup;
for (const m of setup.policyModules) await import(m);
const policies = resolvePolicies(setup.policies, { models: () => loadRolloutChampionsSync(setup.modelsRoot) });
const risk = setup.optimised ? (loadRiskSync(setup.modelsRoot)?.model ?? null) : null;
const strategyFor = setup.optimised ? (w: World) => optimisedChooser(w, risk, undefined, setup.optimisedUnits, setup.optimisedThresholds ?? false) : undefined;
parentPort!.on('message', (task: PeriodTask | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  const period = simulatePeriod(setup.scenario, setup.seed, task.index);
  let done = 0;
  const work = runPeriod(period, policies, setup.strategy, task.limit, setup.windowMinutes, () => {
    if (++done % 25 === 0) parentPort!.postMessage({ progress: 25 });
  }, strategyFor);
  parentPort!.postMessage({ progress: done % 25 });
  parentPort!.postMessage({ index: task.index, work });
});
