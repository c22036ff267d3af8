// Generates examples/replay-sample.csv, the small recorded-rollout file docs/replay.md uses:
//
//   node --import tsx scripts/make-replay-sample.ts            # writes examples/replay-sample.csv
//   node --import tsx scripts/make-replay-sample.ts out.csv    # somewhere else
//
// Three deployments, one row per (deployment, tick, cohort), one-minute ticks, every draw from a seeded `Rng`
// (the same seed always gives the same bytes; test/replay.test.ts checks the committed file against this):
//
// - `checkout-7f3a` — healthy: ~2,000 requests a minute, 10 % on the canary; canary and baseline drawn from the same
//   rates. Objective 300 ms. Labelled pass on every tick.
// - `payments-91c2` — bad canary: from tick 10 the canary fails 10 % of its requests and its latency rises 1.6x
//   (an error-rate step with a latency regression). Objective 250 ms. Labelled pass before tick 10, fail from it.
// - `billing-03de` — low traffic with gaps: ~30 requests a minute, 10 % on the canary (about 3 a minute, some
//   minutes none), a few minutes not scraped (canary rows missing) and one minute where the metrics backend failed
//   (provider_error on both rows). No latency objective recorded (the judges fall back to the baseline's p99).
//   Healthy, labelled pass. 23 ticks: the last window of 5 is partial.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Rng } from '../lib/rng.ts';

const START_MS = Date.UTC(2026, 10, 3, 14, 0, 0);
const Z99 = 2.3263479;
const PHI99 = Math.exp(-0.5 * Z99 * Z99) / Math.sqrt(2 * Math.PI);

interface Spec {
  id: string;
  service: string;
  /** Minute offset of tick 0 from START_MS. */
  offsetMin: number;
  ticks: number;
  requestsPerMin: number;
  canaryShare: number;
  errorRate: number;
  medianMs: number;
  sigma: number;
  conversionRate: number;
  objectiveMs: number | null;
  /** From this tick the canary is faulty (null: never). */
  faultFrom: number | null;
  faultErrorRate: number;
  faultLatencyMult: number;
  /** Canary rows left out (scrape gaps) and ticks where the backend failed. */
  gaps: number[];
  providerErrors: number[];
}

const SPECS: Spec[] = [
  { id: 'checkout-7f3a', service: 'api-checkout', offsetMin: 0, ticks: 30, requestsPerMin: 2000, canaryShare: 0.1, errorRate: 0.001, medianMs: 45, sigma: 0.5, conversionRate: 0.03, objectiveMs: 300, faultFrom: null, faultErrorRate: 0, faultLatencyMult: 1, gaps: [], providerErrors: [] },
  { id: 'payments-91c2', service: 'backend-payments', offsetMin: 90, ticks: 25, requestsPerMin: 1500, canaryShare: 0.1, errorRate: 0.001, medianMs: 40, sigma: 0.45, conversionRate: 0.05, objectiveMs: 250, faultFrom: 10, faultErrorRate: 0.1, faultLatencyMult: 1.6, gaps: [], providerErrors: [] },
  { id: 'billing-03de', service: 'edge-billing', offsetMin: 180, ticks: 23, requestsPerMin: 30, canaryShare: 0.1, errorRate: 0.001, medianMs: 60, sigma: 0.5, conversionRate: 0.04, objectiveMs: null, faultFrom: null, faultErrorRate: 0, faultLatencyMult: 1, gaps: [4, 5, 13], providerErrors: [17] },
];

const HEADER = ['deployment_id', 'service', 'timestamp', 'tick', 'cohort', 'requests', 'errors', 'latency_p50_ms', 'latency_p99_ms', 'kpi', 'latency_objective_ms', 'label', 'provider_error'];

/**
 * p50 and p99 of `n` lognormal request latencies: from the n draws themselves (nearest rank) when n is small, else
 * the true percentile with its large-sample noise (as sim/observe.ts does).
 */
function percentiles(rng: Rng, s: Spec, mult: number, n: number): [number, number] {
  const median = s.medianMs * mult;
  if (n <= 100) {
    const xs = Array.from({ length: n }, () => median * Math.exp(s.sigma * rng.normal())).sort((a, b) => a - b);
    const rank = (q: number) => xs[Math.max(0, Math.ceil(q * n) - 1)];
    return [rank(0.5), rank(0.99)];
  }
  const noisy = (z: number, q: number, phi: number) => median * Math.exp(s.sigma * z + ((s.sigma * Math.sqrt((q * (1 - q)) / n)) / phi) * rng.normal());
  return [noisy(0, 0.5, 1 / Math.sqrt(2 * Math.PI)), noisy(Z99, 0.99, PHI99)];
}

/** The sample file's text for `seed` (default 1). */
export function makeReplaySample(seed = 1): string {
  const lines = [HEADER.join(',')];
  for (const s of SPECS) {
    const rng = new Rng(seed, 'replay-sample', s.id);
    for (let t = 0; t < s.ticks; t++) {
      const minute = rng.at(t);
      const total = minute.poisson(s.requestsPerMin);
      const canaryRequests = minute.binomial(total, s.canaryShare);
      const faulty = s.faultFrom !== null && t >= s.faultFrom;
      const label = faulty ? 'fail' : 'pass';
      const timestamp = new Date(START_MS + (s.offsetMin + t) * 60_000).toISOString();
      for (const cohort of ['baseline', 'canary'] as const) {
        const r = minute.fork(cohort);
        if (cohort === 'canary' && s.gaps.includes(t)) continue;
        const requests = cohort === 'canary' ? canaryRequests : total - canaryRequests;
        const bad = cohort === 'canary' && faulty;
        const errors = r.binomial(requests, bad ? s.faultErrorRate : s.errorRate);
        const mult = bad ? s.faultLatencyMult : 1;
        const pe = s.providerErrors.includes(t);
        const [p50, p99] = !pe && requests > 0 ? percentiles(r, s, mult, requests).map((x) => x.toFixed(1)) : ['', ''];
        const kpi = pe ? '' : String(r.binomial(requests - errors, s.conversionRate));
        lines.push(
          [s.id, s.service, timestamp, t, cohort, pe ? '' : requests, pe ? '' : errors, p50, p99, kpi, s.objectiveMs ?? '', label, pe ? 'true' : 'false'].join(','),
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? join(import.meta.dirname, '..', 'examples', 'replay-sample.csv');
  writeFileSync(out, makeReplaySample());
  console.log(`wrote ${out}`);
}
