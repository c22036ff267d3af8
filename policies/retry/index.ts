// The retry policies by name, and the one retry decision every caller serves: `rolloutlab retry -- <command>`,
// `rolloutlab retry classify`, POST /v1/pipeline/retry and `bench retry` all ask `decideRetry`, so what is measured is
// what is served.
//
//   failed step (datasets/failed-step.ts) + retry champion (or none) ─▶ decideRetry ─▶ RetryDecision + the policy's name
import type { FailedStep } from '../../datasets/failed-step.ts';
import type { RetryModel } from '../../training/retry/model.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { RETRY_BASELINES, reasonsRetry } from './baselines.ts';
import { mlRetryPolicy, type RetryMlOptions } from './ml.ts';
import type { RetryDecision, RetryPolicy } from './decision.ts';

export type { RetryDecision, RetryPolicy } from './decision.ts';
export { RETRY_BASELINES } from './baselines.ts';
export { mlRetryPolicy, RETRY_ML_DEFAULTS, type RetryMlOptions } from './ml.ts';

/** Every retry policy by name, in the order reports list them. */
export const RETRY_POLICY_NAMES = ['never', 'always-2', 'exit-status', 'reasons', 'ml'] as const;
export type RetryPolicyName = (typeof RETRY_POLICY_NAMES)[number];

/** A retry champion as the registry gives it. */
export interface RetryChampion {
  model: RetryModel;
  version: string;
}

/** The named policy; `ml` needs the champion. */
export function resolveRetryPolicy(name: string, champion: RetryChampion | null, o: Partial<RetryMlOptions> = {}): RetryPolicy {
  if (name === 'ml') {
    if (!champion) throw new RolloutlabError('NOT_FOUND', 'retry policy ml needs a retry model: train one with rolloutlab train retry --data <dirs>, or run npm start', 'models');
    return mlRetryPolicy(champion.model, champion.version, o);
  }
  const p = RETRY_BASELINES.find((b) => b.name === name);
  if (!p) throw new RolloutlabError('BAD_ARGUMENT', `unknown retry policy ${JSON.stringify(name)} (known: ${RETRY_POLICY_NAMES.join(', ')})`, 'policy');
  return p;
}

/**
 * The served policy: the learned one when the registry has a retry champion, else the `reasons` rules (retry only
 * what the log shows is an infrastructure reason, at most twice), said in the first reason.
 */
export function servedRetryPolicy(champion: RetryChampion | null, o: Partial<RetryMlOptions> = {}): RetryPolicy {
  if (champion) return mlRetryPolicy(champion.model, champion.version, o);
  return {
    name: reasonsRetry.name,
    description: reasonsRetry.description,
    decide(step) {
      const d = reasonsRetry.decide(step);
      return { ...d, reasons: ['no retry model in the registry: the reasons rules answer', ...d.reasons] };
    },
  };
}

/** The decision for one failed step, and the policy that gave it. */
export function decideRetry(step: FailedStep, champion: RetryChampion | null, o: Partial<RetryMlOptions> = {}): { policy: string; decision: RetryDecision } {
  const p = servedRetryPolicy(champion, o);
  return { policy: p.name, decision: p.decide(step) };
}
