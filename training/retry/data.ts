// The retry family's rows from the simulated failure world (sim/ci/): each failed attempt as the failed step a CI
// system would report (datasets/failed-step.ts: step, exit code, log tail, attempt, the step's recent history) with
// the truth a retry decision is judged on — the failure is transient (a retry after the right wait or remediation
// passes) — and its kind (the softmax's label; its category and remediation follow).
import { parseFailedStep, type FailedStep } from '../../datasets/failed-step.ts';
import type { CiFailure } from '../../sim/ci/index.ts';
import { stepFeatures } from './features.ts';
import type { RetryRow } from './model.ts';

/**
 * The failed step a CI system would report for this attempt (what the model may read: no truth); replays ask again
 * after a failed retry with the attempt number and the step's history (repository and branch) extended by it.
 */
export function failedStepOf(f: CiFailure, attempt = f.attempt, failedRetries = 0): FailedStep {
  const more = Array<'fail'>(failedRetries).fill('fail');
  return parseFailedStep({
    step: f.step,
    exitCode: f.exitCode,
    log: f.log,
    attempt: Math.min(100, attempt),
    history: [...f.history.step, ...more],
    testHistory: f.history.test ?? undefined,
    branch: f.branch,
    branchHistory: [...f.history.branchStep, ...more],
  });
}

/** Every failed attempt among `failures` as a training row. */
export function retryRowsOf(failures: readonly CiFailure[]): RetryRow[] {
  return failures.map((f) => ({ x: stepFeatures(failedStepOf(f)), retrySucceeds: f.truth.transient, category: f.truth.kind }));
}
