// CI/CD pipeline runs: each change's pipeline passes through fixed steps; some runs hit a transient failure
// (a retry may well pass) or a persistent one (no retry will). Every failed attempt records a realistic error
// text, an exit code and the truth of whether retrying it would succeed.
import type { Rng } from '../lib/rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { ChangeFeatures } from './changes.ts';

export const PIPELINE_STEPS = ['checkout', 'build', 'unit-tests', 'integration-tests', 'image-push', 'deploy-manifest'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export const FAILURE_CLASSES = ['transient', 'persistent'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

interface FailureKind {
  category: string;
  cls: FailureClass;
  steps: PipelineStep[];
  exitCode: number;
  /** Error-text templates; `{n}` is replaced by a number drawn per failure. */
  texts: string[];
}

export const FAILURE_KINDS: FailureKind[] = [
  { category: 'flaky_test', cls: 'transient', steps: ['unit-tests', 'integration-tests'], exitCode: 1, texts: [
    'FAIL src/checkout/cart.spec.ts > applies coupon: Error: Timeout of 5000ms exceeded',
    'Tests run: {n}, Failures: 1 -- OrderFlowIT.placesOrder: expected <200> but was <504> (connection reset)',
    'FAILED tests/test_sync.py::test_eventual_consistency - AssertionError: item not visible after 2.0s',
  ] },
  { category: 'registry_503', cls: 'transient', steps: ['image-push', 'checkout'], exitCode: 1, texts: [
    'error pushing image: received unexpected HTTP status: 503 Service Unavailable',
    'Error response from daemon: Get "https://registry.internal/v2/": net/http: request canceled (Client.Timeout exceeded)',
  ] },
  { category: 'network_timeout', cls: 'transient', steps: ['checkout', 'build'], exitCode: 128, texts: [
    "fatal: unable to access 'https://git.internal/platform/app.git/': Operation timed out after {n} milliseconds",
    'npm ERR! network request to https://npm.internal/react failed, reason: socket hang up',
  ] },
  { category: 'quota', cls: 'transient', steps: ['build', 'integration-tests'], exitCode: 1, texts: [
    "ERROR: Quota exceeded for quota metric 'Concurrent build CPUs' (limit {n})",
    'Error: runner pool exhausted: no runner available within 600s',
  ] },
  { category: 'lock_contention', cls: 'transient', steps: ['deploy-manifest'], exitCode: 1, texts: [
    'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
    'Error acquiring the state lock: ConditionalCheckFailedException (lock held by run {n})',
  ] },
  { category: 'compile_error', cls: 'persistent', steps: ['build'], exitCode: 2, texts: [
    "src/orders/service.ts({n},17): error TS2345: Argument of type 'string' is not assignable to parameter of type 'OrderId'.",
    'error[E0308]: mismatched types --> src/handler.rs:{n}:9 expected `u64`, found `i64`',
  ] },
  { category: 'test_failure', cls: 'persistent', steps: ['unit-tests', 'integration-tests'], exitCode: 1, texts: [
    'AssertionError: expected 200 to equal 500 (PaymentsApi.refund returns 500 for partial refunds)',
    'Tests run: {n}, Failures: 3 -- PricingTest.appliesTax: expected <107.00> but was <100.00>',
  ] },
  { category: 'bad_manifest', cls: 'persistent', steps: ['deploy-manifest'], exitCode: 1, texts: [
    'error: error validating "deploy.yaml": error validating data: ValidationError(Deployment.spec): unknown field "replica" in io.k8s.api.apps.v1.DeploymentSpec',
    'Error: INSTALLATION FAILED: template: app/templates/deployment.yaml:{n}: function "toYml" not defined',
  ] },
  { category: 'missing_secret', cls: 'persistent', steps: ['deploy-manifest', 'integration-tests'], exitCode: 1, texts: [
    'Error: secret "db-credentials" not found',
    'CreateContainerConfigError: couldn\'t find key STRIPE_API_KEY in Secret payments/stripe',
  ] },
];

export interface PipelineAttempt {
  step: PipelineStep;
  attempt: number;
  startedAt: number;
  durationS: number;
  status: 'success' | 'failed';
  exitCode: number;
  category: string | null;
  failureClass: FailureClass | null;
  errorText: string | null;
  /** Truth: would one more retry of this failed step succeed? (null for a success) */
  retryWouldSucceed: boolean | null;
}

export interface PipelineRun {
  changeId: string;
  status: 'success' | 'failed';
  startedAt: number;
  /** Minute the pipeline finished (a successful run's change is ready to deploy). */
  finishedAt: number;
  attempts: PipelineAttempt[];
}

const STEP_SECONDS: Record<PipelineStep, [number, number]> = {
  checkout: [10, 40],
  build: [120, 480],
  'unit-tests': [90, 600],
  'integration-tests': [240, 900],
  'image-push': [20, 90],
  'deploy-manifest': [10, 60],
};
/** Chance that a transient condition has cleared by the next try. */
const TRANSIENT_CLEARS = 0.85;

const succeeded = (step: PipelineStep, attempt: number, startedAt: number, durationS: number): PipelineAttempt => ({
  step, attempt, startedAt, durationS, status: 'success', exitCode: 0, category: null, failureClass: null, errorText: null, retryWouldSucceed: null,
});

/** Simulate the pipeline of one change merged at minute `mergedAt`. */
export function simulatePipeline(s: Scenario, changeId: string, f: ChangeFeatures, mergedAt: number, rng: Rng): PipelineRun {
  const sizeFactor = 1 + 0.4 * Math.log1p(f.linesAdded / 200);
  const persistent = rng.bernoulli(Math.min(0.9, s.pipeline.persistentFailureRate * sizeFactor));
  const transient = !persistent && rng.bernoulli(s.pipeline.transientFailureRate);
  const kinds = FAILURE_KINDS.filter((k) => k.cls === (persistent ? 'persistent' : 'transient'));
  const kind = persistent || transient ? kinds[rng.int(0, kinds.length - 1)] : undefined;
  const failStep = kind ? kind.steps[rng.int(0, kind.steps.length - 1)] : undefined;
  const attempts: PipelineAttempt[] = [];
  let clock = mergedAt * 60;
  let ok = true;
  for (const step of PIPELINE_STEPS) {
    const [lo, hi] = STEP_SECONDS[step];
    if (step !== failStep || !kind) {
      const d = Math.round(rng.uniform(lo, hi));
      attempts.push(succeeded(step, 1, clock, d));
      clock += d;
      continue;
    }
    // The failing step: attempt, then retries up to maxRetries; the truth of "would a retry pass" is drawn
    // for every failed attempt, including the last one that is not retried.
    let passed = false;
    for (let a = 1; !passed; a++) {
      const d = Math.round(rng.uniform(lo, hi) * (a === 1 ? 1 : 0.8));
      const nextPasses = kind.cls === 'transient' && rng.bernoulli(TRANSIENT_CLEARS);
      const text = kind.texts[rng.int(0, kind.texts.length - 1)].replace('{n}', String(rng.int(2, 3000)));
      attempts.push({ step, attempt: a, startedAt: clock, durationS: d, status: 'failed', exitCode: kind.exitCode, category: kind.category, failureClass: kind.cls, errorText: text, retryWouldSucceed: nextPasses });
      clock += d + 30;
      if (a > s.pipeline.maxRetries) break;
      if (nextPasses) {
        const d2 = Math.round(rng.uniform(lo, hi));
        attempts.push(succeeded(step, a + 1, clock, d2));
        clock += d2;
        passed = true;
      }
    }
    if (!passed) {
      ok = false;
      break;
    }
  }
  return { changeId, status: ok ? 'success' : 'failed', startedAt: mergedAt, finishedAt: Math.ceil(clock / 60), attempts: attempts.map((x) => ({ ...x, startedAt: x.startedAt / 60 })) };
}
