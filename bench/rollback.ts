// The prevention ceiling of the predictive-rollback targets: how much evidence each violation leaves before its
// unguarded breach (expected z of the fault from the simulator truth, backtest/rollback-ceiling.ts), beside the
// prevention of the learned `ml` policy and the baselines on the very same deployments.
//
//   npx rolloutlab bench rollback [--scenario default] [--seed 1] [--deployments 2000] [--policies ml,kayenta] [--models <dir>] [--json]
import { resolve } from 'node:path';
import { resolvePolicies } from '../policies/index.ts';
import { terminalProgress } from '../lib/progress.ts';
import { defaultModelsRoot } from '../training/registry.ts';
import { loadRolloutChampionsSync } from '../training/load.ts';
import { preventionVisibility, formatPreventionVisibility, type PreventionVisibility } from '../backtest/rollback-ceiling.ts';

export function benchRollbackCeiling(o: { scenario: string; seed: number; deployments: number; policies: string; models?: string; progress?: boolean }): PreventionVisibility {
  const root = resolve(o.models ?? defaultModelsRoot());
  const progress = o.progress ? terminalProgress() : null;
  const r = preventionVisibility(resolvePolicies(o.policies, { models: () => loadRolloutChampionsSync(root) }), { scenario: o.scenario, seed: o.seed, deployments: o.deployments, onProgress: (d, n) => progress?.update('violation visibility', d, n) });
  progress?.done();
  return r;
}

export { formatPreventionVisibility };
