// Deployment windows on a team's own history (`rolloutlab windows --history <imported folder>`): the start times of
// one change of a service ranked by the `risk-history` champion (the risk model trained on that history, training/
// risk/history-family.ts), and an evaluation of those rankings on the history's held-out period.
//
// What the history gives, and so what is used (docs/window.md, "On your own history"):
// - the risk at a start t: the model's features for t as the history model defines them (training/risk/history.ts):
//   the hour and weekend of t in UTC, the hours since the service's last rollout ended, its deployments so far and
//   its recent failure share. The service's rows are those started before the change is ready: what a decision at
//   that time could know. The change's own columns come from the caller (the change file or flags);
// - the rollout length: the median finished_at − started_at of the service's rows (else of every row; else a default);
// - the exposure: only when the caller gives the service's traffic (`time,requests`), forecast from it over each
//   rollout window with the seasonal forecaster of training/forecast, as the simulated path does. Without it the cost
//   is the failure probability alone and the ranking is by risk: traffic is never invented.
// What a history does not give is not made up: there is no on-call cover (so no cover factor in the cost and no
// approval flag) and no freezes.
//
// Fail closed: a champion with a feature a history cannot give for a start time is an error naming it, and so is a
// service without an earlier row when the model needs the hours since its last deploy.
import { readDataset } from '../../datasets/read-dataset.ts';
import type { TrafficSeries } from '../../datasets/traffic-csv.ts';
import { isRolloutlabError, RolloutlabError, show } from '../../lib/errors.ts';
import { quantile, wilsonInterval } from '../../lib/stats.ts';
import { rangeProblem, VALUE_RANGE_TEXT } from '../../lib/value-range.ts';
import { RISK_MODEL_FEATURES } from '../../sim/risk-features.ts';
import { TYPICAL_FAULT_BAD_RATIO } from '../../sim/world.ts';
import { fitForecaster } from '../forecast/index.ts';
import type { Columns, GamModel, Reason } from '../gam.ts';
import type { ModelCard } from '../card.ts';
import type { ModelRegistry } from '../registry.ts';
import { loadHistoryRisk } from '../risk/history-family.ts';
import { clockFeaturesAt, HISTORY_CHANGE_FEATURES, HISTORY_CLOCK_FEATURES, HISTORY_RISK_FAMILY, HISTORY_SERVICE_FEATURES, HISTORY_TABLE, historyRiskData, isHistoryManifest, serviceHistoryAt, type PastDeployment } from '../risk/history.ts';
import { outsideAllowed, timingFactors, utcOffsetText, type AllowedMinutes, type TimingFactor } from './recommend.ts';
import { checkPlan, planSchedule, serviceGraph, type BatchChange, type Violation } from './schedule.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
/** The traffic forecaster needs two days of the service's traffic before the change is ready (as the simulated path). */
export const MIN_TRAFFIC_DAYS = 2;
/** Traffic that ends this long before the change is ready is too old to forecast from (as POST /v1/deploy/windows). */
const MAX_TRAFFIC_GAP_DAYS = 7;
/** At most this many days of traffic before readiness are fitted on (the forecaster reads the last weeks only). */
const MAX_TRAFFIC_DAYS = 56;

/** An imported history's rows in start order (started_at, then deployment_id: the order the risk model reads). */
export interface HistoryRows {
  dir: string;
  ids: string[];
  services: string[];
  startedAt: Float64Array;
  /** NaN when the row has no finished_at. */
  finishedAt: Float64Array;
  failed: Uint8Array;
  /** The service names, sorted. */
  known: string[];
}

/** Read an imported deployment history (`rolloutlab import history`); BAD_DATA for another kind of data set. */
export async function readHistoryRows(dir: string): Promise<HistoryRows> {
  let ds;
  try {
    ds = await readDataset(dir);
  } catch (e) {
    if (isRolloutlabError(e)) throw new RolloutlabError(e.code, `--history: ${e.message}`, 'history');
    throw e;
  }
  try {
    if (!isHistoryManifest(ds.manifest)) {
      const m = ds.manifest;
      const what = m.kind === 'imported' ? `an imported ${String((m.extra as { source?: unknown }).source ?? 'data set')} data set` : `a ${m.kind} data set`;
      throw new RolloutlabError('BAD_DATA', `--history ${dir}: ${what}, not an imported deployment history (rolloutlab import history)`, 'history');
    }
    const rows = await ds.query(`SELECT deployment_id, service, started_at, finished_at, failed FROM ${HISTORY_TABLE} ORDER BY started_at, deployment_id`);
    if (rows.length === 0) throw new RolloutlabError('BAD_DATA', `--history ${dir}: the history has no deployment`, 'history');
    const services = rows.map((r) => String(r.service));
    return {
      dir,
      ids: rows.map((r) => String(r.deployment_id)),
      services,
      startedAt: Float64Array.from(rows, (r) => Number(r.started_at)),
      finishedAt: Float64Array.from(rows, (r) => (r.finished_at === null || r.finished_at === undefined ? NaN : Number(r.finished_at))),
      failed: Uint8Array.from(rows, (r) => (r.failed ? 1 : 0)),
      known: [...new Set(services)].sort(),
    };
  } finally {
    ds.close();
  }
}

/** A row's end as the service-history features read it: finished_at, else started_at. */
const endOf = (h: HistoryRows, i: number) => (Number.isNaN(h.finishedAt[i]) ? h.startedAt[i] : h.finishedAt[i]);

/** The service's rows among the first `before` rows, as the service-history features read them. */
function pastOf(h: HistoryRows, service: string, before: number): PastDeployment[] {
  const out: PastDeployment[] = [];
  for (let i = 0; i < before; i++) if (h.services[i] === service) out.push({ end: endOf(h, i), failed: h.failed[i] === 1 });
  return out;
}

/** The risk-history champion (or a version) with its card; a clear NOT_FOUND when the registry has none. */
export async function historyChampion(registry: ModelRegistry, version = 'champion'): Promise<{ model: GamModel; version: string; card: ModelCard }> {
  try {
    const { model, card } = await loadHistoryRisk(registry, version);
    return { model, version: card.version, card };
  } catch (e) {
    if (isRolloutlabError(e) && e.code === 'NOT_FOUND' && e.field === 'family') {
      throw new RolloutlabError('NOT_FOUND', `no ${HISTORY_RISK_FAMILY} champion in ${registry.root}: windows on a history are scored by the risk model trained on one (rolloutlab train risk --data <imported history>, then --models to the same registry)`, 'models');
    }
    throw e;
  }
}

/** The model's inputs by where a history gets them; BAD_DATA naming the first feature a history cannot give for a start. */
export function historyModelInputs(model: GamModel, version: string): { change: string[]; clock: string[]; service: string[] } {
  const names = model.specs.map((s) => s.name);
  const other = names.filter((n) => !HISTORY_CHANGE_FEATURES.has(n) && !HISTORY_CLOCK_FEATURES.includes(n) && !HISTORY_SERVICE_FEATURES.includes(n));
  if (other.length) {
    throw new RolloutlabError('BAD_DATA', `${HISTORY_RISK_FAMILY} ${version} needs ${other.join(', ')}, which a deployment history cannot give for a candidate start (it gives the change's own columns, the clock and the service's earlier rows): retrain it with rolloutlab train risk --data <imported history>`, other[0]);
  }
  return { change: names.filter((n) => HISTORY_CHANGE_FEATURES.has(n)), clock: names.filter((n) => HISTORY_CLOCK_FEATURES.includes(n)), service: names.filter((n) => HISTORY_SERVICE_FEATURES.includes(n)) };
}

export type ChangeValue = string | number | boolean | null;

/**
 * The change's own features as the model reads them (numbers; binaries 0 / 1; a category as its level index), checked
 * against the risk schema's ranges and levels. A name that is not a change feature of the model, or a feature computed
 * per start from the history, is refused; a change feature the model has and the caller leaves out is scored at its
 * training median (listed in `imputed`). `code` is BAD_ARGUMENT for flags and BAD_DATA for a file; `where` names the
 * source in the message and the error's field.
 */
export function encodeChange(model: GamModel, version: string, given: Record<string, ChangeValue>, code: 'BAD_ARGUMENT' | 'BAD_DATA', where: { label: string; field: string } = { label: '--change', field: 'change' }): { values: Record<string, number>; imputed: string[] } {
  const inputs = historyModelInputs(model, version);
  const bad = (name: string, why: string) => new RolloutlabError(code, `${where.label} ${name}: ${why}`, where.field);
  for (const name of Object.keys(given).sort()) {
    if (HISTORY_CLOCK_FEATURES.includes(name) || HISTORY_SERVICE_FEATURES.includes(name)) throw bad(name, 'is computed for each candidate start from the clock and the service\'s rows in the history; leave it out');
    if (!inputs.change.includes(name)) throw bad(name, `is not a change feature of ${HISTORY_RISK_FAMILY} ${version} (its change features: ${inputs.change.join(', ') || 'none'})`);
  }
  const values: Record<string, number> = {};
  const imputed: string[] = [];
  for (const name of inputs.change) {
    const v = given[name];
    const f = RISK_MODEL_FEATURES.find((x) => x.name === name)!;
    if (v === undefined || v === null || v === '') {
      imputed.push(name);
      values[name] = NaN;
      continue;
    }
    if (f.kind === 'category') {
      if (!f.levels.includes(String(v))) throw bad(name, `${show(v)} is not one of ${f.levels.join(', ')}`);
      values[name] = f.levels.indexOf(String(v));
    } else if (f.kind === 'binary') {
      const b = v === true || v === 1 || v === 'true' || v === '1' ? 1 : v === false || v === 0 || v === 'false' || v === '0' ? 0 : null;
      if (b === null) throw bad(name, `${show(v)} is not a boolean (true / false or 1 / 0)`);
      values[name] = b;
    } else {
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      const problem = rangeProblem(f.range, x);
      if (problem) throw bad(name, `${show(v)} ${problem}: it must be ${VALUE_RANGE_TEXT[f.range]}`);
      values[name] = x;
    }
  }
  return { values, imputed };
}

/** The rollout length a history gives for a service: the median finished_at − started_at of its rows, else of every
 *  row, else the default; with where it came from. */
export function historyRolloutMinutes(h: HistoryRows, service: string, before: number, defaultMinutes: number): { minutes: number; source: 'service' | 'history' | 'default'; rows: number; text: string } {
  const durations = (pick: (i: number) => boolean) => {
    const d: number[] = [];
    for (let i = 0; i < before; i++) if (pick(i) && !Number.isNaN(h.finishedAt[i])) d.push((h.finishedAt[i] - h.startedAt[i]) / MIN);
    return d;
  };
  const own = durations((i) => h.services[i] === service);
  if (own.length) {
    const m = Math.max(1, Math.round(quantile(own, 0.5)));
    return { minutes: m, source: 'service', rows: own.length, text: `${m} min: the median finished_at − started_at of ${service}'s ${own.length} rows` };
  }
  const all = durations(() => true);
  if (all.length) {
    const m = Math.max(1, Math.round(quantile(all, 0.5)));
    return { minutes: m, source: 'history', rows: all.length, text: `${m} min: the median finished_at − started_at of the history's ${all.length} rows (${service}'s rows have no finished_at)` };
  }
  return { minutes: defaultMinutes, source: 'default', rows: 0, text: `${defaultMinutes} min: the default rollout with bake (the history has no finished_at)` };
}

export interface HistoryWindowOptions {
  horizonHours: number;
  stepMinutes: number;
  top: number;
  allowedMinutes: AllowedMinutes | null;
  /** The team's UTC offset in minutes: allowed hours are its local hours (a history records no time zone; default UTC). */
  utcOffsetMinutes: number;
  /** The rollout length when the history has no finished_at. */
  defaultRolloutMinutes: number;
  /** Use this rollout length instead of the history's (a schedule gives every change of its batch the same). */
  rolloutMinutes?: number;
}

export const HISTORY_WINDOW_DEFAULTS: HistoryWindowOptions = { horizonHours: 72, stepMinutes: 15, top: 5, allowedMinutes: null, utcOffsetMinutes: 0, defaultRolloutMinutes: 70 };

export interface HistoryWindow {
  /** Start and end of rollout and bake (ISO 8601, UTC). */
  start: string;
  end: string;
  minutesAfterReady: number;
  /** The risk-history champion's failure probability for this start. */
  risk: number;
  /** Requests forecast over the rollout window; null without traffic. */
  forecastRequests: number | null;
  /** risk × forecast requests × the typical bad share of a fault: expected bad requests; null without traffic. */
  expectedCost: number | null;
  outsideAllowedHours: boolean;
  reasons: Reason[];
  factors: TimingFactor[];
  explanation: string;
}

export interface HistoryRecommendation {
  history: string;
  service: string;
  readyAt: string;
  /** Where readyAt came from. */
  readySource: string;
  riskModel: { family: typeof HISTORY_RISK_FAMILY; version: string };
  /** `risk`: no traffic given, ranked by the failure probability; `expected-bad-requests`: risk × forecast exposure. */
  costBasis: 'risk' | 'expected-bad-requests';
  cost: string;
  rollout: { minutes: number; source: 'service' | 'history' | 'default' | 'batch'; rows: number; text: string };
  serviceHistory: { rowsBeforeReady: number; laterRowsIgnored: number; deploysSoFar: number; recentFailureRate: number; lastDeployEnd: string | null; hoursSinceLastAtReady: number | null };
  change: { values: Record<string, number>; imputed: string[] };
  traffic: { file: string; stepMinutes: number; from: string; to: string; minutes: number } | null;
  /** A history holds no on-call cover: no cover factor and no approval flag. */
  onCallCover: null;
  notes: string[];
  ranked: HistoryWindow[];
  whenReady: HistoryWindow;
  candidates: number;
  outsideAllowedCandidates: number;
  allowedHours: string | null;
  horizonHours: number;
  stepMinutes: number;
}

export interface HistoryWindowRequest {
  service: string;
  /** Epoch ms the change is ready (default: the history's last started_at + 1 minute). */
  readyMs?: number;
  change: { values: Record<string, number>; imputed: string[] };
  traffic?: TrafficSeries | null;
}

const isoMs = (ms: number) => new Date(ms).toISOString();
const clockText = (ms: number) => {
  const d = new Date(ms);
  return `${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]} ${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
};

/** The model's columns for starts at `times` (epoch ms): the change's values repeated, the clock of each start, the
 *  service's deployments so far and recent failure share as of readiness, the hours since its last rollout ended. */
function startColumns(model: GamModel, times: readonly number[], change: Record<string, number>, state: { lastEnd: number; deploysSoFar: number; recentFailureRate: number }): Columns {
  const n = times.length;
  const clock = times.map(clockFeaturesAt);
  const cols: Columns = {};
  for (const s of model.specs) {
    const name = s.name;
    if (name === 'hour_sin' || name === 'hour_cos' || name === 'weekend') cols[name] = Float64Array.from(clock, (c) => c[name]);
    else if (name === 'hours_since_last_deploy') cols[name] = Float64Array.from(times, (t) => (Number.isNaN(state.lastEnd) ? NaN : Math.max(0, (t - state.lastEnd) / HOUR)));
    else if (name === 'service_deploys_so_far') cols[name] = new Float64Array(n).fill(state.deploysSoFar);
    else if (name === 'service_recent_failure_rate') cols[name] = new Float64Array(n).fill(state.recentFailureRate);
    else cols[name] = new Float64Array(n).fill(change[name] ?? NaN);
  }
  return cols;
}

/** The traffic known at readiness as per-minute counts, the forecaster fitted on it, and its forecast from its end. */
function trafficForecast(tr: TrafficSeries, readyMs: number, minutesAhead: number) {
  const stepMs = tr.stepMinutes * MIN;
  const fileEnd = tr.startMs + tr.values.length * stepMs;
  if (tr.startMs >= readyMs) throw new RolloutlabError('BAD_DATA', `--traffic ${tr.file}: starts at ${isoMs(tr.startMs)}, not before the change is ready (${isoMs(readyMs)}): give the service's traffic before --ready`, 'traffic');
  // Only what is known when deciding: the samples that end by readiness (whole steps), at most the last 56 days.
  const end = Math.min(fileEnd, tr.startMs + Math.floor((readyMs - tr.startMs) / stepMs) * stepMs);
  const from = Math.max(tr.startMs, end - Math.floor((MAX_TRAFFIC_DAYS * 1440 * MIN) / stepMs) * stepMs);
  const minutes = (end - from) / MIN;
  if (minutes < MIN_TRAFFIC_DAYS * 1440) {
    throw new RolloutlabError('BAD_DATA', `--traffic ${tr.file}: ${(minutes / 1440).toFixed(2)} days of traffic before the change is ready (${isoMs(from)} to ${isoMs(end)}); the forecaster needs at least ${MIN_TRAFFIC_DAYS} days before --ready`, 'traffic');
  }
  if (readyMs - end > MAX_TRAFFIC_GAP_DAYS * 1440 * MIN) {
    throw new RolloutlabError('BAD_DATA', `--traffic ${tr.file}: ends at ${isoMs(end)}, more than ${MAX_TRAFFIC_GAP_DAYS} days before the change is ready (${isoMs(readyMs)}): give more recent traffic`, 'traffic');
  }
  const perMinute = new Float64Array(minutes);
  let samples = 0;
  const first = (from - tr.startMs) / stepMs;
  for (let k = 0; k < minutes / tr.stepMinutes; k++) {
    const v = tr.values[first + k];
    if (!Number.isNaN(v)) samples++;
    perMinute.fill(v / tr.stepMinutes, k * tr.stepMinutes, (k + 1) * tr.stepMinutes);
  }
  if (samples === 0) throw new RolloutlabError('BAD_DATA', `--traffic ${tr.file}: no sample between ${isoMs(from)} and ${isoMs(end)} (every requests cell is empty)`, 'traffic');
  const fc = fitForecaster(perMinute, { period: 1440 }).forecast(perMinute, Math.ceil((readyMs - end) / MIN) + minutesAhead);
  return { fc, endMs: end, fromMs: from, minutes };
}

/** Rank the start times of one change of a service by the risk-history champion (see the top of this file). */
export function recommendOnHistory(h: HistoryRows, risk: { model: GamModel; version: string }, req: HistoryWindowRequest, options: Partial<HistoryWindowOptions> = {}): HistoryRecommendation {
  const o = { ...HISTORY_WINDOW_DEFAULTS, ...options };
  if (!h.known.includes(req.service)) {
    throw new RolloutlabError('NOT_FOUND', `--service: no service ${JSON.stringify(req.service)} in the history ${h.dir} (its services: ${h.known.join(', ')})`, 'service');
  }
  const inputs = historyModelInputs(risk.model, risk.version);
  const lastStart = h.startedAt[h.startedAt.length - 1];
  const readyMs = Math.ceil((req.readyMs ?? lastStart + MIN) / MIN) * MIN;
  const readySource = req.readyMs === undefined ? `the history's last started_at (${isoMs(lastStart)}) + 1 min` : '--ready';
  // Only the rows started before readiness: what a decision then could know.
  let before = 0;
  while (before < h.startedAt.length && h.startedAt[before] < readyMs) before++;
  const past = pastOf(h, req.service, before);
  const laterRowsIgnored = h.services.slice(before).filter((s) => s === req.service).length;
  if (past.length === 0 && inputs.service.includes('hours_since_last_deploy')) {
    throw new RolloutlabError('BAD_DATA', `${HISTORY_RISK_FAMILY} ${risk.version} needs hours_since_last_deploy, but ${req.service} has no deployment in the history before the change is ready (${isoMs(readyMs)}): the time since its last rollout cannot be computed (a later --ready, or a history with its earlier deployments)`, 'hours_since_last_deploy');
  }
  const sh = serviceHistoryAt(past, readyMs);
  const state = { lastEnd: past.length ? past[past.length - 1].end : NaN, deploysSoFar: sh.deploysSoFar, recentFailureRate: sh.recentFailureRate };
  const rollout = o.rolloutMinutes !== undefined ? { minutes: o.rolloutMinutes, source: 'batch' as const, rows: 0, text: `${o.rolloutMinutes} min: the longest of the batch's services` } : historyRolloutMinutes(h, req.service, before, o.defaultRolloutMinutes);
  const W = rollout.minutes;
  const offsets: number[] = [];
  for (let t = 0; t <= o.horizonHours * 60; t += o.stepMinutes) offsets.push(t);
  const times = offsets.map((t) => readyMs + t * MIN);
  const cols = startColumns(risk.model, times, req.change.values, state);
  const p = risk.model.predict(cols, times.length);
  const broken = p.findIndex((x) => !Number.isFinite(x));
  if (broken >= 0) throw new RolloutlabError('BAD_DATA', `${HISTORY_RISK_FAMILY} ${risk.version} gives no finite risk for a start at ${isoMs(times[broken])} (a value far outside what it was trained on)`, 'change');
  // The exposure, only from the traffic given.
  let requests: number[] | null = null;
  let traffic: HistoryRecommendation['traffic'] = null;
  if (req.traffic) {
    const f = trafficForecast(req.traffic, readyMs, o.horizonHours * 60 + W + o.stepMinutes);
    const lead = Math.ceil((readyMs - f.endMs) / MIN);
    requests = offsets.map((t) => {
      let s = 0;
      for (let k = lead + t; k < lead + t + W; k++) s += f.fc[Math.min(f.fc.length - 1, k)];
      return s;
    });
    if (requests.some((x) => !Number.isFinite(x))) throw new RolloutlabError('BAD_DATA', `--traffic ${req.traffic.file}: gives no finite forecast (its last days hold too few samples)`, 'traffic');
    traffic = { file: req.traffic.file, stepMinutes: req.traffic.stepMinutes, from: isoMs(f.fromMs), to: isoMs(f.endMs), minutes: f.minutes };
  }
  const local0 = (((readyMs / MIN) % 1440) + o.utcOffsetMinutes + 1440) % 1440;
  const cands = offsets.map((t, i) => ({
    i,
    t,
    risk: p[i],
    requests: requests ? requests[i] : null,
    cost: requests ? p[i] * requests[i] * TYPICAL_FAULT_BAD_RATIO : null,
    outside: outsideAllowed(o.allowedMinutes, local0, t, W),
  }));
  const key = (c: (typeof cands)[number]) => c.cost ?? c.risk;
  const open = cands.filter((c) => !c.outside);
  const allowedHours = o.allowedMinutes ? `${o.allowedMinutes.text} team local time (${utcOffsetText(o.utcOffsetMinutes)})` : null;
  if (open.length === 0) {
    throw new RolloutlabError('NOT_FOUND', `--allowed-hours: no start within --horizon ${o.horizonHours} h of ${isoMs(readyMs)} keeps its whole rollout (${W} min) inside the allowed hours (${allowedHours}): allow more hours or raise --horizon`, 'allowed-hours');
  }
  const ranked = [...open].sort((a, b) => key(a) - key(b) || a.t - b.t);
  const whenReady = open[0];
  const readyReasons = new Map(risk.model.reasons(cols, whenReady.i).map((r) => [r.feature, r.contribution]));
  const explain = (c: (typeof cands)[number]): HistoryWindow => {
    const reasons = risk.model.reasons(cols, c.i);
    const factors = timingFactors(reasons, readyReasons);
    const at = times[c.i];
    const riskCut = whenReady.risk > 0 ? 1 - c.risk / whenReady.risk : 0;
    const pct = (x: number, less: string, more: string) => `${Math.abs(100 * x).toFixed(0)} % ${x >= 0 ? less : more}`;
    const shifts = factors.slice(0, 2).map((x) => `${x.factor} ${x.logOddsChange >= 0 ? '+' : '−'}${Math.abs(x.logOddsChange).toFixed(2)}`);
    const exposure = c.requests !== null && whenReady.requests !== null && whenReady.requests > 0 ? c.requests / whenReady.requests : null;
    const costCut = c.cost !== null && whenReady.cost !== null && whenReady.cost > 0 ? 1 - c.cost / whenReady.cost : null;
    const vs =
      c.t === whenReady.t
        ? ': as soon as it is ready'
        : `: ${pct(riskCut, 'lower', 'higher')} risk than deploying when ready` +
          (costCut !== null ? `, ${pct(costCut, 'less', 'more')} expected cost` : '') +
          (exposure !== null ? ` (${pct(1 - exposure, 'fewer', 'more')} requests exposed)` : '') +
          (shifts.length ? `; what the timing changes in the risk (log-odds): ${shifts.join(', ')}` : '');
    const reqs = c.requests !== null ? `, ${Math.round(c.requests).toLocaleString('en-US')} requests forecast over the rollout` : '';
    return {
      start: isoMs(at),
      end: isoMs(at + W * MIN),
      minutesAfterReady: c.t,
      risk: c.risk,
      forecastRequests: c.requests,
      expectedCost: c.cost,
      outsideAllowedHours: c.outside,
      reasons: reasons.slice(0, 3),
      factors,
      explanation: `Deploy ${clockText(at)} (risk ${c.risk.toFixed(3)}${reqs})${vs}`,
    };
  };
  const notes = [
    'on-call cover: a deployment history holds none, so the cost has no cover factor and no window is flagged for approval',
    requests ? `exposure: requests forecast from ${traffic!.file} (seasonal forecaster fitted on the ${(traffic!.minutes / 1440).toFixed(1)} days before readiness)` : 'exposure: no --traffic given, so the cost is the failure probability alone: the ranking is by risk, not by bad requests',
    'freezes: a history records none; none are applied',
  ];
  if (laterRowsIgnored) notes.push(`${laterRowsIgnored} rows of ${req.service} start at or after --ready: not used (a decision then could not know them)`);
  if (req.change.imputed.length) notes.push(`change features not given, scored at the model's training median: ${req.change.imputed.join(', ')}`);
  return {
    history: h.dir,
    service: req.service,
    readyAt: isoMs(readyMs),
    readySource,
    riskModel: { family: HISTORY_RISK_FAMILY, version: risk.version },
    costBasis: requests ? 'expected-bad-requests' : 'risk',
    cost: requests
      ? `expected cost = P(failure) × requests forecast over the rollout × ${(100 * TYPICAL_FAULT_BAD_RATIO).toFixed(0)} % bad: the bad requests the rollout is expected to cause (no on-call factor: the history has no cover)`
      : 'cost = P(failure) alone: no --traffic, so no exposure is assumed and the windows are ranked by risk',
    rollout,
    serviceHistory: {
      rowsBeforeReady: past.length,
      laterRowsIgnored,
      deploysSoFar: sh.deploysSoFar,
      recentFailureRate: sh.recentFailureRate,
      lastDeployEnd: past.length ? isoMs(state.lastEnd) : null,
      hoursSinceLastAtReady: Number.isNaN(sh.hoursSinceLast) ? null : sh.hoursSinceLast,
    },
    change: req.change,
    traffic,
    onCallCover: null,
    notes,
    ranked: ranked.slice(0, o.top).map(explain),
    whenReady: explain(whenReady),
    candidates: cands.length,
    outsideAllowedCandidates: cands.length - open.length,
    allowedHours,
    horizonHours: o.horizonHours,
    stepMinutes: o.stepMinutes,
  };
}

// ---- Several changes across services: the scheduler on a history ---------------------------------------------------

export interface HistoryBatchChange {
  id: string;
  service: string;
  /** Epoch ms the change is ready (default: the history's last started_at + 1 minute). */
  readyMs?: number;
  change: { values: Record<string, number>; imputed: string[] };
  /** It alters the API its callers use: it must finish before any caller's change in the batch starts. */
  apiContractChange: boolean;
}

export interface HistoryBatch {
  changes: HistoryBatchChange[];
  /** caller → callee edges between services of the history (a history records none: the batch file gives them). */
  dependencies: { caller: string; callee: string }[];
  /** Each changed service's traffic, or null for none (then every cost is the failure probability). */
  traffic: Record<string, TrafficSeries> | null;
}

export interface HistorySchedule {
  history: string;
  riskModel: { family: typeof HISTORY_RISK_FAMILY; version: string };
  costBasis: 'risk' | 'expected-bad-requests';
  /** The rollout length every change of the batch is given: the longest of its services' (so no overlap is missed). */
  rolloutMinutes: number;
  changes: { id: string; service: string; readyAt: string; start: string; end: string; risk: number; expectedCost: number | null; whenReadyRisk: number; whenReadyCost: number | null; explanation: string; imputed: string[] }[];
  /** Σ cost (risk, or expected bad requests) of the schedule and of deploying every change when ready (ignoring the constraints). */
  totalCost: number;
  whenReadyCost: number;
  violations: Violation[];
  order: string[];
  notes: string[];
}

/** A directed cycle among the edges (service names), or null. */
function cycleOf(edges: readonly { caller: string; callee: string }[]): string[] | null {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.caller, [...(out.get(e.caller) ?? []), e.callee]);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (v: string): string[] | null => {
    state.set(v, 1);
    stack.push(v);
    for (const w of [...(out.get(v) ?? [])].sort()) {
      if (state.get(w) === 1) return [...stack.slice(stack.indexOf(w)), w];
      if (!state.has(w)) {
        const c = visit(w);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(v, 2);
    return null;
  };
  for (const v of [...out.keys()].sort()) if (!state.has(v)) {
    const c = visit(v);
    if (c) return c;
  }
  return null;
}

/**
 * Start times for a batch of changes across the history's services at the least total cost, with the multi-service
 * scheduler (schedule.ts `planSchedule`: contract-changing callees finish before their callers start, coupled services
 * never roll out at once), each change's candidates ranked as `recommendOnHistory` ranks them, and the independent
 * checker's verdict. `field` names where an error points (the batch file's fields).
 */
export function scheduleOnHistory(h: HistoryRows, risk: { model: GamModel; version: string }, batch: HistoryBatch, options: Partial<HistoryWindowOptions> = {}): HistorySchedule {
  const o = { ...HISTORY_WINDOW_DEFAULTS, ...options };
  const known = (name: string, field: string) => {
    if (!h.known.includes(name)) throw new RolloutlabError('NOT_FOUND', `--schedule ${field}: no service ${JSON.stringify(name)} in the history ${h.dir} (its services: ${h.known.join(', ')})`, field);
  };
  const seen = new Map<string, number>();
  batch.changes.forEach((c, i) => {
    const j = seen.get(c.id);
    if (j !== undefined) throw new RolloutlabError('BAD_DATA', `--schedule changes[${i}].id: duplicates changes[${j}].id (${JSON.stringify(c.id)})`, `changes[${i}].id`);
    seen.set(c.id, i);
    known(c.service, `changes[${i}].service`);
  });
  batch.dependencies.forEach((d, i) => {
    known(d.caller, `dependencies[${i}].caller`);
    known(d.callee, `dependencies[${i}].callee`);
  });
  const cycle = cycleOf(batch.dependencies);
  if (cycle) throw new RolloutlabError('BAD_DATA', `--schedule dependencies: contain a cycle: ${cycle.join(' → ')} (the order of contract changes would be undefined)`, 'dependencies');
  if (batch.traffic) {
    for (const c of batch.changes) if (!batch.traffic[c.service]) throw new RolloutlabError('BAD_DATA', `--schedule traffic: gives no file for ${c.service}; give every changed service's traffic or none (costs in bad requests and in risk cannot be added up)`, `traffic.${c.service}`);
  }
  // One rollout length for the batch, the longest of its services', so that no overlap or contract order is missed.
  const lastStart = h.startedAt[h.startedAt.length - 1];
  const readyOf = (c: HistoryBatchChange) => Math.ceil((c.readyMs ?? lastStart + MIN) / MIN) * MIN;
  const rowsBefore = (ms: number) => {
    let k = 0;
    while (k < h.startedAt.length && h.startedAt[k] < ms) k++;
    return k;
  };
  const W = Math.max(...batch.changes.map((c) => historyRolloutMinutes(h, c.service, rowsBefore(readyOf(c)), o.defaultRolloutMinutes).minutes));
  const recs = batch.changes.map((c) => recommendOnHistory(h, risk, { service: c.service, readyMs: c.readyMs, change: c.change, traffic: batch.traffic?.[c.service] ?? null }, { ...o, rolloutMinutes: W, top: Number.MAX_SAFE_INTEGER }));
  const origin = Math.min(...recs.map((r) => Date.parse(r.readyAt)));
  const axis = (iso: string) => (Date.parse(iso) - origin) / MIN;
  const cost = (w: HistoryWindow) => w.expectedCost ?? w.risk;
  const names = [...new Set([...batch.changes.map((c) => c.service), ...batch.dependencies.flatMap((d) => [d.caller, d.callee])])].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const graph = serviceGraph(batch.dependencies.map((d) => ({ caller: index.get(d.caller)!, callee: index.get(d.callee)! })));
  const plain: BatchChange[] = batch.changes.map((c, i) => ({ id: c.id, service: index.get(c.service)!, readyAt: axis(recs[i].readyAt), contractChange: c.apiContractChange }));
  const plan = planSchedule(plain, recs.map((r) => ({ ranked: r.ranked.map((w) => ({ start: axis(w.start), expectedCost: cost(w) })) })), W, graph);
  const starts = plan.changes.map((x) => x.start);
  const violations = checkPlan(plain, starts, o.horizonHours * 60, W, [], graph);
  if (plan.unplaced.length || violations.length) {
    const what = violations.map((v) => `${v.kind} ${v.a}${v.b ? ` / ${v.b}` : ''}`).join('; ');
    throw new RolloutlabError('NOT_FOUND', `--schedule: ${plan.unplaced[0] ?? violations[0].a} has no start within --horizon ${o.horizonHours} h that satisfies the order and overlap constraints with the rest of the batch${o.allowedMinutes ? ' inside the allowed hours' : ''} (${what || 'no feasible start'}): raise --horizon, allow more hours or split the batch`, 'schedule');
  }
  const bound = batch.changes.map((c, i) => {
    const out: string[] = [];
    batch.changes.forEach((q, j) => {
      if (i === j) return;
      if (q.apiContractChange && graph.calls(plain[i].service, plain[j].service)) out.push(`after ${q.id} (API contract change on ${q.service}, which ${c.service} calls)`);
      else if (c.apiContractChange && graph.calls(plain[j].service, plain[i].service)) out.push(`before ${q.id} on ${q.service}, which calls ${c.service}`);
      else if (graph.coupled(plain[i].service, plain[j].service)) out.push(`not alongside ${q.id} (${q.service === c.service ? 'same service' : `${q.service} is coupled to ${c.service}`})`);
    });
    return out;
  });
  const changes = batch.changes.map((c, i) => {
    const w = recs[i].ranked.find((x) => axis(x.start) === starts[i])!;
    return {
      id: c.id,
      service: c.service,
      readyAt: recs[i].readyAt,
      start: w.start,
      end: w.end,
      risk: w.risk,
      expectedCost: w.expectedCost,
      whenReadyRisk: recs[i].whenReady.risk,
      whenReadyCost: recs[i].whenReady.expectedCost,
      explanation: `${w.explanation}${bound[i].length ? `; ${bound[i].join('; ')}` : ''}`,
      imputed: c.change.imputed,
    };
  });
  const order = [...changes.keys()]
    .sort((x, y) => starts[x] - starts[y] || x - y)
    .map((i, k) => `${k + 1}. ${changes[i].id} on ${changes[i].service}: ${changes[i].start.slice(0, 16)}–${changes[i].end.slice(11, 16)} UTC${bound[i].length ? ` (${bound[i].join('; ')})` : ''}`);
  const costBasis = batch.traffic ? 'expected-bad-requests' : 'risk';
  return {
    history: h.dir,
    riskModel: { family: HISTORY_RISK_FAMILY, version: risk.version },
    costBasis,
    rolloutMinutes: W,
    changes,
    totalCost: plan.totalExpectedCost,
    whenReadyCost: recs.reduce((a, r) => a + cost(r.whenReady), 0),
    violations,
    order,
    notes: [
      costBasis === 'risk' ? 'cost: the failure probability of each change (no traffic given), summed over the batch' : 'cost: expected bad requests (risk × requests forecast from each service\'s traffic × 5 % bad), summed over the batch',
      `every change is given the batch's longest rollout, ${W} min, so no overlap or contract order is missed`,
      batch.dependencies.length ? `dependencies: ${batch.dependencies.length} ${batch.dependencies.length === 1 ? 'edge' : 'edges'} from the batch file` : 'dependencies: none given (a history records none): only changes of the same service are kept apart',
      'on-call cover and freezes: a history holds none; none are applied',
    ],
  };
}

// ---- Evaluation on the held-out period --------------------------------------------------------------------------

/** Failed among n, the observed share and its Wilson 95 % interval, beside the model's mean P̂. */
export interface ShareWithInterval {
  n: number;
  failed: number;
  observed: number | null;
  interval: [number, number];
  predicted: number | null;
}

export interface HistoryWindowEvaluation {
  history: string;
  riskModel: { family: typeof HISTORY_RISK_FAMILY; version: string };
  heldOut: { n: number; failed: number; from: string; to: string; rule: string; championRows: 'held out from it' | 'newer than its training rows' | 'may overlap its training rows'; note: string };
  imputedFeatures: string[];
  /** (a) Predicted vs observed failure share by start-time bucket (UTC, as the model reads the clock). */
  calibration: ({ bucket: string } & ShareWithInterval)[];
  /** (b) A model estimate, not an observed outcome. */
  timing: {
    estimate: string;
    deployments: number;
    withoutAllowedStart: number;
    meanRiskAtStart: number;
    meanRiskAtRecommended: number;
    /** 1 − Σ P̂(recommended) / Σ P̂(real start). */
    relativeRiskCut: number;
    medianRelativeRiskCut: number;
    moved: number;
    medianDelayHours: number;
  };
  /** (c) Observed outcomes by the model's lowest-risk quartile of hours of the week; null when the model has no clock feature. */
  lowRiskHours: {
    definition: string;
    hoursOfWeek: number[];
    riskRange: [number, number];
    recommendedLike: ShareWithInterval;
    others: ShareWithInterval;
    intervalsOverlap: boolean;
  } | null;
  lowRiskHoursNote: string;
  horizonHours: number;
  stepMinutes: number;
  allowedHours: string | null;
}

function share(idx: readonly number[], y: Uint8Array, p: Float64Array | null): ShareWithInterval {
  const failed = idx.reduce((a, i) => a + y[i], 0);
  return {
    n: idx.length,
    failed,
    observed: idx.length ? failed / idx.length : null,
    interval: wilsonInterval(failed, idx.length),
    predicted: p && idx.length ? idx.reduce((a, i) => a + p[i], 0) / idx.length : null,
  };
}

/** Hour of the week (0 = Monday 00:00 UTC) of an epoch-ms time. */
export const hourOfWeek = (t: number) => {
  const d = new Date(t);
  return ((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours();
};
/** A Monday 00:00 UTC: the origin of the hour-of-week grid. */
const MONDAY = Date.UTC(2024, 0, 1);

/**
 * The evaluation on the history's held-out period (the newest 20 % by started_at, the split the risk-history model
 * uses; nothing here is fitted or tuned on those rows): (a) calibration by start-time bucket, (b) for each held-out
 * deployment the model's risk at its real start vs at the start it would recommend (a model estimate: a history holds
 * no counterfactual), (c) the observed failure share of those that started in the model's lowest-risk quartile of
 * hours of the week vs the others.
 */
export async function evaluateOnHistory(dir: string, risk: { model: GamModel; version: string; card: ModelCard }, options: Partial<HistoryWindowOptions> = {}): Promise<HistoryWindowEvaluation> {
  const o = { ...HISTORY_WINDOW_DEFAULTS, ...options };
  const h = await readHistoryRows(dir);
  const d = await historyRiskData(dir, 'evaluate');
  historyModelInputs(risk.model, risk.version);
  // Both read the rows in the same order; a mismatch would pair features with the wrong rows.
  if (d.deploymentIds.some((id, i) => id !== h.ids[i])) throw new RolloutlabError('BAD_DATA', `--history ${dir}: the rows changed while being read`, 'history');
  const test = d.split.test;
  const y = d.labels;
  const model = risk.model;
  const imputedFeatures = model.specs.filter((s) => !d.cols[s.name] || test.every((i) => Number.isNaN(d.cols[s.name][i]))).map((s) => s.name);
  const pAll = new Float64Array(d.n).fill(NaN);
  {
    const cols: Columns = {};
    for (const s of model.specs) if (d.cols[s.name]) cols[s.name] = Float64Array.from(test, (i) => d.cols[s.name][i]);
    const p = model.predict(cols, test.length);
    test.forEach((i, k) => (pAll[i] = p[k]));
  }
  // Are these rows held out from the champion? Its card names the history it was fitted on and that part's dates.
  const hp = risk.card.hyperParameters as { periods?: { validation?: { to?: string } } };
  const sameHistory = risk.card.dataset.tables[HISTORY_TABLE]?.sha256 === d.manifest.tables[HISTORY_TABLE]?.sha256;
  const fittedTo = Date.parse(hp.periods?.validation?.to ?? '');
  const testFrom = d.periods.test.from;
  const championRows = sameHistory ? 'held out from it' : Number.isFinite(fittedTo) && testFrom > fittedTo ? 'newer than its training rows' : 'may overlap its training rows';
  const note =
    championRows === 'held out from it'
      ? `the champion was trained on this history: these rows are the held-out part of its own split`
      : championRows === 'newer than its training rows'
        ? `the champion was trained on another history whose fitted rows end ${isoMs(fittedTo)}, before these rows`
        : `the champion was trained on another history that may hold these rows (its fitted rows end ${Number.isFinite(fittedTo) ? isoMs(fittedTo) : 'at an unknown date'}): the figures may be optimistic`;

  // (a) calibration by start-time bucket (UTC).
  const bands = [0, 6, 12, 18].map((a) => ({ bucket: `${String(a).padStart(2, '0')}-${String(a + 6).padStart(2, '0')} UTC`, pick: (t: number) => new Date(t).getUTCHours() >= a && new Date(t).getUTCHours() < a + 6 }));
  const days = [
    { bucket: 'weekday (UTC)', pick: (t: number) => clockFeaturesAt(t).weekend === 0 },
    { bucket: 'weekend (UTC)', pick: (t: number) => clockFeaturesAt(t).weekend === 1 },
  ];
  const calibration = [...bands, ...days, { bucket: 'all held out', pick: () => true }].map((b) => ({ bucket: b.bucket, ...share(test.filter((i) => b.pick(d.startedAt[i])), y, pAll) }));

  // (b) each held-out deployment: its risk at the real start vs the lowest-risk start within the horizon and the
  // allowed hours, with the service's rows before it (what a decision at its start could know).
  const rollout = (i: number) => historyRolloutMinutes(h, h.services[i], i, o.defaultRolloutMinutes).minutes;
  const offsets: number[] = [];
  for (let t = 0; t <= o.horizonHours * 60; t += o.stepMinutes) offsets.push(t);
  let sumReal = 0;
  let sumRec = 0;
  let moved = 0;
  let without = 0;
  const cuts: number[] = [];
  const delays: number[] = [];
  for (const i of test) {
    const start = d.startedAt[i];
    const past = pastOf(h, h.services[i], i);
    const sh = serviceHistoryAt(past, start);
    const change: Record<string, number> = {};
    for (const name of HISTORY_CHANGE_FEATURES) if (d.cols[name]) change[name] = d.cols[name][i];
    const times = offsets.map((t) => start + t * MIN);
    const cols = startColumns(model, times, change, { lastEnd: past.length ? past[past.length - 1].end : NaN, deploysSoFar: sh.deploysSoFar, recentFailureRate: sh.recentFailureRate });
    const p = model.predict(cols, times.length);
    const W = rollout(i);
    const local0 = (((start / MIN) % 1440) + o.utcOffsetMinutes + 1440) % 1440;
    let best = -1;
    offsets.forEach((t, k) => {
      if (!outsideAllowed(o.allowedMinutes, local0, t, W) && (best < 0 || p[k] < p[best])) best = k;
    });
    if (best < 0) {
      without++;
      continue;
    }
    sumReal += p[0];
    sumRec += p[best];
    cuts.push(p[0] > 0 ? 1 - p[best] / p[0] : 0);
    delays.push(offsets[best] / 60);
    if (best !== 0) moved++;
  }
  const scored = cuts.length;
  const timing = {
    estimate: "the model's estimate, not an observed outcome: a history holds no counterfactual (nobody saw these changes ship at the other time)",
    deployments: scored,
    withoutAllowedStart: without,
    meanRiskAtStart: scored ? sumReal / scored : NaN,
    meanRiskAtRecommended: scored ? sumRec / scored : NaN,
    relativeRiskCut: sumReal > 0 ? 1 - sumRec / sumReal : 0,
    medianRelativeRiskCut: scored ? quantile(cuts, 0.5) : NaN,
    moved,
    medianDelayHours: scored ? quantile(delays, 0.5) : NaN,
  };

  // (c) the model's lowest-risk quartile of the 168 hours of the week (every other feature at its training median:
  // the model is additive, so the hours' order is the same for every change), and what happened there.
  const clockNames = model.specs.map((s) => s.name).filter((n) => HISTORY_CLOCK_FEATURES.includes(n));
  let lowRiskHours: HistoryWindowEvaluation['lowRiskHours'] = null;
  let lowRiskHoursNote: string;
  if (clockNames.length === 0) {
    lowRiskHoursNote = `${HISTORY_RISK_FAMILY} ${risk.version} has no time-of-day or weekend feature: no hour of the week is lower-risk than another`;
  } else {
    const grid = Array.from({ length: 168 }, (_, k) => MONDAY + k * HOUR + 30 * MIN);
    const cols: Columns = {};
    const clock = grid.map(clockFeaturesAt);
    for (const name of clockNames) cols[name] = Float64Array.from(clock, (c) => c[name as 'hour_sin']);
    const p = model.predict(cols, 168);
    const order = [...p.keys()].sort((a, b) => p[a] - p[b] || a - b);
    const low = new Set(order.slice(0, 42));
    const inLow = test.filter((i) => low.has(hourOfWeek(d.startedAt[i])));
    const rest = test.filter((i) => !low.has(hourOfWeek(d.startedAt[i])));
    const a = share(inLow, y, pAll);
    const b = share(rest, y, pAll);
    const [lo, hi] = [Math.min(...p), Math.max(...p)];
    lowRiskHours = {
      definition: "the 42 hours of the week (UTC, 0 = Monday 00:00) with the lowest risk for a change at the model's training medians, from the model alone (never from the held-out rows)",
      hoursOfWeek: [...low].sort((u, v) => u - v),
      riskRange: [lo, hi],
      recommendedLike: a,
      others: b,
      intervalsOverlap: a.interval[0] <= b.interval[1] && b.interval[0] <= a.interval[1],
    };
    lowRiskHoursNote =
      hi - lo < 1e-6
        ? 'the model gives every hour of the week the same risk: the quartile is arbitrary'
        : lowRiskHours.intervalsOverlap
          ? 'the two 95 % intervals overlap: at this size the observed failure shares cannot be told apart'
          : `the two 95 % intervals do not overlap: held-out deployments in the model's low-risk hours failed ${a.observed! < b.observed! ? 'less' : 'more'} often`;
  }
  return {
    history: dir,
    riskModel: { family: HISTORY_RISK_FAMILY, version: risk.version },
    heldOut: { n: test.length, failed: test.reduce((s, i) => s + y[i], 0), from: isoMs(d.periods.test.from), to: isoMs(d.periods.test.to), rule: 'the newest 20 % by started_at: the split the risk-history model is trained and evaluated with', championRows, note },
    imputedFeatures,
    calibration,
    timing,
    lowRiskHours,
    lowRiskHoursNote,
    horizonHours: o.horizonHours,
    stepMinutes: o.stepMinutes,
    allowedHours: o.allowedMinutes ? `${o.allowedMinutes.text} team local time (${utcOffsetText(o.utcOffsetMinutes)})` : null,
  };
}
