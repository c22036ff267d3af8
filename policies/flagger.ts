// `flagger`: Flagger's canary analysis (its public documentation) with its documented defaults.
//
// - Every `intervalMinutes` (default 1 m) the built-in checks run on the canary over the last interval:
//   request-success-rate (thresholdRange min 99 %) and request-duration (p99, thresholdRange max = the service's
//   latency objective, the value a team would write in).
// - No values (the canary served no request, or the series is missing) → "not receiving traffic", a failed check;
//   a metrics-provider error is a failed check too.
// - Failed checks accumulate; at `threshold` (default 5, the docs' example) the canary is rolled back.
// - The weight advances only after a passing check (at the plan's cadence); after promotion there is no analysis.
import type { Policy, PolicyContext } from './policy.ts';
import { decision, onSchedule, type Decision } from './policy.ts';
import type { Observation } from '../sim/env.ts';
import { CohortHistory } from '../judges/cohort-history.ts';
import { FLAGGER_DEFAULTS, flaggerCheck, type FlaggerConfig } from '../judges/flagger.ts';


export function flaggerPolicy(config: Partial<FlaggerConfig> = {}): Policy {
  const c = { ...FLAGGER_DEFAULTS, ...config };
  return {
    name: 'flagger',
    start(ctx: PolicyContext) {
      const h = new CohortHistory();
      const maxMs = ctx.service.latencyObjectiveMs === undefined ? null : c.durationMax * ctx.service.latencyObjectiveMs;
      let failedChecks = 0;
      let sinceCheck = 0;
      let lastPassed = true;
      const check = (obs: Observation): string | null => {
        if (obs.providerError) return 'metrics provider error';
        return flaggerCheck(h.trailing('canary', c.intervalMinutes), c, maxMs);
      };
      return {
        decide(obs: Observation): Decision {
          h.push(obs);
          if (obs.phase !== 'progressing' || obs.age === 0) return onSchedule(obs, ctx.plan);
          if (++sinceCheck >= c.intervalMinutes) {
            sinceCheck = 0;
            const failure = check(obs);
            lastPassed = failure === null;
            if (failure !== null && ++failedChecks >= c.threshold) return decision('rollback', [`flagger: ${failedChecks} failed checks (last: ${failure})`]);
          }
          return lastPassed ? onSchedule(obs, ctx.plan, 'flagger: checks passed') : decision('hold', [`flagger: failed checks ${failedChecks}/${c.threshold}`]);
        },
      };
    },
  };
}
