// An episode's outcome (docs/definitions.md), computed from the truth: the record a run starts from, and how one
// minute's trailing bad ratios and the KPI guardrail become a breach, attributed to the change's fault or to noise
// by the no-fault twin of the same draws. The other marks (onset, impact, rollback, recovery, promotion, how the
// episode ended) are set where they happen: the minute, the actions and the step.
import type { EpisodeOutcome } from './contract.ts';

/** The outcome of an episode that has not run a minute yet. */
export function newOutcome(promotedMinute: number | null): EpisodeOutcome {
  return {
    endedBy: 'truncated',
    breachMinute: null,
    breachService: null,
    breachKind: null,
    breachCause: null,
    faultBreachMinute: null,
    faultBreachService: null,
    faultBreachKind: null,
    faultBadRequests: 0,
    peakBadRatio: 0,
    onsetMinute: null,
    rollbackMinute: null,
    fullRollbackMinute: null,
    impactMinute: null,
    recoveredMinute: null,
    promotedMinute,
    ticks: 0,
    minutes: 0,
    maxWeight: 0,
    tenantsImpacted: 0,
    customerMinutesExposed: 0,
  };
}

/**
 * Breach check of minute `t` (docs/definitions.md#slo-breach): `ratios` holds the trailing [bad ratio, bad ratio
 * without the fault] of each watched service (`watched`: the deployed service, then its sync callers), `kpiHit` whether
 * the KPI guardrail tripped. Updates the peak bad ratio and the first breach marks; returns whether the minute breaches.
 */
export function noteBreach(o: EpisodeOutcome, t: number, ratios: readonly [number, number][], threshold: number, kpiHit: boolean, watched: readonly number[]): boolean {
  let anyAt = -1;
  let faultAt = -1;
  for (let k = 0; k < ratios.length; k++) {
    const [rt, r0] = ratios[k];
    if (rt > o.peakBadRatio) o.peakBadRatio = rt;
    if (rt >= threshold) {
      if (anyAt < 0) anyAt = k;
      if (r0 < threshold && faultAt < 0) faultAt = k;
    }
  }
  if (anyAt < 0 && !kpiHit) return false;
  if (o.breachMinute === null) {
    o.breachMinute = t;
    o.breachService = anyAt > 0 ? watched[anyAt] : watched[0];
    o.breachKind = anyAt >= 0 ? 'slo' : 'kpi';
    // The KPI guardrail compares expected conversions, so a KPI breach is always the fault's.
    o.breachCause = faultAt >= 0 || (anyAt < 0 && kpiHit) ? 'fault' : 'noise';
  }
  if (o.faultBreachMinute === null && (faultAt >= 0 || kpiHit)) {
    o.faultBreachMinute = t;
    o.faultBreachService = faultAt > 0 ? watched[faultAt] : watched[0];
    o.faultBreachKind = faultAt >= 0 ? 'slo' : 'kpi';
  }
  return true;
}
