// Requests per service per minute. For each service, in topological order:
//   rate = external × weekShape(minute of week) × eventFactor(t) × trend(t) × bursts × exp(AR(1) noise)
//        + Σ callers' rate × callsPerRequest   (async edges lag one minute)
// then the realised count is drawn around the rate (Poisson below 30, normal above).
// The same algorithm is written with NumPy in bench/traffic_numpy.py for the speed comparison.
import { Rng } from '../lib/rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Topology, Service } from './topology.ts';
import { type Calendar, MINUTES_PER_DAY, MINUTES_PER_WEEK } from './calendar.ts';

export interface Traffic {
  /** Realised requests per minute, one array per service (index = service id). */
  requests: Float32Array[];
  /** Mean of each service's realised series: the reference for "load factor". */
  meanRequests: Float64Array;
  /** Burst episodes, for the incident/ground-truth tables. */
  bursts: { service: number; start: number; end: number; multiplier: number }[];
}

/**
 * Weekly shape of a service (length 10080, mean 1): sum over time-zone populations of a daily curve
 * (cosine with a small second harmonic, peak at `peakHourLocal`) times a weekend factor.
 */
export function weekShape(s: Scenario, svc: Service, cal: Calendar): Float32Array {
  const out = new Float32Array(MINUTES_PER_WEEK);
  const A = s.traffic.dailyAmplitude;
  const zones = s.traffic.timeZones;
  const offset = cal.startWeekday * MINUTES_PER_DAY;
  for (let m = 0; m < MINUTES_PER_WEEK; m++) {
    let v = 0;
    for (let z = 0; z < zones.length; z++) {
      const w = svc.tzWeights[z];
      if (w === 0) continue;
      const local = m + offset + zones[z].offsetHours * 60;
      const dayAbs = Math.floor(local / MINUTES_PER_DAY);
      const hour = (local - dayAbs * MINUTES_PER_DAY) / 60;
      const weekday = ((dayAbs % 7) + 7) % 7;
      const x = (2 * Math.PI * (hour - s.traffic.peakHourLocal - svc.phaseShiftHours)) / 24;
      const daily = 1 + A * (0.85 * Math.cos(x) + 0.15 * Math.cos(2 * x));
      v += w * Math.max(0.02, daily) * (weekday >= 5 ? s.traffic.weekendFactor : 1);
    }
    out[m] = v;
  }
  let mean = 0;
  for (let m = 0; m < MINUTES_PER_WEEK; m++) mean += out[m];
  mean /= MINUTES_PER_WEEK;
  for (let m = 0; m < MINUTES_PER_WEEK; m++) out[m] /= mean;
  return out;
}

/** Generate the traffic of every service. `onService` reports progress (services done). */
export function generateTraffic(
  s: Scenario,
  topo: Topology,
  cal: Calendar,
  seed: number,
  onService?: (done: number, total: number) => void,
): Traffic {
  const T = cal.minutes;
  const n = topo.services.length;
  // Trend and calendar events are shared by all services: fold them into one per-minute factor.
  const global = new Float64Array(T);
  const growthPerMinute = Math.log(1 + s.traffic.trendPerYear) / (365 * MINUTES_PER_DAY);
  for (let t = 0; t < T; t++) global[t] = cal.eventFactor[t] * Math.exp(growthPerMinute * t);

  const rates: Float32Array[] = new Array(n);
  const bursts: Traffic['bursts'] = [];
  const phi = s.traffic.noiseCorrelation;
  const sigma = s.traffic.noiseSigma;
  const innov = sigma * Math.sqrt(1 - phi * phi);
  const logBias = (sigma * sigma) / 2; // keeps the noise factor's mean at 1
  for (let j = 0; j < n; j++) {
    const svc = topo.services[j];
    const rng = new Rng(seed, 'traffic', String(j));
    const rate = new Float32Array(T);
    if (svc.externalRpm > 0) {
      const shape = weekShape(s, svc, cal);
      const base = svc.externalRpm;
      let e = sigma * rng.normal();
      let m = 0;
      for (let t = 0; t < T; t++) {
        e = phi * e + innov * rng.normal();
        rate[t] = base * shape[m] * global[t] * Math.exp(e - logBias);
        if (++m === MINUTES_PER_WEEK) m = 0;
      }
      const nBursts = rng.poisson(s.traffic.burstsPerServicePerDay * cal.days);
      for (let b = 0; b < nBursts; b++) {
        const start = rng.int(0, T - 1);
        const len = Math.max(1, Math.round(rng.exponential(s.traffic.burstMinutes)));
        const mult = 1 + (s.traffic.burstMultiplier - 1) * rng.lognormal(1, 0.3);
        const end = Math.min(T, start + len);
        // Fast rise, linear decay.
        for (let t = start; t < end; t++) rate[t] *= 1 + (mult - 1) * (1 - (t - start) / len);
        bursts.push({ service: j, start, end, multiplier: mult });
      }
    }
    for (const di of topo.callersOf[j]) {
      const d = topo.dependencies[di];
      const src = rates[d.caller];
      const c = d.callsPerRequest;
      if (d.kind === 'sync') for (let t = 0; t < T; t++) rate[t] += src[t] * c;
      else for (let t = 1; t < T; t++) rate[t] += src[t - 1] * c;
    }
    rates[j] = rate;
    onService?.(j + 1, n);
  }
  // Realise counts only after every callee has read its callers' rates.
  const meanRequests = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const rng = new Rng(seed, 'traffic-count', String(j));
    const r = rates[j];
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const lam = r[t];
      const k = lam < 30 ? rng.poisson(lam) : Math.round(lam + Math.sqrt(lam) * rng.normal());
      r[t] = k < 0 ? 0 : k;
      sum += r[t];
    }
    meanRequests[j] = sum / T;
  }
  return { requests: rates, meanRequests, bursts };
}
