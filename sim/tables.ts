// The world as columnar tables: what `rolloutlab simulate` writes to a data set (Parquet + DuckDB).
// Column names are snake_case and stable: notebooks, training and importers of other stages rely on them. The risk
// features' columns (names, types, descriptions, values) come from the one feature schema, sim/risk-features.ts.
import { tableFromRows as table, type Table, type ColumnSpec, type Cell } from '../datasets/table.ts';
import type { World, Deployment } from './world.ts';
import type { ChangeFeatures } from './changes.ts';
import { RISK_FEATURES } from './risk-features.ts';
import { minuteToMs, onCallCover, freezeAt, MINUTES_PER_DAY } from './calendar.ts';
import { baseBadRatio } from './faults.ts';

/** All tables of a simulated data set. */
export function worldToTables(w: World): Table[] {
  return [servicesTable(w), dependenciesTable(w), trafficTable(w), calendarTable(w), oncallTable(w), changesTable(w), deploymentsTable(w), pipelineTable(w), incidentsTable(w), observationsTable(w)];
}

function servicesTable(w: World): Table {
  return table('services', w.topology.services, [
    ['service_id', 'INTEGER', (s) => s.id, 'index; also the topological order of the DAG'],
    ['name', 'VARCHAR', (s) => s.name, 'service name'],
    ['tier', 'VARCHAR', (s) => s.tier, 'edge / api / backend / queue / datastore'],
    ['team', 'VARCHAR', (s) => s.team, 'owning team'],
    ['team_tz_offset', 'DOUBLE', (s) => s.teamTzOffset, 'UTC offset of the team (hours)'],
    ['regions', 'VARCHAR', (s) => s.regions.join(','), 'regions it runs in'],
    ['region_shares', 'VARCHAR', (s) => s.regionShares.map((x) => x.toFixed(4)).join(','), 'traffic share per region'],
    ['external_rpm', 'DOUBLE', (s) => s.externalRpm, 'median external requests per minute before seasonality'],
    ['base_error_rate', 'DOUBLE', (s) => s.baseErrorRate, 'error rate of a healthy version'],
    ['latency_median_ms', 'DOUBLE', (s) => s.latencyMedianMs, 'median latency'],
    ['latency_objective_ms', 'DOUBLE', (s) => s.latencyObjectiveMs, 'a request slower than this is bad'],
    ['base_bad_ratio', 'DOUBLE', (s) => baseBadRatio(s), 'bad-request ratio of a healthy version'],
    ['conversion_rate', 'DOUBLE', (s) => s.conversionRate, 'business KPI per request on a healthy version'],
    ['mean_requests_per_minute', 'DOUBLE', (s) => w.traffic.meanRequests[s.id], 'mean of the traffic series: load factor 1'],
  ]);
}

function dependenciesTable(w: World): Table {
  const n = w.topology.services;
  return table('dependencies', w.topology.dependencies, [
    ['caller_id', 'INTEGER', (d) => d.caller, 'calling service'],
    ['callee_id', 'INTEGER', (d) => d.callee, 'called service'],
    ['caller', 'VARCHAR', (d) => n[d.caller].name, 'calling service name'],
    ['callee', 'VARCHAR', (d) => n[d.callee].name, 'called service name'],
    ['kind', 'VARCHAR', (d) => d.kind, 'sync or async'],
    ['calls_per_request', 'DOUBLE', (d) => d.callsPerRequest, 'callee calls per caller request'],
  ]);
}

/** Traffic at the scenario's data-set resolution (sum of requests per bucket). */
function trafficTable(w: World): Table {
  const res = w.scenario.dataset.trafficResolutionMinutes;
  const T = w.calendar.minutes;
  const buckets = Math.ceil(T / res);
  const n = w.topology.services.length;
  const ids = new Int32Array(n * buckets);
  const ts = new Float64Array(n * buckets);
  const req = new Float64Array(n * buckets);
  let k = 0;
  for (let j = 0; j < n; j++) {
    const series = w.traffic.requests[j];
    for (let b = 0; b < buckets; b++, k++) {
      let sum = 0;
      for (let t = b * res; t < Math.min(T, (b + 1) * res); t++) sum += series[t];
      ids[k] = j;
      ts[k] = minuteToMs(w.calendar, b * res);
      req[k] = sum;
    }
  }
  return {
    name: 'traffic',
    columns: [
      { name: 'service_id', type: 'INTEGER', values: ids, description: 'service' },
      { name: 'ts', type: 'TIMESTAMP', values: ts, description: `start of the ${res}-minute bucket (UTC)` },
      { name: 'requests', type: 'DOUBLE', values: req, description: 'requests served in the bucket' },
    ],
  };
}

function calendarTable(w: World): Table {
  const hours = Array.from({ length: w.calendar.minutes / 60 }, (_, h) => h);
  const c = w.calendar;
  return table('calendar', hours, [
    ['ts', 'TIMESTAMP', (h) => minuteToMs(c, h * 60), 'start of the hour (UTC)'],
    ['day', 'INTEGER', (h) => Math.floor((h * 60) / MINUTES_PER_DAY), 'day index from the scenario start'],
    ['weekday_utc', 'INTEGER', (h) => (c.startWeekday + Math.floor(h / 24)) % 7, '0 = Monday'],
    ['is_holiday', 'BOOLEAN', (h) => c.holidayDays.has(Math.floor(h / 24)), 'UTC day is a holiday'],
    ['event_factor', 'DOUBLE', (h) => c.eventFactor[h * 60], 'global traffic multiplier (holidays, peaks)'],
    ['freeze', 'VARCHAR', (h) => freezeAt(c, h * 60)?.reason ?? null, 'reason of the change freeze in force, or null'],
  ]);
}

function oncallTable(w: World): Table {
  const hours = w.calendar.minutes / 60;
  const rows: { team: string; h: number; tz: number }[] = [];
  for (const team of w.topology.teams) {
    const tz = w.topology.services.find((s) => s.team === team)?.teamTzOffset ?? 0;
    for (let h = 0; h < hours; h++) rows.push({ team, h, tz });
  }
  return table('oncall', rows, [
    ['team', 'VARCHAR', (r) => r.team, 'team'],
    ['ts', 'TIMESTAMP', (r) => minuteToMs(w.calendar, r.h * 60), 'start of the hour (UTC)'],
    ['cover', 'DOUBLE', (r) => onCallCover(w.calendar, r.h * 60 + 30, r.tz), 'on-call cover 0..1'],
  ]);
}

function changesTable(w: World): Table {
  return table('changes', w.changes, [
    ['change_id', 'VARCHAR', (c) => c.id, 'change'],
    ['service_id', 'INTEGER', (c) => c.service, 'service it changes'],
    ['team', 'VARCHAR', (c) => c.team, 'team'],
    ['author', 'VARCHAR', (c) => c.author, 'author'],
    ['merged_at', 'TIMESTAMP', (c) => minuteToMs(w.calendar, c.mergedAt), 'merge time; the pipeline starts'],
    ...featureColumns<(typeof w.changes)[number]>((c) => c.features),
    ['truth_pool_bug', 'BOOLEAN', (c) => c.poolBug, 'TRUTH: latent pool bug that bites under high load'],
  ]);
}

/** The risk features kept on a change (sim/risk-features.ts, source `change`), as columns of a table of rows R. */
function featureColumns<R>(f: (r: R) => ChangeFeatures): ColumnSpec<R>[] {
  return RISK_FEATURES.flatMap((x): ColumnSpec<R>[] => (x.from === 'change' ? [[x.name, x.column.type, (r) => x.value(f(r)), x.column.description]] : []));
}

/** The risk features known at a deployment's start (sim/risk-features.ts, source `deployment`), as its columns. */
function deploymentFeatureColumns(): ColumnSpec<Deployment>[] {
  return RISK_FEATURES.flatMap((x): ColumnSpec<Deployment>[] => (x.from === 'deployment' ? [[x.name, x.column.type, (d) => x.value(d), x.column.description]] : []));
}

function deploymentsTable(w: World): Table {
  const c = w.calendar;
  const byId = new Map(w.changes.map((x) => [x.id, x]));
  const svc = w.topology.services;
  return table('deployments', w.deployments, [
    ['deployment_id', 'VARCHAR', (d) => d.id, 'deployment'],
    ['change_id', 'VARCHAR', (d) => d.changeId, 'change it ships'],
    ['service_id', 'INTEGER', (d) => d.service, 'service'],
    ['service', 'VARCHAR', (d) => svc[d.service].name, 'service name'],
    ['tier', 'VARCHAR', (d) => svc[d.service].tier, 'service tier'],
    ['team', 'VARCHAR', (d) => svc[d.service].team, 'team'],
    ['ready_at', 'TIMESTAMP', (d) => minuteToMs(c, d.readyAt), 'pipeline finished'],
    ['started_at', 'TIMESTAMP', (d) => minuteToMs(c, d.start), 'rollout started (never inside a freeze)'],
    ['ended_at', 'TIMESTAMP', (d) => minuteToMs(c, d.end), 'end of the bake period'],
    ['start_minute', 'INTEGER', (d) => d.start, 'minute index of the start'],
    ['waited_for_freeze_min', 'INTEGER', (d) => d.waitedForFreezeMin, 'minutes held back by a freeze'],
    ...featureColumns<(typeof w.deployments)[number]>((d) => byId.get(d.changeId)!.features),
    ...deploymentFeatureColumns(),
    ['hour_utc', 'INTEGER', (d) => Math.floor((d.start % 1440) / 60), 'UTC hour of the start'],
    ['weekday_utc', 'INTEGER', (d) => (c.startWeekday + Math.floor(d.start / 1440)) % 7, '0 = Monday'],
    ['truth_max_load', 'DOUBLE', (d) => d.maxLoad, 'TRUTH: peak traffic / mean over the rollout window'],
    ['truth_p_intrinsic', 'DOUBLE', (d) => d.pIntrinsic, 'TRUTH: failure probability whatever the load'],
    ['truth_p_pool_bug', 'DOUBLE', (d) => d.pPoolBug, 'TRUTH: chance of a latent pool bug'],
    ['truth_failure_prob', 'DOUBLE', (d) => d.trueFailureProb, 'TRUTH: P(material fault | change, deploy time) — the oracle risk'],
    ['truth_failed', 'BOOLEAN', (d) => d.material, 'TRUTH: the change carries a material fault (the label)'],
    ['truth_fault_kind', 'VARCHAR', (d) => d.fault?.kind ?? null, 'TRUTH: injected fault kind, or null'],
    ['truth_fault_material', 'BOOLEAN', (d) => (d.fault ? d.material : null), 'TRUTH: the fault is material'],
    ['truth_fault_severe', 'BOOLEAN', (d) => d.fault?.severe ?? null, 'TRUTH: severe fault'],
    ['truth_fault_onset_min', 'DOUBLE', (d) => d.fault?.onsetMinutes ?? null, 'TRUTH: minutes after first traffic until the fault shows'],
    ['truth_fault_error_add', 'DOUBLE', (d) => d.fault?.errorAdd ?? null, 'TRUTH: error-rate increase at full effect'],
    ['truth_fault_latency_mult', 'DOUBLE', (d) => d.fault?.latencyMult ?? null, 'TRUTH: latency multiplier'],
    ['truth_fault_kpi_drop', 'DOUBLE', (d) => d.fault?.kpiDrop ?? null, 'TRUTH: relative KPI drop'],
    ['truth_fault_caller_error_rate', 'DOUBLE', (d) => d.fault?.callerErrorRate ?? null, 'TRUTH: contract break: callers’ error rate on calls to the new version'],
    ['truth_fault_pool_threshold', 'DOUBLE', (d) => (d.fault && Number.isFinite(d.fault.poolThreshold) ? d.fault.poolThreshold : null), 'TRUTH: pool exhaustion load threshold'],
    ['truth_fault_scope', 'VARCHAR', (d) => (d.fault ? d.fault.scope.kind : null), 'TRUTH: all / region / tenant'],
    ['truth_fault_scope_value', 'VARCHAR', (d) => (d.fault?.scope.kind === 'region' ? d.fault.scope.region : d.fault?.scope.kind === 'tenant' ? d.fault.scope.tenant : null), 'TRUTH: the region or tenant'],
    ['truth_fault_scope_share', 'DOUBLE', (d) => d.fault?.scope.share ?? null, 'TRUTH: share of traffic in scope'],
    ['truth_rollback_restores', 'BOOLEAN', (d) => d.fault?.rollbackRestores ?? null, 'TRUTH: false for data corruption'],
    ['truth_breach_at', 'TIMESTAMP', (d) => (d.outcome.breachMinute === null ? null : minuteToMs(c, d.outcome.breachMinute)), 'TRUTH: first SLO breach of the unguarded run, or null'],
    ['truth_breach_minute', 'INTEGER', (d) => (d.outcome.breachMinute === null ? null : d.outcome.breachMinute - d.start), 'TRUTH: minutes from the start to that breach'],
    ['truth_breach_service_id', 'INTEGER', (d) => d.outcome.breachService, 'TRUTH: the breaching service (a caller for contract breaks)'],
    ['truth_breach_kind', 'VARCHAR', (d) => d.outcome.breachKind, 'TRUTH: slo (burn rate) or kpi (guardrail)'],
    ['truth_breach_cause', 'VARCHAR', (d) => d.outcome.breachCause, 'TRUTH: fault, or noise when the no-fault twin of the same draws is in breach at that minute too'],
    ['truth_fault_breach_minute', 'INTEGER', (d) => (d.outcome.faultBreachMinute === null ? null : d.outcome.faultBreachMinute - d.start), 'TRUTH: minutes from the start to the first breach the fault causes (the no-fault twin is not in breach): the deployment is violating'],
    ['truth_onset_minute', 'INTEGER', (d) => (d.outcome.onsetMinute === null ? null : d.outcome.onsetMinute - d.start), 'TRUTH: minutes from the start until the fault first showed on the new version'],
    ['truth_fault_bad_requests', 'DOUBLE', (d) => d.outcome.faultBadRequests, 'TRUTH: bad requests caused by the fault, unguarded (blast radius ceiling)'],
    ['truth_peak_bad_ratio', 'DOUBLE', (d) => d.outcome.peakBadRatio, 'TRUTH: highest trailing-window bad ratio'],
    ['truth_expected_incident_cost', 'DOUBLE', (d) => d.expectedIncidentCost, 'TRUTH: expected fault bad requests × on-call penalty at this start'],
  ]);
}

function pipelineTable(w: World): Table {
  const rows = w.pipelines.flatMap((p) => p.attempts.map((a) => ({ p, a })));
  return table('pipeline_runs', rows, [
    ['change_id', 'VARCHAR', (r) => r.p.changeId, 'change'],
    ['run_status', 'VARCHAR', (r) => r.p.status, 'success / failed for the whole run'],
    ['step', 'VARCHAR', (r) => r.a.step, 'pipeline step'],
    ['attempt', 'INTEGER', (r) => r.a.attempt, '1 = first try'],
    ['started_at', 'TIMESTAMP', (r) => minuteToMs(w.calendar, 0) + Math.round(r.a.startedAt * 60_000), 'attempt start'],
    ['duration_s', 'INTEGER', (r) => r.a.durationS, 'attempt duration'],
    ['status', 'VARCHAR', (r) => r.a.status, 'success / failed'],
    ['exit_code', 'INTEGER', (r) => r.a.exitCode, 'process exit code'],
    ['category', 'VARCHAR', (r) => r.a.category, 'failure category (flaky_test, registry_503, compile_error, ...)'],
    ['error_text', 'VARCHAR', (r) => r.a.errorText, 'the log line a CI system would show'],
    ['truth_failure_class', 'VARCHAR', (r) => r.a.failureClass, 'TRUTH: transient or persistent'],
    ['truth_retry_would_succeed', 'BOOLEAN', (r) => r.a.retryWouldSucceed, 'TRUTH: one more retry would pass'],
  ]);
}

function incidentsTable(w: World): Table {
  const bursts = w.traffic.bursts.map((b) => ({ id: null, kind: 'traffic_burst', service: b.service, affected: [b.service], start: b.start, end: b.end, errorAdd: 0, latencyMult: 1, cohorts: 'both', multiplier: b.multiplier }));
  const rows = [...w.incidents.map((i) => ({ ...i, multiplier: 1 })), ...bursts].sort((a, b) => a.start - b.start || a.service - b.service);
  return table('incidents', rows, [
    ['incident_id', 'VARCHAR', (r) => r.id, 'incident id (null for bursts)'],
    ['kind', 'VARCHAR', (r) => r.kind, 'shared_dependency / noisy_neighbour / traffic_burst'],
    ['service_id', 'INTEGER', (r) => r.service, 'where it starts'],
    ['affected', 'VARCHAR', (r) => r.affected.join(','), 'service ids it degrades'],
    ['started_at', 'TIMESTAMP', (r) => minuteToMs(w.calendar, r.start), 'start'],
    ['ended_at', 'TIMESTAMP', (r) => minuteToMs(w.calendar, r.end), 'end'],
    ['error_add', 'DOUBLE', (r) => r.errorAdd, 'added error rate'],
    ['latency_mult', 'DOUBLE', (r) => r.latencyMult, 'latency multiplier'],
    ['traffic_mult', 'DOUBLE', (r) => r.multiplier, 'traffic multiplier at the burst’s start'],
    ['cohorts', 'VARCHAR', (r) => r.cohorts, 'both / baseline / canary'],
  ]);
}

function observationsTable(w: World): Table {
  const rows = w.observations.flatMap((rs, i) => rs.map((r) => ({ d: w.deployments[i], r })));
  const m = <T>(get: (x: (typeof rows)[number]) => T) => (x: (typeof rows)[number]) => (x.r.scraped ? (get(x) as Cell) : null);
  return table('observations', rows, [
    ['deployment_id', 'VARCHAR', (x) => x.d.id, 'deployment'],
    ['ts', 'TIMESTAMP', (x) => minuteToMs(w.calendar, x.r.minute), 'minute (UTC)'],
    ['age_min', 'INTEGER', (x) => x.r.age, 'minutes since the rollout started'],
    ['cohort', 'VARCHAR', (x) => x.r.cohort, 'baseline (stable) or canary (new version)'],
    ['weight', 'DOUBLE', (x) => x.r.weight, 'share of traffic routed to the cohort'],
    ['scraped', 'BOOLEAN', (x) => x.r.scraped, 'false: scrape gap, metrics missing'],
    ['requests', 'INTEGER', m((x) => x.r.requests), 'requests'],
    ['errors', 'INTEGER', m((x) => x.r.errors), 'failed requests'],
    ['slow', 'INTEGER', m((x) => x.r.slow), 'successful requests slower than the objective'],
    ['latency_p50_ms', 'DOUBLE', m((x) => x.r.latencyP50), 'p50 latency'],
    ['latency_p95_ms', 'DOUBLE', m((x) => x.r.latencyP95), 'p95 latency'],
    ['latency_p99_ms', 'DOUBLE', m((x) => x.r.latencyP99), 'p99 latency'],
    ['cpu', 'DOUBLE', m((x) => x.r.cpu), 'CPU saturation 0..1'],
    ['memory', 'DOUBLE', m((x) => x.r.memory), 'memory saturation 0..1'],
    ['pool', 'DOUBLE', m((x) => x.r.pool), 'connection-pool saturation 0..1'],
    ['conversions', 'INTEGER', m((x) => x.r.conversions), 'business KPI events'],
    ['caller_requests', 'INTEGER', m((x) => x.r.callerRequests), 'sync callers’ requests that reached this cohort'],
    ['caller_errors', 'INTEGER', m((x) => x.r.callerErrors), 'of those, failed'],
    ['incidents', 'VARCHAR', (x) => (x.r.incidents.length ? x.r.incidents.join(',') : null), 'TRUTH: unrelated incidents active on the cohort'],
  ]);
}
