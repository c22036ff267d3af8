// Per-cohort metric history as a metrics backend would aggregate it: sums of counts over a trailing window
// (Prometheus `increase(...[5m])`) and a request-weighted latency quantile (a stand-in for histogram_quantile).
import type { CohortMetrics, Observation } from '../../sim/env.ts';

export interface WindowAggregate {
  /** Minutes in the window with a sample for the cohort. */
  scraped: number;
  requests: number;
  errors: number;
  slow: number;
  conversions: number;
  latencyP50: number | null;
  latencyP99: number | null;
  callerRequests: number;
  callerErrors: number;
  /** Mean saturations over the scraped minutes (null if none). */
  cpu: number | null;
  memory: number | null;
  pool: number | null;
}

/** Aggregate minutes [from, to) of a cohort's per-minute metrics (null = missing). */
export function aggregate(xs: readonly (CohortMetrics | null)[], from: number, to: number): WindowAggregate {
  const out: WindowAggregate = { scraped: 0, requests: 0, errors: 0, slow: 0, conversions: 0, latencyP50: null, latencyP99: null, callerRequests: 0, callerErrors: 0, cpu: null, memory: null, pool: null };
  let w50 = 0;
  let w99 = 0;
  let n50 = 0;
  let n99 = 0;
  let cpu = 0;
  let mem = 0;
  let pool = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const m = xs[i];
    if (!m) continue;
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
    if (m.latencyP50 !== null) {
      w50 += m.latencyP50 * m.requests;
      n50 += m.requests;
    }
    if (m.latencyP99 !== null) {
      w99 += m.latencyP99 * m.requests;
      n99 += m.requests;
    }
  }
  out.latencyP50 = n50 > 0 ? w50 / n50 : null;
  out.latencyP99 = n99 > 0 ? w99 / n99 : null;
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

  /** Aggregate the last `minutes` minutes of a cohort. */
  window(cohort: 'baseline' | 'canary', minutes: number): WindowAggregate {
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
