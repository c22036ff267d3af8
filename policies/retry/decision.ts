// The retry decision for one failed CI/CD step: retry (after a wait) or fail now, with the chance a retry succeeds and
// the failure's category. Every retry policy — the CI systems' own rules in baselines.ts and, later, the learned one —
// is a pure function of the failed step (datasets/failed-step.ts) → this decision, so one replay measures them all.
import type { FailedStep } from '../../datasets/failed-step.ts';

export interface RetryDecision {
  action: 'retry' | 'fail';
  /** The policy's P(a retry of this step succeeds), in [0, 1] (a rule-based policy answers 1 when it retries, else 0). */
  pRetrySucceeds: number;
  /** The failure's category as the policy sees it (snake_case; `unknown` when it cannot tell). */
  category: string;
  /** Seconds to wait before the retry (0 for a fail or an immediate retry). */
  delaySeconds: number;
  /** Why, headline first. */
  reasons: string[];
}

export interface RetryPolicy {
  readonly name: string;
  /** A one-line description of the rule (for reports). */
  readonly description: string;
  decide(step: FailedStep): RetryDecision;
}

export const fail = (category: string, reasons: string[]): RetryDecision => ({ action: 'fail', pRetrySucceeds: 0, category, delaySeconds: 0, reasons });
export const retry = (category: string, reasons: string[], delaySeconds = 0): RetryDecision => ({ action: 'retry', pRetrySucceeds: 1, category, delaySeconds, reasons });
