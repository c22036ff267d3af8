// Replaying labelled failed steps under retry policies (policies/retry/): how often each one retries what a retry
// would fix (recall), and how often its retries are of failures a retry cannot fix (1 - precision). The held-out check
// of real-style CI messages (test/fixtures/ci-messages/) and, with the simulated failure world, `bench retry` read it.
//
//   datasets (failed steps) → policies/retry (decisions) → backtest (this file: counts) → bench / tests
import type { FailedStep } from '../datasets/failed-step.ts';
import type { RetryPolicy } from '../policies/retry/decision.ts';

/** A failed step with the truth: would retrying it (without a change) succeed? */
export interface LabelledStep {
  step: FailedStep;
  retrySucceeds: boolean;
  /** The failure's true category, for the per-category counts. */
  category?: string;
}

export interface RetryScore {
  policy: string;
  steps: number;
  retried: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Of the retries, the share a retry fixes (null: none retried). */
  retryPrecision: number | null;
  /** Of the steps a retry fixes, the share retried. */
  retryRecall: number | null;
  /** Per true category: steps and how many were retried. */
  byCategory: Record<string, { steps: number; retried: number }>;
}

export function scoreRetryPolicy(policy: RetryPolicy, labelled: readonly LabelledStep[]): RetryScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const byCategory: RetryScore['byCategory'] = {};
  for (const l of labelled) {
    const retried = policy.decide(l.step).action === 'retry';
    if (retried && l.retrySucceeds) tp++;
    else if (retried) fp++;
    else if (l.retrySucceeds) fn++;
    if (l.category !== undefined) {
      const c = (byCategory[l.category] ??= { steps: 0, retried: 0 });
      c.steps++;
      if (retried) c.retried++;
    }
  }
  return {
    policy: policy.name,
    steps: labelled.length,
    retried: tp + fp,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    retryPrecision: tp + fp ? tp / (tp + fp) : null,
    retryRecall: tp + fn ? tp / (tp + fn) : null,
    byCategory,
  };
}
