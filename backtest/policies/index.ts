// Policy registry: the names `--policies` accepts. Learned policies register here too.
import type { Policy } from '../policy.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { nonePolicy } from './none.ts';
import { oraclePolicy } from './oracle.ts';
import { argoPolicy } from './argo.ts';
import { flaggerPolicy } from './flagger.ts';
import { kayentaPolicy } from './kayenta.ts';
import { mlPolicy } from './ml.ts';
import { loadRollbackSync, loadRiskSync, loadJudgeSync } from '../../training/rollback/load.ts';

export { ARGO_DEFAULTS, type ArgoConfig } from './argo.ts';
export { FLAGGER_DEFAULTS, type FlaggerConfig } from './flagger.ts';
export { KAYENTA_DEFAULTS, type KayentaConfig, kayentaMetrics } from './kayenta.ts';
export { CohortHistory } from '../../judges/cohort-history.ts';

const FACTORIES = new Map<string, () => Policy>([
  ['none', () => nonePolicy],
  ['argo', () => argoPolicy()],
  ['flagger', () => flaggerPolicy()],
  ['kayenta', () => kayentaPolicy()],
  ['oracle', () => oraclePolicy],
  // The learned policy loads the rollback champion from the registry (ROLLOUTLAB_MODELS or ./models) when resolved.
  [
    'ml',
    () => {
      const { model, version } = loadRollbackSync();
      return mlPolicy(model, version, { risk: loadRiskSync()?.model ?? null, judge: loadJudgeSync()?.model ?? null });
    },
  ],
]);

export const BASELINE_POLICIES = ['none', 'argo', 'flagger', 'kayenta', 'oracle'] as const;

/** Make another policy available by name (learned policies). */
export function registerPolicy(name: string, factory: () => Policy): void {
  FACTORIES.set(name, factory);
}

export const policyNames = (): string[] => [...FACTORIES.keys()];

/** Resolve a comma-separated list of policy names; throws BAD_ARGUMENT naming the unknown one. */
export function resolvePolicies(list: string | readonly string[]): Policy[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((x) => x.trim()).filter(Boolean);
  if (names.length === 0) throw new RolloutlabError('BAD_ARGUMENT', '--policies: give at least one policy', 'policies');
  const seen = new Set<string>();
  return names.map((n) => {
    const f = FACTORIES.get(n);
    if (!f) throw new RolloutlabError('BAD_ARGUMENT', `--policies: unknown policy ${JSON.stringify(n)} (known: ${policyNames().join(', ')})`, 'policies');
    if (seen.has(n)) throw new RolloutlabError('BAD_ARGUMENT', `--policies: ${n} is listed twice`, 'policies');
    seen.add(n);
    return f();
  });
}
