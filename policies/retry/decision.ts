// The retry decision for one failed CI/CD step: retry (after a wait, perhaps after a remediation) or fail now, with the
// chance a retry succeeds, the failure's category and, for a failure that no retry fixes, a one-line hint. Every retry
// policy — the CI systems' own rules in baselines.ts and the learned one in ml.ts — is a pure function of the failed
// step (datasets/failed-step.ts) → this decision, so one replay measures them all and the server serves the same.
import type { FailedStep } from '../../datasets/failed-step.ts';
import { REMEDIATIONS, type Remediation } from '../../sim/ci/types.ts';

export { REMEDIATIONS, type Remediation };

export interface RetryDecision {
  action: 'retry' | 'fail';
  /** The policy's P(a retry of this step succeeds), in [0, 1] (a rule-based policy answers 1 when it retries, else 0). */
  pRetrySucceeds: number;
  /** The failure's category as the policy sees it (snake_case; `unknown` when it cannot tell). */
  category: string;
  /** Seconds to wait before the retry (0 for a fail or an immediate retry). */
  delaySeconds: number;
  /**
   * What to do before the retry when a plain retry is unlikely to do: `clear-cache` (drop the dependency cache),
   * `other-runner` (run on another machine), `wait-for-lock` (wait until the job holding the lock ends). null: none.
   */
  remediation: Remediation | null;
  /** With a fail: what is wrong and what to do about it, one line (null: the policy has none). */
  hint: string | null;
  /** Why, headline first. */
  reasons: string[];
}

export interface RetryPolicy {
  readonly name: string;
  /** A one-line description of the rule (for reports). */
  readonly description: string;
  decide(step: FailedStep): RetryDecision;
}

export const fail = (category: string, reasons: string[], hint: string | null = null): RetryDecision => ({ action: 'fail', pRetrySucceeds: 0, category, delaySeconds: 0, remediation: null, hint, reasons });
export const retry = (category: string, reasons: string[], delaySeconds = 0): RetryDecision => ({ action: 'retry', pRetrySucceeds: 1, category, delaySeconds, remediation: null, hint: null, reasons });
