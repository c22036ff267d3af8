// `kayenta`: Spinnaker's canary analysis with Kayenta's statistical judge (NetflixACAJudge, judges/kayenta.ts).
//
// - At the end of each canary stage (the analysis interval = the stage's dwell) the judge compares the canary's
//   per-minute values with the baseline's over that interval, per metric: error ratio (critical), p99 and p50
//   latency (direction increase) and conversion rate (direction decrease). Mann-Whitney, confidence 0.98,
//   tolerance 0.25; score = share of passing metrics.
// - Score below `marginal` (75) → the stage fails: roll back. The last judgement before promotion must reach
//   `pass` (95). Anything else advances. Kayenta warns below 50 points per metric (it always does here: one
//   point per minute) but judges anyway.
// - Kayenta judges only at interval ends and has nothing to compare once the new version takes all traffic.
import type { Policy, PolicyContext } from './policy.ts';
import { decision, onSchedule, type Decision } from './policy.ts';
import type { Observation } from '../sim/env.ts';
import { judgeMetrics } from '../judges/kayenta.ts';
import { CohortHistory } from '../judges/cohort-history.ts';
import { KAYENTA_DEFAULTS, kayentaMetrics, type KayentaConfig } from '../judges/kayenta-metrics.ts';


export function kayentaPolicy(config: Partial<KayentaConfig> = {}): Policy {
  const c = { ...KAYENTA_DEFAULTS, ...config };
  return {
    name: 'kayenta',
    start(ctx: PolicyContext) {
      const h = new CohortHistory();
      const last = ctx.plan.stages.length - 1;
      return {
        decide(obs: Observation): Decision {
          h.push(obs);
          if (obs.phase !== 'progressing' || obs.age === 0) return onSchedule(obs, ctx.plan);
          const dwell = ctx.plan.stages[obs.stage].dwellMinutes;
          if (obs.timeAtStage < dwell) return decision('hold', ['kayenta: collecting the interval']);
          const v = judgeMetrics(kayentaMetrics(h, dwell), { pass: c.pass, marginal: c.marginal, tolerance: c.tolerance, confidence: c.confidence });
          const final = obs.stage === last - 1;
          const needed = final ? c.pass : c.marginal;
          if (v.score < needed) {
            const failing = v.metrics.filter((m) => m.classification !== 'Pass').map((m) => `${m.name} ${m.classification}`).join(', ');
            return decision('rollback', [`kayenta: score ${v.score.toFixed(0)} < ${final ? 'pass' : 'marginal'} ${needed} (${failing})`]);
          }
          return decision('advance', [`kayenta: score ${v.score.toFixed(0)} ${v.classification}`]);
        },
      };
    },
  };
}
