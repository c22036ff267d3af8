// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                                                        ▲ the decision core: observations + models in, actions with reasons out
//
// The policies by name: what `--policies` and the decision route accept. A learned policy gets its models from the
// caller (the backtester or the server load them from a registry): nothing here reads a file or the environment.
import type { Policy } from './policy.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { nonePolicy } from './none.ts';
import { oraclePolicy } from './oracle.ts';
import { argoPolicy } from './argo.ts';
import { flaggerPolicy } from './flagger.ts';
import { kayentaPolicy } from './kayenta.ts';
import { mlPolicy } from './ml.ts';
import type { RollbackPredictor } from '../training/predictive-rollback/model.ts';
import type { GamModel } from '../training/gam.ts';
import type { JudgeModel } from '../training/judge/model.ts';

/** A model with the registry version it was loaded as. */
export interface Versioned<M> {
  model: M;
  version: string;
}

/** The champions learned policies read: the rollback predictor (required by `ml`), the risk model and the canary judge (optional). */
export interface PolicyModels {
  rollback: Versioned<RollbackPredictor>;
  risk: Versioned<GamModel> | null;
  judge: Versioned<JudgeModel> | null;
}

/** What resolving a policy by name may need: the models, loaded only when a learned policy is asked for. */
export interface PolicyOptions {
  models?: () => PolicyModels;
}

type Factory = (o: PolicyOptions) => Policy;

const FACTORIES = new Map<string, Factory>([
  ['none', () => nonePolicy],
  ['argo', () => argoPolicy()],
  ['flagger', () => flaggerPolicy()],
  ['kayenta', () => kayentaPolicy()],
  ['oracle', () => oraclePolicy],
  [
    'ml',
    (o) => {
      if (!o.models) throw new RolloutlabError('BAD_ARGUMENT', '--policies: ml needs a model registry (--models)', 'models');
      const m = o.models();
      return mlPolicy(m.rollback.model, m.rollback.version, { risk: m.risk?.model ?? null, judge: m.judge?.model ?? null });
    },
  ],
  [
    // `ml` reading the what-if's predicted ranges of each stage: green advances, yellow holds and watches every 5 s, red rolls back.
    'ml-adaptive',
    (o) => {
      if (!o.models) throw new RolloutlabError('BAD_ARGUMENT', '--policies: ml-adaptive needs a model registry (--models)', 'models');
      const m = o.models();
      return mlPolicy(m.rollback.model, m.rollback.version, { risk: m.risk?.model ?? null, judge: m.judge?.model ?? null, adaptive: true });
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
export function resolvePolicies(list: string | readonly string[], o: PolicyOptions = {}): Policy[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((x) => x.trim()).filter(Boolean);
  if (names.length === 0) throw new RolloutlabError('BAD_ARGUMENT', '--policies: give at least one policy', 'policies');
  const seen = new Set<string>();
  return names.map((n) => {
    const f = FACTORIES.get(n);
    if (!f) throw new RolloutlabError('BAD_ARGUMENT', `--policies: unknown policy ${JSON.stringify(n)} (known: ${policyNames().join(', ')})`, 'policies');
    if (seen.has(n)) throw new RolloutlabError('BAD_ARGUMENT', `--policies: ${n} is listed twice`, 'policies');
    seen.add(n);
    return f(o);
  });
}
