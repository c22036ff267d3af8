// The unguarded counterfactual of a deployment: the default canary schedule runs to 100 % and through the
// bake period with every rollback ignored. It yields the per-cohort observations of every minute and the
// ground truth that every evaluation uses: the first SLO breach (DESIGN.md §5), its cause and the bad
// requests the faulty version served.
import type { Rng } from './rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Topology } from './topology.ts';
import type { Traffic } from './traffic.ts';
import { type Fault, type Effect, NO_EFFECT, faultEffect, badRatio, slowShare } from './faults.ts';
import { type Incident, type Cohort, incidentEffect } from './noise.ts';
import { sampleCohort, type CohortSample } from './observe.ts';

export const COHORTS = ['baseline', 'canary'] as const;

/** Canary weight (0..1) `age` minutes into a rollout with the given steps (percent). */
export function canaryWeight(rollout: Scenario['rollout'], age: number): number {
  const k = Math.floor(age / rollout.stepMinutes);
  return k < rollout.steps.length - 1 ? rollout.steps[k] / 100 : 1;
}

/** Minutes from the first step to the end of the bake period. */
export const rolloutWindow = (rollout: Scenario['rollout']): number => (rollout.steps.length - 1) * rollout.stepMinutes + rollout.bakeMinutes;

export interface ObservationRow extends CohortSample {
  minute: number;
  age: number;
  cohort: Cohort;
  weight: number;
  /** Requests of sync callers that reached this cohort, and how many of them failed. */
  callerRequests: number;
  callerErrors: number;
  /** False when the scrape failed: the metric values are then missing. */
  scraped: boolean;
  /** Unrelated incidents active on this cohort. */
  incidents: string[];
}

export interface UnguardedOutcome {
  breachMinute: number | null;
  breachService: number | null;
  breachKind: 'slo' | 'kpi' | null;
  /** 'fault' if the same run without the change's fault does not breach by then, else 'noise'. */
  breachCause: 'fault' | 'noise' | null;
  /** Bad requests attributable to the fault, on the service and on callers (contract breaks). */
  faultBadRequests: number;
  /** Largest trailing-window bad ratio seen, across the service and its callers. */
  peakBadRatio: number;
  rows: ObservationRow[];
}

export interface UnguardedInput {
  service: number;
  start: number;
  fault: Fault | null;
}

/** Ratio of two per-minute sums over a trailing window (bad / total requests, lost / expected KPI); 0 if empty. */
class TrailingRatio {
  private part: number[] = [];
  private total: number[] = [];
  constructor(private readonly width: number) {}
  push(part: number, total: number): number {
    this.part.push(part);
    this.total.push(total);
    if (this.part.length > this.width) {
      this.part.shift();
      this.total.shift();
    }
    const t = this.total.reduce((a, b) => a + b, 0);
    return t > 0 ? this.part.reduce((a, b) => a + b, 0) / t : 0;
  }
}

/** Run a deployment's unguarded counterfactual. `rng` must be the deployment's own stream. */
export function runUnguarded(s: Scenario, topo: Topology, traffic: Traffic, incidents: readonly Incident[], dep: UnguardedInput, rng: Rng): UnguardedOutcome {
  const svc = topo.services[dep.service];
  const window = rolloutWindow(s.rollout);
  const threshold = s.slo.burnRate * (1 - s.slo.objective);
  const T = traffic.requests[0].length;
  const callers = topo.callersOf[svc.id].map((di) => topo.dependencies[di]).filter((d) => d.kind === 'sync');
  const burn = [svc.id, ...callers.map((d) => d.caller)].map(() => ({ withFault: new TrailingRatio(s.slo.windowMinutes), noFault: new TrailingRatio(s.slo.windowMinutes) }));
  const kpiGuard = s.slo.kpiGuardrail;
  const kpiLoss = kpiGuard ? new TrailingRatio(kpiGuard.windowMinutes) : null;
  const gaps = { baseline: 0, canary: 0 };
  const gapStart = s.observability.scrapeGapRate / s.observability.gapBurstMinutes;
  const out: UnguardedOutcome = { breachMinute: null, breachService: null, breachKind: null, breachCause: null, faultBadRequests: 0, peakBadRatio: 0, rows: [] };
  let noFaultBreached = false;
  // Only incidents that overlap this window matter: filter once, not every minute.
  const overlapping = incidents.filter((i) => i.end > dep.start && i.start < dep.start + window);
  const near = new Map<number, Incident[]>();
  for (const id of [svc.id, ...callers.map((d) => d.caller)]) near.set(id, overlapping.filter((i) => i.affected.includes(id)));

  for (let age = 0; age < window && dep.start + age < T; age++) {
    const t = dep.start + age;
    const n = traffic.requests[svc.id][t];
    const load = n / Math.max(1e-9, traffic.meanRequests[svc.id]);
    const w = canaryWeight(s.rollout, age);
    const nCanary = w >= 1 ? n : rng.binomial(n, w);
    const eff: Effect = dep.fault ? faultEffect(dep.fault, age, load) : NO_EFFECT;
    let bad = 0;
    let badNoFault = 0;
    let kpiExp = 0;
    let kpiBase = 0;
    const callerShareByCohort = { baseline: 0, canary: 0 };
    for (const cohort of COHORTS) {
      const req = cohort === 'canary' ? nCanary : n - nCanary;
      const inc = incidentEffect(near.get(svc.id)!, svc.id, cohort, t);
      const isNew = cohort === 'canary';
      const e = isNew ? eff : NO_EFFECT;
      const sample = sampleCohort(svc, req, {
        errorRate: Math.min(1, svc.baseErrorRate + inc.errorAdd + e.share * e.errorAdd),
        errorRateNoFault: Math.min(1, svc.baseErrorRate + inc.errorAdd),
        latencyMult: inc.latencyMult * e.latencyMult,
        latencyMultNoFault: inc.latencyMult,
        affectedShare: e.latencyMult !== 1 ? e.share : 1,
        kpiMult: 1 - e.share * (1 - e.kpiMult),
        load,
        memoryExtra: e.memory,
        poolExtra: e.pool,
      }, rng);
      bad += sample.errors + sample.slow;
      badNoFault += sample.badNoFault;
      kpiExp += req * svc.conversionRate * (1 - e.share * (1 - e.kpiMult));
      kpiBase += req * svc.conversionRate;
      callerShareByCohort[cohort] = n > 0 ? req / n : 0;
      // Scrape gaps come in bursts: a gap starts at a rate that makes the missing share ≈ scrapeGapRate.
      if (gaps[cohort] > 0) gaps[cohort]--;
      else if (rng.bernoulli(gapStart)) gaps[cohort] = Math.max(1, Math.round(rng.exponential(s.observability.gapBurstMinutes)));
      out.rows.push({ ...sample, minute: t, age, cohort, weight: isNew ? w : 1 - w, callerRequests: 0, callerErrors: 0, scraped: gaps[cohort] === 0, incidents: inc.active });
    }
    out.faultBadRequests += bad - badNoFault;
    const rowsNow = out.rows.slice(-2);
    const ratios: [number, number][] = [[burn[0].withFault.push(bad, n), burn[0].noFault.push(badNoFault, n)]];

    // Callers of a broken contract fail on the calls that reach the new version.
    callers.forEach((d, k) => {
      const c = topo.services[d.caller];
      const nc = traffic.requests[c.id][t];
      let cBad = 0;
      let cBadNoFault = 0;
      COHORTS.forEach((cohort, ci) => {
        const reach = Math.min(1, d.callsPerRequest) * callerShareByCohort[cohort];
        const req = Math.round(nc * reach);
        const inc = incidentEffect(near.get(c.id)!, c.id, cohort, t);
        const base = badRatio(Math.min(1, c.baseErrorRate + inc.errorAdd), slowShare(c, inc.latencyMult));
        const extra = cohort === 'canary' ? eff.share * eff.callerErrorAdd : 0;
        const b0 = rng.binomial(req, base);
        const b1 = b0 + rng.binomial(req - b0, Math.min(1, extra));
        rowsNow[ci].callerRequests += req;
        rowsNow[ci].callerErrors += b1;
        cBad += b1;
        cBadNoFault += b0;
      });
      // The rest of the caller's traffic does not touch this service.
      const rest = Math.max(0, nc - rowsNow[0].callerRequests - rowsNow[1].callerRequests);
      const restBad = rng.binomial(Math.round(rest), badRatio(c.baseErrorRate, c.baseSlowShare));
      out.faultBadRequests += cBad - cBadNoFault;
      ratios.push([burn[k + 1].withFault.push(cBad + restBad, nc), burn[k + 1].noFault.push(cBadNoFault + restBad, nc)]);
    });

    for (const [r, r0] of ratios) {
      out.peakBadRatio = Math.max(out.peakBadRatio, r);
      if (r0 >= threshold) noFaultBreached = true;
    }
    if (out.breachMinute === null) {
      const hit = ratios.findIndex(([r]) => r >= threshold);
      // Relative KPI loss over the guardrail's window: expected conversions lost / conversions of a healthy version.
      const kpiHit = !!kpiGuard && !!kpiLoss && kpiLoss.push(kpiBase - kpiExp, kpiBase) >= kpiGuard.drop;
      if (hit >= 0 || kpiHit) {
        out.breachMinute = t;
        out.breachService = hit >= 0 ? (hit === 0 ? svc.id : callers[hit - 1].caller) : svc.id;
        out.breachKind = hit >= 0 ? 'slo' : 'kpi';
        // The KPI guardrail compares expected conversions, so a KPI breach is always the fault's.
        out.breachCause = hit >= 0 && noFaultBreached ? 'noise' : 'fault';
      }
    }
  }
  return out;
}
