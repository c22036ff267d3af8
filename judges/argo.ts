// Argo Rollouts' AnalysisRun measurement (its public documentation): the configuration with its documented defaults
// and one measurement of the canary's trailing window. The `argo` rollout policy (policies/argo.ts) and the
// `argo` window judge (judges/window-judges.ts) both measure with it.
import type { WindowAggregate } from './cohort-history.ts';

export interface ArgoConfig {
  intervalMinutes: number;
  lookbackMinutes: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  errorRetrySeconds: number;
  /** Success rate (1 - errors / requests): successCondition `result >= successRateMin`, failureCondition `result < successRateFail`. */
  successRateMin: number;
  successRateFail: number;
  /** p99 latency: successCondition `result <= latencyOk × objective`, failureCondition `result > latencyFail × objective`. */
  latencyOk: number;
  latencyFail: number;
  operatorResumeMinutes: number;
}

export const ARGO_DEFAULTS: ArgoConfig = {
  intervalMinutes: 1,
  lookbackMinutes: 5,
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  errorRetrySeconds: 10,
  successRateMin: 0.99,
  successRateFail: 0.95,
  latencyOk: 1,
  latencyFail: 2,
  operatorResumeMinutes: 20,
};

export type ArgoMeasurement = 'Successful' | 'Failed' | 'Inconclusive';
type Measurement = ArgoMeasurement;

/**
 * One measurement over the canary's trailing window `w`: success rate and p99 latency against their conditions.
 * Shared by the policy and judges/window-judges.ts. `objectiveMs` null leaves the latency metric out (not configured).
 */
export function argoMeasure(w: WindowAggregate, c: ArgoConfig, objectiveMs: number | null): { result: ArgoMeasurement; reasons: string[] } {
  if (w.scraped === 0 || w.requests === 0) return { result: 'Inconclusive', reasons: ['no data: the canary has no samples or no requests in the lookback'] };
  const results: Measurement[] = [];
  const reasons: string[] = [];
  const sr = 1 - w.errors / w.requests;
  const srResult: Measurement = sr >= c.successRateMin ? 'Successful' : sr < c.successRateFail ? 'Failed' : 'Inconclusive';
  results.push(srResult);
  reasons.push(`success-rate ${sr.toFixed(4)} ${srResult} (success >= ${c.successRateMin}, failure < ${c.successRateFail})`);
  if (objectiveMs !== null) {
    const p99 = w.latencyP99;
    const latResult: Measurement = p99 === null ? 'Inconclusive' : p99 <= c.latencyOk * objectiveMs ? 'Successful' : p99 > c.latencyFail * objectiveMs ? 'Failed' : 'Inconclusive';
    results.push(latResult);
    reasons.push(p99 === null ? 'latency-p99 no data: Inconclusive' : `latency-p99 ${p99.toFixed(0)} ms ${latResult} (success <= ${(c.latencyOk * objectiveMs).toFixed(0)} ms, failure > ${(c.latencyFail * objectiveMs).toFixed(0)} ms)`);
  }
  return { result: results.includes('Failed') ? 'Failed' : results.includes('Inconclusive') ? 'Inconclusive' : 'Successful', reasons };
}
