// Generates examples/replay-train-sample.csv: recorded rollouts with an outcome label, enough of them to train and
// evaluate the canary judge on (`rolloutlab train judge --replay`, docs/judge.md "Training the judge on your own
// rollouts"). The format is the replay file's (docs/replay.md), as `import prometheus` writes it plus the label.
//
//   node --import tsx scripts/make-replay-train-sample.ts            # writes examples/replay-train-sample.csv
//   node --import tsx scripts/make-replay-train-sample.ts out.csv    # somewhere else
//
// 120 deployments of 8 services, one every six hours from 2026-09-01, 20 one-minute ticks each (four windows of 5).
// Every draw comes from a seeded `Rng` stream per deployment, so the same seed gives the same bytes
// (test/judge-replay.test.ts checks the committed file against this). Per deployment:
//
// - traffic log-uniform from 40 to 4,000 requests a minute, 5-20 % on the canary (so some canaries see a handful of
//   requests a minute), a base error ratio of 0.05-0.5 %, lognormal latencies, conversions, an objective of 3 × the
//   median latency on the p99; a minute without the canary's row now and then (2 %), a backend outage (1 %);
// - about a third have a bad canary from a tick between 3 and 14 to the end: more errors (3-20 × the base ratio, plus
//   0.2-3 points), slower (p50 and p99 × 1.3-2.2), or both. Ticks from the onset are labelled fail, the others pass;
// - about one in ten has a shared incident: for 3-6 ticks both cohorts fail 2-10 % more requests and are 1.5 × slower.
//   Not the change's fault: labelled pass;
// - about one in ten has an immaterial regression on the canary (errors × 1.05, latency × 1.03), labelled pass.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Rng } from '../lib/rng.ts';

const START_MS = Date.UTC(2026, 8, 1, 9, 0, 0);
const SERVICES = ['api-checkout', 'api-search', 'backend-payments', 'backend-orders', 'edge-billing', 'edge-login', 'queue-mailer', 'api-catalog'];
const HEADER = ['deployment_id', 'service', 'timestamp', 'tick', 'cohort', 'requests', 'errors', 'latency_p50_ms', 'latency_p99_ms', 'kpi', 'latency_objective_ms', 'label', 'provider_error'];
const Z99 = 2.3263479;

export interface ReplayTrainSampleOptions {
  seed?: number;
  deployments?: number;
  ticks?: number;
  /** Share of deployments with a bad canary (default 0.35; 0 gives a recording with pass labels only). */
  faultShare?: number;
  /** Write the label column (default true). */
  labels?: boolean;
}

/** p50 and p99 of `n` lognormal latencies: from the draws when n is small, else the true values with sampling noise. */
function percentiles(rng: Rng, median: number, sigma: number, n: number): [number, number] {
  if (n <= 100) {
    const xs = Array.from({ length: n }, () => median * Math.exp(sigma * rng.normal())).sort((a, b) => a - b);
    const rank = (q: number) => xs[Math.max(0, Math.ceil(q * n) - 1)];
    return [rank(0.5), rank(0.99)];
  }
  const noise = sigma / Math.sqrt(n);
  return [median * Math.exp(noise * 1.25 * rng.normal()), median * Math.exp(sigma * Z99 + noise * 3.8 * rng.normal())];
}

/** The sample file's text. */
export function makeReplayTrainSample(o: ReplayTrainSampleOptions = {}): string {
  const seed = o.seed ?? 1;
  const n = o.deployments ?? 120;
  const ticks = o.ticks ?? 20;
  const faultShare = o.faultShare ?? 0.35;
  const header = o.labels === false ? HEADER.filter((h) => h !== 'label') : HEADER;
  const lines = [header.join(',')];
  for (let k = 0; k < n; k++) {
    const rng = new Rng(seed, 'replay-train-sample', String(k));
    const service = SERVICES[rng.int(0, SERVICES.length - 1)];
    const id = `${service.split('-')[1]}-${(k + 1).toString().padStart(4, '0')}`;
    const perMin = Math.exp(rng.uniform(Math.log(40), Math.log(4000)));
    const share = rng.uniform(0.05, 0.2);
    const errorRate = Math.exp(rng.uniform(Math.log(0.0005), Math.log(0.005)));
    const median = rng.uniform(30, 120);
    const sigma = 0.5;
    const conversion = rng.uniform(0.02, 0.05);
    const objective = Math.round(3 * median * Math.exp(sigma * Z99) / 10) * 10;
    const kind = rng.bernoulli(faultShare) ? (['errors', 'latency', 'both'] as const)[rng.int(0, 2)] : rng.bernoulli(0.15) ? 'shared' : rng.bernoulli(0.15) ? 'immaterial' : 'healthy';
    const onset = rng.int(3, 14);
    const errMult = rng.uniform(3, 20);
    const errAdd = rng.uniform(0.002, 0.03);
    const latMult = rng.uniform(1.3, 2.2);
    const incidentFrom = rng.int(0, ticks - 6);
    const incidentLen = rng.int(3, 6);
    const incidentErr = rng.uniform(0.02, 0.1);
    for (let t = 0; t < ticks; t++) {
      const minute = rng.at(t);
      const total = minute.poisson(perMin);
      const canaryRequests = minute.binomial(total, share);
      const bad = (kind === 'errors' || kind === 'latency' || kind === 'both') && t >= onset;
      const incident = kind === 'shared' && t >= incidentFrom && t < incidentFrom + incidentLen;
      const pe = minute.bernoulli(0.01);
      const gap = minute.bernoulli(0.02);
      const timestamp = new Date(START_MS + k * 6 * 3_600_000 + t * 60_000).toISOString();
      for (const cohort of ['baseline', 'canary'] as const) {
        const r = minute.fork(cohort);
        if (cohort === 'canary' && gap && !pe) continue;
        const canary = cohort === 'canary';
        const requests = canary ? canaryRequests : total - canaryRequests;
        let rate = errorRate;
        let mult = 1;
        if (canary && bad && kind !== 'latency') rate = Math.min(0.9, rate * errMult + errAdd);
        if (canary && bad && kind !== 'errors') mult = latMult;
        if (canary && kind === 'immaterial') {
          rate *= 1.05;
          mult = 1.03;
        }
        if (incident) {
          rate = Math.min(0.9, rate + incidentErr);
          mult *= 1.5;
        }
        const errors = r.binomial(requests, rate);
        const [p50, p99] = !pe && requests > 0 ? percentiles(r, median * mult, sigma, requests).map((x) => x.toFixed(1)) : ['', ''];
        const kpi = pe ? '' : String(r.binomial(requests - errors, conversion));
        const row: (string | number)[] = [id, service, timestamp, t, cohort, pe ? '' : requests, pe ? '' : errors, p50, p99, kpi, objective];
        if (o.labels !== false) row.push(bad ? 'fail' : 'pass');
        row.push(pe ? 'true' : 'false');
        lines.push(row.join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? join(import.meta.dirname, '..', 'examples', 'replay-train-sample.csv');
  writeFileSync(out, makeReplayTrainSample());
  console.log(`wrote ${out}`);
}
