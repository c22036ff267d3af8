// Per-cohort observability for one minute: request, error and slow counts drawn from the true rates, so a
// canary at 0.1 % of a quiet service is really noisy; latency percentiles with sampling noise; saturation;
// the business KPI. Shared by the unguarded run here and the rollout environment.
import type { Rng } from '../lib/rng.ts';
import type { Service } from './topology.ts';
import { slowShare } from './faults.ts';

export interface CohortTruth {
  /** Error rate on the cohort's requests (base + incidents + fault on the affected share). */
  errorRate: number;
  /** Error rate the cohort would have without the change's fault (for the coupled counterfactual). */
  errorRateNoFault: number;
  /** Latency multiplier on the affected share, and the share it applies to. */
  latencyMult: number;
  latencyMultNoFault: number;
  affectedShare: number;
  kpiMult: number;
  load: number;
  memoryExtra: number;
  poolExtra: number;
}

export interface CohortSample {
  requests: number;
  errors: number;
  slow: number;
  /** Bad requests the same draw would have had without the fault (coupled, always <= errors + slow). */
  badNoFault: number;
  latencyP50: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  cpu: number;
  memory: number;
  pool: number;
  conversions: number;
}

const Z95 = 1.6448536;
const Z99 = 2.3263479;
const PHI = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** Draw one minute of metrics for a cohort that served `requests` requests. */
export function sampleCohort(svc: Service, requests: number, tr: CohortTruth, rng: Rng): CohortSample {
  const sh = tr.affectedShare;
  const slowBase = slowShare(svc, tr.latencyMultNoFault);
  const slowFault = slowShare(svc, tr.latencyMult);
  const slowRate = (1 - sh) * slowBase + sh * slowFault;
  // Coupled draws: the no-fault errors are a subset of the faulty run's errors (common random numbers).
  const e0 = rng.binomial(requests, Math.min(1, tr.errorRateNoFault));
  const extraErr = tr.errorRate > tr.errorRateNoFault ? (tr.errorRate - tr.errorRateNoFault) / (1 - tr.errorRateNoFault) : 0;
  const e1 = e0 + rng.binomial(requests - e0, Math.min(1, extraErr));
  const s0 = rng.binomial(requests - e1, slowBase);
  const extraSlow = slowRate > slowBase ? (slowRate - slowBase) / (1 - slowBase) : 0;
  const s1 = s0 + rng.binomial(requests - e1 - s0, Math.min(1, extraSlow));
  // e0 + (those of the e1-e0 extra errors that would have been slow anyway) approximates the no-fault bad count.
  const badNoFault = e0 + s0 + rng.binomial(e1 - e0, slowBase);
  const logMult = Math.log(1 + sh * (tr.latencyMult - 1));
  const errShare = requests > 0 ? e1 / requests : 0;
  const conv = svc.conversionRate * tr.kpiMult;
  return {
    requests,
    errors: e1,
    slow: s1,
    badNoFault: Math.min(badNoFault, e1 + s1),
    latencyP50: percentile(svc, requests, logMult, 0, 0.5, rng),
    latencyP95: percentile(svc, requests, logMult, Z95, 0.95, rng),
    latencyP99: percentile(svc, requests, logMult, Z99, 0.99, rng),
    cpu: clamp01(0.2 + 0.3 * tr.load * (1 + logMult) + 0.1 * errShare + 0.02 * rng.normal()),
    memory: clamp01(0.45 + tr.memoryExtra + 0.02 * rng.normal()),
    pool: clamp01(0.25 * tr.load + 0.75 * tr.poolExtra + 0.02 * rng.normal()),
    conversions: rng.binomial(requests - e1, Math.min(1, conv)),
  };
}

/** Sample quantile `q` (standard-normal point `z`) of a cohort's log-normal latency over `requests` requests. */
function percentile(svc: Service, requests: number, logMult: number, z: number, q: number, rng: Rng): number | null {
  if (requests === 0) return null;
  const sd = (svc.latencySigma * Math.sqrt((q * (1 - q)) / requests)) / PHI(z);
  return svc.latencyMedianMs * Math.exp(logMult + svc.latencySigma * z + sd * rng.normal());
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
