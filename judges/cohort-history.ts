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
  const lat = [0, 0, 0];
  const weight = [0, 0, 0];
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
      const qs = [m.latencyP50, m.latencyP95, m.latencyP99];
      for (let q = 0; q < 3; q++) {
        const v = qs[q];
        if (v !== null && Number.isFinite(v)) {
          lat[q] += v * m.requests;
          weight[q] += m.requests;
        }
      }
    }
  }
  out.latencyP50 = weight[0] > 0 ? lat[0] / weight[0] : null;
  out.latencyP95 = weight[1] > 0 ? lat[1] / weight[1] : null;
  out.latencyP99 = weight[2] > 0 ? lat[2] / weight[2] : null;
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
