// What the rollout-plan scripts share: the `ml` rollback policy over a registry's champions, and its risk champion.
import { resolve } from 'node:path';
import { resolvePolicies } from '../policies/index.ts';
import { loadRolloutChampionsSync, loadRiskSync } from '../training/load.ts';

/** The `ml` policy and the risk champion's model (null without one) of the registry at `models` (default ./models). */
export function mlPolicyAndRisk(models: string | undefined) {
  const root = resolve(models ?? 'models');
  const policy = resolvePolicies(['ml'], { models: () => loadRolloutChampionsSync(root) })[0];
  const risk = loadRiskSync(root)?.model ?? null;
  return { root, policy, risk };
}
