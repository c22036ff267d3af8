// Evaluation of deployment-window recommendation against the simulator's true expectations (docs/definitions.md#timing-quality-and-regret):
// regret = true cost of the recommended start / true cost of the oracle's best start − 1, and the expected-cost
// cut against deploying when ready. The risk model and the forecasters never see the evaluated period: forecasters
// are fitted on the world's traffic before it, and the risk model on other worlds.
import type { World } from '../../sim/world.ts';
import { expectedIncidentCost } from '../../sim/world.ts';
import { onCallCover } from '../../sim/calendar.ts';
import { rolloutWindow } from '../../sim/unguarded.ts';
import { intrinsicFailureProbability, poolBugProbability, trueFailureProbability } from '../../sim/changes.ts';
import { fitForecaster, type Forecaster } from '../forecast/index.ts';
import type { GamModel } from '../gam.ts';
import { candidateStarts, changeOf, recommendWindows, touchesFreeze, WINDOW_DEFAULTS, type WindowOptions } from './recommend.ts';

export interface WindowEvaluation {
  changes: number;
  /** Mean and median over changes of cost(recommended) / cost(oracle) − 1, with true expectations. */
  meanRegret: number;
  medianRegret: number;
  /** 1 − Σ cost(recommended) / Σ cost(deploy when ready). */
  costCut: number;
  /** The same cut for the oracle's starts: the most any recommender can cut. */
  oracleCostCut: number;
  /** Recommended starts whose rollout window touches a freeze (must be 0). */
  frozenRecommended: number;
  /** Changes whose recommendation is the oracle's start, within one candidate step. */
  oracleHitRate: number;
  fitDays: number;
  horizonHours: number;
  stepMinutes: number;
}

/** One forecaster per service, fitted on the service's traffic before minute `fitEnd`, fitted on first use. */
export function forecastersFittedUntil(world: World, fitEnd: number): (service: number) => Forecaster {
  const fitted = new Map<number, Forecaster>();
  return (svc) => {
    let f = fitted.get(svc);
    if (!f) fitted.set(svc, (f = fitForecaster(world.traffic.requests[svc].subarray(0, fitEnd), { period: 1440 })));
    return f;
  };
}

/** True expected cost of starting `dep` at t. */
export function trueCost(world: World, depIndex: number, t: number): number {
  const s = world.scenario;
  const dep = world.deployments[depIndex];
  const svc = world.topology.services[dep.service];
  const f = changeOf(world, dep).features;
  const w = rolloutWindow(s.rollout);
  const series = world.traffic.requests[svc.id];
  const mean = Math.max(1e-9, world.traffic.meanRequests[svc.id]);
  let reqs = 0;
  let maxLoad = 0;
  for (let k = t; k < t + w; k++) {
    reqs += series[k];
    maxLoad = Math.max(maxLoad, series[k] / mean);
  }
  const lastEnd = dep.start - dep.history.hoursSinceLastDeploy * 60;
  const h = { ...dep.history, hoursSinceLastDeploy: Math.max(0, (t - lastEnd) / 60) };
  const p = trueFailureProbability(intrinsicFailureProbability(s, svc, f, h), poolBugProbability(s, svc, f), maxLoad);
  return expectedIncidentCost(p, reqs, onCallCover(world.calendar, t, svc.teamTzOffset));
}

/** Recommend for every change of `world` ready after `fitDays` (with a full horizon left) and score it. */
export function evaluateWindows(world: World, risk: GamModel, opts: Partial<WindowOptions> & { fitDays?: number; onProgress?: (d: number, n: number) => void; forecasterOf?: (service: number) => Forecaster } = {}): WindowEvaluation {
  const o = { ...WINDOW_DEFAULTS, ...opts };
  const fitDays = opts.fitDays ?? Math.max(14, Math.floor(world.calendar.days * 0.6));
  const fitEnd = fitDays * 1440;
  const w = rolloutWindow(world.scenario.rollout);
  const forecasterOf = opts.forecasterOf ?? forecastersFittedUntil(world, fitEnd);
  const todo = world.deployments.map((d, i) => ({ d, i })).filter(({ d }) => d.readyAt >= fitEnd && d.readyAt + o.horizonHours * 60 + w <= world.calendar.minutes);
  const regrets: number[] = [];
  let sumRec = 0;
  let sumReady = 0;
  let sumOracle = 0;
  let frozen = 0;
  let hits = 0;
  todo.forEach(({ d, i }, k) => {
    opts.onProgress?.(k + 1, todo.length);
    const rec = recommendWindows(world, d, risk, forecasterOf(d.service), o);
    const best = rec.ranked[0];
    if (touchesFreeze(world, best.start)) frozen++;
    const open = candidateStarts(world, d.readyAt, o).filter((t) => !touchesFreeze(world, t));
    let oracle = Infinity;
    let oracleAt = -1;
    for (const t of open) {
      const c = trueCost(world, i, t);
      if (c < oracle) {
        oracle = c;
        oracleAt = t;
      }
    }
    const cRec = trueCost(world, i, best.start);
    const cReady = trueCost(world, i, rec.whenReady.start);
    regrets.push(oracle > 0 ? cRec / oracle - 1 : 0);
    if (Math.abs(best.start - oracleAt) <= o.stepMinutes) hits++;
    sumRec += cRec;
    sumReady += cReady;
    sumOracle += oracle;
  });
  const sorted = [...regrets].sort((a, b) => a - b);
  return {
    changes: todo.length,
    meanRegret: regrets.reduce((a, b) => a + b, 0) / Math.max(1, regrets.length),
    medianRegret: sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0,
    costCut: sumReady > 0 ? 1 - sumRec / sumReady : 0,
    oracleCostCut: sumReady > 0 ? 1 - sumOracle / sumReady : 0,
    frozenRecommended: frozen,
    oracleHitRate: hits / Math.max(1, todo.length),
    fitDays,
    horizonHours: o.horizonHours,
    stepMinutes: o.stepMinutes,
  };
}
