// The fault catalogue: what a bad change does, when it starts, and how big the effect is.
// `drawFault` picks a fault for a change; `faultEffect` gives its effect at a given age of the new version
// and load; `isMaterial` applies the material-fault rule of docs/definitions.md (+10 % relative bad ratio, or -5 % KPI).
import type { Rng } from '../lib/rng.ts';
import { FAULT_KINDS, type FaultKind, type Scenario } from './scenario-schema.ts';
import type { Service, Topology } from './topology.ts';
import { inverseNormalCdf, normalCdf } from '../lib/stats.ts';

export type FaultScope =
  | { kind: 'all'; share: 1 }
  | { kind: 'region'; region: string; share: number }
  | { kind: 'tenant'; tenant: string; share: number };

export interface Fault {
  kind: FaultKind;
  /** Minutes after the new version first takes traffic until the fault shows. */
  onsetMinutes: number;
  /** Absolute error-rate increase at full effect (on the affected share of requests). */
  errorAdd: number;
  /** Latency multiplier at full effect. */
  latencyMult: number;
  /** Relative KPI drop at full effect. */
  kpiDrop: number;
  /** Memory leak: minutes from onset to full effect. */
  rampMinutes: number;
  /** Pool exhaustion: load factor (traffic / service mean) above which the pool runs dry. */
  poolThreshold: number;
  /** Contract break: error rate of callers' calls that reach the new version. */
  callerErrorRate: number;
  scope: FaultScope;
  severe: boolean;
  /** False for data corruption: rolling back does not repair the written data. */
  rollbackRestores: boolean;
}

export interface Effect {
  /** Share of the version's requests that the fault touches (region/tenant confinement). */
  share: number;
  errorAdd: number;
  latencyMult: number;
  kpiMult: number;
  /** Error-rate increase on callers' requests that call the new version. */
  callerErrorAdd: number;
  /** Extra memory saturation (0..1), for the saturation metric. */
  memory: number;
  /** Extra pool saturation (0..1). */
  pool: number;
}

export const NO_EFFECT: Effect = Object.freeze({ share: 1, errorAdd: 0, latencyMult: 1, kpiMult: 1, callerErrorAdd: 0, memory: 0, pool: 0 });

/** Intrinsic fault kinds; pool exhaustion arises only from latent pool bugs meeting high load. */
export const INTRINSIC_KINDS = FAULT_KINDS.filter((k) => k !== 'pool_exhaustion');

/** Bad-request ratio of a cohort from its error rate and slow share (a request is bad if it errs or is slow). */
export const badRatio = (errorRate: number, slowShare: number): number => errorRate + (1 - errorRate) * slowShare;

/** Share of requests slower than the objective when latency is multiplied by `mult`. */
export function slowShare(svc: Service, mult: number): number {
  if (mult === 1) return svc.baseSlowShare;
  const z = inverseNormalCdf(1 - svc.baseSlowShare);
  return 1 - normalCdf(z - Math.log(mult) / svc.latencySigma);
}

export const baseBadRatio = (svc: Service): number => badRatio(svc.baseErrorRate, svc.baseSlowShare);

/** Effect of a fault `age` minutes after the version started, at load factor `load`. */
export function faultEffect(f: Fault, age: number, load: number): Effect {
  if (age < f.onsetMinutes) return NO_EFFECT;
  const e: Effect = { ...NO_EFFECT, share: f.scope.share };
  switch (f.kind) {
    case 'error_step':
    case 'crash_loop':
      e.errorAdd = f.errorAdd;
      break;
    case 'latency_regression':
      e.latencyMult = f.latencyMult;
      break;
    case 'memory_leak': {
      const frac = Math.min(1, (age - f.onsetMinutes) / f.rampMinutes);
      e.memory = 0.6 * frac;
      // OOM kills start once memory is mostly used: errors and slowness grow super-linearly.
      e.errorAdd = f.errorAdd * frac * frac;
      e.latencyMult = 1 + (f.latencyMult - 1) * frac;
      break;
    }
    case 'pool_exhaustion': {
      const excess = load - f.poolThreshold;
      e.pool = Math.min(1, Math.max(0, load / f.poolThreshold));
      if (excess > 0) {
        e.errorAdd = Math.min(0.8, f.errorAdd + 0.25 * excess);
        e.latencyMult = f.latencyMult;
      }
      break;
    }
    case 'contract_break':
      e.callerErrorAdd = f.callerErrorRate;
      break;
    case 'kpi_drop':
      e.kpiMult = 1 - f.kpiDrop;
      break;
    case 'data_corruption':
      e.errorAdd = f.errorAdd;
      e.kpiMult = 1 - f.kpiDrop;
      break;
  }
  return e;
}

/**
 * Whether an effect is material on a service (docs/definitions.md#material-fault): the affected cohort's bad ratio rises by at
 * least 10 % relative, or its KPI falls by at least 5 %. For contract breaks the bad ratio is that of the
 * callers' requests reaching the new version, against the strongest caller's baseline.
 */
export function isMaterial(svc: Service, e: Effect, callerBase: number): boolean {
  const base = baseBadRatio(svc);
  const err = Math.min(1, svc.baseErrorRate + e.errorAdd);
  const bad = (1 - e.share) * base + e.share * badRatio(err, slowShare(svc, e.latencyMult));
  if (bad >= base * 1.1) return true;
  if (e.share * (1 - e.kpiMult) >= 0.05) return true;
  if (e.callerErrorAdd > 0 && callerBase > 0 && e.share * e.callerErrorAdd >= 0.1 * callerBase) return true;
  return false;
}

/** The strongest effect a fault reaches within `window` minutes at the given loads (for materiality). */
export function peakEffect(f: Fault, window: number, maxLoad: number): Effect {
  // Only a leak keeps growing after onset: it peaks when its ramp ends or the window does.
  const age = f.kind === 'memory_leak' ? Math.max(f.onsetMinutes, Math.min(window, f.onsetMinutes + f.rampMinutes)) : f.onsetMinutes;
  return faultEffect(f, age, maxLoad);
}

/** Lowest baseline bad ratio among the service's sync callers (0 if none). */
export function callerBaseline(topo: Topology, j: number): number {
  let best = 0;
  for (const di of topo.callersOf[j]) {
    const d = topo.dependencies[di];
    if (d.kind !== 'sync') continue;
    const b = baseBadRatio(topo.services[d.caller]);
    best = best === 0 ? b : Math.min(best, b);
  }
  return best;
}

/** Draw a material fault of an intrinsic kind for a change to `svc`. `window` = rollout + bake minutes. */
export function drawFault(s: Scenario, svc: Service, topo: Topology, rng: Rng, window: number, apiContractChange: boolean): Fault {
  const kinds = INTRINSIC_KINDS.filter((k) => k !== 'contract_break' || topo.callersOf[svc.id].length > 0);
  let kind = kinds[rng.weighted(kinds.map((k) => s.faults.mix[k]))];
  // A contract change that fails most often fails as a contract break.
  if (apiContractChange && topo.callersOf[svc.id].length > 0 && rng.bernoulli(0.6)) kind = 'contract_break';
  const severe = rng.bernoulli(s.faults.severeShare);
  const scope = drawScope(s, svc, rng);
  const base = baseBadRatio(svc);
  // Floors keep every intrinsic fault material even when confined to a small share of traffic.
  const minAdd = (0.2 * base) / scope.share;
  const f: Fault = {
    kind,
    onsetMinutes: 0,
    errorAdd: 0,
    latencyMult: 1,
    kpiDrop: 0,
    rampMinutes: 0,
    poolThreshold: Infinity,
    callerErrorRate: 0,
    scope,
    severe,
    rollbackRestores: kind !== 'data_corruption',
  };
  switch (kind) {
    case 'error_step':
      f.onsetMinutes = rng.uniform(0, severe ? 1 : 4);
      f.errorAdd = Math.max(minAdd, severe ? rng.uniform(0.05, 0.4) : rng.lognormal(0.008, 0.9));
      break;
    case 'crash_loop':
      f.onsetMinutes = rng.uniform(0, 3);
      f.errorAdd = Math.max(minAdd, (severe ? rng.uniform(0.5, 1) : rng.uniform(0.1, 0.5)) * 0.9);
      break;
    case 'latency_regression':
      f.onsetMinutes = rng.uniform(0, 5);
      f.latencyMult = severe ? rng.uniform(2.5, 6) : rng.uniform(1.25, 2.5);
      break;
    case 'memory_leak':
      f.onsetMinutes = rng.uniform(0, 10);
      f.rampMinutes = rng.uniform(15, Math.max(20, window - f.onsetMinutes));
      f.errorAdd = Math.max(minAdd * 2, rng.uniform(0.01, 0.15));
      f.latencyMult = rng.uniform(1.2, 2);
      break;
    case 'contract_break':
      f.onsetMinutes = 0;
      f.callerErrorRate = Math.max(minAdd, severe ? rng.uniform(0.3, 1) : rng.uniform(0.02, 0.3));
      break;
    case 'kpi_drop':
      f.onsetMinutes = rng.uniform(0, 5);
      f.kpiDrop = Math.min(1, Math.max(0.06 / scope.share, rng.uniform(0.06, 0.3)));
      break;
    case 'data_corruption':
      f.onsetMinutes = rng.uniform(0, 10);
      f.errorAdd = Math.max(minAdd, rng.uniform(0.001, 0.01));
      f.kpiDrop = rng.uniform(0.02, 0.1);
      break;
  }
  return f;
}

/** A latent pool bug: harmless below `threshold` x the service's mean load, errors above it. */
export function poolFault(svc: Service, threshold: number, rng: Rng): Fault {
  return {
    kind: 'pool_exhaustion',
    onsetMinutes: 0,
    errorAdd: Math.max(0.4 * baseBadRatio(svc), rng.uniform(0.01, 0.08)),
    latencyMult: rng.uniform(1.5, 3),
    kpiDrop: 0,
    rampMinutes: 0,
    poolThreshold: threshold,
    callerErrorRate: 0,
    scope: { kind: 'all', share: 1 },
    severe: false,
    rollbackRestores: true,
  };
}

/** A small regression below the materiality bar: a good judge passes it. */
export function immaterialFault(svc: Service, rng: Rng): Fault {
  return {
    kind: 'error_step',
    onsetMinutes: rng.uniform(0, 5),
    errorAdd: baseBadRatio(svc) * rng.uniform(0.01, 0.06),
    latencyMult: 1,
    kpiDrop: 0,
    rampMinutes: 0,
    poolThreshold: Infinity,
    callerErrorRate: 0,
    scope: { kind: 'all', share: 1 },
    severe: false,
    rollbackRestores: true,
  };
}

function drawScope(s: Scenario, svc: Service, rng: Rng): FaultScope {
  if (!rng.bernoulli(s.faults.confinedShare)) return { kind: 'all', share: 1 };
  // Confinement to a sliver of traffic (< 10 %) would make most faults immaterial; treat those as global.
  if (svc.regions.length > 1 && rng.bernoulli(0.5)) {
    const i = rng.int(0, svc.regions.length - 1);
    if (svc.regionShares[i] >= 0.1) return { kind: 'region', region: svc.regions[i], share: svc.regionShares[i] };
  }
  const i = rng.int(0, s.topology.tenants.length - 1);
  if (svc.tenantShares[i] >= 0.1) return { kind: 'tenant', tenant: s.topology.tenants[i], share: svc.tenantShares[i] };
  return { kind: 'all', share: 1 };
}
