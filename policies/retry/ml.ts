// `ml`: the learned retry policy. The retry model (training/retry/model.ts) gives P(a retry succeeds) and the failure's
// kind; the policy retries while that probability reaches the threshold chosen on validation data (stored with the
// model), within a cap on attempts, and waits what the category needs: exponential backoff for the network and
// registries, a jittered wait for a lock held by another job, a short wait for a service container still starting,
// none for a lost runner. Where the kind needs more than a retry it names the remediation (clear the cache, another
// runner, wait for the lock holder). A persistent failure fails at once with its category and a one-line hint
// (policies/retry/hints.ts: what is wrong and what to do, with the secret, package, file, test, host or port the log
// names).
import type { FailedStep } from '../../datasets/failed-step.ts';
import type { RetryModel } from '../../training/retry/model.ts';
import { fnv1a } from '../../lib/rng.ts';
import { fail, type RetryDecision, type RetryPolicy } from './decision.ts';
import { hintFor } from './hints.ts';

export interface RetryMlOptions {
  /** Retry while P(a retry succeeds) is at least this (default: the model's own, chosen on validation data). */
  threshold: number;
  /** Retries allowed per step (attempt 1 is the first run). */
  maxRetries: number;
  /** Longest wait before one retry, seconds. */
  maxDelaySeconds: number;
}

export const RETRY_ML_DEFAULTS: Omit<RetryMlOptions, 'threshold'> = { maxRetries: 3, maxDelaySeconds: 600 };

/** A deterministic jitter in [0, 1) from the step (the same failed step always waits the same). */
const jitter = (step: FailedStep): number => fnv1a(`${step.step}|${step.exitCode}|${step.attempt}|${step.log.slice(-200)}`) / 2 ** 32;

/** Seconds to wait before retry number `attempt` (1 = the first retry) of a failure in `category`. */
export function retryDelaySeconds(category: string, attempt: number, step: FailedStep): number {
  const backoff = (base: number) => base * 2 ** (attempt - 1);
  switch (category) {
    case 'network':
      return backoff(15);
    case 'dependency':
      return backoff(60);
    case 'lock':
      return Math.round(30 + 60 * jitter(step)) * attempt;
    case 'service':
      return backoff(10);
    case 'infra':
      return 0;
    default:
      return backoff(5);
  }
}

export function mlRetryPolicy(model: RetryModel, version = '', o: Partial<RetryMlOptions> = {}): RetryPolicy {
  const c: RetryMlOptions = { threshold: model.threshold, ...RETRY_ML_DEFAULTS, ...o };
  const tag = `ml${version ? ' ' + version : ''}`;
  return {
    name: 'ml',
    description: `retry while P(a retry succeeds) >= ${+c.threshold.toFixed(3)}, at most ${c.maxRetries} times, waiting what the category needs`,
    decide(step): RetryDecision {
      const s = model.score(step);
      const p = s.pRetry;
      const hint = () => hintFor(s.kind, step.log, step);
      if (!Number.isFinite(p) || p < 0 || p > 1) return fail(s.category, [`${tag}: P(a retry succeeds) is ${p}, not a probability: no retry on it`], hint());
      const why = `${tag}: P(a retry succeeds) ${p.toFixed(2)}, ${s.category} (${s.kind}, ${s.pCategory.toFixed(2)})`;
      if (p < c.threshold) return { ...fail(s.category, [`${why} < ${+c.threshold.toFixed(3)}: fail now`], hint()), pRetrySucceeds: p };
      if (step.attempt > c.maxRetries) return { ...fail(s.category, [`${why}, but the ${c.maxRetries} retries are spent`], hint()), pRetrySucceeds: p };
      const delaySeconds = Math.min(c.maxDelaySeconds, retryDelaySeconds(s.category, step.attempt, step));
      const remediation = s.remediation;
      return {
        action: 'retry',
        pRetrySucceeds: p,
        category: s.category,
        delaySeconds,
        remediation,
        hint: null,
        reasons: [`${why}: ${remediation ? `${remediation}, then ` : ''}retry${delaySeconds ? ` in ${delaySeconds} s` : ' now'}`],
      };
    },
  };
}
