// The deploy-window planners: what POST /v1/deploy/windows and POST /v1/deploy/schedule (server/routes/deploy-windows.ts)
// compute from a validated body, on a planning worker thread (server/offload.ts) or inline:
//
// - windows: one change → its start times within a horizon ranked by expected incident cost
//   (training/deploy-window/recommend.ts `scoreWindows`, as `recommendFromContext` ranks them), never one whose rollout touches a freeze.
// - schedule: a batch of changes across services → start times at the least total expected cost such
//   that a callee's API-contract change finishes before its callers' changes start and coupled services never roll
//   out at once (training/deploy-window/schedule.ts `planSchedule`), checked by the independent checker (`checkPlan`).
//
// A deploy system has no simulated World: the request carries what it knows (the change's static risk features, the
// service's recent traffic, freezes, the team's on-call week, the last rollout), and each request gets its own
// forecaster, fitted on the traffic it sends. Times on the wire are RFC 3339; inside, minutes on an axis whose
// minute 0 is the start of the traffic history. The defaults of the optional on-call cover and rollout length arrive
// as `PlanDefaults` (the serving app's `planDefaults` option): the planners read no scenario.
import { fitForecaster } from '../training/forecast/forecaster.ts';
import type { GamModel } from '../training/gam.ts';
import { allowedMinutesOf, calendarOrigin, candidateCounts, scoreWindows, TIME_FEATURES, weeklyCoverFn, WINDOW_DEFAULTS, type Recommendation, type WindowCandidate, type WindowContext, type WindowOptions } from '../training/deploy-window/recommend.ts';
import { checkPlan, planSchedule, serviceGraph, type BatchChange } from '../training/deploy-window/schedule.ts';
import { BadInput, NoAnswer, encodeRiskFeatures } from './decide.ts';
import { MAX_TRAFFIC_MINUTES, MIN_TRAFFIC_MINUTES, type OnCallIn, type ScheduleBody, type ScheduleResponse, type TrafficHistory, type WindowsBody, type WindowsResponse } from './routes/deploy-windows-schemas.ts';

const MIN = 60_000;
/** Longest gap between the end of the traffic history and readyAt. */
const MAX_HISTORY_GAP_MIN = 7 * 1440;
const TIME: ReadonlySet<string> = new Set<string>(TIME_FEATURES);
const timeFeature = (name: string) => (TIME.has(name) ? 'is computed by the server for each candidate start; leave it out' : null);
/** Largest changes × candidate starts a schedule request may ask for (50 changes × 72 h at 15 min is 14,450). */
export const MAX_SCHEDULE_WORK = 100_000;
/** Largest sum over a schedule's services of their traffic history, in minutes (a forecaster is fitted on each): 20 services × 56 days. */
export const MAX_SCHEDULE_TRAFFIC_MINUTES = 20 * MAX_TRAFFIC_MINUTES;

/** The defaults of a planning request's optional fields `onCall` (each cover and the UTC offset) and `rolloutMinutes`. */
export interface PlanDefaults {
  onCall: Required<Omit<OnCallIn, 'holidays'>>;
  /** Rollout length including bake, in minutes. */
  rolloutMinutes: number;
}

/**
 * The default scenario's on-call cover and rollout length (scenarios/default.json with the scenario schema's
 * defaults), the values the request schema's descriptions state. `rolloutlab serve` passes the ones it reads from
 * that scenario (cli/serve-defaults.ts); an app built without `planDefaults` (tests, benchmarks) plans with these.
 */
export const DEFAULT_PLAN_DEFAULTS: PlanDefaults = {
  onCall: { utcOffsetHours: 0, businessHours: 1, evening: 0.6, night: 0.3, weekend: 0.35, holiday: 0.25 },
  rolloutMinutes: 70,
};

/** An RFC 3339 date-time (the schema checks the format) as epoch ms, or a 400 naming the field. */
function timeOf(v: string, field: string): number {
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new BadInput(field, `is not a valid date-time (got ${JSON.stringify(v)})`);
  return ms;
}

const iso = (originMs: number, t: number) => new Date(originMs + t * MIN).toISOString();

/** A service's traffic history on its own axis: per-minute values from minute 0 = originMs, up to historyEnd. */
interface Series {
  originMs: number;
  perMinute: Float64Array;
  mean: number;
}

function seriesOf(tr: TrafficHistory, endMs: number, field: string): Series {
  const step = tr.stepMinutes;
  const minutes = tr.values.length * step;
  const days = (minutes / 1440).toFixed(2);
  if (minutes < MIN_TRAFFIC_MINUTES) {
    throw new BadInput(`${field}.values`, `covers ${minutes} minutes (${days} days) at ${step} min a value; at least 7 days (${MIN_TRAFFIC_MINUTES} minutes: ${Math.ceil(MIN_TRAFFIC_MINUTES / step)} values of ${step} min) are needed for the one-week-back peak load`);
  }
  if (minutes > MAX_TRAFFIC_MINUTES) throw new BadInput(`${field}.values`, `covers ${days} days; at most 56 days (send the most recent ones)`);
  const perMinute = new Float64Array(minutes);
  let sum = 0;
  let n = 0;
  tr.values.forEach((v, i) => {
    const x = v === null ? NaN : v / step;
    perMinute.fill(x, i * step, (i + 1) * step);
    if (v !== null) {
      sum += v;
      n += step;
    }
  });
  if (n === 0) throw new BadInput(`${field}.values`, 'hold no sample (all null)');
  const originMs = Math.floor(endMs / MIN) * MIN - minutes * MIN;
  return { originMs, perMinute, mean: sum / n };
}

function coverOf(onCall: OnCallIn | undefined, defaults: PlanDefaults, originMs: number, field: string): (t: number) => number {
  const d = defaults.onCall;
  const c = { ...d, ...(onCall ?? {}) };
  const holidayDays = new Set(
    (onCall?.holidays ?? []).map((h, i) => {
      const ms = Date.parse(`${h}T00:00:00Z`);
      if (!Number.isFinite(ms)) throw new BadInput(`${field}.holidays[${i}]`, `is not a valid date (got ${JSON.stringify(h)})`);
      return Math.floor(ms / 86_400_000);
    }),
  );
  return weeklyCoverFn({ ...c, holidayDays }, originMs);
}

type FreezeIn = NonNullable<WindowsBody['freezes']>[number];

/** Freezes as [start, end) minutes on an axis (widened to whole minutes), checked once. */
function freezesOn(freezes: FreezeIn[] | undefined, originMs: number): { start: number; end: number }[] {
  return (freezes ?? []).map((f) => ({ start: Math.floor((Date.parse(f.start) - originMs) / MIN), end: Math.ceil((Date.parse(f.end) - originMs) / MIN) }));
}

function checkFreezes(freezes: FreezeIn[] | undefined): void {
  (freezes ?? []).forEach((f, i) => {
    const s = timeOf(f.start, `body.freezes[${i}].start`);
    const e = timeOf(f.end, `body.freezes[${i}].end`);
    if (!(e > s)) throw new BadInput(`body.freezes[${i}].end`, `must be after start (${f.end} <= ${f.start})`);
  });
}

interface ChangeIn {
  readyAt: string;
  features: WindowsBody['features'];
}

/** One change's window context, built from the request on its service's axis. */
function contextOf(
  id: string,
  ch: ChangeIn,
  field: string,
  svc: { traffic: TrafficHistory; onCall?: OnCallIn; lastDeployAt?: string },
  svcField: string,
  defaultEndMs: number,
  freezes: FreezeIn[] | undefined,
  rolloutMinutes: number,
  defaults: PlanDefaults,
  risk: { model: GamModel; version: string },
  fitted: Map<string, { series: Series; fc: ReturnType<typeof fitForecaster> }>,
  featureOverrides: Record<string, number> = {},
): { ctx: WindowContext; imputed: string[]; originMs: number } {
  const readyMs = timeOf(ch.readyAt, `${field}.readyAt`);
  const endMs = svc.traffic.endsAt !== undefined ? timeOf(svc.traffic.endsAt, `${svcField}.traffic.endsAt`) : defaultEndMs;
  if (endMs > readyMs) throw new BadInput(`${svcField}.traffic.endsAt`, `must not be after readyAt (${new Date(endMs).toISOString()} > ${ch.readyAt}): send the history up to the time the change is ready`);
  if (readyMs - endMs > MAX_HISTORY_GAP_MIN * MIN) throw new BadInput(`${svcField}.traffic.endsAt`, `is more than 7 days before readyAt ${ch.readyAt}: send more recent traffic`);
  let f = fitted.get(svcField);
  if (!f) {
    const series = seriesOf(svc.traffic, endMs, `${svcField}.traffic`);
    // The forecaster is fitted on the history it forecasts from: minute 0 of both is the start of the history.
    f = { series, fc: fitForecaster(series.perMinute, { period: 1440 }) };
    fitted.set(svcField, f);
  }
  const { series, fc } = f;
  const { values, imputed } = encodeRiskFeatures(ch.features, risk, `${field}.features`, { reject: timeFeature, skip: TIME });
  Object.assign(values, featureOverrides);
  const unknown = imputed.filter((n) => !(n in featureOverrides));
  let lastDeployEnd = NaN;
  if (svc.lastDeployAt !== undefined) {
    const ms = timeOf(svc.lastDeployAt, `${svcField}.lastDeployAt`);
    if (ms > readyMs) throw new BadInput(`${svcField}.lastDeployAt`, `must not be after readyAt (${svc.lastDeployAt} > ${ch.readyAt})`);
    lastDeployEnd = (ms - series.originMs) / MIN;
  } else if (risk.model.specs.some((s) => s.name === 'hours_since_last_deploy')) unknown.push('hours_since_last_deploy');
  const ctx: WindowContext = {
    id,
    readyAt: Math.ceil((readyMs - series.originMs) / MIN),
    traffic: series.perMinute,
    historyEnd: series.perMinute.length,
    meanTraffic: series.mean,
    forecaster: fc,
    features: values,
    lastDeployEnd,
    cover: coverOf(svc.onCall, defaults, series.originMs, `${svcField}.onCall`),
    utcOffsetMinutes: Math.round((svc.onCall?.utcOffsetHours ?? 0) * 60),
    freezes: freezesOn(freezes, series.originMs),
    rolloutMinutes,
    endMinute: Infinity,
    ...calendarOrigin(series.originMs),
  };
  return { ctx, imputed: unknown.sort(), originMs: series.originMs };
}

/** The search options of a request: horizon, spacing, allowed hours and the approval threshold. */
function searchOf(b: Pick<WindowsBody, 'horizonHours' | 'stepMinutes' | 'allowedHours' | 'forbiddenHours' | 'approvalBelowCover'>): Omit<WindowOptions, 'top'> {
  return {
    horizonHours: b.horizonHours ?? WINDOW_DEFAULTS.horizonHours,
    stepMinutes: b.stepMinutes ?? WINDOW_DEFAULTS.stepMinutes,
    allowedMinutes: allowedMinutesOf(b.allowedHours, b.forbiddenHours),
    approvalBelowCover: b.approvalBelowCover ?? WINDOW_DEFAULTS.approvalBelowCover,
  };
}

/** The checks a ranking needs: a finite forecast and risk, and at least one open start. */
function checkRanking(r: { ranked: WindowCandidate[]; whenReady: WindowCandidate; candidates: number; outsideAllowed?: number }, field: string, svcField: string): void {
  const bad = (c: WindowCandidate) => !Number.isFinite(c.expectedCost) || !Number.isFinite(c.risk);
  if (bad(r.whenReady) || r.ranked.some(bad)) {
    if (!Number.isFinite(r.whenReady.forecastRequests)) throw new BadInput(`${svcField}.traffic.values`, 'give no finite forecast (the last days hold no sample)');
    throw new BadInput(`${field}.features`, 'give no finite risk (a value is far outside what the model was trained on)');
  }
  if (r.ranked.length === 0) {
    const what = field === 'body' ? 'the change' : field;
    if (r.outsideAllowed) throw new NoAnswer('NO_FEASIBLE_WINDOW', 'body.allowedHours', `with body.forbiddenHours and body.freezes leave no candidate start of ${what} within horizonHours (${r.candidates} starts; ${r.outsideAllowed} free of freezes leave the allowed hours): allow more hours or widen horizonHours`);
    throw new NoAnswer('NO_FEASIBLE_WINDOW', 'body.freezes', `cover every candidate start of ${what} within horizonHours (${r.candidates} starts): widen horizonHours`);
  }
}

const toWire = (c: WindowCandidate, originMs: number) => ({
  start: iso(originMs, c.start),
  expectedCost: c.expectedCost,
  risk: c.risk,
  forecastRequests: c.forecastRequests,
  onCallCover: c.onCallCover,
  end: c.endTime,
  needsApproval: c.needsApproval,
  factors: c.factors.map((f) => ({ ...f, logOddsChange: Number.isFinite(f.logOddsChange) ? f.logOddsChange : 0 })),
  reasons: c.reasons.map((r) => ({ feature: r.feature, contribution: Number.isFinite(r.contribution) ? r.contribution : 0, value: typeof r.value === 'number' && !Number.isFinite(r.value) ? null : r.value })),
  explanation: c.explanation,
});

/** The risk champion a planner scores with. */
export type RiskChampion = { model: GamModel; version: string };

/**
 * The work a schedule request asks for, checked before any of it is done (cheap: it reads the sizes only): changes ×
 * candidate starts at most MAX_SCHEDULE_WORK, the services' traffic history at most MAX_SCHEDULE_TRAFFIC_MINUTES.
 */
export function checkScheduleWork(b: ScheduleBody): void {
  const horizonHours = b.horizonHours ?? WINDOW_DEFAULTS.horizonHours;
  const stepMinutes = b.stepMinutes ?? WINDOW_DEFAULTS.stepMinutes;
  const perChange = Math.floor((horizonHours * 60) / stepMinutes) + 1;
  const work = b.changes.length * perChange;
  if (work > MAX_SCHEDULE_WORK) throw new BadInput('body.horizonHours', `with stepMinutes ${stepMinutes} gives ${b.changes.length} changes × ${perChange} candidate starts = ${work} > ${MAX_SCHEDULE_WORK}: raise stepMinutes, shorten horizonHours or split the batch`);
  let minutes = 0;
  for (const s of Object.values(b.services)) minutes += s.traffic.values.length * s.traffic.stepMinutes;
  if (minutes > MAX_SCHEDULE_TRAFFIC_MINUTES) {
    throw new BadInput('body.services', `send ${minutes} minutes of traffic history in all (${(minutes / 1440).toFixed(1)} days) > ${MAX_SCHEDULE_TRAFFIC_MINUTES} (${MAX_SCHEDULE_TRAFFIC_MINUTES / 1440} days, e.g. 20 services × 56 days): send fewer days per service (7 are enough) or split the batch`);
  }
}

/** The planners a pool runs (PLANNERS). */
export type PlannerName = 'windows' | 'schedule';

/** The planners by name: what a route computes from its validated body, on whichever thread runs it. */
export const PLANNERS: Record<PlannerName, (b: unknown, risk: RiskChampion, defaults: PlanDefaults) => unknown> = {
  windows: (b, risk, defaults) => windowsAnswer(b as WindowsBody, risk, defaults),
  schedule: (b, risk, defaults) => scheduleAnswer(b as ScheduleBody, risk, defaults),
};

/** POST /v1/deploy/windows's answer for a validated body. */
export function windowsAnswer(b: WindowsBody, risk: RiskChampion, defaults: PlanDefaults): WindowsResponse {
  checkFreezes(b.freezes);
  const rolloutMinutes = b.rolloutMinutes ?? defaults.rolloutMinutes;
  const { ctx, imputed, originMs } = contextOf(b.service, b, 'body', b, 'body', timeOf(b.readyAt, 'body.readyAt'), b.freezes, rolloutMinutes, defaults, risk, new Map());
  // recommendFromContext's answer, with every candidate checked before the top ones are explained.
  const search = searchOf(b);
  const s = scoreWindows(ctx, risk.model, search);
  const counts = candidateCounts(s.candidates, search, ctx.utcOffsetMinutes ?? 0);
  checkRanking({ ranked: s.ranked, whenReady: s.whenReady, candidates: s.candidates.length, outsideAllowed: counts.outsideAllowedCandidates }, 'body', 'body');
  const out: WindowsResponse = {
    service: b.service,
    readyAt: iso(originMs, ctx.readyAt),
    ranked: s.ranked.slice(0, b.top ?? WINDOW_DEFAULTS.top).map((c) => toWire(s.explain(c), originMs)),
    whenReady: toWire(s.explain(s.whenReady), originMs),
    ...counts,
    rolloutMinutes,
    imputed,
    modelVersion: risk.version,
  };
  return out;
}

/** POST /v1/deploy/schedule's answer for a validated body. */
export function scheduleAnswer(b: ScheduleBody, risk: RiskChampion, defaults: PlanDefaults): ScheduleResponse {
  checkScheduleWork(b);
  checkFreezes(b.freezes);
  const rolloutMinutes = b.rolloutMinutes ?? defaults.rolloutMinutes;
  const names = Object.keys(b.services).sort();
  const index = new Map(names.map((n, i) => [n, i]));
  // The graph: known services, no self-edges, no cycles.
  const deps = b.dependencies ?? [];
  const edges = deps.map((d, i) => {
    for (const k of ['caller', 'callee'] as const) {
      if (!index.has(d[k])) throw new BadInput(`body.dependencies[${i}].${k}`, `is not a key of body.services (${JSON.stringify(d[k])})`);
    }
    return { caller: index.get(d.caller)!, callee: index.get(d.callee)! };
  });
  const cycle = findCycle(names.length, edges);
  if (cycle) throw new BadInput('body.dependencies', `contain a cycle: ${cycle.map((i) => names[i]).join(' → ')} (the order of contract changes would be undefined)`);
  const seen = new Map<string, number>();
  b.changes.forEach((c, i) => {
    const j = seen.get(c.id);
    if (j !== undefined) throw new BadInput(`body.changes[${i}].id`, `duplicates body.changes[${j}].id (${JSON.stringify(c.id)})`);
    seen.set(c.id, i);
    if (!index.has(c.service)) throw new BadInput(`body.changes[${i}].service`, `is not a key of body.services (${JSON.stringify(c.service)})`);
    timeOf(c.readyAt, `body.changes[${i}].readyAt`);
  });
  // A service's history ends, by default, when its first change is ready.
  const firstReady = new Map<string, number>();
  for (const c of b.changes) firstReady.set(c.service, Math.min(firstReady.get(c.service) ?? Infinity, Date.parse(c.readyAt)));
  const fitted = new Map<string, { series: Series; fc: ReturnType<typeof fitForecaster> }>();
  const search = { ...searchOf(b), top: Number.MAX_SAFE_INTEGER };
  const per = b.changes.map((c, i) => {
    const field = `body.changes[${i}]`;
    const svcField = `body.services.${c.service}`;
    const featureContract = c.features.api_contract_change;
    const fromFeature = featureContract === true || featureContract === 1;
    if (c.apiContractChange !== undefined && featureContract !== undefined && featureContract !== null && c.apiContractChange !== fromFeature) {
      throw new BadInput(`${field}.apiContractChange`, `conflicts with features.api_contract_change (${c.apiContractChange} vs ${JSON.stringify(featureContract)})`);
    }
    const contractChange = c.apiContractChange ?? fromFeature;
    const overrides: Record<string, number> = c.apiContractChange !== undefined && risk.model.specs.some((s) => s.name === 'api_contract_change') ? { api_contract_change: c.apiContractChange ? 1 : 0 } : {};
    const { ctx, imputed, originMs } = contextOf(c.id, c, field, b.services[c.service], svcField, firstReady.get(c.service)!, b.freezes, rolloutMinutes, defaults, risk, fitted, overrides);
    const s = scoreWindows(ctx, risk.model, search);
        const counts = candidateCounts(s.candidates, search, ctx.utcOffsetMinutes ?? 0);
        checkRanking({ ranked: s.ranked, whenReady: s.whenReady, candidates: s.candidates.length, outsideAllowed: counts.outsideAllowedCandidates }, field, svcField);
    // The scheduler reads the ranked starts and their costs; only the chosen start gets explained.
        const rec: Recommendation = { deploymentId: c.id, readyAt: ctx.readyAt, ranked: s.ranked, whenReady: s.whenReady, ...counts };
    return { c, rec, explain: s.explain, imputed, originMs, contractChange };
  });
  // One axis for the batch: minutes since the earliest history start.
  const origin = Math.min(...per.map((p) => p.originMs));
  const shift = (p: (typeof per)[number], t: number) => t + (p.originMs - origin) / MIN;
  const batch: BatchChange[] = per.map((p) => ({ id: p.c.id, service: index.get(p.c.service)!, readyAt: shift(p, p.rec.readyAt), contractChange: p.contractChange }));
  const recs = per.map((p) => ({ ...p.rec, ranked: p.rec.ranked.map((x) => ({ ...x, start: shift(p, x.start) })) }));
  const graph = serviceGraph(edges);
  const plan = planSchedule(batch, recs, rolloutMinutes, graph);
  const starts = plan.changes.map((x) => x.start);
  const violations = checkPlan(batch, starts, search.horizonHours * 60, rolloutMinutes, freezesOn(b.freezes, origin), graph);
  if (plan.unplaced.length || violations.length) {
    const i = b.changes.findIndex((c) => c.id === (plan.unplaced[0] ?? violations[0].a));
    const what = violations.map((v) => `${v.kind} ${v.a}${v.b ? ` / ${v.b}` : ''}`).join('; ');
    throw new NoAnswer('NO_FEASIBLE_WINDOW', `body.changes[${i}]`, `has no start within horizonHours (${search.horizonHours}) that satisfies the order, overlap and freeze constraints with the rest of the batch (${what}): widen horizonHours or split the batch`);
  }
  // The constraints that bind each change, for the explanations.
  const notes = per.map((p, i) => {
    const out: string[] = [];
    per.forEach((q, j) => {
      if (i === j) return;
      if (q.contractChange && graph.calls(batch[i].service, batch[j].service)) out.push(`after ${q.c.id} (API contract change on ${q.c.service}, which ${p.c.service} calls) ends at ${iso(origin, starts[j] + rolloutMinutes).slice(11, 16)} UTC`);
      else if (p.contractChange && graph.calls(batch[j].service, batch[i].service)) out.push(`before ${q.c.id} on ${q.c.service}, which calls ${p.c.service}`);
      else if (graph.coupled(batch[i].service, batch[j].service)) out.push(`not alongside ${q.c.id} (${q.c.service === p.c.service ? 'same service' : `${q.c.service} is coupled to ${p.c.service}`})`);
    });
    return out;
  });
  const changes = per.map((p, i) => {
    const at = p.explain(p.rec.ranked.find((x) => shift(p, x.start) === starts[i])!);
    const w = toWire(at, p.originMs);
    const bound = notes[i].length ? `; ${notes[i].join('; ')}` : '';
    return {
      id: p.c.id,
      service: p.c.service,
      readyAt: iso(p.originMs, p.rec.readyAt),
      start: w.start,
      end: iso(origin, starts[i] + rolloutMinutes),
      expectedCost: at.expectedCost,
      whenReadyCost: p.rec.whenReady.expectedCost,
      risk: at.risk,
          needsApproval: at.needsApproval,
      explanation: `${w.explanation}${bound}`,
      imputed: p.imputed,
    };
  });
  const order = [...changes.keys()]
    .sort((x, y) => starts[x] - starts[y] || x - y)
    .map((i, k) => `${k + 1}. ${changes[i].id} on ${changes[i].service}: ${changes[i].start.slice(0, 16)}–${changes[i].end.slice(11, 16)} UTC${notes[i].length ? ` (${notes[i].join('; ')})` : ''}`);
  const out: ScheduleResponse = {
    changes,
    totalExpectedCost: plan.totalExpectedCost,
    whenReadyCost: per.reduce((a, p) => a + p.rec.whenReady.expectedCost, 0),
    violations,
    order,
    rolloutMinutes,
    modelVersion: risk.version,
  };
  return out;
}

/** A directed cycle among n nodes (as a closed path of node indices), or null. */
export function findCycle(n: number, edges: readonly { caller: number; callee: number }[]): number[] | null {
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) out[e.caller].push(e.callee);
  for (const l of out) l.sort((a, b) => a - b);
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const stack: number[] = [];
  const visit = (v: number): number[] | null => {
    state[v] = 1;
    stack.push(v);
    for (const w of out[v]) {
      if (state[w] === 1) return [...stack.slice(stack.indexOf(w)), w];
      if (state[w] === 0) {
        const c = visit(w);
        if (c) return c;
      }
    }
    stack.pop();
    state[v] = 2;
    return null;
  };
  for (let v = 0; v < n; v++) {
    if (state[v] === 0) {
      const c = visit(v);
      if (c) return c;
    }
  }
  return null;
}
