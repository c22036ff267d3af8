// Flagger's built-in canary checks (its public documentation): the configuration with its documented defaults and
// one check of the canary's last interval. The `flagger` rollout policy (policies/flagger.ts) and the
// `flagger` window judge (judges/window-judges.ts) both check with it.
import type { WindowAggregate } from './cohort-history.ts';

export interface FlaggerConfig {
  intervalMinutes: number;
  threshold: number;
  /** request-success-rate thresholdRange.min, percent. */
  successRateMin: number;
  /** request-duration thresholdRange.max as a multiple of the service's latency objective. */
  durationMax: number;
}

export const FLAGGER_DEFAULTS: FlaggerConfig = { intervalMinutes: 1, threshold: 5, successRateMin: 99, durationMax: 1 };

/**
 * The built-in checks over the canary's last interval `w`: the failure message, or null when they pass. Shared by
 * the policy and judges/window-judges.ts. `maxMs` null leaves request-duration out (not configured).
 */
export function flaggerCheck(w: WindowAggregate, c: FlaggerConfig, maxMs: number | null): string | null {
  if (w.scraped === 0 || w.requests === 0) return 'no values found for request-success-rate: canary not receiving traffic';
  const sr = 100 * (1 - w.errors / w.requests);
  if (sr < c.successRateMin) return `request-success-rate ${sr.toFixed(2)} < ${c.successRateMin}`;
  if (maxMs === null) return null;
  if (w.latencyP99 === null) return 'no values found for request-duration';
  if (w.latencyP99 > maxMs) return `request-duration ${w.latencyP99.toFixed(0)} ms > ${maxMs.toFixed(0)} ms`;
  return null;
}
