// Training-time augmentation: copies of training windows with a synthetic shared-dependency incident that hits the
// canary and the baseline alike, label unchanged. The simulated worlds hold few shared-incident windows (about 150 in
// six backtests of 2,000 deployments, a tenth of them severe), too few for a net to learn that an incident in both
// cohorts is not the canary's fault; the copies teach it that invariance directly. Only fitting rows are augmented —
// validation, calibration, thresholds and every evaluation use real windows only.
//
// The incident (per copy, from a seeded stream): an extra error rate drawn log-uniformly in [0.002, 0.15] and a
// latency multiplier uniform in [1, 1.8] (the simulator's shared incidents: 0.002-0.01, a tenth 0.02-0.1; 1.1-1.8),
// over a contiguous run of minutes that ends at the window's end or earlier. In each affected minute, per cohort:
// extra errors ~ Binomial(requests − errors, errorAdd); latencies × the multiplier; the slow share moves as a
// log-normal latency with the cohort's p50 and p99 would (σ = ln(p99 / p50) / 2.326) past the same objective; the
// conversions shrink with the requests that still succeed.
import type { CohortMetrics } from '../../sim/env.ts';
import { Rng } from '../../lib/rng.ts';
import { inverseNormalCdf, normalCdf } from '../../lib/stats.ts';
import type { AnalysisWindow } from '../../judges/window-judges.ts';

export interface SharedIncident {
  errorAdd: number;
  latencyMult: number;
  /** Affected minutes [from, to). */
  from: number;
  to: number;
}

/** Draw an incident for a window of `ticks` minutes. */
export function drawSharedIncident(rng: Rng, ticks: number): SharedIncident {
  const errorAdd = Math.exp(rng.uniform(Math.log(0.002), Math.log(0.15)));
  const latencyMult = rng.uniform(1, 1.8);
  const from = rng.int(0, ticks - 1);
  const to = rng.bernoulli(0.7) ? ticks : rng.int(from + 1, ticks);
  return { errorAdd, latencyMult, from, to };
}

function hit(m: CohortMetrics, inc: SharedIncident, rng: Rng): CohortMetrics {
  const n = m.requests;
  const extraErr = rng.binomial(n - m.errors, inc.errorAdd);
  const errors = m.errors + extraErr;
  // The slow share under the multiplier, for a log-normal latency past a fixed objective.
  let slow = m.slow;
  if (n > 0 && inc.latencyMult > 1 && m.latencyP50 !== null && m.latencyP99 !== null && m.latencyP99 > m.latencyP50 && m.latencyP50 > 0) {
    const sigma = Math.log(m.latencyP99 / m.latencyP50) / 2.3263479;
    const s0 = Math.min(1 - 1e-6, Math.max(0.5 / (n + 1), m.slow / n));
    const z0 = inverseNormalCdf(1 - s0);
    const s1 = 1 - normalCdf(z0 - Math.log(inc.latencyMult) / sigma);
    const add = Math.max(0, (s1 - s0) / (1 - s0));
    slow = Math.min(n - errors, Math.max(0, m.slow - Math.round((m.slow * extraErr) / Math.max(1, n - m.errors))) + rng.binomial(Math.max(0, n - errors - m.slow), add));
  }
  const okBefore = n - m.errors;
  const conversions = okBefore > 0 ? rng.binomial(m.conversions, (n - errors) / okBefore) : m.conversions;
  const scale = (x: number | null) => (x === null ? null : x * inc.latencyMult);
  return { ...m, errors, slow, conversions, latencyP50: scale(m.latencyP50), latencyP95: scale(m.latencyP95), latencyP99: scale(m.latencyP99) };
}

/** A copy of `w` with the incident applied to both cohorts. */
export function withSharedIncident(w: AnalysisWindow, inc: SharedIncident, rng: Rng): AnalysisWindow {
  const apply = (xs: (CohortMetrics | null)[]) => xs.map((m, i) => (m && i >= inc.from && i < inc.to ? hit(m, inc, rng) : m));
  return { ...w, canary: apply(w.canary), baseline: apply(w.baseline) };
}
