// Simulated deployments as risk-pipeline input straight from an in-memory `World`, without writing a data set:
// the same rows `simRiskData` reads with SQL (training/risk/sim.ts), built from the world's deployments, changes,
// topology and traffic (the feature cells by the getters of the one feature schema, sim/risk-features.ts), then
// turned into the same columns by the same code (`riskDataFromRows`). Used where many worlds are needed
// (bench/risk.ts builds 100,000 deployments this way); a test checks that both paths agree.
import type { World } from '../../sim/index.ts';
import { minuteToMs, riskFeatureCells } from '../../sim/index.ts';
import { riskDataFromRows, type RiskRow, type SimRiskData } from './sim.ts';

const WEEK_MIN = 7 * 24 * 60;

export interface WorldRiskOptions {
  /** Length of the forecast window after the start, minutes (simRiskData's default: 70). */
  rolloutMinutes?: number;
  /**
   * Resolution of the traffic the forecast reads, minutes. 1 (the default) uses the world's per-minute traffic; a
   * coarser value reproduces what `simRiskData` computes from a data set written at that resolution (bucket sums
   * as `worldToTables` writes them, the peak bucket divided by the resolution).
   */
  trafficResolutionMinutes?: number;
}

/** A world's deployments in start order (then id), with the features `simRiskData` gives for its data set. */
/** Row `i` of risk data as the one-row columns a risk model's predict and reasons take. */
export function riskRow(data: SimRiskData, i: number): Record<string, Float64Array> {
  const one: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(data.cols)) one[k] = Float64Array.of((v as ArrayLike<number>)[i]);
  return one;
}

export function riskDataFromWorld(world: World, opts: WorldRiskOptions = {}): SimRiskData {
  const changes = new Map(world.changes.map((c) => [c.id, c]));
  const order = world.deployments.map((_, i) => i).sort((a, b) => {
    const [x, y] = [world.deployments[a], world.deployments[b]];
    return x.start - y.start || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  });
  const rows: RiskRow[] = order.map((i) => {
    const d = world.deployments[i];
    return { ...worldRiskRow(world, d, riskFeatureCells(world, d, changes.get(d.changeId)!.features), opts), truth_failed: d.material, truth_failure_prob: d.trueFailureProb };
  });
  return riskDataFromRows(rows);
}

/**
 * One change's row at `start` on `service` of the world, without truth labels: its feature cells (sim/risk-features.ts
 * riskFeatureCells, or riskFeatureCellsOf for a change that is not a deployment of the world), the clock and the
 * seasonal-naive peak a week back. `riskDataFromRows([row])` turns it into the columns a risk model reads.
 */
export function worldRiskRow(world: World, d: { id: string; service: number; start: number }, cells: Record<string, unknown>, opts: WorldRiskOptions = {}): RiskRow {
  const rollout = opts.rolloutMinutes ?? 70;
  const res = opts.trafficResolutionMinutes ?? 1;
  const cal = world.calendar;
  const T = cal.minutes;
  const buckets = Math.ceil(T / res);
  const series = world.traffic.requests[d.service];
  // Seasonal-naive peak: the traffic buckets starting in [start − 7 d − res, start − 7 d + rollout), each the sum
  // of its minutes (summed in the order worldToTables sums them), the largest divided by the resolution.
  const lo = d.start - WEEK_MIN - res;
  const hi = d.start - WEEK_MIN + rollout;
  const bFirst = Math.max(0, Math.ceil(lo / res));
  const bLast = Math.min(buckets - 1, Math.ceil(hi / res) - 1);
  let peak: number | null = null;
  for (let b = bFirst; b <= bLast; b++) {
    let sum = 0;
    for (let t = b * res; t < Math.min(T, (b + 1) * res); t++) sum += series[t];
    if (peak === null || sum > peak) peak = sum;
  }
  return {
    deployment_id: d.id,
    started_at: minuteToMs(cal, d.start),
    start_minute: d.start,
    hour_utc: Math.floor((d.start % 1440) / 60),
    weekday_utc: (cal.startWeekday + Math.floor(d.start / 1440)) % 7,
    ...cells,
    mean: world.traffic.meanRequests[d.service],
    peak_rpm: peak === null ? null : peak / res,
  };
}
