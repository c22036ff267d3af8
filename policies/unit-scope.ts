// Where a bad canary lives, for a progressive rollout (one region or tenant at a time): once a policy has decided to
// roll back, may it take back one unit and keep the healthy ones? Only when the evidence is confined to that unit:
//
//   1. the unit is significantly worse than the baseline (exact conditional binomial test, p <= UNIT_BAD_P, on bad
//      requests, errors, callers' errors or, below it, conversions), and
//   2. it is significantly worse than the other exposed units pooled (p <= UNIT_BAD_P on the same metrics: a fault the
//      whole new version carries shows in every unit alike, so this tells a confined fault from a global one), and
//   3. every other exposed unit, and the others pooled, are consistent with the baseline: none of those tests (four
//      metrics each) reaches p <= UNIT_CLEAN_FAMILY_P / their number (Bonferroni: 5 % for all of them together).
//
// Anything else — one exposed unit only, a minute without the breakdown, a unit with no requests in the window, two
// bad units, too little traffic to tell the unit from the rest — is a whole rollback: a partial rollback never rests
// on missing evidence. The test reads the canary's breakdown by unit (sim/env.ts `Observation.canaryUnits`) over the
// last UNIT_WINDOW_MIN observed minutes, against the baseline of the same minutes (after promotion, when no baseline
// serves users, against the baseline's last UNIT_WINDOW_MIN minutes before it), each comparison over the minutes both
// of its sides were observed. Pure: the same observations give the same answer.
import type { CohortMetrics, Observation } from '../sim/env.ts';
import { binomialUpperLogP, type Sums } from '../training/predictive-rollback/features.ts';

/** Observed minutes the unit test reads. */
export const UNIT_WINDOW_MIN = 10;
/** A unit is worse than the baseline, and than the other exposed units, at this p-value or below. */
export const UNIT_BAD_P = 1e-4;
/** The other exposed units are consistent with the baseline when none of their tests reaches this family-wise level. */
export const UNIT_CLEAN_FAMILY_P = 0.05;
/** Metrics each comparison tests (bad requests, errors, callers' errors, conversions). */
const METRICS = 4;

const zero = (): Sums => ({ req: 0, bad: 0, err: 0, conv: 0, callerReq: 0, callerErr: 0 });

function add(s: Sums, m: CohortMetrics | Sums): void {
  if ('requests' in m) {
    s.req += m.requests;
    s.bad += m.errors + m.slow;
    s.err += m.errors;
    s.conv += m.conversions;
    s.callerReq += m.callerRequests;
    s.callerErr += m.callerErrors;
  } else {
    s.req += m.req;
    s.bad += m.bad;
    s.err += m.err;
    s.conv += m.conv;
    s.callerReq += m.callerReq;
    s.callerErr += m.callerErr;
  }
}

/**
 * The strongest evidence that `a` runs worse than `b`: the smallest ln p-value of the conditional tests (given both
 * cohorts' events, `a`'s share of them is Binomial(total, a's exposure share) when both run at one rate) for bad
 * requests, errors and callers' errors above `b`'s rate, and conversions below it. ln p = 0 when nothing is testable.
 */
export function worseThan(a: Sums, b: Sums): { logP: number; metric: string } {
  let best = { logP: 0, metric: '' };
  const upper = (metric: string, ka: number, na: number, kb: number, nb: number) => {
    if (na <= 0 || nb <= 0 || ka <= 0 || ka / na <= kb / nb) return;
    const lp = binomialUpperLogP(ka, ka + kb, na / (na + nb));
    if (lp < best.logP) best = { logP: lp, metric };
  };
  upper('bad requests', a.bad, a.req, b.bad, b.req);
  upper('errors', a.err, a.req, b.err, b.req);
  upper("callers' errors", a.callerErr, a.callerReq, b.callerErr, b.callerReq);
  // Conversions below b's rate: b's share of all conversions is then above its exposure share.
  if (a.req > 0 && b.req > 0 && b.conv > 0 && a.conv / a.req < b.conv / b.req) {
    const lp = binomialUpperLogP(b.conv, a.conv + b.conv, b.req / (a.req + b.req));
    if (lp < best.logP) best = { logP: lp, metric: 'conversions (fewer)' };
  }
  return best;
}

/** The unit to roll back alone (its index) with why, or null (roll back everything) with why not. */
export type UnitScope = { unit: number; reasons: string[] } | { unit: null; reasons: string[] };

interface Minute {
  /** The canary's breakdown by unit in this minute, or null when the observation had none. */
  units: (CohortMetrics | null)[] | null;
  /** The baseline's metrics while it served users, else null. */
  baseline: CohortMetrics | null;
}

const p = (logP: number) => Math.exp(logP).toExponential(1);

/** The evidence by unit of one rollout, folded in minute by minute. */
export class UnitEvidence {
  private readonly window: Minute[] = [];
  /** The baseline's last UNIT_WINDOW_MIN minutes that served users (the reference once it no longer does). */
  private readonly baselines: CohortMetrics[] = [];
  private last: Observation | null = null;

  constructor(readonly units: readonly string[]) {}

  /** Fold in one observation (the metrics of minute `obs.age - 1`; the observation at reset carries none). */
  push(obs: Observation): void {
    this.last = obs;
    if (obs.age === 0) return;
    const baseline = obs.weight < 1 && obs.baseline && obs.baseline.requests > 0 ? obs.baseline : null;
    this.window.push({ units: obs.canaryUnits && obs.canaryUnits.length === this.units.length ? obs.canaryUnits : null, baseline });
    if (this.window.length > UNIT_WINDOW_MIN) this.window.shift();
    if (baseline) {
      this.baselines.push(baseline);
      if (this.baselines.length > UNIT_WINDOW_MIN) this.baselines.shift();
    }
  }

  /** Whether the evidence of the last minutes is confined to one of the `exposed` units (see the file's head). */
  scope(exposed: readonly boolean[]): UnitScope {
    const whole = (why: string): UnitScope => ({ unit: null, reasons: [why] });
    const obs = this.last;
    if (!obs || !obs.canaryUnits) return whole('no breakdown of the canary by unit in this minute: rolling back everything');
    const idx = exposed.map((x, u) => (x ? u : -1)).filter((u) => u >= 0);
    if (idx.length < 2) return whole(`only ${idx.map((u) => this.units[u]).join('') || 'no unit'} exposed: nothing to tell a confined fault from a global one`);
    // Every comparison runs over the same minutes on both sides: a unit that went out later has seen only the later
    // minutes, and a fault that starts or grows during the window would otherwise look confined to it.
    const over = (when: (m: Minute) => boolean, set: readonly number[]): { s: Sums; base: Sums } => {
      const s = zero();
      const base = zero();
      for (const m of this.window) {
        if (!m.units || !when(m)) continue;
        for (const v of set) if (m.units[v]) add(s, m.units[v]!);
        if (m.baseline) add(base, m.baseline);
      }
      // After promotion no baseline serves users: the baseline's last minutes before it are the reference.
      if (base.req <= 0) for (const b of this.baselines) add(base, b);
      return { s, base };
    };
    const has = (u: number) => (m: Minute) => m.units![u] !== null;
    const alone = idx.map((u) => over(has(u), [u]));
    for (let i = 0; i < idx.length; i++) if (alone[i].s.req <= 0) return whole(`no requests from ${this.units[idx[i]]} in the canary's breakdown of the last ${UNIT_WINDOW_MIN} min: rolling back everything`);
    if (alone.some((a) => a.base.req <= 0)) return whole('no baseline to compare the units with: rolling back everything');
    const vsBase = alone.map((a) => worseThan(a.s, a.base));
    // The unit against the other units on the new version in the minutes the unit was out.
    const vsRest = idx.map((u, i) => worseThan(alone[i].s, over(has(u), idx.filter((v) => v !== u)).s));
    const bad = Math.log(UNIT_BAD_P);
    const found = idx.filter((_, i) => vsBase[i].logP <= bad && vsRest[i].logP <= bad);
    if (found.length === 0) {
      const worst = idx.reduce((a, _u, i) => (vsBase[i].logP < vsBase[a].logP ? i : a), 0);
      return whole(`no exposed unit is worse than both the baseline and the other units at p <= ${UNIT_BAD_P} (closest: ${this.units[idx[worst]]}, ${vsBase[worst].metric || 'nothing'} p = ${p(vsBase[worst].logP)} against the baseline, p = ${p(vsRest[worst].logP)} against the others): rolling back everything`);
    }
    if (found.length > 1) return whole(`${found.map((u) => this.units[u]).join(' and ')} are all worse than the baseline: rolling back everything`);
    const u = found[0];
    const i = idx.indexOf(u);
    const others = idx.filter((v) => v !== u);
    const cleanP = UNIT_CLEAN_FAMILY_P / (METRICS * (others.length + 1));
    const clean = Math.log(cleanP);
    for (const v of others) {
      const t = vsBase[idx.indexOf(v)];
      if (t.logP <= clean) return whole(`${this.units[u]} is the worst, but ${this.units[v]} is worse than the baseline too (${t.metric} p = ${p(t.logP)}): rolling back everything`);
    }
    const rest = over((m) => others.some((v) => m.units![v] !== null), others);
    const pooled = worseThan(rest.s, rest.base);
    if (pooled.logP <= clean) return whole(`${this.units[u]} is the worst, but the other exposed units together are worse than the baseline too (${pooled.metric} p = ${p(pooled.logP)}): rolling back everything`);
    const name = this.units[u];
    return {
      unit: u,
      reasons: [
        `the evidence is confined to ${name}: its ${vsBase[i].metric} p = ${p(vsBase[i].logP)} against the baseline and its ${vsRest[i].metric} p = ${p(vsRest[i].logP)} against the other exposed units (${others.map((v) => this.units[v]).join(', ')}), which are consistent with the baseline (no metric at p <= ${cleanP.toPrecision(2)}) — rolling back ${name} only`,
      ],
    };
  }
}
