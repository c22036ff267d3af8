// The prevention ceiling of the predictive-rollback targets: how much evidence each violation leaves before its
// unguarded breach (expected z of the fault from the simulator truth, training/rollback/ceiling.ts), beside the
// prevention of the learned `ml` policy and the baselines on the very same deployments.
//
//   npx rolloutlab bench rollback [--scenario default] [--seed 1] [--deployments 2000] [--policies ml,kayenta] [--models <dir>] [--json]
import { resolve } from 'node:path';
import { resolvePolicies } from '../backtest/policies/index.ts';
import { terminalProgress } from '../lib/progress.ts';
import { preventionVisibility, formatPreventionVisibility, type PreventionVisibility } from '../training/rollback/ceiling.ts';

export function benchRollbackCeiling(o: { scenario: string; seed: number; deployments: number; policies: string; models?: string; progress?: boolean }): PreventionVisibility {
  if (o.models) process.env.ROLLOUTLAB_MODELS = resolve(o.models);
  const progress = o.progress ? terminalProgress() : null;
  const r = preventionVisibility(resolvePolicies(o.policies), { scenario: o.scenario, seed: o.seed, deployments: o.deployments, onProgress: (d, n) => progress?.update('violation visibility', d, n) });
  progress?.done();
  return r;
}

export { formatPreventionVisibility };
