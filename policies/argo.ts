// `argo`: Argo Rollouts' canary with a background AnalysisRun (its public documentation), with its documented defaults.
//
// - A measurement every `intervalMinutes` on the canary's metrics only (no baseline comparison), each over a
//   trailing `lookbackMinutes` window (the usual `rate(...[5m])` query): success rate and p99 latency.
// - Each metric has a fixed successCondition and failureCondition. Both false → Inconclusive. No data (no canary
//   requests in the window, or no samples) → Inconclusive, as the Web/Prometheus provider's empty result is here.
// - The run fails when failed measurements exceed `failureLimit` (default 0) → abort: traffic back to stable.
//   It is Inconclusive when inconclusive measurements exceed `inconclusiveLimit` (default 0) → the rollout pauses
//   until an operator resumes it (`operatorResumeMinutes`, our model of a human), then a new AnalysisRun starts.
// - A provider error is an Error measurement, retried after 10 s; more than `consecutiveErrorLimit` (4) errors in a
//   row → Error → abort. A metrics backend that is down for a whole minute therefore aborts the rollout.
// - Analysis runs while the canary progresses; after promotion Argo has nothing left to analyse (no bake guard).
import type { Policy, PolicyContext } from './policy.ts';
import { decision, onSchedule, type Decision } from './policy.ts';
import type { Observation } from '../sim/env.ts';
import { CohortHistory } from '../judges/cohort-history.ts';
import { ARGO_DEFAULTS, argoMeasure, type ArgoConfig, type ArgoMeasurement } from '../judges/argo.ts';

type Measurement = ArgoMeasurement;

export function argoPolicy(config: Partial<ArgoConfig> = {}): Policy {
  const c = { ...ARGO_DEFAULTS, ...config };
  return {
    name: 'argo',
    start(ctx: PolicyContext) {
      const h = new CohortHistory();
      const objective = ctx.service.latencyObjectiveMs ?? null;
      let failed = 0;
      let inconclusive = 0;
      let consecutiveErrors = 0;
      let pausedUntil = -1;
      let sinceMeasure = 0;
      const measure = (): Measurement => argoMeasure(h.trailing('canary', c.lookbackMinutes), c, objective).result;
      return {
        decide(obs: Observation): Decision {
          h.push(obs);
          if (obs.phase !== 'progressing' || obs.age === 0) return onSchedule(obs, ctx.plan);
          if (obs.age < pausedUntil) return decision('hold', ['paused: analysis inconclusive, waiting for an operator']);
          if (pausedUntil >= 0 && obs.age >= pausedUntil) {
            // The operator resumed: a new AnalysisRun starts.
            pausedUntil = -1;
            failed = inconclusive = consecutiveErrors = 0;
            sinceMeasure = 0;
          }
          if (obs.providerError) {
            // Each errored measurement is retried after errorRetrySeconds: a down minute is that many errors in a row.
            consecutiveErrors += Math.max(1, Math.floor(ctx.tickSeconds / c.errorRetrySeconds));
            if (consecutiveErrors > c.consecutiveErrorLimit) return decision('rollback', [`argo: ${consecutiveErrors} consecutive provider errors > consecutiveErrorLimit ${c.consecutiveErrorLimit}`]);
            return decision('hold', ['argo: measurement errored, retrying']);
          }
          consecutiveErrors = 0;
          if (++sinceMeasure < c.intervalMinutes) return onSchedule(obs, ctx.plan);
          sinceMeasure = 0;
          const m = measure();
          if (m === 'Failed' && ++failed > c.failureLimit) return decision('rollback', [`argo: ${failed} failed measurement(s) > failureLimit ${c.failureLimit}`]);
          if (m === 'Inconclusive' && ++inconclusive > c.inconclusiveLimit) {
            pausedUntil = obs.age + c.operatorResumeMinutes;
            return decision('hold', ['argo: analysis inconclusive, rollout paused']);
          }
          return onSchedule(obs, ctx.plan, `argo: measurement ${m}`);
        },
      };
    },
  };
}
