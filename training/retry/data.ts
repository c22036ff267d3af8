// The retry family's rows from the simulated failure world (sim/ci/): each failed attempt as the failed step a CI
// system would report (datasets/failed-step.ts: step, exit code, log tail, attempt, the step's recent history) with
// the truth a retry decision is judged on — the failure is transient (a retry after the right wait or remediation
// passes) — and its kind (the softmax's label; its category and remediation follow).
import { parseFailedStep, type FailedStep } from '../../datasets/failed-step.ts';
import type { CiFailure, CiWorld } from '../../sim/ci/index.ts';
import { stepFeatures } from './features.ts';
import { fnv1a } from '../../lib/rng.ts';
import type { RetryRow } from './model.ts';

/** The failed step a CI system would report for this attempt (what the model may read: no truth). */
export function failedStepOf(f: CiFailure): FailedStep {
  return parseFailedStep({ step: f.step, exitCode: f.exitCode, log: f.log, attempt: Math.min(100, f.attempt), history: f.history.step });
}

/**
 * Every failed attempt of the world as a training row. `withoutHistory` (0-1) is the share of rows, chosen by a hash
 * of the attempt's id, whose step history is left out: a CI system does not always report one, and a model that has
 * only seen steps with history reads a step without it as a step whose history is clean.
 */
export function retryRowsOf(world: CiWorld, withoutHistory = 0): RetryRow[] {
  return world.failures.map((f) => {
    const step = failedStepOf(f);
    const drop = withoutHistory > 0 && fnv1a(`history|${f.id}`) / 2 ** 32 < withoutHistory;
    return { x: stepFeatures(drop ? { ...step, history: [] } : step), retrySucceeds: f.truth.transient, category: f.truth.kind };
  });
}
