// One simulated minute of a rollout: both cohorts of the deployed service (the traffic split, unrelated incidents,
// the change's fault, sampled metrics), the calls of its sync callers that reach each cohort, the trailing burn and
// KPI windows, the outcome's marks and breach check, the tenants the fault reached, and the observation of the minute.
//
// Randomness: minute `age` draws from `base.at(4 age + k)`, one stream each for the traffic split, the baseline, the
// canary and the callers (gaps and backend errors are drawn once per deployment, sim/env/episode.ts). So a minute's
// randomness depends only on the deployment, the seed and the minute, never on what a policy did before: two policies
// that expose the same weights see the same numbers, and the traffic and the fault (from the world) are identical for
// every policy. Recording draws nothing: the rows are built from what the minute already drew. The canary's breakdown
// by unit (progressive strategies) draws from a stream of its own, `units.at(age)`, after the canary is drawn.
//
// Steps shorter than a minute (an action's `tickSeconds`): the step simulates seconds [from, to) of minute `age`. Its
// requests are that part of the minute's (rounded so the parts add up to the minute), the fault's effect and the
// incidents are the minute's, and it draws from a stream of its own (`fine`, made on first use), indexed by the second,
// so whole minutes draw exactly as before. Its counts wait in the state's `partial` until the minute is complete, and
// only then join the trailing windows and the breach check: an SLO breach is judged on minutes, as always. The marks
// the step sets (onset, impact) carry the fraction of the minute; rows are recorded for whole-minute steps only.
import { type Effect, NO_EFFECT, faultEffect, badRatio, slowShare } from '../faults.ts';
import type { Incident, Cohort } from '../noise.ts';
import { sampleCohort, type CohortSample } from '../observe.ts';
import { Rng } from '../../lib/rng.ts';
import { userWeight } from '../strategy.ts';
import { COHORTS, toMetrics, type EnvWorld, type EnvState, type Observation, type ObservationRow, type RowSink } from './contract.ts';
import type { EpisodeCtx } from './episode.ts';
import { noteBreach } from './outcome.ts';
import { pushBurn, pushKpi } from './trailing.ts';
import { canaryByUnit } from './units.ts';
import { noteTenants } from './tenants.ts';

const SAMPLE_STREAMS = { split: 0, baseline: 1, canary: 2, callers: 3 } as const;
/** Streams per second index of the steps shorter than a minute: the four above, then the canary's breakdown by unit. */
const FINE_STREAMS = 5;

/** Part `[from, to)` seconds of a minute's `n` requests (the parts of a minute add up to `n`). */
const part = (n: number, from: number, to: number): number => (from === 0 && to === 60 ? n : Math.round((n * to) / 60) - Math.round((n * from) / 60));

type CallerCounts = Record<Cohort, { req: number; err: number }>;

/**
 * Simulate minute `st.age` at the current exposure; update the trailing windows and the outcome; return the
 * observation of the minute (metrics only when `observe`: the drain after a rollback is not observed), the fault's
 * bad requests and whether the minute breaches. The rows of an observed minute go to `onRows` when one is given.
 */
export function simulateMinute(world: EnvWorld, ctx: EpisodeCtx, st: EnvState, observe: boolean, onRows: RowSink | null, from = 0, to = 60): { observation: Observation; faultBad: number; breach: boolean } {
  const { scenario: s, topology: topo, traffic } = world;
  const { svc, plan, dep } = ctx;
  const age = st.age;
  const t = dep.start + age;
  const whole = from === 0 && to === 60;
  // Where this step's random numbers come from: the minute's streams, or (a step shorter than a minute) the second's.
  const fine = whole ? null : (ctx.fine ??= new Rng(ctx.seed, 'env-fine', dep.id));
  const draw = (k: number) => (fine ? fine.at((age * 60 + from) * FINE_STREAMS + k) : ctx.base.at(age * 4 + k));
  const mark = whole ? t : t + from / 60;
  const nMinute = traffic.requests[svc.id][t];
  const n = part(nMinute, from, to);
  const load = nMinute / Math.max(1e-9, traffic.meanRequests[svc.id]);
  const stage = plan.stages[st.stage];
  const mirrorShare = st.phase === 'rolled_back' ? 0 : stage.mirror;
  const w = userWeight(plan, st.exposure);
  if (w > st.maxWeight) st.maxWeight = w;
  const rSplit = draw(SAMPLE_STREAMS.split);
  const nCanary = w >= 1 ? n : w <= 0 ? 0 : rSplit.binomial(n, w);
  const nMirror = mirrorShare > 0 ? rSplit.binomial(n, mirrorShare) : 0;
  const raw: Effect = dep.fault ? faultEffect(dep.fault, age, load) : NO_EFFECT;
  const active = raw !== NO_EFFECT && (raw.errorAdd > 0 || raw.latencyMult !== 1 || raw.kpiMult !== 1 || raw.callerErrorAdd > 0);
  // Share of the new version's requests the fault touches: a region/tenant fault under a progressive rollout by
  // that dimension touches exactly the exposed traffic of its unit.
  let share = raw.share;
  const scope = dep.fault?.scope;
  const faultUnit = scope && scope.kind !== 'all' && scope.kind === plan.unitKind ? plan.units.indexOf(scope.kind === 'region' ? scope.region : scope.tenant) : -1;
  if (active && scope && scope.kind !== 'all' && scope.kind === plan.unitKind) {
    const u = faultUnit;
    share = w > 0 && u >= 0 ? (plan.unitShares[u] * st.exposure[u]) / w : 0;
  }
  const eff: Effect = share === raw.share ? raw : { ...raw, share };
  const exposedNow = nCanary + nMirror > 0 || w > 0 || mirrorShare > 0;
  if (active && exposedNow && st.outcome.onsetMinute === null && (share > 0 || mirrorShare > 0)) st.outcome.onsetMinute = mark;
  // Data corruption is not repaired by a rollback: the data the new version wrote keeps failing requests.
  const linger = dep.fault && !dep.fault.rollbackRestores && st.phase === 'rolled_back' && active ? st.maxWeight : 0;

  let bad = 0;
  let badNoFault = 0;
  let kpiExp = 0;
  let kpiBase = 0;
  let faultBad = 0;
  const reqBy: Record<Cohort, number> = { baseline: n - nCanary, canary: nCanary + nMirror };
  const userReqBy: Record<Cohort, number> = { baseline: n - nCanary, canary: nCanary };
  const samples: Record<Cohort, CohortSample | null> = { baseline: null, canary: null };
  let canaryInc = NO_INC;
  for (const cohort of COHORTS) {
    const req = reqBy[cohort];
    const inc = incidentsAt(ctx.near.get(svc.id)!, cohort, t);
    if (cohort === 'canary') canaryInc = inc;
    const e = cohort === 'canary' ? eff : linger > 0 ? { ...eff, share: eff.share * linger, latencyMult: 1 } : NO_EFFECT;
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
    }, draw(SAMPLE_STREAMS[cohort]));
    samples[cohort] = sample;
    if (cohort === 'canary' && nMirror > 0) continue; // mirrored requests never reach users
    bad += sample.errors + sample.slow;
    badNoFault += sample.badNoFault;
    const uReq = userReqBy[cohort];
    kpiExp += uReq * svc.conversionRate * (1 - e.share * (1 - e.kpiMult));
    kpiBase += uReq * svc.conversionRate;
  }
  faultBad += bad - badNoFault;

  // Callers of a broken contract fail on the calls that reach the new version (mirrored calls never return).
  const rCall = draw(SAMPLE_STREAMS.callers);
  const callerRows: CallerCounts = { baseline: { req: 0, err: 0 }, canary: { req: 0, err: 0 } };
  let canaryCallerBase = 0;
  const ratios = ctx.ratios;
  const partial = whole ? null : (st.partial ??= { burn: ctx.watched.map((): [number, number, number] => [0, 0, 0]), kpi: [0, 0] });
  // A whole minute joins the trailing window at once; a part of one waits for the rest of its minute.
  const burn = (k: number, b: number, b0: number, total: number) => {
    if (!partial) pushBurn(st.burn[k], b, b0, total, ratios[k]);
    else {
      const acc = partial.burn[k];
      acc[0] += b;
      acc[1] += b0;
      acc[2] += total;
    }
  };
  burn(0, bad, badNoFault, n);
  for (let k = 0; k < ctx.callers.length; k++) {
    const d = ctx.callers[k];
    const c = topo.services[d.caller];
    const nc = part(traffic.requests[c.id][t], from, to);
    let cBad = 0;
    let cBadNoFault = 0;
    let reached = 0;
    for (const cohort of COHORTS) {
      const reach = Math.min(1, d.callsPerRequest) * (n > 0 ? userReqBy[cohort] / n : 0);
      const req = Math.round(nc * reach);
      const inc = incidentsAt(ctx.near.get(c.id)!, cohort, t);
      const base = badRatio(Math.min(1, c.baseErrorRate + inc.errorAdd), slowShare(c, inc.latencyMult));
      const extra = cohort === 'canary' ? eff.share * eff.callerErrorAdd : 0;
      const b0 = rCall.binomial(req, base);
      const b1 = extra > 0 ? b0 + rCall.binomial(req - b0, Math.min(1, extra)) : b0;
      callerRows[cohort].req += req;
      callerRows[cohort].err += b1;
      if (cohort === 'canary') canaryCallerBase += req * base;
      reached += req;
      cBad += b1;
      cBadNoFault += b0;
    }
    const rest = Math.max(0, nc - reached);
    const restBad = rCall.binomial(Math.round(rest), badRatio(c.baseErrorRate, c.baseSlowShare));
    faultBad += cBad - cBadNoFault;
    burn(k + 1, cBad + restBad, cBadNoFault + restBad, nc);
  }
  st.outcome.faultBadRequests += faultBad;
  // Who the fault reached this minute (sim/env/tenants.ts): its users on the new version, or after a full rollback
  // the lingering data corruption on the old one. Draws nothing.
  const reachesUsers = active && w > 0 && share > 0;
  noteTenants(ctx, st, { requests: n, weight: w, reach: reachesUsers ? 'users' : linger > 0 && eff.share > 0 ? 'linger' : 'none', faultBad, minutes: (to - from) / 60 });

  const guard = s.slo.kpiGuardrail;
  let breach = false;
  if (partial) {
    partial.kpi[0] += kpiBase - kpiExp;
    partial.kpi[1] += kpiBase;
  }
  if (!partial || to === 60) {
    // The minute is complete: it joins the trailing windows (its parts added up) and is checked for a breach.
    if (partial) {
      partial.burn.forEach(([b, b0, total], k) => pushBurn(st.burn[k], b, b0, total, ratios[k]));
      st.partial = null;
    }
    const kpiHit = guard !== null && (partial ? pushKpi(st.kpi, partial.kpi[0], partial.kpi[1]) : pushKpi(st.kpi, kpiBase - kpiExp, kpiBase)) >= guard.drop;
    breach = noteBreach(st.outcome, t, ratios, ctx.threshold, kpiHit, ctx.watched);
  }
  // Recovered once the fault has shown and no user traffic reaches its affected part of the new version.
  if (reachesUsers && st.outcome.impactMinute === null) st.outcome.impactMinute = mark;

  const down = ctx.providerDown[age] === 1;
  if (observe && onRows && whole) {
    const weights: Record<Cohort, number> = { baseline: 1 - w, canary: nMirror > 0 ? mirrorShare : w };
    onRows(COHORTS.map((cohort) => minuteRow(ctx, samples[cohort]!, t, age, cohort, weights[cohort], callerRows, down)));
  }
  const canaryObserved = observe && !down && ctx.gaps.canary[age] === 0;
  // Progressive strategies: the canary broken down by unit, from its own stream (sim/env/units.ts).
  const canaryUnits =
    canaryObserved && plan.unitKind !== 'all'
      ? canaryByUnit(svc, plan, st.exposure, samples.canary!, { errorRateNoFault: svc.baseErrorRate + canaryInc.errorAdd, incidentLatencyMult: canaryInc.latencyMult, effect: eff, faultUnit: active ? faultUnit : -1, callerRequests: callerRows.canary.req, callerErrors: callerRows.canary.err, callerBaseErrors: canaryCallerBase }, fine ? draw(4) : ctx.units.at(age))
      : null;
  const observation: Observation = {
    deploymentId: dep.id,
    age,
    minute: t,
    phase: st.phase,
    stage: st.stage,
    stages: plan.stages.length,
    weight: w,
    mirror: mirrorShare,
    exposure: [...st.exposure],
    units: plan.units,
    timeAtStage: st.timeAtStage,
    providerError: down,
    baseline: observe && !down && ctx.gaps.baseline[age] === 0 ? toMetrics(samples.baseline!, callerRows.baseline.req, callerRows.baseline.err) : null,
    canary: canaryObserved ? toMetrics(samples.canary!, callerRows.canary.req, callerRows.canary.err) : null,
  };
  if (canaryUnits) observation.canaryUnits = canaryUnits;
  if (!whole) observation.tickSeconds = to - from;
  return { observation, faultBad, breach };
}

/** A cohort's row of the minute: the sample with its truth, whether it was scraped, and the incidents active on it. */
function minuteRow(ctx: EpisodeCtx, x: CohortSample, t: number, age: number, cohort: Cohort, weight: number, callers: CallerCounts, down: boolean): ObservationRow {
  // The sample's fields one by one rather than `...x`: the same keys in the same order (sampleCohort's), and a
  // literal V8 builds in one step, where a spread copied them one at a time (a large world makes a million rows).
  return {
    requests: x.requests,
    errors: x.errors,
    slow: x.slow,
    badNoFault: x.badNoFault,
    latencyP50: x.latencyP50,
    latencyP95: x.latencyP95,
    latencyP99: x.latencyP99,
    cpu: x.cpu,
    memory: x.memory,
    pool: x.pool,
    conversions: x.conversions,
    minute: t,
    age,
    cohort,
    weight,
    callerRequests: callers[cohort].req,
    callerErrors: callers[cohort].err,
    scraped: ctx.gaps[cohort][age] === 0 && !down,
    providerError: down,
    incidents: activeIncidents(ctx.near.get(ctx.svc.id)!, cohort, t),
  };
}

const NO_INC = { errorAdd: 0, latencyMult: 1 };
const NONE: string[] = [];

/** Incidents' degradation of a service's cohort at minute t (`list` sorted by start). */
function incidentsAt(list: readonly Incident[], cohort: Cohort, t: number): { errorAdd: number; latencyMult: number } {
  if (list.length === 0) return NO_INC;
  let errorAdd = 0;
  let latencyMult = 1;
  for (const inc of list) {
    if (inc.start > t) break;
    if (t >= inc.end || (inc.cohorts !== 'both' && inc.cohorts !== cohort)) continue;
    errorAdd += inc.errorAdd;
    latencyMult *= inc.latencyMult;
  }
  if (errorAdd === 0 && latencyMult === 1) return NO_INC;
  return { errorAdd, latencyMult };
}

/** Ids of the incidents active on a service's cohort at minute t (the same incidents `incidentsAt` adds up). */
function activeIncidents(list: readonly Incident[], cohort: Cohort, t: number): string[] {
  let active: string[] | null = null;
  for (const inc of list) {
    if (inc.start > t) break;
    if (t >= inc.end || (inc.cohorts !== 'both' && inc.cohorts !== cohort)) continue;
    (active ??= []).push(inc.id);
  }
  return active ?? NONE;
}
