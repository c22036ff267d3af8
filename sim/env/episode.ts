// What reset() fixes for one episode of the rollout environment: the deployment's service, plan and sync callers, the
// incidents that can touch them, the scrape gaps and metrics-backend errors (drawn once per deployment, from forks of
// the episode's base stream), whether the fault is material, the tenant a tenant-confined fault lives in, and the
// state and observation the episode starts from.
import { Rng } from '../../lib/rng.ts';
import type { Service } from '../topology.ts';
import { type Fault, type Effect, faultEffect, isMaterial, callerBaseline } from '../faults.ts';
import type { Incident, Cohort } from '../noise.ts';
import { planFor, userWeight, validateStrategy, type Plan } from '../strategy.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import type { EnvWorld, EnvDeployment, EnvState, Observation, ResetOptions } from './contract.ts';
import { newOutcome } from './outcome.ts';
import { zeros } from './trailing.ts';

/** The fixed facts of a running episode (not part of its state: a reset of the same deployment rebuilds them equal). */
export interface EpisodeCtx {
  dep: EnvDeployment;
  svc: Service;
  plan: Plan;
  callers: { caller: number; callsPerRequest: number }[];
  /** The watched services: the deployed one, then its sync callers (the order of `ratios` and of the state's burn windows). */
  watched: number[];
  near: Map<number, Incident[]>;
  gaps: Record<Cohort, Uint8Array>;
  providerDown: Uint8Array;
  base: Rng;
  /** The stream of the canary's breakdown by unit (progressive strategies): its own, so that no other draw moves. */
  units: Rng;
  /** The stream of steps shorter than a minute (made on first use): its own, so that whole minutes draw as before. */
  fine: Rng | null;
  seed: number;
  maxMinutes: number;
  threshold: number;
  material: boolean;
  /** Scratch: this minute's [bad ratio, bad ratio without the fault] per watched service. */
  ratios: [number, number][];
  /** Index (in the scenario's tenants) of the tenant a tenant-confined fault lives in, or -1. */
  faultTenant: number;
  /** Scratch: this minute's share of each tenant's traffic the fault reached (sim/env/tenants.ts). */
  tenantReach: number[];
}

/** Check the deployment, plan its rollout and build the episode's facts, first state and first observation. */
export function startEpisode(world: EnvWorld, opts: ResetOptions): { ctx: EpisodeCtx; st: EnvState; observation: Observation } {
  const { scenario: s, topology: topo, traffic, incidents } = world;
  const dep = opts.deployment;
  const svc = topo.services[dep.service];
  if (!svc) throw new RolloutlabError('BAD_ARGUMENT', `deployment.service: no service ${dep.service} in this world`, 'deployment.service');
  const T = traffic.requests[0].length;
  if (!(Number.isInteger(dep.start) && dep.start >= 0 && dep.start < T)) throw new RolloutlabError('BAD_ARGUMENT', `deployment.start: ${dep.start} is outside the world's ${T} minutes`, 'deployment.start');
  const plan = planFor(validateStrategy(opts.strategy), svc, s.topology.tenants, s.topology.tenantCriticality);
  const scope = dep.fault?.scope;
  const faultTenant = scope?.kind === 'tenant' ? s.topology.tenants.indexOf(scope.tenant) : -1;
  if (scope?.kind === 'tenant' && faultTenant < 0) throw new RolloutlabError('BAD_ARGUMENT', `deployment.fault.scope.tenant: ${JSON.stringify(scope.tenant)} is not one of the scenario's tenants (${s.topology.tenants.join(', ')})`, 'deployment.fault.scope.tenant');
  const maxMinutes = opts.maxMinutes ?? plan.plannedMinutes * 3;
  const horizon = maxMinutes + Math.max(s.slo.windowMinutes, s.slo.kpiGuardrail?.windowMinutes ?? 0) + plan.plannedMinutes;
  const callers = topo.callersOf[svc.id].map((di) => topo.dependencies[di]).filter((d) => d.kind === 'sync').map((d) => ({ caller: d.caller, callsPerRequest: d.callsPerRequest }));
  const watched = [svc.id, ...callers.map((c) => c.caller)];
  const overlapping = incidents.filter((i) => i.end > dep.start && i.start < dep.start + horizon);
  const near = new Map<number, Incident[]>();
  for (const id of watched) near.set(id, overlapping.filter((i) => i.affected.includes(id)));
  const base = new Rng(opts.seed, 'env', dep.id);
  const o = s.observability;
  const material = dep.material ?? (dep.fault !== null && isMaterial(svc, peakFaultEffect(dep.fault, plan.plannedMinutes), callerBaseline(topo, svc.id)));
  const ctx: EpisodeCtx = {
    dep,
    svc,
    plan,
    callers,
    watched,
    near,
    gaps: { baseline: bursts(base.fork('gaps', 'baseline'), horizon, o.scrapeGapRate, o.gapBurstMinutes), canary: bursts(base.fork('gaps', 'canary'), horizon, o.scrapeGapRate, o.gapBurstMinutes) },
    providerDown: bursts(base.fork('provider'), horizon, o.providerErrorRate, o.providerErrorBurstMinutes),
    base,
    units: new Rng(opts.seed, 'units', dep.id),
    fine: null,
    seed: opts.seed,
    maxMinutes,
    threshold: s.slo.burnRate * (1 - s.slo.objective),
    material,
    ratios: watched.map((): [number, number] => [0, 0]),
    faultTenant,
    tenantReach: zeros(s.topology.tenants.length),
  };
  const first = plan.stages[0];
  const phase = plan.stages.length === 1 ? 'baking' : 'progressing';
  const observation: Observation = {
    deploymentId: dep.id,
    age: 0,
    minute: dep.start,
    phase,
    stage: 0,
    stages: plan.stages.length,
    weight: userWeight(plan, first.exposure),
    mirror: first.mirror,
    exposure: [...first.exposure],
    units: plan.units,
    timeAtStage: 0,
    providerError: false,
    baseline: null,
    canary: null,
  };
  const st: EnvState = {
    deploymentId: dep.id,
    seed: opts.seed,
    age: 0,
    phase,
    stage: 0,
    exposure: [...first.exposure],
    unitRolledBack: plan.units.map(() => false),
    timeAtStage: 0,
    second: 0,
    partial: null,
    maxWeight: 0,
    burn: watched.map(() => ({ bad: zeros(s.slo.windowMinutes), badNoFault: zeros(s.slo.windowMinutes), total: zeros(s.slo.windowMinutes), n: 0 })),
    kpi: { lost: zeros(s.slo.kpiGuardrail?.windowMinutes ?? 1), base: zeros(s.slo.kpiGuardrail?.windowMinutes ?? 1), n: 0 },
    tenantBad: zeros(s.topology.tenants.length),
    tenantMaxExposure: zeros(s.topology.tenants.length),
    outcome: newOutcome(plan.stages.length === 1 ? dep.start : null),
    lastObservation: observation,
    done: false,
  };
  return { ctx, st, observation };
}

/** Minutes (of `horizon`) missing in bursts: bursts start at a rate that makes the missing share ≈ rate. */
function bursts(rng: Rng, horizon: number, rate: number, burst: number): Uint8Array {
  const out = new Uint8Array(horizon);
  let left = 0;
  for (let i = 0; i < horizon; i++) {
    if (left > 0) left--;
    else if (rng.bernoulli(rate / burst)) left = Math.max(1, Math.round(rng.exponential(burst)));
    out[i] = left > 0 ? 1 : 0;
  }
  return out;
}

/** The strongest effect a fault reaches within `window` minutes at the mean load (materiality of the run). */
function peakFaultEffect(f: Fault, window: number): Effect {
  const age = f.kind === 'memory_leak' ? Math.max(f.onsetMinutes, Math.min(window, f.onsetMinutes + f.rampMinutes)) : f.onsetMinutes;
  return faultEffect(f, age, Number.isFinite(f.poolThreshold) ? f.poolThreshold + 1 : 1);
}
