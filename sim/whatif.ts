// The what-if engine (docs/whatif.md): for a change that has not shipped yet, run its rollout many times in the world
// model and say what a healthy rollout should look like, what the likely faults look like, and where it breaks.
//
//   healthy runs  the change carries no material fault (a small regression below the materiality bar at the
//                 scenario's rate), at the forecast traffic, with unrelated incidents drawn afresh for every run;
//   faulty runs   the change carries a fault from the scenario's catalogue (its kind mix, a contract break more likely
//                 for an API contract change, a latent pool bug that bites above the run's peak load), so the ranges
//                 and failure points are those of the faults the change could carry; the risk score weights them;
//   stress runs   the same, under injected stress: the busiest hour of the service's last week, its main sync callee
//                 slow or down, a noisy neighbour on the canary's pods: a resilience pre-check.
//
// Every run follows the plan's schedule and never rolls back (the unguarded run), so the ranges are those of the
// stages as planned. Per stage and metric it returns p10 / p50 / p90 of the canary's minute observations, healthy and
// faulty; per service the chance that it breaches its SLO if the change fails (the failure points). Nothing here reads
// the future: traffic is a seasonal-naive forecast from the service's history (the same minutes one week earlier, or
// one day earlier in the first week, scaled by the last hour's level), incidents are drawn, not the world's.
import { Rng } from '../lib/rng.ts';
import { quantile } from '../lib/stats.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { FAULT_KINDS, type FaultKind, type Scenario } from './scenario-schema.ts';
import type { Topology } from './topology.ts';
import type { Traffic } from './traffic.ts';
import { generateIncidents, type Incident } from './noise.ts';
import { drawFault, poolFault, immaterialFault, type Fault } from './faults.ts';
import { POOL_THRESHOLD_MAX, POOL_THRESHOLD_MIN } from './changes.ts';
import { planFor, userWeight, validateStrategy, type Strategy } from './strategy.ts';
import { RolloutEnv, scheduleAction, type EnvWorld, type CohortMetrics } from './env.ts';

/** The metrics the ranges cover, as the canary cohort reports them each minute. */
export const WHATIF_METRICS = ['errorRatio', 'slowRatio', 'latencyP50', 'latencyP95', 'latencyP99', 'kpi'] as const;
export type WhatIfMetric = (typeof WHATIF_METRICS)[number];

export interface Range {
  p1: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  /** Minute observations the range is made of. */
  n: number;
}

export interface StageRanges {
  stage: number;
  /** Share of user traffic on the new version at this stage, in percent (100: the bake). */
  weightPercent: number;
  dwellMinutes: number;
  healthy: Record<WhatIfMetric, Range | null>;
  faulty: Record<WhatIfMetric, Range | null>;
  /** The baseline's minute observations in the healthy runs: what tells a shared disturbance (an incident on both cohorts) from the canary's own. */
  baseline: Record<WhatIfMetric, Range | null>;
}

export interface FailurePoint {
  service: number;
  name: string;
  relation: 'self' | 'caller';
  /** Share of faulty runs in which this service's SLO breaches because of the fault. */
  probabilityIfFaulty: number;
  /** The same times the risk score: the chance this service breaches when the change ships (null without a risk score). */
  probability: number | null;
  /** Fault kinds behind the breaches, most frequent first, with their share of this service's breaches. */
  causes: { kind: FaultKind; share: number }[];
  /** How it breaks, in words. */
  mechanism: string;
  /** Median minutes from the start of the rollout to the first breach of this service. */
  medianMinutesToBreach: number;
}

export interface StressResult {
  name: StressName;
  description: string;
  /** Share of healthy runs under this stress with an SLO breach of any cause (the stress alone can breach). */
  breachProbabilityHealthy: number;
  /** Share of faulty runs under this stress where the fault breaches an SLO. */
  breachProbabilityIfFaulty: number;
  /** Canary metrics whose healthy p50 under stress falls outside the unstressed healthy p10-p90 at some stage: what a judge would see. */
  shiftedMetrics: WhatIfMetric[];
  failurePoints: FailurePoint[];
}

export const STRESSES = ['peak-hour', 'callee-slow', 'callee-down', 'noisy-neighbour'] as const;
export type StressName = (typeof STRESSES)[number];

export interface WhatIfInput {
  scenario: Scenario;
  topology: Topology;
  /** The service's history up to `start` (only minutes before `start` are read). */
  traffic: Traffic;
  service: number;
  /** The minute the rollout would start. */
  start: number;
  /** A name for the change (labels the runs' random streams). */
  id: string;
  apiContractChange: boolean;
  /** P(the change carries a material fault) from the risk model; null: unknown (ranges and failure points still come, `probability` is null). */
  risk: number | null;
  strategy: Strategy;
  /** Healthy runs and faulty runs each (default 100). */
  runs?: number;
  seed?: number;
  /** Run the stress pre-checks (default true), each with a quarter of `runs` healthy and faulty. */
  stress?: boolean;
}

export interface WhatIfResult {
  id: string;
  service: { id: number; name: string };
  start: number;
  plan: { kind: Strategy['kind']; stages: { weightPercent: number; dwellMinutes: number }[]; bakeMinutes: number; plannedMinutes: number };
  runs: number;
  seed: number;
  risk: number | null;
  traffic: { forecast: string; rpmAtStart: number; peakLoad: number };
  /** Healthy runs with an SLO breach of any cause (incidents, noise). */
  breachProbabilityHealthy: number;
  /** Faulty runs where the fault breaches an SLO. */
  breachProbabilityIfFaulty: number;
  /** Fault-attributable bad requests of an unguarded faulty run: p50 and p90. */
  blastRadiusIfFaulty: { p50: number; p90: number };
  stages: StageRanges[];
  failurePoints: FailurePoint[];
  stress: StressResult[];
}

/** Failure points listed are those breaching in at least this share of faulty runs. */
export const FAILURE_POINT_MIN = 0.1;

const MECHANISM: Record<FaultKind, string> = {
  error_step: 'errors on the new version',
  crash_loop: 'crashing pods of the new version',
  latency_regression: 'slower responses from the new version',
  memory_leak: 'a memory leak: errors and slowness growing with time',
  pool_exhaustion: 'connection-pool exhaustion at peak load',
  contract_break: 'calls from callers to the changed API fail',
  kpi_drop: 'fewer conversions (the business KPI)',
  data_corruption: 'corrupted writes (errors and lost conversions; rollback does not repair them)',
};

const WEEK = 10080;
const DAY = 1440;

/** The forecast traffic of every service for `minutes` minutes from `start`, from history only. */
export function forecastTraffic(traffic: Traffic, start: number, minutes: number): { requests: Float32Array[]; method: string } {
  const period = start >= WEEK && minutes <= WEEK ? WEEK : start >= DAY && minutes <= DAY ? DAY : 0;
  const method = period === WEEK ? 'seasonal naive, one week back, scaled by the last hour' : period === DAY ? 'seasonal naive, one day back, scaled by the last hour' : 'the service mean (less than a day of history)';
  const requests = traffic.requests.map((series, s) => {
    const out = new Float32Array(minutes);
    if (period === 0) {
      out.fill(traffic.meanRequests[s]);
      return out;
    }
    // The last hour against the same hour one period back: the level the forecast is scaled to.
    let now = 0;
    let then = 0;
    for (let t = Math.max(0, start - 60); t < start; t++) {
      now += series[t];
      then += series[t - period] ?? 0;
    }
    const level = then > 0 ? Math.min(3, Math.max(1 / 3, now / then)) : 1;
    for (let k = 0; k < minutes; k++) out[k] = Math.round(series[start + k - period] * level);
    return out;
  });
  return { requests, method };
}

interface Collected {
  values: Map<WhatIfMetric, number[]>[];
  baseline: Map<WhatIfMetric, number[]>[];
  breaches: Map<number, { runs: number; kinds: Map<FaultKind, number>; minutes: number[] }>;
  anyBreach: number;
  faultBreach: number;
  blast: number[];
  runs: number;
}

const newCollected = (stages: number): Collected => ({
  values: Array.from({ length: stages }, () => new Map(WHATIF_METRICS.map((m) => [m, [] as number[]]))),
  baseline: Array.from({ length: stages }, () => new Map(WHATIF_METRICS.map((m) => [m, [] as number[]]))),
  breaches: new Map(),
  anyBreach: 0,
  faultBreach: 0,
  blast: [],
  runs: 0,
});

/** A cohort's metrics as the ranges' values: ratios of its counts and its latency percentiles (none without requests). */
export function metricValues(c: CohortMetrics): Partial<Record<WhatIfMetric, number>> {
  if (c.requests <= 0) return {};
  const v: Partial<Record<WhatIfMetric, number>> = { errorRatio: c.errors / c.requests, slowRatio: c.slow / c.requests, kpi: c.conversions / c.requests };
  if (c.latencyP50 !== null) v.latencyP50 = c.latencyP50;
  if (c.latencyP95 !== null) v.latencyP95 = c.latencyP95;
  if (c.latencyP99 !== null) v.latencyP99 = c.latencyP99;
  return v;
}

/** One unguarded run of the plan in `world` with `fault`; its canary observations and breaches go to `into`. */
function runOnce(world: EnvWorld, strategy: Strategy, id: string, service: number, fault: Fault | null, seed: number, into: Collected, maxMinutes?: number, start = 0): void {
  const env = new RolloutEnv(world);
  let { observation } = env.reset({ seed, deployment: { id, service, start, fault }, strategy, maxMinutes });
  const plan = env.plan;
  const breached = new Map<number, number>();
  for (;;) {
    const r = env.step(scheduleAction(observation, plan));
    observation = r.observation;
    if (observation.canary) {
      const v = metricValues(observation.canary);
      const bucket = into.values[observation.stage];
      for (const m of WHATIF_METRICS) if (v[m] !== undefined && Number.isFinite(v[m])) bucket.get(m)!.push(v[m]!);
    }
    if (observation.baseline) {
      const v = metricValues(observation.baseline);
      const bucket = into.baseline[observation.stage];
      for (const m of WHATIF_METRICS) if (v[m] !== undefined && Number.isFinite(v[m])) bucket.get(m)!.push(v[m]!);
    }
    if (fault) for (const s of env.faultBreaching()) if (!breached.has(s)) breached.set(s, observation.age);
    if (r.terminated || r.truncated) break;
  }
  const o = env.outcome();
  into.runs++;
  if (o.breachMinute !== null) into.anyBreach++;
  if (!fault) return;
  // A KPI breach has no trailing ratio of its own: it is the deployed service's.
  if (o.faultBreachService !== null && !breached.has(o.faultBreachService)) breached.set(o.faultBreachService, (o.faultBreachMinute ?? 0) + 1);
  if (o.faultBreachMinute !== null) into.faultBreach++;
  into.blast.push(o.faultBadRequests);
  for (const [s, minute] of breached) {
    const b = into.breaches.get(s) ?? { runs: 0, kinds: new Map<FaultKind, number>(), minutes: [] as number[] };
    b.runs++;
    b.kinds.set(fault.kind, (b.kinds.get(fault.kind) ?? 0) + 1);
    b.minutes.push(minute);
    into.breaches.set(s, b);
  }
}

/**
 * The services whose SLO the deployment's fault breaches in its unguarded run of `strategy` in the real world: the
 * simulator's truth that failure points are measured against.
 */
export function faultBreachedServices(world: EnvWorld, dep: { id: string; service: number; start: number; fault: Fault | null }, seed: number, strategy: Strategy): number[] {
  const c = newCollected(planFor(validateStrategy(strategy), world.topology.services[dep.service], world.scenario.topology.tenants, world.scenario.topology.tenantCriticality).stages.length);
  runOnce(world, strategy, dep.id, dep.service, dep.fault, seed, c, undefined, dep.start);
  return [...c.breaches.keys()].sort((a, b) => a - b);
}

/** The canary's minute observations of a deployment's unguarded run in the real world, per stage: what calibration checks the healthy ranges against. */
export function observedCanary(world: EnvWorld, dep: { id: string; service: number; start: number; fault: Fault | null }, seed: number, strategy: Strategy): { stage: number; values: Partial<Record<WhatIfMetric, number>> }[] {
  const env = new RolloutEnv(world);
  let { observation } = env.reset({ seed, deployment: dep, strategy });
  const plan = env.plan;
  const out: { stage: number; values: Partial<Record<WhatIfMetric, number>> }[] = [];
  for (;;) {
    const r = env.step(scheduleAction(observation, plan));
    observation = r.observation;
    if (observation.canary) out.push({ stage: observation.stage, values: metricValues(observation.canary) });
    if (r.terminated || r.truncated) break;
  }
  return out;
}

const range = (xs: number[]): Range | null => (xs.length === 0 ? null : { p1: quantile(xs, 0.01), p10: quantile(xs, 0.1), p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p99: quantile(xs, 0.99), n: xs.length });

function failurePoints(c: Collected, topo: Topology, service: number, risk: number | null, faultyRuns: number): FailurePoint[] {
  const out: FailurePoint[] = [];
  for (const [s, b] of c.breaches) {
    const p = b.runs / Math.max(1, faultyRuns);
    if (p < FAILURE_POINT_MIN) continue;
    const causes = [...b.kinds].sort((x, y) => y[1] - x[1] || FAULT_KINDS.indexOf(x[0]) - FAULT_KINDS.indexOf(y[0])).map(([kind, k]) => ({ kind, share: k / b.runs }));
    out.push({
      service: s,
      name: topo.services[s].name,
      relation: s === service ? 'self' : 'caller',
      probabilityIfFaulty: p,
      probability: risk === null ? null : risk * p,
      causes,
      mechanism: causes.slice(0, 2).map((x) => MECHANISM[x.kind]).join('; or '),
      medianMinutesToBreach: quantile(b.minutes, 0.5),
    });
  }
  return out.sort((a, b) => b.probabilityIfFaulty - a.probabilityIfFaulty || a.service - b.service);
}

/** The runs' inputs: the forecast world (time rebased so the rollout starts at minute 0) and the fault sampler. */
function setup(inp: WhatIfInput) {
  const s = inp.scenario;
  const topo = inp.topology;
  const svc = topo.services[inp.service];
  if (!svc) throw new RolloutlabError('BAD_ARGUMENT', `service: no service ${inp.service} in this world (it has ${topo.services.length})`, 'service');
  const T = inp.traffic.requests[0].length;
  if (!(Number.isInteger(inp.start) && inp.start >= 0 && inp.start < T)) throw new RolloutlabError('BAD_ARGUMENT', `start: ${inp.start} is outside the world's ${T} minutes`, 'start');
  const runs = inp.runs ?? 100;
  if (!(Number.isInteger(runs) && runs >= 1)) throw new RolloutlabError('BAD_ARGUMENT', `runs: must be an integer >= 1, got ${JSON.stringify(inp.runs)}`, 'runs');
  if (inp.risk !== null && !(Number.isFinite(inp.risk) && inp.risk >= 0 && inp.risk <= 1)) throw new RolloutlabError('BAD_ARGUMENT', `risk: must be a probability in [0, 1] or null, got ${inp.risk}`, 'risk');
  const strategy = validateStrategy(inp.strategy);
  const plan = planFor(strategy, svc, s.topology.tenants, s.topology.tenantCriticality);
  const tail = Math.max(s.slo.windowMinutes, s.slo.kpiGuardrail?.windowMinutes ?? 0);
  const maxMinutes = plan.plannedMinutes + 1;
  const horizon = maxMinutes + tail + plan.plannedMinutes + 1;
  const fc = forecastTraffic(inp.traffic, inp.start, horizon);
  const traffic: Traffic = { requests: fc.requests, meanRequests: inp.traffic.meanRequests, bursts: [] };
  let peakLoad = 0;
  for (let k = 0; k < maxMinutes; k++) peakLoad = Math.max(peakLoad, fc.requests[inp.service][k] / Math.max(1e-9, traffic.meanRequests[inp.service]));
  return { s, topo, svc, runs, strategy, plan, maxMinutes, horizon, traffic, peakLoad, method: fc.method, rpmAtStart: fc.requests[inp.service][0] };
}

/** Simulate a proposed change many times: ranges per stage and metric, failure points, stress pre-checks. */
export function whatIf(inp: WhatIfInput): WhatIfResult {
  return whatIfDetailed(inp).result;
}

/** The healthy runs' canary observations per stage and metric, sorted: the predictive distribution the ranges summarise. */
export type HealthySamples = Record<WhatIfMetric, Float64Array>[];

/** `whatIf`, and the healthy samples behind its ranges (for calibration). */
export function whatIfDetailed(inp: WhatIfInput): { result: WhatIfResult; healthySamples: HealthySamples } {
  const { s, topo, svc, runs, strategy, plan, maxMinutes, horizon, traffic, peakLoad, method, rpmAtStart } = setup(inp);
  const seed = inp.seed ?? 1;
  const root = new Rng(seed, 'whatif', inp.id);
  const window = plan.plannedMinutes;
  const hasCallers = topo.callersOf[svc.id].length > 0;

  // The share of failures that are a latent pool bug biting at this window's peak load, against the intrinsic faults
  // the risk score stands for: a pool bug bites only above its threshold (uniform between the catalogue's bounds).
  const trigger = Math.min(1, Math.max(0, (peakLoad - POOL_THRESHOLD_MIN) / (POOL_THRESHOLD_MAX - POOL_THRESHOLD_MIN)));
  // Without a risk score, failures are taken as likely as the catalogue's pool bugs plus a tenth.
  const pool = s.changes.poolBugShare * trigger * (svc.tier === 'backend' || svc.tier === 'datastore' ? 1.5 : 1);
  const poolShare = Math.min(0.9, pool / Math.max(pool, inp.risk ?? pool + 0.1, 1e-9));
  const drawFaultFor = (rng: Rng, load: number): Fault => {
    if (load > POOL_THRESHOLD_MIN && rng.bernoulli(poolShare)) return poolFault(svc, rng.uniform(POOL_THRESHOLD_MIN, Math.min(POOL_THRESHOLD_MAX, load)), rng.fork('pool'));
    return drawFault(s, svc, topo, rng.fork('fault'), window, inp.apiContractChange && hasCallers);
  };

  const worldFor = (incidents: Incident[], t: Traffic = traffic): EnvWorld => ({ scenario: s, topology: topo, traffic: t, incidents });
  const incidentsFor = (rng: Rng): Incident[] => generateIncidents(s, topo, horizon, rng.int(0, 2 ** 31 - 1));

  const branch = (name: string, n: number, faulty: boolean, mutate: (incidents: Incident[]) => Incident[] = (x) => x, t: Traffic = traffic, load = peakLoad): Collected => {
    const c = newCollected(plan.stages.length);
    for (let r = 0; r < n; r++) {
      const rng = root.fork(name, String(r));
      const incidents = mutate(incidentsFor(rng.fork('incidents')));
      const fault = faulty ? drawFaultFor(rng.fork('draw'), load) : rng.bernoulli(s.changes.immaterialFaultRate) ? immaterialFault(svc, rng.fork('immaterial')) : null;
      runOnce(worldFor(incidents, t), strategy, `${inp.id}/${name}-${r}`, svc.id, fault, seed, c, maxMinutes);
    }
    return c;
  };

  const healthy = branch('healthy', runs, false);
  const faulty = branch('faulty', runs, true);
  const stages: StageRanges[] = plan.stages.map((st, k) => ({
    stage: k,
    weightPercent: Math.round(userWeight(plan, st.exposure) * 1e6) / 1e4,
    dwellMinutes: k === plan.stages.length - 1 ? plan.bakeMinutes : st.dwellMinutes,
    healthy: Object.fromEntries(WHATIF_METRICS.map((m) => [m, range(healthy.values[k].get(m)!)])) as Record<WhatIfMetric, Range | null>,
    faulty: Object.fromEntries(WHATIF_METRICS.map((m) => [m, range(faulty.values[k].get(m)!)])) as Record<WhatIfMetric, Range | null>,
    baseline: Object.fromEntries(WHATIF_METRICS.map((m) => [m, range(healthy.baseline[k].get(m)!)])) as Record<WhatIfMetric, Range | null>,
  }));

  const stress: StressResult[] = [];
  if (inp.stress ?? true) {
    const n = Math.max(1, Math.round(runs / 4));
    const callee = topo.dependencies.filter((d) => d.caller === svc.id && d.kind === 'sync').sort((a, b) => b.callsPerRequest - a.callsPerRequest || a.callee - b.callee)[0];
    const calleeIncident = (errorAdd: number, latencyMult: number) => (xs: Incident[]): Incident[] => {
      if (!callee) return xs;
      const affected = [callee.callee, ...topo.callersOf[callee.callee].map((di) => topo.dependencies[di].caller)].sort((a, b) => a - b);
      return [...xs, { id: 'stress-callee', kind: 'shared_dependency', service: callee.callee, affected, start: 0, end: horizon, errorAdd, latencyMult, cohorts: 'both' }];
    };
    // The busiest minute of the service's last week (history only), as a load factor: the forecast scaled up to it.
    const hist = inp.traffic.requests[svc.id];
    let weekPeak = 0;
    for (let t = Math.max(0, inp.start - WEEK); t < inp.start; t++) weekPeak = Math.max(weekPeak, hist[t]);
    const peakScale = peakLoad > 0 ? Math.max(1, weekPeak / traffic.meanRequests[svc.id] / peakLoad) : 1;
    const peakTraffic: Traffic = { ...traffic, requests: traffic.requests.map((a) => a.map((x) => Math.round(x * peakScale))) };
    const specs: { name: StressName; description: string; mutate?: (xs: Incident[]) => Incident[]; traffic?: Traffic; load?: number; skip?: string }[] = [
      { name: 'peak-hour', description: `traffic at the busiest level of the last week (×${peakScale.toFixed(2)} the forecast, load factor ${(peakLoad * peakScale).toFixed(2)})`, traffic: peakTraffic, load: peakLoad * peakScale },
      { name: 'callee-slow', description: callee ? `its main sync callee ${topo.services[callee.callee].name} twice as slow for the whole rollout` : 'no sync callee: nothing to slow down', mutate: calleeIncident(0.002, 2), skip: callee ? undefined : 'none' },
      { name: 'callee-down', description: callee ? `its main sync callee ${topo.services[callee.callee].name} failing 30 % of calls for the whole rollout` : 'no sync callee: nothing to take down', mutate: calleeIncident(0.3, 1.5), skip: callee ? undefined : 'none' },
      { name: 'noisy-neighbour', description: 'a noisy neighbour on the canary’s pods: 1.5× latency on the new version only', mutate: (xs) => [...xs, { id: 'stress-neighbour', kind: 'noisy_neighbour', service: svc.id, affected: [svc.id], start: 0, end: horizon, errorAdd: 0, latencyMult: 1.5, cohorts: 'canary' }] },
    ];
    for (const sp of specs) {
      if (sp.skip) {
        stress.push({ name: sp.name, description: sp.description, breachProbabilityHealthy: healthy.anyBreach / healthy.runs, breachProbabilityIfFaulty: faulty.faultBreach / faulty.runs, shiftedMetrics: [], failurePoints: [] });
        continue;
      }
      const h = branch(`${sp.name}-healthy`, n, false, sp.mutate, sp.traffic, sp.load);
      const f = branch(`${sp.name}-faulty`, n, true, sp.mutate, sp.traffic, sp.load);
      const shifted = WHATIF_METRICS.filter((m) =>
        stages.some((st, k) => {
          const base = st.healthy[m];
          const xs = h.values[k].get(m)!;
          if (!base || xs.length === 0) return false;
          const p50 = quantile(xs, 0.5);
          return p50 < base.p10 || p50 > base.p90;
        }),
      );
      stress.push({ name: sp.name, description: sp.description, breachProbabilityHealthy: h.anyBreach / h.runs, breachProbabilityIfFaulty: f.faultBreach / f.runs, shiftedMetrics: shifted, failurePoints: failurePoints(f, topo, svc.id, inp.risk, f.runs) });
    }
  }

  const healthySamples: HealthySamples = healthy.values.map((byMetric) => Object.fromEntries(WHATIF_METRICS.map((m) => [m, Float64Array.from(byMetric.get(m)!).sort()])) as Record<WhatIfMetric, Float64Array>);
  const result: WhatIfResult = {
    id: inp.id,
    service: { id: svc.id, name: svc.name },
    start: inp.start,
    plan: { kind: strategy.kind, stages: stages.map((st) => ({ weightPercent: st.weightPercent, dwellMinutes: st.dwellMinutes })), bakeMinutes: plan.bakeMinutes, plannedMinutes: plan.plannedMinutes },
    runs,
    seed,
    risk: inp.risk,
    traffic: { forecast: method, rpmAtStart, peakLoad },
    breachProbabilityHealthy: healthy.anyBreach / healthy.runs,
    breachProbabilityIfFaulty: faulty.faultBreach / faulty.runs,
    blastRadiusIfFaulty: { p50: quantile(faulty.blast, 0.5), p90: quantile(faulty.blast, 0.9) },
    stages,
    failurePoints: failurePoints(faulty, topo, svc.id, inp.risk, faulty.runs),
    stress,
  };
  return { result, healthySamples };
}
