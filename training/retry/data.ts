// The retry family's rows from the simulated failure world (sim/ci/): each failed attempt as the failed step a CI
// system would report (datasets/failed-step.ts: step, exit code, log tail, attempt, the step's recent history) with
// the truth a retry decision is judged on — the failure is transient (a retry after the right wait or remediation
// passes) — and its kind (the softmax's label; its category and remediation follow).
import { parseFailedStep, type FailedStep } from '../../datasets/failed-step.ts';
import type { CiFailure, CiWorld } from '../../sim/ci/index.ts';
import { stepFeatures } from './features.ts';
import { fnv1a } from '../../lib/rng.ts';
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

/** The step as a CI system reports it without any context: no history of the step, the test or the branch, no branch. */
export const withoutContext = (s: FailedStep): FailedStep => ({ ...s, history: [], testHistory: [], branch: null, branchHistory: [] });

/**
 * Every failed attempt of the world as a training row. `withoutHistory` (0-1) is the share of rows, chosen by a hash
 * of the attempt's id, whose context — the step's, the test's and the branch's history and the branch name — is left
 * out: a CI system does not always report it, and a model that has only seen steps with it reads a step without it as
 * a step whose history is clean.
 */
export function retryRowsOf(world: CiWorld, withoutHistory = 0): RetryRow[] {
  return world.failures.map((f) => {
    const step = failedStepOf(f);
    const drop = withoutHistory > 0 && fnv1a(`history|${f.id}`) / 2 ** 32 < withoutHistory;
    return { x: stepFeatures(drop ? withoutContext(step) : step), retrySucceeds: f.truth.transient, category: f.truth.kind };
  });
}
