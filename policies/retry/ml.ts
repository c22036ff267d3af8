// `ml`: the learned retry policy. The retry model (training/retry/model.ts) gives P(a retry succeeds) and the failure's
// kind; the rule (training/retry/rule.ts) retries while that probability reaches the threshold chosen on validation
// data (stored with the model), within a cap on attempts, waits what the kind needs — the backoff learned per kind on
// the training worlds (training/retry/waits.ts), or else the category's default — and names the remediation a kind
// needs (clear the cache, another runner, wait for the lock holder). This file gives the rule's answer its reasons
// and a failure its one-line hint (policies/retry/hints.ts: what is wrong and what to do, with the secret, package,
// file, test, host or port the log names).
import type { FailedStep } from '../../datasets/failed-step.ts';
import type { RetryModel } from '../../training/retry/model.ts';
import { RETRY_LIMITS, retryRule, type RetryRuleOptions } from '../../training/retry/rule.ts';
import { fnv1a } from '../../lib/rng.ts';
import { fail, type RetryDecision, type RetryPolicy } from './decision.ts';
import { hintFor } from './hints.ts';

export type RetryMlOptions = RetryRuleOptions;
export const RETRY_ML_DEFAULTS: Omit<RetryMlOptions, 'threshold'> = { maxRetries: RETRY_LIMITS.maxRetries, maxDelaySeconds: RETRY_LIMITS.maxDelaySeconds };

/** A deterministic jitter in [0, 1) from the step (the same failed step always waits the same). */
export const stepJitter = (step: FailedStep): number => fnv1a(`${step.step}|${step.exitCode}|${step.attempt}|${step.log.slice(-200)}`) / 2 ** 32;

export function mlRetryPolicy(model: RetryModel, version = '', o: Partial<RetryMlOptions> = {}): RetryPolicy {
  const c: RetryMlOptions = { threshold: model.threshold, ...RETRY_ML_DEFAULTS, ...o };
  const tag = `ml${version ? ' ' + version : ''}`;
  const thr = +c.threshold.toFixed(3);
  return {
    name: 'ml',
    description: `retry while P(a retry succeeds) >= ${thr}, at most ${c.maxRetries} times, waiting what the failure kind needs`,
    decide(step): RetryDecision {
      const a = retryRule(model, step, c, stepJitter(step));
      const hint = () => hintFor(a.kind, step.log, step);
      if (a.stop === 'not-a-probability') return fail(a.category, [`${tag}: P(a retry succeeds) is ${a.p}, not a probability: no retry on it`], hint());
      const why = `${tag}: P(a retry succeeds) ${a.p.toFixed(2)}, ${a.category} (${a.kind}, ${a.pKind.toFixed(2)})`;
      if (a.stop === 'quality-gate') return { ...fail(a.category, [`${why}: a quality gate's verdict is never retried into passing`], hint()), pRetrySucceeds: a.p };
      if (a.stop === 'below-threshold') return { ...fail(a.category, [`${why} < ${thr}: fail now`], hint()), pRetrySucceeds: a.p };
      if (a.stop === 'retries-spent') return { ...fail(a.category, [`${why}, but the ${c.maxRetries} retries are spent`], hint()), pRetrySucceeds: a.p };
      return {
        action: 'retry',
        pRetrySucceeds: a.p,
        category: a.category,
        delaySeconds: a.delaySeconds,
        remediation: a.remediation,
        hint: null,
        reasons: [`${why}: ${a.remediation ? `${a.remediation}, then ` : ''}retry${a.delaySeconds ? ` in ${a.delaySeconds} s` : ' now'}`],
      };
    },
  };
}
