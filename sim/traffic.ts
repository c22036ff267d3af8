// Requests per service per minute. For each service, in topological order:
//   rate = external × weekShape(minute of week) × eventFactor(t) × trend(t) × bursts × exp(AR(1) noise)
//        + Σ callers' rate × callsPerRequest   (async edges lag one minute)
// then the realised count is drawn around the rate (Poisson below 30, normal above).
// The same algorithm is written with NumPy in bench/traffic_numpy.py for the speed comparison.
//
// The three steps are separate functions (externalRate, propagate, realiseCounts) so that sim/traffic-parallel.ts can
// run the per-service ones on worker threads; generateTraffic runs them in turn. The hot loops draw their normals in
// blocks (Rng.fillNormal) and keep per-minute work free of calls other than Math.exp and Math.sqrt. What remains is
// mostly Box-Muller's Math.log, Math.cos and Math.sin, and Math.exp: version 1 needs their exact values.
//
// Two versions of the random stream (scenario `traffic.generator`):
//   1 (default): Box-Muller normals, the stream every figure in the docs was measured with. The faster code gives the
//     same draws in the same order and the same float32 series, bit for bit (test/simulator-traffic-stream.test.ts).
//   2: ziggurat normals (Rng.fillNormalZiggurat) for the AR(1) noise and the counts, and the noise factor's exp by a
//     polynomial (expNoise); the same model on another stream, about twice as fast.
import { Rng } from '../lib/rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Topology, Service } from './topology.ts';
import type { Calendar } from './calendar.ts';
import { MINUTES_PER_DAY, MINUTES_PER_WEEK } from './minutes.ts';

export interface Traffic {
  /** Realised requests per minute, one array per service (index = service id). */
  requests: Float32Array[];
  /** Mean of each service's realised series: the reference for "load factor". */
  meanRequests: Float64Array;
  /** Burst episodes, for the incident/ground-truth tables. */
  bursts: Burst[];
}

export interface Burst {
  service: number;
  start: number;
  end: number;
  multiplier: number;
}

/** The traffic stream's version: 1 unless the scenario asks for 2. */
export type TrafficGenerator = 1 | 2;
export const trafficGenerator = (s: Scenario): TrafficGenerator => (s.traffic.generator === 2 ? 2 : 1);

/** Normals are drawn in blocks of this many minutes (a buffer that stays in the first-level cache). */
const BLOCK = 2048;

/**
 * What the weekly shapes of all services share, per time zone: each minute of the week's minute of the local day
 * (-1 when the zone's offset is not a whole number of minutes) and its weekend factor.
 */
export interface WeekClock {
  minuteOfDay: Int16Array[];
  weekend: Float64Array[];
}

/** The week clock of a scenario and calendar (a few thousand operations; built once per generateTraffic). */
export function weekClock(s: Scenario, cal: Calendar): WeekClock {
  const zones = s.traffic.timeZones;
  const offset = cal.startWeekday * MINUTES_PER_DAY;
  const minuteOfDay: Int16Array[] = [];
  const weekend: Float64Array[] = [];
  for (const zone of zones) {
    const mod = new Int16Array(MINUTES_PER_WEEK);
    const wk = new Float64Array(MINUTES_PER_WEEK);
    const whole = Number.isInteger(zone.offsetHours * 60);
    for (let m = 0; m < MINUTES_PER_WEEK; m++) {
      // As weekShapeAt computes them.
      const local = m + offset + zone.offsetHours * 60;
      const dayAbs = Math.floor(local / MINUTES_PER_DAY);
      const weekday = ((dayAbs % 7) + 7) % 7;
      mod[m] = whole ? local - dayAbs * MINUTES_PER_DAY : -1;
      wk[m] = weekday >= 5 ? s.traffic.weekendFactor : 1;
    }
    minuteOfDay.push(mod);
    weekend.push(wk);
  }
  return { minuteOfDay, weekend };
}

/**
 * Weekly shape of a service (length 10080, mean 1): sum over time-zone populations of a daily curve
 * (cosine with a small second harmonic, peak at `peakHourLocal`) times a weekend factor.
 */
export function weekShape(s: Scenario, svc: Service, cal: Calendar, clock: WeekClock = weekClock(s, cal)): Float32Array {
  const W = MINUTES_PER_WEEK; // locals: module bindings read in a loop are checked on every pass
  const D = MINUTES_PER_DAY;
  const out = new Float32Array(W);
  const A = s.traffic.dailyAmplitude;
  const peak = s.traffic.peakHourLocal;
  const phase = svc.phaseShiftHours;
  const zones = s.traffic.timeZones;
  const offset = cal.startWeekday * D;
  const daily = new Float64Array(D);
  const v = new Float64Array(W);
  for (let z = 0; z < zones.length; z++) {
    const w = svc.tzWeights[z];
    if (w === 0) continue;
    const mod = clock.minuteOfDay[z];
    const wk = clock.weekend[z];
    if (mod[0] >= 0) {
      // A whole-minute offset: the local hour, so the daily curve, depends only on the minute of the day. The curve is
      // computed 1440 times instead of 10080, by the same expressions (hour = minute of day / 60 exactly), so each
      // value is the one the minute-by-minute loop below gives.
      for (let k = 0; k < D; k++) {
        const hour = k / 60;
        const x = (2 * Math.PI * (hour - peak - phase)) / 24;
        daily[k] = w * Math.max(0.02, 1 + A * (0.85 * Math.cos(x) + 0.15 * Math.cos(2 * x)));
      }
      for (let m = 0; m < W; m++) v[m] += daily[mod[m]] * wk[m];
    } else {
      for (let m = 0; m < W; m++) {
        const local = m + offset + zones[z].offsetHours * 60;
        const dayAbs = Math.floor(local / D);
        const hour = (local - dayAbs * D) / 60;
        const x = (2 * Math.PI * (hour - peak - phase)) / 24;
        const d = 1 + A * (0.85 * Math.cos(x) + 0.15 * Math.cos(2 * x));
        v[m] += w * Math.max(0.02, d) * wk[m];
      }
    }
  }
  for (let m = 0; m < W; m++) out[m] = v[m];
  let mean = 0;
  for (let m = 0; m < W; m++) mean += out[m];
  mean /= W;
  for (let m = 0; m < W; m++) out[m] /= mean;
  return out;
}

/** Trend and calendar events, shared by all services: one factor per minute. */
export function globalFactor(s: Scenario, cal: Calendar): Float64Array {
  const T = cal.minutes;
  const global = new Float64Array(T);
  const growthPerMinute = Math.log(1 + s.traffic.trendPerYear) / (365 * MINUTES_PER_DAY);
  for (let t = 0; t < T; t++) global[t] = cal.eventFactor[t] * Math.exp(growthPerMinute * t);
  return global;
}

// Version 2's exp: 2^k × p(r), with k = round(x / ln 2), r = x - k ln 2 (ln 2 split in two so that k × LN2_HI is exact)
// and p the degree-8 Taylor polynomial on |r| <= ln(2)/2, whose relative error is below 5e-10, far under a float32
// rate's 6e-8. Plain arithmetic: several times faster than Math.exp, and the same on every engine.
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
/** 2^k for k in [-64, 64], at index k + 64. */
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));

/** e^x as version 2 of the generator computes its noise factor (Math.exp where |x| >= 44, far beyond any noise). */
export function expNoise(x: number, pow2: Float64Array = POW2): number {
  if (!(x > -44 && x < 44)) return Math.exp(x);
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r / 40320)))))));
  return pow2[k + 64] * p;
}

/** Scratch buffers of one thread, reused from service to service. */
export interface Scratch {
  normals: Float64Array;
  baseShape: Float64Array;
}
export const newScratch = (): Scratch => ({ normals: new Float64Array(BLOCK), baseShape: new Float64Array(MINUTES_PER_WEEK) });

/**
 * Service j's own rate before its callers' traffic is added: base × weekly shape × global × exp(AR(1) noise), then
 * its bursts (appended to `bursts`). All zeros for a purely internal service. Draws from stream ('traffic', j).
 */
export function externalRate(
  s: Scenario,
  svc: Service,
  j: number,
  global: Float64Array,
  clock: WeekClock,
  cal: Calendar,
  seed: number,
  bursts: Burst[],
  scratch: Scratch = newScratch(),
): Float32Array {
  const T = global.length;
  const rate = new Float32Array(T);
  if (!(svc.externalRpm > 0)) return rate;
  const v2 = trafficGenerator(s) === 2;
  const rng = new Rng(seed, 'traffic', String(j));
  const phi = s.traffic.noiseCorrelation;
  const sigma = s.traffic.noiseSigma;
  const innov = sigma * Math.sqrt(1 - phi * phi);
  const logBias = (sigma * sigma) / 2; // keeps the noise factor's mean at 1
  const shape = weekShape(s, svc, cal, clock);
  // base × shape[m] is the first product of base × shape[m] × global[t] × exp(·): taken once per minute of the week.
  const bs = scratch.baseShape;
  const base = svc.externalRpm;
  for (let m = 0; m < MINUTES_PER_WEEK; m++) bs[m] = base * shape[m];
  const z = scratch.normals;
  const week = MINUTES_PER_WEEK; // locals: a module binding read in the loop is checked on every minute
  const pow2 = POW2;
  let e = sigma * (v2 ? rng.normalZiggurat() : rng.normal());
  let m = 0;
  for (let t0 = 0; t0 < T; t0 += BLOCK) {
    const L = Math.min(BLOCK, T - t0);
    if (v2) {
      rng.fillNormalZiggurat(z, L);
      for (let k = 0; k < L; k++) {
        e = phi * e + innov * z[k];
        rate[t0 + k] = bs[m] * global[t0 + k] * expNoise(e - logBias, pow2);
        if (++m === week) m = 0;
      }
      continue;
    }
    rng.fillNormal(z, L);
    for (let k = 0; k < L; k++) {
      e = phi * e + innov * z[k];
      rate[t0 + k] = bs[m] * global[t0 + k] * Math.exp(e - logBias);
      if (++m === week) m = 0;
    }
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
  return rate;
}

/** Adds the callers' rates to service j's (async edges one minute later). Callers have lower ids, so are final. */
export function propagate(topo: Topology, rates: Float32Array[], j: number): void {
  const rate = rates[j];
  const T = rate.length;
  for (const di of topo.callersOf[j]) {
    const d = topo.dependencies[di];
    const src = rates[d.caller];
    const c = d.callsPerRequest;
    if (d.kind === 'sync') for (let t = 0; t < T; t++) rate[t] += src[t] * c;
    else for (let t = 1; t < T; t++) rate[t] += src[t - 1] * c;
  }
}

/**
 * Math.round(x), without its data-dependent branch on the common path: for 0.5 <= x < 2^51 (2251799813685248), x + 0.5 is exact or
 * rounds without crossing an integer, so floor(x + 0.5) equals Math.round(x). Elsewhere (where Math.round gives
 * -0, for one) it is Math.round itself.
 */
export const roundCount = (x: number): number => (x >= 0.5 && x < 2251799813685248 ? Math.floor(x + 0.5) : Math.round(x));

/**
 * Replaces service j's rates by realised counts, in place, and returns their sum: Poisson below 30, a rounded
 * normal above. Draws from stream ('traffic-count', j). A run of minutes on the normal path takes its normals in
 * one block: the same draws as one at a time, since Rng.fillNormal leaves the generator as the calls would.
 */
export function realiseCounts(s: Scenario, r: Float32Array, j: number, seed: number, scratch: Scratch = newScratch()): number {
  const v2 = trafficGenerator(s) === 2;
  const rng = new Rng(seed, 'traffic-count', String(j));
  const z = scratch.normals;
  const T = r.length;
  let sum = 0;
  let t = 0;
  while (t < T) {
    const lam = r[t];
    if (lam < 30) {
      const k = rng.poisson(lam);
      r[t] = k < 0 ? 0 : k;
      sum += r[t];
      t++;
      continue;
    }
    let end = t + 1;
    const limit = Math.min(T, t + BLOCK);
    while (end < limit && !(r[end] < 30)) end++;
    const L = end - t;
    if (v2) rng.fillNormalZiggurat(z, L);
    else rng.fillNormal(z, L);
    for (let k = 0; k < L; k++) {
      const l = r[t + k];
      const c = roundCount(l + Math.sqrt(l) * z[k]);
      const x = c < 0 ? 0 : c;
      r[t + k] = x;
      sum += Math.fround(x);
    }
    t = end;
  }
  return sum;
}

/** Generate the traffic of every service. `onService` reports progress (services done). */
export function generateTraffic(
  s: Scenario,
  topo: Topology,
  cal: Calendar,
  seed: number,
  onService?: (done: number, total: number) => void,
): Traffic {
  const n = topo.services.length;
  const global = globalFactor(s, cal);
  const clock = weekClock(s, cal);
  const scratch = newScratch();
  const rates: Float32Array[] = new Array(n);
  const bursts: Burst[] = [];
  for (let j = 0; j < n; j++) {
    rates[j] = externalRate(s, topo.services[j], j, global, clock, cal, seed, bursts, scratch);
    propagate(topo, rates, j);
    onService?.(j + 1, n);
  }
  // Realise counts only after every callee has read its callers' rates.
  const meanRequests = new Float64Array(n);
  for (let j = 0; j < n; j++) meanRequests[j] = realiseCounts(s, rates[j], j, seed, scratch) / cal.minutes;
  return { requests: rates, meanRequests, bursts };
}
