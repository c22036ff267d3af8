// Simulated deployments (a `simulate` data set) as risk-pipeline input. Only what is knowable before the deploy:
// the change's features, the service's history and place in the dependency graph, the time, the load now and a
// forecast of the peak load over the rollout window (the same window one week earlier: a seasonal-naive forecast
// from the traffic table), and on-call cover. `truth_*` columns give only the label and the oracle.
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { RISK_MODEL_FEATURES, encodeRiskCell, type RiskFeature } from '../../sim/risk-features.ts';
import type { FeatureSpec, InteractionSpec } from '../gam.ts';
import type { RiskData } from './pipeline.ts';

/** A feature of the schema as the additive model's spec (the same fields in the same order as the model files hold them). */
function specOf(f: RiskFeature): FeatureSpec {
  if (f.kind === 'numeric') return { name: f.name, kind: 'numeric', transform: f.transform ?? 'none', range: f.range, description: f.description };
  if (f.kind === 'binary') return { name: f.name, kind: 'binary', description: f.description };
  return { name: f.name, kind: 'category', levels: [...f.levels], description: f.description };
}

/** The features with the range of values each admits (lib/value-range.ts; POST /v1/risk/score refuses values outside
 *  it), derived from the one schema in sim/risk-features.ts. */
export const SIM_RISK_SPECS: FeatureSpec[] = RISK_MODEL_FEATURES.map(specOf);

/** A latent pool bug bites at peak load, more often on back ends and with dependency bumps: load × those. */
export const SIM_RISK_INTERACTIONS: InteractionSpec[] = [
  { a: 'forecast_peak_load', b: 'dependency_bumps' },
  { a: 'forecast_peak_load', b: 'config_only' },
  { a: 'load_at_start', b: 'dependency_bumps' },
];

export interface SimRiskData extends RiskData {
  deploymentIds: string[];
  startedAt: Float64Array;
}

/** The refusal of a data set the risk family cannot train on (field `kind`). */
export function notRiskData(dir: string, m: Manifest): RolloutlabError {
  const from = m.kind === 'imported' ? ` from ${JSON.stringify((m.extra as { source?: unknown }).source ?? null)}` : '';
  return new RolloutlabError('BAD_DATA', `${dir}: risk training needs a simulated data set (truth labels) or one imported deployment history (rolloutlab import history), got kind "${m.kind}"${from}`, 'kind');
}

/** Read a simulated data set's deployments in start order. */
export async function simRiskData(dir: string, rolloutMinutes = 70): Promise<SimRiskData> {
  const ds = await readDataset(dir);
  try {
    if (ds.manifest.kind !== 'simulated') throw notRiskData(dir, ds.manifest);
    const res = (ds.manifest.extra as { scenarioConfig?: { dataset?: { trafficResolutionMinutes?: number } } }).scenarioConfig?.dataset?.trafficResolutionMinutes ?? 1;
    const rows = await ds.query(`
      WITH svc AS (
        SELECT s.service_id, s.mean_requests_per_minute AS mean,
               (SELECT count(*) FROM dependencies x WHERE x.callee_id = s.service_id) AS callers,
               (SELECT count(*) FROM dependencies x WHERE x.caller_id = s.service_id) AS callees
        FROM services s),
      peak AS (
        SELECT d.deployment_id, max(t.requests) / ${res} AS peak_rpm
        FROM deployments d JOIN traffic t
          ON t.service_id = d.service_id
         AND t.ts >= d.started_at - INTERVAL 7 DAY - INTERVAL ${res} MINUTE
         AND t.ts <  d.started_at - INTERVAL 7 DAY + INTERVAL ${rolloutMinutes} MINUTE
        GROUP BY d.deployment_id)
      SELECT d.*, svc.callers, svc.callees, svc.mean, peak.peak_rpm
      FROM deployments d JOIN svc USING (service_id) LEFT JOIN peak USING (deployment_id)
      ORDER BY d.started_at, d.deployment_id`);
    const n = rows.length;
    if (n < 50) throw new RolloutlabError('BAD_DATA', `${dir}: ${n} deployments are too few to train a risk model (need at least 50; simulate more days)`, 'deployments');
    return riskDataFromRows(rows);
  } finally {
    ds.close();
  }
}

/** The row fields `riskDataFromRows` reads: the deployments table's columns plus callers, callees, mean, peak_rpm. */
export type RiskRow = Record<string, unknown>;

/**
 * Feature columns, labels and oracle from deployment rows in start order, shaped like the deployments table joined
 * with the service's callers, callees and mean requests per minute and the forecast's `peak_rpm` (null: no
 * traffic a week back). Shared by `simRiskData` (rows from SQL) and `riskDataFromWorld` (rows from memory).
 */
export function riskDataFromRows(rows: RiskRow[]): SimRiskData {
  const n = rows.length;
  const num = (get: (r: RiskRow) => number) => Float64Array.from(rows, (r) => get(r));
  const v = (k: string) => (r: RiskRow) => (r[k] === null || r[k] === undefined ? NaN : Number(r[k]));
  const cell = (f: RiskFeature) => (r: RiskRow) => encodeRiskCell(f, r[f.name]);
  const hour = (r: RiskRow) => Number(r.hour_utc) + (Number(r.start_minute) % 60) / 60;
  const cols: Record<string, Float64Array> = {};
  // Categories and binaries, then the numbers the rows hold, then those computed here from the traffic and the clock.
  for (const f of RISK_MODEL_FEATURES) if (f.kind !== 'numeric') cols[f.name] = num(cell(f));
  for (const f of RISK_MODEL_FEATURES) if (f.kind === 'numeric' && f.from !== 'traffic' && f.from !== 'clock') cols[f.name] = num(cell(f));
  // No history a week back (the first week): missing, imputed with the training median by the model.
  cols.forecast_peak_load = num((r) => (r.peak_rpm === null || r.peak_rpm === undefined ? NaN : Number(r.peak_rpm) / Math.max(1e-9, Number(r.mean))));
  cols.hour_sin = num((r) => Math.sin((2 * Math.PI * hour(r)) / 24));
  cols.hour_cos = num((r) => Math.cos((2 * Math.PI * hour(r)) / 24));
  cols.weekend = num((r) => (Number(r.weekday_utc) >= 5 ? 1 : 0));
  return {
    cols,
    labels: Uint8Array.from(rows, (r) => (r.truth_failed ? 1 : 0)),
    n,
    specs: SIM_RISK_SPECS,
    interactions: SIM_RISK_INTERACTIONS,
    linesAdded: 'lines_added',
    oracle: num(v('truth_failure_prob')),
    deploymentIds: rows.map((r) => String(r.deployment_id)),
    startedAt: num(v('started_at')),
  };
}
