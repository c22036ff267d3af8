// Labelled canary analysis windows: training and evaluation data for canary judges (docs/definitions.md
// #canary-verdict-accuracy-and-inconclusive-rate). A window is one analysis interval of a deployment's unguarded run while canary and baseline
// both serve users: the per-minute metrics of each cohort as a metrics backend returned them (missing where a
// scrape failed or the backend erred), and the label — fail if a material fault is active in the window (its
// effect at the window's end, at the window's peak load, meets the materiality rule), pass otherwise.
import { tableFromRows, type Table, type ColumnSpec } from '../datasets/table.ts';
import { toMetrics, type ObservationRow, type CohortMetrics } from '../sim/env.ts';
import { aggregate } from './cohort-history.ts';
import type { Deployment, World } from '../sim/world.ts';
import { faultEffect, isMaterial, callerBaseline } from '../sim/faults.ts';
import type { AnalysisWindow } from './window-judges.ts';

/** A window's canary requests below this count it as a low-traffic window (reported separately). */
export const LOW_TRAFFIC_REQUESTS = 100;

export interface CohortWindow {
  /** Per minute, null where the metrics are missing. */
  minutes: (CohortMetrics | null)[];
  requests: number;
  errors: number;
  slow: number;
  conversions: number;
  callerRequests: number;
  callerErrors: number;
  latencyP50: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  cpu: number | null;
  memory: number | null;
  pool: number | null;
  scrapedMinutes: number;
}

export interface JudgeWindow {
  deploymentId: string;
  period: number;
  service: string;
  tier: string;
  latencyObjectiveMs: number;
  window: number;
  startAge: number;
  endAge: number;
  canaryWeight: number;
  canary: CohortWindow;
  baseline: CohortWindow;
  /** Per minute: the metrics backend erred (both cohorts missing). */
  providerError: boolean[];
  label: 'fail' | 'pass';
  // --- truth, for slicing the evaluation ---
  faultKind: string | null;
  severe: boolean;
  materialDeployment: boolean;
  /** A shared-dependency incident (hurting canary and baseline alike) is active in the window. */
  sharedIncident: boolean;
  lowTraffic: boolean;
}

const metricsOf = (r: ObservationRow): CohortMetrics | null => (r.scraped ? toMetrics(r, r.callerRequests, r.callerErrors) : null);

function cohortWindow(rows: ObservationRow[]): CohortWindow {
  const minutes = rows.map(metricsOf);
  const { scraped, ...a } = aggregate(minutes, 0, minutes.length);
  return { minutes, ...a, scrapedMinutes: scraped };
}

/** Cut a deployment's unguarded-run rows into analysis windows of `interval` minutes (before promotion only). */
export function judgeWindows(world: World, dep: Deployment, rows: ObservationRow[], interval: number, period = 0): JudgeWindow[] {
  const svc = world.topology.services[dep.service];
  const byAge = new Map<number, { baseline?: ObservationRow; canary?: ObservationRow }>();
  for (const r of rows) {
    const e = byAge.get(r.age) ?? {};
    e[r.cohort] = r;
    byAge.set(r.age, e);
  }
  // Both cohorts serve users until the canary takes all traffic.
  let last = -1;
  for (const [age, e] of byAge) if (e.canary && e.baseline && e.canary.weight > 0 && e.canary.weight < 1) last = Math.max(last, age);
  const sharedIds = new Set(world.incidents.filter((i) => i.kind === 'shared_dependency').map((i) => i.id));
  const callerBase = callerBaseline(world.topology, svc.id);
  const series = world.traffic.requests[svc.id];
  const mean = Math.max(1e-9, world.traffic.meanRequests[svc.id]);
  const out: JudgeWindow[] = [];
  for (let a0 = 0, k = 0; a0 + interval - 1 <= last; a0 += interval, k++) {
    const ages = Array.from({ length: interval }, (_, i) => a0 + i);
    const can = ages.map((a) => byAge.get(a)!.canary!);
    const base = ages.map((a) => byAge.get(a)!.baseline!);
    let maxLoad = 0;
    for (const a of ages) maxLoad = Math.max(maxLoad, series[dep.start + a] / mean);
    const endAge = a0 + interval - 1;
    const label = dep.fault !== null && isMaterial(svc, faultEffect(dep.fault, endAge, maxLoad), callerBase) ? 'fail' : 'pass';
    const canary = cohortWindow(can);
    out.push({
      deploymentId: dep.id,
      period,
      service: svc.name,
      tier: svc.tier,
      latencyObjectiveMs: svc.latencyObjectiveMs,
      window: k,
      startAge: a0,
      endAge: a0 + interval,
      canaryWeight: can.reduce((s, r) => s + r.weight, 0) / interval,
      canary,
      baseline: cohortWindow(base),
      providerError: can.map((r) => r.providerError),
      label,
      faultKind: dep.fault?.kind ?? null,
      severe: dep.fault?.severe ?? false,
      materialDeployment: dep.material,
      sharedIncident: [...can, ...base].some((r) => r.incidents.some((id) => sharedIds.has(id))),
      lowTraffic: canary.requests < LOW_TRAFFIC_REQUESTS,
    });
  }
  return out;
}

/** Windows as a table (one row per window; per-minute series as JSON arrays, null where missing). */
export function windowsTable(ws: readonly JudgeWindow[]): Table {
  const cols: ColumnSpec<JudgeWindow>[] = [
    ['deployment_id', 'VARCHAR', (w) => w.deploymentId, 'deployment'],
    ['period', 'INTEGER', (w) => w.period, 'replayed period of the scenario (0 = the simulated data set)'],
    ['service', 'VARCHAR', (w) => w.service, 'service'],
    ['tier', 'VARCHAR', (w) => w.tier, 'tier'],
    ['latency_objective_ms', 'DOUBLE', (w) => w.latencyObjectiveMs, 'a request slower than this is bad'],
    ['window', 'INTEGER', (w) => w.window, 'window index within the deployment'],
    ['start_age_min', 'INTEGER', (w) => w.startAge, 'first minute of the window (since the rollout started)'],
    ['end_age_min', 'INTEGER', (w) => w.endAge, 'minute after the window'],
    ['canary_weight', 'DOUBLE', (w) => w.canaryWeight, 'mean share of traffic on the canary'],
  ];
  for (const c of ['canary', 'baseline'] as const) {
    const g = (f: (x: CohortWindow) => string | number | null) => (w: JudgeWindow) => f(w[c]);
    cols.push(
      [`${c}_requests`, 'INTEGER', g((x) => x.requests), `${c}: requests in the window (scraped minutes)`],
      [`${c}_errors`, 'INTEGER', g((x) => x.errors), `${c}: failed requests`],
      [`${c}_slow`, 'INTEGER', g((x) => x.slow), `${c}: requests slower than the objective`],
      [`${c}_conversions`, 'INTEGER', g((x) => x.conversions), `${c}: business KPI events`],
      [`${c}_caller_requests`, 'INTEGER', g((x) => x.callerRequests), `${c}: sync callers' requests that reached it`],
      [`${c}_caller_errors`, 'INTEGER', g((x) => x.callerErrors), `${c}: of those, failed`],
      [`${c}_latency_p50_ms`, 'DOUBLE', g((x) => x.latencyP50), `${c}: request-weighted p50`],
      [`${c}_latency_p99_ms`, 'DOUBLE', g((x) => x.latencyP99), `${c}: request-weighted p99`],
      [`${c}_cpu`, 'DOUBLE', g((x) => x.cpu), `${c}: mean CPU saturation`],
      [`${c}_memory`, 'DOUBLE', g((x) => x.memory), `${c}: mean memory saturation`],
      [`${c}_pool`, 'DOUBLE', g((x) => x.pool), `${c}: mean pool saturation`],
      [`${c}_scraped_minutes`, 'INTEGER', g((x) => x.scrapedMinutes), `${c}: minutes with a sample`],
      [`${c}_series`, 'VARCHAR', g((x) => JSON.stringify(x.minutes)), `${c}: JSON array, one metrics object per minute (null = missing)`],
    );
  }
  cols.push(
    ['provider_error_minutes', 'INTEGER', (w) => w.providerError.filter(Boolean).length, 'minutes the metrics backend erred'],
    ['provider_error_series', 'VARCHAR', (w) => JSON.stringify(w.providerError), 'JSON array of booleans, one per minute'],
    ['label', 'VARCHAR', (w) => w.label, 'fail if a material fault is active in the window, else pass'],
    ['low_traffic', 'BOOLEAN', (w) => w.lowTraffic, `canary served fewer than ${LOW_TRAFFIC_REQUESTS} requests in the window`],
    ['truth_shared_incident', 'BOOLEAN', (w) => w.sharedIncident, 'TRUTH: a shared-dependency incident hits canary and baseline alike'],
    ['truth_fault_kind', 'VARCHAR', (w) => w.faultKind, 'TRUTH: the change’s fault (any materiality), or null'],
    ['truth_severe', 'BOOLEAN', (w) => w.severe, 'TRUTH: the fault is severe'],
    ['truth_material_deployment', 'BOOLEAN', (w) => w.materialDeployment, 'TRUTH: the deployment carries a material fault'],
  );
  return tableFromRows('windows', ws, cols);
}

/** A labelled window as a window judge's input. */
export const toAnalysisWindow = (w: JudgeWindow): AnalysisWindow => ({
  canary: w.canary.minutes,
  baseline: w.baseline.minutes,
  providerError: w.providerError,
  latencyObjectiveMs: w.latencyObjectiveMs,
});
