// `flagger`: Flagger's canary analysis (its public documentation) with its documented defaults.
//
// - Every `intervalMinutes` (default 1 m) the built-in checks run on the canary over the last interval:
//   request-success-rate (thresholdRange min 99 %) and request-duration (p99, thresholdRange max = the service's
//   latency objective, the value a team would write in).
// - No values (the canary served no request, or the series is missing) → "not receiving traffic", a failed check;
//   a metrics-provider error is a failed check too.
// - Failed checks accumulate; at `threshold` (default 5, the docs' example) the canary is rolled back.
// - The weight advances only after a passing check (at the plan's cadence); after promotion there is no analysis.
import type { Policy, PolicyContext } from '../policy.ts';
import { onSchedule } from '../policy.ts';
import type { Action, Observation } from '../../sim/env.ts';
import { CohortHistory, type WindowAggregate } from './window.ts';

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
 * the policy and judges/window.ts. `maxMs` null leaves request-duration out (not configured).
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

export function flaggerPolicy(config: Partial<FlaggerConfig> = {}): Policy {
  const c = { ...FLAGGER_DEFAULTS, ...config };
  return {
    name: 'flagger',
    start(ctx: PolicyContext) {
      const h = new CohortHistory();
      const maxMs = c.durationMax * ctx.service.latencyObjectiveMs;
      let failedChecks = 0;
      let sinceCheck = 0;
      let lastPassed = true;
      const check = (obs: Observation): string | null => {
        if (obs.providerError) return 'metrics provider error';
        return flaggerCheck(h.window('canary', c.intervalMinutes), c, maxMs);
      };
      return {
        decide(obs: Observation): Action {
          h.push(obs);
          if (obs.phase !== 'progressing' || obs.age === 0) return onSchedule(obs, ctx.plan);
          if (++sinceCheck >= c.intervalMinutes) {
            sinceCheck = 0;
            const failure = check(obs);
            lastPassed = failure === null;
            if (failure !== null && ++failedChecks >= c.threshold) return { type: 'rollback', reason: `flagger: ${failedChecks} failed checks (last: ${failure})` };
          }
          return lastPassed ? onSchedule(obs, ctx.plan, 'flagger: checks passed') : { type: 'hold', reason: `flagger: failed checks ${failedChecks}/${c.threshold}` };
        },
      };
    },
  };
}
