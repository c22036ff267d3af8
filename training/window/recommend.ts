// Deployment-window recommendation: for a change on a service, ready at t0, rank the start times within a horizon by
// expected incident cost (docs/definitions.md#timing-quality-and-regret):
//
//   cost(t) = P̂(failure | change, t) × requests forecast over the rollout window from t × typical bad ratio × (2 − on-call cover(t))
//
// P̂ comes from the risk model with the time-dependent features set for t (hour, weekend, on-call cover, hours since
// the service's last deploy, load now and the peak-load forecast), the requests from the traffic forecaster, the
// cover and the freezes from the calendar. A start whose rollout window touches a freeze is never offered.
//
// The core works on plain inputs, a `WindowContext` (what a deploy system knows: the service's traffic history
// ending at the decision time, a forecaster fitted on it, the change's static risk features, the last deploy, an
// on-call cover function, the freezes, the rollout length and the calendar origin), so the serving API
// (server/windows.ts) and the simulated worlds share it: `recommendFromContext`. The World-based functions
// (`recommendWindows`, `candidateColumns`, `candidateStarts`, `touchesFreeze`) are thin adapters over it.
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


/** The risk features that depend on the start time: the recommender computes them per candidate start. */
export const TIME_FEATURES = ['hours_since_last_deploy', 'oncall_cover', 'load_at_start', 'forecast_peak_load', 'hour_sin', 'hour_cos', 'weekend'] as const;

/** Column order of the risk features (training/risk/sim.ts SIM_RISK_SPECS); static features not in it come after. */
const COLUMN_ORDER = [
  'lines_added', 'lines_deleted', 'files_changed', 'subsystems', 'entropy', 'developers', 'is_fix', 'author_experience', 'author_recent_experience',
  'test_coverage', 'new_tests', 'dependency_bumps', 'config_only', 'schema_migration', 'feature_flagged', 'api_contract_change', 'hours_since_last_deploy',
  'service_recent_failure_rate', 'service_deploys_so_far', 'tier', 'callers', 'callees', 'oncall_cover', 'load_at_start', 'forecast_peak_load', 'hour_sin', 'hour_cos', 'weekend',
];

/**
 * Everything the recommender needs about one change, as plain inputs. Times are minutes on the context's own axis:
 * minute 0 is `originMs` (epoch ms); every start, freeze and the last deploy are minute indices on it.
 */
export interface WindowContext {
  /** Id echoed in the recommendation. */
  id: string;
  /** Minute the change is ready (the first candidate start). */
  readyAt: number;
  /** The service's observed traffic per minute from minute 0 (requests a minute; NaN = no sample). Only minutes
   *  before `historyEnd` are known at decision time; the one-week-back peak reads the forecast past its end. */
  traffic: ArrayLike<number>;
  /** Forecast origin: minutes of traffic known when deciding (<= readyAt). The forecaster gets traffic[0, historyEnd). */
  historyEnd: number;
  /** The service's mean requests a minute (load features are traffic / this mean). */
  meanTraffic: number;
  /** Fitted on this service's traffic with minute 0 at the start of its training series (period 1440). */
  forecaster: Forecaster;
  /** The change's and the service's static risk features by name (numbers; categories as level indices; NaN =
   *  unknown, scored at the training median). The time-dependent ones (TIME_FEATURES) are computed here. */
  features: Record<string, number>;
  /** Minute the service's last rollout ended (-Infinity: never; NaN: unknown); hours_since_last_deploy counts from it. */
  lastDeployEnd: number;
  /** On-call cover (0..1) at minute t. */
  cover: (t: number) => number;
  /** No rollout may overlap one of these (minutes, end exclusive). */
  freezes: readonly { start: number; end: number }[];
  /** Rollout length including bake, in minutes: the window whose traffic is exposed and which must avoid freezes. */
  rolloutMinutes: number;
  /** Rollouts must end by this minute (a simulated world's end; Infinity for none). */
  endMinute: number;
  /** Epoch ms of minute 0, its weekday (0 = Monday, UTC) and its minute of the UTC day (hour / weekend features). */
  originMs: number;
  originWeekday: number;
  originMinuteOfDay: number;
}

/** Weekday (0 = Monday) and minute of the UTC day of an epoch-ms origin. */
export function calendarOrigin(originMs: number): { originMs: number; originWeekday: number; originMinuteOfDay: number } {
  const d = new Date(originMs);
  return { originMs, originWeekday: (d.getUTCDay() + 6) % 7, originMinuteOfDay: d.getUTCHours() * 60 + d.getUTCMinutes() };
}

/** Cover levels of sim/calendar.ts `onCallCover` (a team's week in its local time). */
export interface WeeklyCover {
  /** The team's UTC offset in hours (local = UTC + offset). */
  utcOffsetHours: number;
  /** Weekdays 09-18 local. */
  businessHours: number;
  /** Weekdays 18-23 and 07-09 local. */
  evening: number;
  /** Weekdays 23-07 local. */
  night: number;
  /** Saturday and Sunday local. */
  weekend: number;
  /** Holidays (whole local days). */
  holiday: number;
  /** Local days that are holidays, as days since 1970-01-01 of the local calendar. */
  holidayDays: ReadonlySet<number>;
}

/** The on-call cover at minute t of an axis starting at `originMs`, with sim/calendar.ts onCallCover's rules. */
export function weeklyCoverFn(c: WeeklyCover, originMs: number): (t: number) => number {
  const origin = originMs / 60_000;
  return (t) => {
    const local = origin + t + c.utcOffsetHours * 60;
    const day = Math.floor(local / 1440);
    const hour = (local - day * 1440) / 60;
    const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (3 with Monday = 0)
    if (c.holidayDays.has(day)) return c.holiday;
    if (weekday >= 5) return c.weekend;
    if (hour >= 9 && hour < 18) return c.businessHours;
    if ((hour >= 18 && hour < 23) || (hour >= 7 && hour < 9)) return c.evening;
    return c.night;
  };
}

/** Starts readyAt, readyAt+step, … within the horizon whose rollout window ends by the context's end. */
export function contextStarts(ctx: Pick<WindowContext, 'readyAt' | 'rolloutMinutes' | 'endMinute'>, o: WindowOptions): number[] {
  const w = ctx.rolloutMinutes;
  const t0 = ctx.readyAt;
  const out: number[] = [];
  for (let t = t0; t <= t0 + o.horizonHours * 60 && t + w <= ctx.endMinute; t += o.stepMinutes) out.push(t);
  return out;
}

/** Whether a rollout starting at t overlaps one of the context's freezes (its start or any minute of its window). */
export function contextTouchesFreeze(ctx: Pick<WindowContext, 'freezes' | 'rolloutMinutes'>, t: number): boolean {
  const w = ctx.rolloutMinutes;
  return ctx.freezes.some((f) => t < f.end && t + w > f.start);
}

/**
 * The risk model's feature columns for starting the context's change at each of `starts`: the static features
 * repeated, and the time-dependent ones for each start (the load now comes from the forecast since it lies in the
 * future; the peak load over the rollout window one week earlier from the observed traffic, or the forecast
 * where that lies past the history).
 */
export function contextColumns(ctx: WindowContext, starts: number[], forecastAt: (t: number) => number): Columns {
  const mean = Math.max(1e-9, ctx.meanTraffic);
  const series = ctx.traffic;
  const w = ctx.rolloutMinutes;
  const lastEnd = ctx.lastDeployEnd;
  const n = starts.length;
  const peak = starts.map((t) => {
    const a = t - 7 * 1440;
    if (a < 0) return NaN;
    let m = 0;
    for (let k = Math.max(0, a - 1); k < a + w; k++) m = Math.max(m, k < series.length ? series[k] : forecastAt(k));
    return m / mean;
  });
  const minuteOfDay = (t: number) => ctx.originMinuteOfDay + t;
  const hour = starts.map((t) => (minuteOfDay(t) % 1440) / 60);
  const time: Columns = {
    hours_since_last_deploy: Float64Array.from(starts, (t) => Math.max(0, (t - lastEnd) / 60)),
    oncall_cover: Float64Array.from(starts, (t) => ctx.cover(t)),
    load_at_start: Float64Array.from(starts, (t) => forecastAt(t) / mean),
    forecast_peak_load: Float64Array.from(peak),
    hour_sin: Float64Array.from(hour, (h) => Math.sin((2 * Math.PI * h) / 24)),
    hour_cos: Float64Array.from(hour, (h) => Math.cos((2 * Math.PI * h) / 24)),
    weekend: Float64Array.from(starts, (t) => ((ctx.originWeekday + Math.floor(minuteOfDay(t) / 1440)) % 7 >= 5 ? 1 : 0)),
  };
  const fill = (v: number) => new Float64Array(n).fill(v);
  const cols: Columns = {};
  for (const name of COLUMN_ORDER) {
    if (name in time) cols[name] = time[name];
    else if (name in ctx.features) cols[name] = fill(ctx.features[name]);
  }
  for (const [name, v] of Object.entries(ctx.features)) if (!(name in cols)) cols[name] = fill(v);
  return cols;
}

const hhmm = (originMs: number, t: number): string => {
  const d = new Date(originMs + t * 60_000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
};

/** Every candidate start of a context scored, the open ones ranked, without explanations (`explain` adds them). */
export interface ScoredWindows {
  /** Every candidate in start order (frozen ones included). */
  candidates: WindowCandidate[];
  /** The unfrozen ones, lowest expected cost first (ties: earlier first); reasons and explanation empty. */
  ranked: WindowCandidate[];
  whenReady: WindowCandidate;
  /** The candidate with its three main reasons and its one-line explanation. */
  explain: (c: WindowCandidate) => WindowCandidate;
}

/** Score every start window of the context by expected incident cost (frozen starts are never ranked). */
export function scoreWindows(ctx: WindowContext, risk: GamModel, options: Partial<WindowOptions> = {}): ScoredWindows {
  const o = { ...WINDOW_DEFAULTS, ...options };
  const t0 = ctx.readyAt;
  const h0 = ctx.historyEnd;
  const w = ctx.rolloutMinutes;
  const all = contextStarts(ctx, o);
  const history = prefix(ctx.traffic, h0);
  const horizon = o.horizonHours * 60 + w + o.stepMinutes + (t0 - h0);
  const fc = ctx.forecaster.forecast(history, horizon);
  const forecastAt = (t: number) => fc[Math.min(fc.length - 1, Math.max(0, t - h0))];
  const cols = contextColumns(ctx, all, forecastAt);
  const p = risk.predict(cols, all.length);
  const cands: WindowCandidate[] = all.map((t, i) => {
    let reqs = 0;
    for (let k = t - h0; k < t - h0 + w; k++) reqs += fc[Math.min(fc.length - 1, k)];
    const cover = cols.oncall_cover[i];
    const frozen = contextTouchesFreeze(ctx, t);
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
    const explanation = `Deploy ${hhmm(ctx.originMs, c.start)} (risk ${c.risk.toFixed(2)}, ${Math.round(c.forecastRequests).toLocaleString('en-US')} requests forecast over the rollout, on-call cover ${c.onCallCover.toFixed(2)})${why}`;
    return { ...c, reasons: reasons.slice(0, 3), explanation };
  };
  return { candidates: cands, ranked, whenReady, explain };
}

/** Rank the context's start windows by expected incident cost (frozen starts are never ranked), with explanations. */
export function recommendFromContext(ctx: WindowContext, risk: GamModel, options: Partial<WindowOptions> = {}): Recommendation {
  const o = { ...WINDOW_DEFAULTS, ...options };
  const s = scoreWindows(ctx, risk, o);
  const open = s.ranked.length;
  return { deploymentId: ctx.id, readyAt: ctx.readyAt, ranked: s.ranked.slice(0, o.top).map(s.explain), whenReady: s.explain(s.whenReady), candidates: s.candidates.length, frozenCandidates: s.candidates.length - open };
}

/** The first n values (a view for typed arrays, as the forecaster reads them). */
function prefix(a: ArrayLike<number>, n: number): ArrayLike<number> {
  const sub = (a as { subarray?: (s: number, e: number) => ArrayLike<number> }).subarray;
  return sub ? sub.call(a, 0, n) : Array.prototype.slice.call(a, 0, n);
}

// ---- World adapters -------------------------------------------------------------------------------------------

const SCHEMA_LEVELS = ['none', 'reversible', 'irreversible'];

const changeIndex = new WeakMap<World, Map<string, World['changes'][number]>>();
/** The change a deployment ships (an index per world, built once: callers look it up per candidate start). */
export function changeOf(world: World, dep: Deployment): World['changes'][number] {
  let m = changeIndex.get(world);
  if (!m) changeIndex.set(world, (m = new Map(world.changes.map((c) => [c.id, c]))));
  return m.get(dep.changeId)!;
}

/** The static risk features of `dep`'s change and service in a simulated world (same meaning as training/risk/sim.ts). */
export function staticFeaturesOf(world: World, dep: Deployment): Record<string, number> {
  const svc = world.topology.services[dep.service];
  const f = changeOf(world, dep).features;
  return {
    lines_added: f.linesAdded,
    lines_deleted: f.linesDeleted,
    files_changed: f.filesChanged,
    subsystems: f.subsystems,
    entropy: f.entropy,
    developers: f.developers,
    is_fix: f.isFix ? 1 : 0,
    author_experience: f.authorExperience,
    author_recent_experience: f.authorRecentExperience,
    test_coverage: f.testCoverage,
    new_tests: f.newTests,
    dependency_bumps: f.dependencyBumps,
    config_only: f.configOnly ? 1 : 0,
    schema_migration: SCHEMA_LEVELS.indexOf(f.schemaMigration),
    feature_flagged: f.featureFlagged ? 1 : 0,
    api_contract_change: f.apiContractChange ? 1 : 0,
    service_recent_failure_rate: dep.history.serviceRecentFailureRate,
    service_deploys_so_far: dep.history.serviceDeploysSoFar,
    tier: TIERS.indexOf(svc.tier),
    callers: world.topology.callersOf[svc.id].length,
    callees: world.topology.calleesOf[svc.id].length,
  };
}

/** `dep` in a simulated world as a window context: the world's traffic, calendar, cover and freezes. */
export function windowContextOf(world: World, dep: Deployment, forecaster: Forecaster): WindowContext {
  const svc = world.topology.services[dep.service];
  const cal = world.calendar;
  return {
    id: dep.id,
    readyAt: dep.readyAt,
    traffic: world.traffic.requests[svc.id],
    historyEnd: dep.readyAt,
    meanTraffic: world.traffic.meanRequests[svc.id],
    forecaster,
    features: staticFeaturesOf(world, dep),
    lastDeployEnd: dep.start - dep.history.hoursSinceLastDeploy * 60,
    cover: (t) => onCallCover(cal, t, svc.teamTzOffset),
    freezes: cal.freezes,
    rolloutMinutes: rolloutWindow(world.scenario.rollout),
    endMinute: cal.minutes,
    originMs: cal.startMs,
    originWeekday: cal.startWeekday,
    originMinuteOfDay: 0,
  };
}

/** The parts of a world's context that do not depend on the change (candidate starts, freezes). */
const worldFrame = (world: World, t0: number) => ({ readyAt: t0, rolloutMinutes: rolloutWindow(world.scenario.rollout), endMinute: world.calendar.minutes, freezes: world.calendar.freezes });

/** Starts t0, t0+step, … within the horizon whose rollout window fits the world. */
export function candidateStarts(world: World, t0: number, o: WindowOptions): number[] {
  return contextStarts(worldFrame(world, t0), o);
}

/** Whether a rollout starting at t overlaps a freeze (its start or any minute of its window). */
export function touchesFreeze(world: World, t: number): boolean {
  return contextTouchesFreeze(worldFrame(world, t), t);
}

/**
 * The risk model's feature columns for deploying `dep`'s change at each of `starts` (same meaning as
 * training/risk/sim.ts; the load now comes from the forecast since it lies in the future).
 */
export function candidateColumns(world: World, dep: Deployment, starts: number[], forecastAt: (t: number) => number): Columns {
  return contextColumns(windowContextOf(world, dep, null as unknown as Forecaster), starts, forecastAt);
}

/**
 * Rank start windows for `dep`'s change, ready at `dep.readyAt`. `forecaster` must be fitted on the service's
 * traffic from minute 0 of the world; only traffic before t0 is read.
 */
export function recommendWindows(world: World, dep: Deployment, risk: GamModel, forecaster: Forecaster, options: Partial<WindowOptions> = {}): Recommendation {
  return recommendFromContext(windowContextOf(world, dep, forecaster), risk, options);
}
