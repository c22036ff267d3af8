// The canary cohort of a progressive rollout broken down by unit (region or tenant): what a metrics backend returns
// when its series carry a region or tenant label. The aggregate canary sample of the minute is drawn first, as it
// always was (sim/env/minute.ts); this file only splits its counts across the exposed units, from a stream of its own
// (`Rng(seed, 'units', deployment)`, minute `age` drawing from `.at(age)`), so no other figure of the environment moves.
//
// The split is conditional on the aggregate: each count (requests, errors, slow, conversions, callers' requests and
// errors) is shared out unit after unit, each unit taking a binomial draw of what is left with probability its
// expected count over the expected count of the units still to come — the conditional split of independent Poisson
// counts given their total — kept within what the unit can hold (errors at most its requests, …). The units' counts
// therefore add up exactly to the canary's. A fault confined to a unit (its scope is the plan's unit kind) raises only
// that unit's expected counts; any other fault raises every exposed unit's alike. Latency percentiles are not broken
// down (null), and saturation is the canary's own: the backend reports them for the version, not per unit.
import type { Rng } from '../../lib/rng.ts';
import { type Effect, slowShare } from '../faults.ts';
import type { Service } from '../topology.ts';
import type { Plan } from '../strategy.ts';
import type { CohortSample } from '../observe.ts';
import type { CohortMetrics } from './contract.ts';

/** What the minute knew when it drew the canary: its rates without and with the fault. */
export interface CanaryRates {
  /** Error rate of the canary's requests without the fault (base + incidents). */
  errorRateNoFault: number;
  /** Latency multiplier of the incidents on the canary. */
  incidentLatencyMult: number;
  /** The fault's effect on the canary as the aggregate sample used it (`share`: the canary's requests it touches). */
  effect: Effect;
  /** Index of the unit the fault is confined to, or -1 (no fault, or one spread over every unit). */
  faultUnit: number;
  /** Callers' calls that reached the canary, how many failed, and how many the callers' base rates predict. */
  callerRequests: number;
  callerErrors: number;
  callerBaseErrors: number;
}

/**
 * Split `total` across units: unit u takes Binomial(left, weight_u / weight of the units still to come), clamped so
 * that it holds at most `caps[u]` and the units after it can hold the rest. Units with cap 0 take nothing.
 */
export function splitCount(total: number, weights: readonly number[], caps: readonly number[], rng: Rng): number[] {
  const n = weights.length;
  const out = new Array<number>(n).fill(0);
  let left = total;
  let capAfter = caps.reduce((a, c) => a + c, 0);
  let wAfter = 0;
  for (let u = 0; u < n; u++) if (caps[u] > 0) wAfter += weights[u];
  let last = -1;
  for (let u = 0; u < n; u++) if (caps[u] > 0) last = u;
  for (let u = 0; u < n && left > 0; u++) {
    capAfter -= caps[u];
    if (caps[u] <= 0) continue;
    let x: number;
    if (u === last) x = left;
    else {
      const q = wAfter > 0 ? weights[u] / wAfter : caps[u] / (caps[u] + capAfter);
      x = rng.binomial(left, Math.min(1, Math.max(0, q)));
    }
    x = Math.min(caps[u], left, Math.max(x, left - capAfter));
    wAfter -= weights[u];
    out[u] = x;
    left -= x;
  }
  return out;
}

/**
 * The canary's metrics per unit of `plan` (null for a unit with no user traffic on the new version), whose counts add
 * up to `canary`'s. `exposure` is the minute's exposure per unit.
 */
export function canaryByUnit(svc: Service, plan: Plan, exposure: readonly number[], canary: CohortSample, rates: CanaryRates, rng: Rng): (CohortMetrics | null)[] {
  const k = plan.units.length;
  const share = plan.units.map((_, u) => plan.unitShares[u] * exposure[u]);
  const exposed = share.map((s) => s > 0);
  const e = rates.effect;
  const p0 = Math.min(1, rates.errorRateNoFault);
  const slowBase = slowShare(svc, rates.incidentLatencyMult);
  const slowFault = slowShare(svc, rates.incidentLatencyMult * e.latencyMult);
  // Per unit: the share of its requests the fault touches (all of them in its own unit; the canary-wide share when it
  // is not confined to one).
  const touched = plan.units.map((_, u) => (rates.faultUnit < 0 ? e.share : u === rates.faultUnit ? 1 : 0));
  const errRate = touched.map((t) => Math.min(1, p0 + t * e.errorAdd));
  const slowRate = touched.map((t) => (e.latencyMult !== 1 ? (1 - t) * slowBase + t * slowFault : slowBase));
  const convRate = touched.map((t) => 1 - t * (1 - e.kpiMult));
  const callerBase = rates.callerRequests > 0 ? rates.callerBaseErrors / rates.callerRequests : 0;
  const callerRate = touched.map((t) => callerBase + (1 - callerBase) * Math.min(1, t * e.callerErrorAdd));

  const all = (v: number) => exposed.map((x) => (x ? v : 0));
  const req = splitCount(canary.requests, share, all(canary.requests), rng);
  const errors = splitCount(canary.errors, req.map((n, u) => n * errRate[u]), req, rng);
  const ok = req.map((n, u) => n - errors[u]);
  const slow = splitCount(canary.slow, ok.map((n, u) => n * slowRate[u]), ok, rng);
  const conversions = splitCount(canary.conversions, ok.map((n, u) => n * convRate[u]), ok, rng);
  const callerReq = splitCount(rates.callerRequests, req, all(rates.callerRequests), rng);
  const callerErr = splitCount(rates.callerErrors, callerReq.map((n, u) => n * callerRate[u]), callerReq, rng);
  const out: (CohortMetrics | null)[] = [];
  for (let u = 0; u < k; u++) {
    out.push(
      exposed[u]
        ? {
            requests: req[u],
            errors: errors[u],
            slow: slow[u],
            latencyP50: null,
            latencyP95: null,
            latencyP99: null,
            cpu: canary.cpu,
            memory: canary.memory,
            pool: canary.pool,
            conversions: conversions[u],
            callerRequests: callerReq[u],
            callerErrors: callerErr[u],
          }
        : null,
    );
  }
  return out;
}
