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
// (server/deploy-planners.ts) and the simulated worlds share it: `recommendFromContext`. The World-based functions
// (`recommendWindows`, `candidateColumns`, `candidateStarts`, `touchesFreeze`) are thin adapters over it.
import type { World, Deployment } from '../../sim/world.ts';
import { expectedIncidentCost } from '../../sim/world.ts';
import { onCallCover } from '../../sim/calendar.ts';
import { rolloutWindow } from '../../sim/unguarded.ts';
import { RISK_MODEL_FEATURES, encodeRiskCell, riskFeatureCells } from '../../sim/risk-features.ts';
import type { GamModel, Columns, Reason } from '../gam.ts';
import type { Forecaster } from '../forecast/forecaster.ts';

export interface WindowOptions {
  /** Hours after t0 within which the change must start (default 72). */
  horizonHours: number;
  /** Spacing of candidate starts in minutes (default 15). */
  stepMinutes: number;
  /** How many ranked windows to return (default 5). */
  top: number;
  /** The hours of the team's local day a rollout may run in (start to end of bake); null = any hour. */
  allowedMinutes: AllowedMinutes | null;
  /** A window whose on-call cover at the start is below this is flagged: it needs a human's approval (default 0.5). */
  approvalBelowCover: number;
}

export const WINDOW_DEFAULTS: WindowOptions = { horizonHours: 72, stepMinutes: 15, top: 5, allowedMinutes: null, approvalBelowCover: 0.5 };

/** Hour ranges of the team's local day (its on-call time zone), [from, to) in whole hours; from > to wraps past
 *  midnight (22-6), from = to is all day. */
export interface HourRange {
  from: number;
  to: number;
}

/** Which minutes of the local day a rollout may run in: a prefix count of the forbidden ones, for O(1) window checks. */
export interface AllowedMinutes {
  /** forbiddenBefore[m] = forbidden minutes of the day in [0, m); length 1441. */
  forbiddenBefore: Int32Array;
  /** The rule in words, local time, e.g. "09:00-17:00". */
  text: string;
}

/**
 * The minutes a rollout may run in: inside one of `allowed` (none given: every hour) and outside every `forbidden`
 * range. Returns null when every minute is allowed. Hours are integers 0..24; throws RangeError on others.
 */
export function allowedMinutesOf(allowed: readonly HourRange[] | undefined, forbidden: readonly HourRange[] | undefined): AllowedMinutes | null {
  const ok = new Uint8Array(1440).fill(allowed && allowed.length ? 0 : 1);
  const mark = (r: HourRange, v: 0 | 1) => {
    for (const h of [r.from, r.to]) if (!Number.isInteger(h) || h < 0 || h > 24) throw new RangeError(`hour ${h} is not a whole hour from 0 to 24`);
    const a = (r.from % 24) * 60;
    const b = (r.to % 24) * 60;
    const len = a === b ? 1440 : (b - a + 1440) % 1440;
    for (let k = 0; k < len; k++) ok[(a + k) % 1440] = v;
  };
  for (const r of allowed ?? []) mark(r, 1);
  for (const r of forbidden ?? []) mark(r, 0);
  const forbiddenBefore = new Int32Array(1441);
  for (let m = 0; m < 1440; m++) forbiddenBefore[m + 1] = forbiddenBefore[m] + (ok[m] ? 0 : 1);
  if (forbiddenBefore[1440] === 0) return null;
  // The allowed runs, in words.
  const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const runs: string[] = [];
  for (let m = 0; m < 1440; ) {
    if (!ok[m]) {
      m++;
      continue;
    }
    const a = m;
    while (m < 1440 && ok[m]) m++;
    runs.push(`${clock(a)}-${clock(m)}`);
  }
  return { forbiddenBefore, text: runs.length ? runs.join(', ') : 'no hour (every hour is forbidden)' };
}

/** Parse "9-17", "9-12,14-17" or "22-6" (whole local hours, end exclusive) into ranges; a message on a bad one. */
export function parseHourRanges(text: string): HourRange[] | string {
  const parts = text.split(',').map((x) => x.trim());
  const out: HourRange[] = [];
  for (const p of parts) {
    const m = /^(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?$/.exec(p);
    if (!m) return `"${p}" is not a range of whole hours like 9-17 (from 09:00 to 17:00) or 22-6 (past midnight)`;
    const [from, to] = [Number(m[1]), Number(m[2])];
    if (from > 24 || to > 24) return `"${p}": hours run from 0 to 24`;
    out.push({ from, to });
  }
  return out;
}

/**
 * Whether a rollout of `w` minutes starting at minute t leaves the allowed hours; `localMinuteOfDay0` is the local
 * minute of the day at the axis's minute 0 (its UTC minute of the day + the team's UTC offset in minutes).
 */
export function outsideAllowed(allowed: AllowedMinutes | null, localMinuteOfDay0: number, t: number, w: number): boolean {
  if (!allowed) return false;
  const f = allowed.forbiddenBefore;
  const a = ((Math.round(localMinuteOfDay0 + t) % 1440) + 1440) % 1440;
  const len = Math.max(1, w);
  const whole = Math.floor(len / 1440);
  if (whole > 0) return true; // a rollout of a day or more meets every forbidden minute
  const b = a + len;
  const forbidden = b <= 1440 ? f[b] - f[a] : f[1440] - f[a] + f[b - 1440];
  return forbidden > 0;
}

/**
 * Plain-language names of the risk features whose contribution depends on the start time (what the timing moves;
 * `timing` in sim/risk-features.ts). hour_sin and hour_cos together are the time of day.
 */
export const TIMING_FACTORS: Record<string, string> = Object.fromEntries(RISK_MODEL_FEATURES.flatMap((f) => (f.timing ? [[f.name, f.timing]] : [])));

/** A timing factor's change of the risk's log-odds against a reference start (deploying when ready). */
export interface TimingFactor {
  factor: string;
  features: string[];
  logOddsChange: number;
}

/**
 * What timing changes against a reference start: the factors whose contribution to the risk differs from the
 * reference's, in plain words (the time of day is hour_sin and hour_cos together), largest change first; changes
 * below 0.005 in log-odds are left out.
 */
export function timingFactors(reasons: readonly Reason[], reference: ReadonlyMap<string, number>): TimingFactor[] {
  const byFactor = new Map<string, TimingFactor>();
  for (const r of reasons) {
    const factor = TIMING_FACTORS[r.feature];
    if (!factor) continue;
    const f = byFactor.get(factor) ?? { factor, features: [], logOddsChange: 0 };
    f.features.push(r.feature);
    f.logOddsChange += r.contribution - (reference.get(r.feature) ?? 0);
    byFactor.set(factor, f);
  }
  return [...byFactor.values()].filter((x) => Math.abs(x.logOddsChange) > 0.005).sort((a, b) => Math.abs(b.logOddsChange) - Math.abs(a.logOddsChange));
}

export interface WindowCandidate {
  /** Absolute minute of the start. */
  start: number;
  /** The start as a date (ISO 8601, UTC). */
  startTime: string;
  /** End of the rollout and bake (ISO 8601, UTC). */
  endTime: string;
  /** P(failure) × forecast requests over the rollout × the typical bad share of a fault × (2 − on-call cover):
   *  the bad requests expected from this rollout, up to doubled when nobody is on call. */
  expectedCost: number;
  risk: number;
  forecastRequests: number;
  onCallCover: number;
  frozen: boolean;
  /** The rollout (start to end of bake) leaves the allowed hours: never offered. */
  outsideAllowedHours: boolean;
  /** On-call cover at the start is below the approval threshold: a human must approve this window. */
  needsApproval: boolean;
  /** Main reasons of the risk at this time (largest first). */
  reasons: Reason[];
  /** What the timing changes against deploying when ready, in plain words: each factor's change of the risk's
   *  log-odds (negative = lower risk), largest first (filled with the explanation). */
  factors: { factor: string; features: string[]; logOddsChange: number }[];
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
  /** Candidates free of freezes whose rollout leaves the allowed hours (never offered). */
  outsideAllowedCandidates: number;
  /** The allowed hours in words, or null when every hour is allowed. */
  allowedHours: string | null;
  /** The on-call cover below which a window needs a human's approval. */
  approvalBelowCover: number;
}


/** The risk features that depend on the start time: the recommender computes them per candidate start. */
export const TIME_FEATURES: readonly string[] = RISK_MODEL_FEATURES.filter((f) => f.timing).map((f) => f.name);

/** Column order of the risk features (sim/risk-features.ts); static features not in it come after. */
const COLUMN_ORDER = RISK_MODEL_FEATURES.map((f) => f.name);

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
  /** The team's UTC offset in minutes (local = UTC + offset): allowed hours are local hours (default 0, UTC). */
  utcOffsetMinutes?: number;
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
  return `${day} ${d.toISOString().slice(0, 10)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
};
const isoAt = (originMs: number, t: number): string => new Date(originMs + t * 60_000).toISOString();

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
    return {
      start: t,
      startTime: isoAt(ctx.originMs, t),
      endTime: isoAt(ctx.originMs, t + w),
      expectedCost: expectedIncidentCost(p[i], reqs, cover),
      risk: p[i],
      forecastRequests: reqs,
      onCallCover: cover,
      frozen,
      outsideAllowedHours: outsideAllowed(o.allowedMinutes, ctx.originMinuteOfDay + (ctx.utcOffsetMinutes ?? 0), t, w),
      needsApproval: cover < o.approvalBelowCover,
      reasons: [],
      factors: [],
      explanation: '',
    };
  });
  const open = cands.filter((c) => !c.frozen && !c.outsideAllowedHours);
  const ranked = [...open].sort((a, b) => a.expectedCost - b.expectedCost || a.start - b.start);
  const whenReady = open[0] ?? cands[0];
  const readyIdx = all.indexOf(whenReady.start);
  const readyReasons = new Map(risk.reasons(cols, readyIdx).map((r) => [r.feature, r.contribution]));
  const explain = (c: WindowCandidate): WindowCandidate => {
    const i = all.indexOf(c.start);
    const reasons = risk.reasons(cols, i);
    const vsReady = whenReady.expectedCost > 0 ? 1 - c.expectedCost / whenReady.expectedCost : 0;
    const factors = timingFactors(reasons, readyReasons);
    const shifts = factors.slice(0, 2);
    const exposure = whenReady.forecastRequests > 0 ? c.forecastRequests / whenReady.forecastRequests : 1;
    const why =
      c.start === whenReady.start
        ? ': as soon as it is ready'
        : `: ${vsReady >= 0 ? `${(100 * vsReady).toFixed(0)} % less` : `${(-100 * vsReady).toFixed(0)} % more`} expected cost than deploying when ready — ${exposure <= 1 ? `${(100 * (1 - exposure)).toFixed(0)} % fewer` : `${(100 * (exposure - 1)).toFixed(0)} % more`} requests exposed` +
          (c.onCallCover !== whenReady.onCallCover ? `, on-call cover ${whenReady.onCallCover.toFixed(2)} → ${c.onCallCover.toFixed(2)}` : '') +
          (shifts.length ? `; what the timing changes in the risk (log-odds): ${shifts.map((x) => `${x.factor} ${x.logOddsChange >= 0 ? '+' : '−'}${Math.abs(x.logOddsChange).toFixed(2)}`).join(', ')}` : '');
    const approval = c.needsApproval ? `; thin on-call cover (${c.onCallCover.toFixed(2)} < ${o.approvalBelowCover.toFixed(2)}): needs a human's approval` : '';
    const off = ctx.utcOffsetMinutes ?? 0;
    const local = off ? `, ${hhmm(ctx.originMs + off * 60_000, c.start).replace(' UTC', '')} team local time (${utcOffsetText(off)})` : '';
    const explanation = `Deploy ${hhmm(ctx.originMs, c.start)} (risk ${c.risk.toFixed(2)}, ${Math.round(c.forecastRequests).toLocaleString('en-US')} requests forecast over the rollout, on-call cover ${c.onCallCover.toFixed(2)}${local})${why}${approval}`;
    return { ...c, reasons: reasons.slice(0, 3), factors, explanation };
  };
  return { candidates: cands, ranked, whenReady, explain };
}

/** Rank the context's start windows by expected incident cost (frozen starts are never ranked), with explanations. */
export function recommendFromContext(ctx: WindowContext, risk: GamModel, options: Partial<WindowOptions> = {}): Recommendation {
  const o = { ...WINDOW_DEFAULTS, ...options };
  const s = scoreWindows(ctx, risk, o);
  return { deploymentId: ctx.id, readyAt: ctx.readyAt, ranked: s.ranked.slice(0, o.top).map(s.explain), whenReady: s.explain(s.whenReady), ...candidateCounts(s.candidates, o, ctx.utcOffsetMinutes ?? 0) };
}

/** A UTC offset in minutes as "UTC+5:30", "UTC-8", "UTC". */
export function utcOffsetText(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''}`;
}

/** The counts and rules a recommendation reports beside its ranking. */
export function candidateCounts(cands: readonly WindowCandidate[], o: Pick<WindowOptions, 'allowedMinutes' | 'approvalBelowCover'>, utcOffsetMinutes: number) {
  return {
    candidates: cands.length,
    frozenCandidates: cands.filter((c) => c.frozen).length,
    outsideAllowedCandidates: cands.filter((c) => !c.frozen && c.outsideAllowedHours).length,
    allowedHours: o.allowedMinutes ? `${o.allowedMinutes.text} team local time (${utcOffsetText(utcOffsetMinutes)})` : null,
    approvalBelowCover: o.approvalBelowCover,
  };
}

/** The first n values (a view for typed arrays, as the forecaster reads them). */
function prefix(a: ArrayLike<number>, n: number): ArrayLike<number> {
  const sub = (a as { subarray?: (s: number, e: number) => ArrayLike<number> }).subarray;
  return sub ? sub.call(a, 0, n) : Array.prototype.slice.call(a, 0, n);
}

// ---- World adapters -------------------------------------------------------------------------------------------

const changeIndex = new WeakMap<World, Map<string, World['changes'][number]>>();
/** The change a deployment ships (an index per world, built once: callers look it up per candidate start). */
export function changeOf(world: World, dep: Deployment): World['changes'][number] {
  let m = changeIndex.get(world);
  if (!m) changeIndex.set(world, (m = new Map(world.changes.map((c) => [c.id, c]))));
  return m.get(dep.changeId)!;
}

/** The static risk features of `dep`'s change and service in a simulated world (every model feature the start time
 *  does not move, encoded as training/risk/sim.ts reads them), in column order. */
export function staticFeaturesOf(world: World, dep: Deployment): Record<string, number> {
  const cells = riskFeatureCells(world, dep, changeOf(world, dep).features);
  const out: Record<string, number> = {};
  for (const f of RISK_MODEL_FEATURES) if (!f.timing && f.name in cells) out[f.name] = encodeRiskCell(f, cells[f.name]);
  return out;
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
    utcOffsetMinutes: Math.round(svc.teamTzOffset * 60),
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
