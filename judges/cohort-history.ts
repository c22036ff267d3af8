// Per-cohort metric history as a metrics backend would aggregate it: sums of counts over a trailing window
// (Prometheus `increase(...[5m])`) and a request-weighted latency quantile (a stand-in for histogram_quantile).
import type { CohortMetrics, Observation } from '../sim/env.ts';

export interface WindowAggregate {
  /** Minutes in the window with a sample for the cohort. */
  scraped: number;
  requests: number;
  errors: number;
  slow: number;
  conversions: number;
  /** Request-weighted means over the minutes with a value and requests (null when none). */
  latencyP50: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  callerRequests: number;
  callerErrors: number;
  /** Mean saturations over the scraped minutes (null if none). */
  cpu: number | null;
  memory: number | null;
  pool: number | null;
}

/** Aggregate minutes [from, to) of a cohort's per-minute metrics (null = missing); with `use`, only the minutes it marks. */
export function aggregate(xs: readonly (CohortMetrics | null)[], from: number, to: number, use?: readonly boolean[]): WindowAggregate {
  const out: WindowAggregate = { scraped: 0, requests: 0, errors: 0, slow: 0, conversions: 0, latencyP50: null, latencyP95: null, latencyP99: null, callerRequests: 0, callerErrors: 0, cpu: null, memory: null, pool: null };
  let lat50 = 0;
  let lat95 = 0;
  let lat99 = 0;
  let w50 = 0;
  let w95 = 0;
  let w99 = 0;
  let cpu = 0;
  let mem = 0;
  let pool = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const m = xs[i];
    if (!m || (use && !use[i])) continue;
    out.scraped++;
    out.requests += m.requests;
    out.errors += m.errors;
    out.slow += m.slow;
    out.conversions += m.conversions;
    out.callerRequests += m.callerRequests;
    out.callerErrors += m.callerErrors;
    cpu += m.cpu;
    mem += m.memory;
    pool += m.pool;
    if (m.requests > 0) {
      // Request-weighted percentiles, each over the minutes that have it.
      const p50 = m.latencyP50;
      const p95 = m.latencyP95;
      const p99 = m.latencyP99;
      if (p50 !== null && Number.isFinite(p50)) {
        lat50 += p50 * m.requests;
        w50 += m.requests;
      }
      if (p95 !== null && Number.isFinite(p95)) {
        lat95 += p95 * m.requests;
        w95 += m.requests;
      }
      if (p99 !== null && Number.isFinite(p99)) {
        lat99 += p99 * m.requests;
        w99 += m.requests;
      }
    }
  }
  out.latencyP50 = w50 > 0 ? lat50 / w50 : null;
  out.latencyP95 = w95 > 0 ? lat95 / w95 : null;
  out.latencyP99 = w99 > 0 ? lat99 / w99 : null;
  if (out.scraped > 0) {
    out.cpu = cpu / out.scraped;
    out.memory = mem / out.scraped;
    out.pool = pool / out.scraped;
  }
  return out;
}

export class CohortHistory {
  readonly baseline: (CohortMetrics | null)[] = [];
  readonly canary: (CohortMetrics | null)[] = [];
  readonly providerError: boolean[] = [];

  /** Record the minute an observation reports (observations from `reset` carry none). */
  push(obs: Observation): void {
    if (obs.age === 0) return;
    this.baseline.push(obs.baseline);
    this.canary.push(obs.canary);
    this.providerError.push(obs.providerError);
  }

  get length(): number {
    return this.canary.length;
  }

  /** Aggregate the last `minutes` minutes of a cohort (a query's range, as in `increase(...[5m])`). */
  trailing(cohort: 'baseline' | 'canary', minutes: number): WindowAggregate {
    const xs = this[cohort];
    return aggregate(xs, xs.length - minutes, xs.length);
  }

  /** Per-minute series of one value over the last `minutes` minutes (NaN where missing), for rank tests. */
  series(cohort: 'baseline' | 'canary', minutes: number, get: (m: CohortMetrics) => number | null): number[] {
    const xs = this[cohort];
    const out: number[] = [];
    for (let i = Math.max(0, xs.length - minutes); i < xs.length; i++) {
      const m = xs[i];
      const v = m ? get(m) : null;
      out.push(v === null || !Number.isFinite(v) ? NaN : v);
    }
    return out;
  }
}
