// Deployment-window recommendation: for a change on a service, ready at t0, rank the start times within a horizon by
// expected incident cost (DESIGN.md §5 "timing quality"):
//
//   cost(t) = P̂(failure | change, t) × requests forecast over the rollout window from t × typical bad ratio × (2 − on-call cover(t))
//
// P̂ comes from the risk model with the time-dependent features set for t (hour, weekend, on-call cover, hours since
// the service's last deploy, load now and the peak-load forecast), the requests from the traffic forecaster, the
// cover and the freezes from the calendar. A start whose rollout window touches a freeze is never offered.
import type { World, Deployment } from '../../sim/world.ts';
import { expectedIncidentCost } from '../../sim/world.ts';
import { onCallCover } from '../../sim/calendar.ts';
import { rolloutWindow } from '../../sim/unguarded.ts';
import { TIERS } from '../../sim/scenario-schema.ts';
import type { GamModel, Columns, Reason } from '../gam.ts';
import type { Forecaster } from '../forecast/forecaster.ts';

export interface WindowOptions {
  /** Hours after t0 within which the change must start (default 72). */
  horizonHours: number;
  /** Spacing of candidate starts in minutes (default 15). */
  stepMinutes: number;
  /** How many ranked windows to return (default 5). */
  top: number;
}

export const WINDOW_DEFAULTS: WindowOptions = { horizonHours: 72, stepMinutes: 15, top: 5 };

export interface WindowCandidate {
  /** Absolute minute of the start. */
  start: number;
  expectedCost: number;
  risk: number;
  forecastRequests: number;
  onCallCover: number;
  frozen: boolean;
  /** Main reasons of the risk at this time (largest first). */
  reasons: Reason[];
  explanation: string;
}

export interface Recommendation {
  deploymentId: string;
  readyAt: number;
  /** Best first; frozen starts are never in this list. */
  ranked: WindowCandidate[];
  /** Deploying when ready (the first unfrozen start), for comparison. */
  whenReady: WindowCandidate;
  candidates: number;
  frozenCandidates: number;
}

/** Starts t0, t0+step, … within the horizon whose rollout window fits the world. */
export function candidateStarts(world: World, t0: number, o: WindowOptions): number[] {
  const w = rolloutWindow(world.scenario.rollout);
  const out: number[] = [];
  for (let t = t0; t <= t0 + o.horizonHours * 60 && t + w <= world.calendar.minutes; t += o.stepMinutes) out.push(t);
  return out;
}

/** Whether a rollout starting at t overlaps a freeze (its start or any minute of its window). */
export function touchesFreeze(world: World, t: number): boolean {
  const w = rolloutWindow(world.scenario.rollout);
  return world.calendar.freezes.some((f) => t < f.end && t + w > f.start);
}

const SCHEMA_LEVELS = ['none', 'reversible', 'irreversible'];

const changeIndex = new WeakMap<World, Map<string, World['changes'][number]>>();
/** The change a deployment ships (an index per world, built once: callers look it up per candidate start). */
export function changeOf(world: World, dep: Deployment): World['changes'][number] {
  let m = changeIndex.get(world);
  if (!m) changeIndex.set(world, (m = new Map(world.changes.map((c) => [c.id, c]))));
  return m.get(dep.changeId)!;
}

/**
 * The risk model's feature columns for deploying `dep`'s change at each of `starts` (same meaning as
 * training/risk/sim.ts; the load now comes from the forecast since it lies in the future).
 */
export function candidateColumns(world: World, dep: Deployment, starts: number[], forecastAt: (t: number) => number): Columns {
  const svc = world.topology.services[dep.service];
  const change = changeOf(world, dep);
  const f = change.features;
  const mean = Math.max(1e-9, world.traffic.meanRequests[svc.id]);
  const series = world.traffic.requests[svc.id];
  const w = rolloutWindow(world.scenario.rollout);
  const callers = world.topology.callersOf[svc.id].length;
  const callees = world.topology.calleesOf[svc.id].length;
  const lastEnd = dep.start - dep.history.hoursSinceLastDeploy * 60;
  const n = starts.length;
  const fill = (v: number) => new Float64Array(n).fill(v);
  const peak = starts.map((t) => {
    const a = t - 7 * 1440;
    if (a < 0) return NaN;
    let m = 0;
    for (let k = Math.max(0, a - 1); k < a + w; k++) m = Math.max(m, series[k]);
    return m / mean;
  });
  const hour = starts.map((t) => (t % 1440) / 60);
  return {
    lines_added: fill(f.linesAdded),
    lines_deleted: fill(f.linesDeleted),
    files_changed: fill(f.filesChanged),
    subsystems: fill(f.subsystems),
    entropy: fill(f.entropy),
    developers: fill(f.developers),
    is_fix: fill(f.isFix ? 1 : 0),
    author_experience: fill(f.authorExperience),
    author_recent_experience: fill(f.authorRecentExperience),
    test_coverage: fill(f.testCoverage),
    new_tests: fill(f.newTests),
    dependency_bumps: fill(f.dependencyBumps),
    config_only: fill(f.configOnly ? 1 : 0),
    schema_migration: fill(SCHEMA_LEVELS.indexOf(f.schemaMigration)),
    feature_flagged: fill(f.featureFlagged ? 1 : 0),
    api_contract_change: fill(f.apiContractChange ? 1 : 0),
    hours_since_last_deploy: Float64Array.from(starts, (t) => (Number.isFinite(lastEnd) ? Math.max(0, (t - lastEnd) / 60) : dep.history.hoursSinceLastDeploy)),
    service_recent_failure_rate: fill(dep.history.serviceRecentFailureRate),
    service_deploys_so_far: fill(dep.history.serviceDeploysSoFar),
    tier: fill(TIERS.indexOf(svc.tier)),
    callers: fill(callers),
    callees: fill(callees),
    oncall_cover: Float64Array.from(starts, (t) => onCallCover(world.calendar, t, svc.teamTzOffset)),
    load_at_start: Float64Array.from(starts, (t) => forecastAt(t) / mean),
    forecast_peak_load: Float64Array.from(peak),
    hour_sin: Float64Array.from(hour, (h) => Math.sin((2 * Math.PI * h) / 24)),
    hour_cos: Float64Array.from(hour, (h) => Math.cos((2 * Math.PI * h) / 24)),
    weekend: Float64Array.from(starts, (t) => ((world.calendar.startWeekday + Math.floor(t / 1440)) % 7 >= 5 ? 1 : 0)),
  };
}

const hhmm = (world: World, t: number): string => {
  const d = new Date(world.calendar.startMs + t * 60_000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
};

/**
 * Rank start windows for `dep`'s change, ready at `dep.readyAt`. `forecaster` must be fitted on the service's
 * traffic from minute 0 of the world; only traffic before t0 is read.
 */
export function recommendWindows(world: World, dep: Deployment, risk: GamModel, forecaster: Forecaster, options: Partial<WindowOptions> = {}): Recommendation {
  const o = { ...WINDOW_DEFAULTS, ...options };
  const t0 = dep.readyAt;
  const svc = world.topology.services[dep.service];
  const w = rolloutWindow(world.scenario.rollout);
  const all = candidateStarts(world, t0, o);
  const history = world.traffic.requests[svc.id].subarray(0, t0);
  const horizon = o.horizonHours * 60 + w + o.stepMinutes;
  const fc = forecaster.forecast(history, horizon);
  const forecastAt = (t: number) => fc[Math.min(fc.length - 1, Math.max(0, t - t0))];
  const cols = candidateColumns(world, dep, all, forecastAt);
  const p = risk.predict(cols, all.length);
  const cands: WindowCandidate[] = all.map((t, i) => {
    let reqs = 0;
    for (let k = t - t0; k < t - t0 + w; k++) reqs += fc[Math.min(fc.length - 1, k)];
    const cover = cols.oncall_cover[i];
    const frozen = touchesFreeze(world, t);
    return { start: t, expectedCost: expectedIncidentCost(p[i], reqs, cover), risk: p[i], forecastRequests: reqs, onCallCover: cover, frozen, reasons: [], explanation: '' };
  });
  const open = cands.filter((c) => !c.frozen);
  const ranked = [...open].sort((a, b) => a.expectedCost - b.expectedCost || a.start - b.start);
  const whenReady = open[0] ?? cands[0];
  const readyIdx = all.indexOf(whenReady.start);
  const readyReasons = new Map(risk.reasons(cols, readyIdx).map((r) => [r.feature, r.contribution]));
  const explain = (c: WindowCandidate): WindowCandidate => {
    const i = all.indexOf(c.start);
    const reasons = risk.reasons(cols, i);
    const vsReady = whenReady.expectedCost > 0 ? 1 - c.expectedCost / whenReady.expectedCost : 0;
    // What timing changes: the features whose contribution differs most from deploying when ready.
    const shifts = reasons
      .map((r) => ({ feature: r.feature, delta: r.contribution - (readyReasons.get(r.feature) ?? 0) }))
      .filter((x) => Math.abs(x.delta) > 0.005)
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
      .slice(0, 2);
    const exposure = whenReady.forecastRequests > 0 ? c.forecastRequests / whenReady.forecastRequests : 1;
    const why =
      c.start === whenReady.start
        ? ': as soon as it is ready'
        : `: ${(100 * vsReady).toFixed(0)} % less expected cost than deploying when ready — ${(100 * (1 - exposure)).toFixed(0)} % fewer requests exposed` +
          (c.onCallCover !== whenReady.onCallCover ? `, on-call cover ${whenReady.onCallCover.toFixed(2)} → ${c.onCallCover.toFixed(2)}` : '') +
          (shifts.length ? `, risk ${shifts.map((x) => `${x.feature} ${x.delta >= 0 ? '+' : ''}${x.delta.toFixed(2)}`).join(', ')}` : '');
    const explanation = `Deploy ${hhmm(world, c.start)} (risk ${c.risk.toFixed(2)}, ${Math.round(c.forecastRequests).toLocaleString('en-US')} requests forecast over the rollout, on-call cover ${c.onCallCover.toFixed(2)})${why}`;
    return { ...c, reasons: reasons.slice(0, 3), explanation };
  };
  return { deploymentId: dep.id, readyAt: t0, ranked: ranked.slice(0, o.top).map(explain), whenReady: explain(whenReady), candidates: cands.length, frozenCandidates: cands.length - open.length };
}
