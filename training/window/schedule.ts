// Multi-service scheduling: start times for a batch of changes across services so that
//   1. a callee whose change alters an API contract finishes its rollout (and bake) before any caller in the batch starts,
//   2. two coupled services (a dependency edge either way, or the same service) never roll out at the same time,
//   3. no rollout touches a freeze, and every change starts within its horizon,
// at the least total expected incident cost. Greedy placement in dependency order (callees of contract changes
// first, then by readiness) followed by coordinate-descent passes that move one change at a time to its cheapest
// feasible start. Order violations are counted by an independent checker and must be zero.
import type { World, Deployment } from '../../sim/world.ts';
import { rolloutWindow } from '../../sim/unguarded.ts';
import type { GamModel } from '../gam.ts';
import type { Forecaster } from '../forecast/forecaster.ts';
import { changeOf, recommendWindows, WINDOW_DEFAULTS, type Recommendation, type WindowOptions } from './recommend.ts';

export interface ScheduledChange {
  deploymentId: string;
  service: number;
  readyAt: number;
  start: number;
  expectedCost: number;
}

export interface Schedule {
  changes: ScheduledChange[];
  totalExpectedCost: number;
  /** Changes that found no feasible start (placed at their cheapest start regardless; counted as violations). */
  unplaced: string[];
}

export interface Violation {
  kind: 'contract_order' | 'coupled_overlap' | 'freeze' | 'horizon';
  a: string;
  b: string | null;
}

/** Services coupled to `j`: itself and every service with a dependency edge to or from it. */
function coupled(world: World, i: number, j: number): boolean {
  if (i === j) return true;
  const t = world.topology;
  return t.callersOf[i].some((di) => t.dependencies[di].caller === j) || t.calleesOf[i].some((di) => t.dependencies[di].callee === j);
}

/** `caller` calls `callee` (directly). */
function calls(world: World, caller: number, callee: number): boolean {
  return world.topology.calleesOf[caller].some((di) => world.topology.dependencies[di].callee === callee);
}

const contractChange = (world: World, d: Deployment): boolean => changeOf(world, d).features.apiContractChange;

/** Every constraint a schedule breaks (the checker, independent of the scheduler). */
export function checkSchedule(world: World, deps: Deployment[], starts: number[], horizonMinutes: number): Violation[] {
  const W = rolloutWindow(world.scenario.rollout);
  const out: Violation[] = [];
  deps.forEach((d, i) => {
    const t = starts[i];
    if (world.calendar.freezes.some((f) => t < f.end && t + W > f.start)) out.push({ kind: 'freeze', a: d.id, b: null });
    if (t < d.readyAt || t > d.readyAt + horizonMinutes) out.push({ kind: 'horizon', a: d.id, b: null });
    deps.forEach((e, j) => {
      if (j <= i) return;
      const u = starts[j];
      if (coupled(world, d.service, e.service) && t < u + W && u < t + W) out.push({ kind: 'coupled_overlap', a: d.id, b: e.id });
    });
    deps.forEach((e, j) => {
      // e's contract change on a service that d calls: e must be done before d starts.
      if (i !== j && contractChange(world, e) && calls(world, d.service, e.service) && starts[j] + W > t) out.push({ kind: 'contract_order', a: e.id, b: d.id });
    });
  });
  return out;
}

/** Schedule a batch. Candidate costs come from the window recommender (risk model + forecast + cover). */
export function scheduleChanges(world: World, deps: Deployment[], risk: GamModel, forecasterOf: (service: number) => Forecaster, options: Partial<WindowOptions> = {}, recs?: Recommendation[]): Schedule {
  const o = { ...WINDOW_DEFAULTS, ...options, top: Number.MAX_SAFE_INTEGER };
  const W = rolloutWindow(world.scenario.rollout);
  // Every unfrozen candidate start of every change with its estimated cost.
  const cands = deps.map((d, i) => (recs?.[i] ?? recommendWindows(world, d, risk, forecasterOf(d.service), o)).ranked.map((c) => ({ start: c.start, cost: c.expectedCost })).sort((a, b) => a.start - b.start));
  const n = deps.length;
  // Precedence: callees with contract changes before their callers in the batch.
  const before = (j: number, i: number) => contractChange(world, deps[j]) && calls(world, deps[i].service, deps[j].service);
  const feasible = (i: number, t: number, starts: (number | null)[]) => {
    for (let j = 0; j < n; j++) {
      const u = starts[j];
      if (j === i || u === null) continue;
      if (coupled(world, deps[i].service, deps[j].service) && t < u + W && u < t + W) return false;
      if (before(j, i) && u + W > t) return false;
      if (before(i, j) && t + W > u) return false;
    }
    return true;
  };
  // Placement order: a change after every contract-changing callee it depends on, else by readiness.
  const order: number[] = [];
  const placed = new Set<number>();
  while (order.length < n) {
    const ready = [...Array(n).keys()].filter((i) => !placed.has(i) && [...Array(n).keys()].every((j) => placed.has(j) || !before(j, i) || j === i));
    const pick = (ready.length ? ready : [...Array(n).keys()].filter((i) => !placed.has(i))).sort((a, b) => deps[a].readyAt - deps[b].readyAt || a - b)[0];
    order.push(pick);
    placed.add(pick);
  }
  const starts: (number | null)[] = new Array(n).fill(null);
  const costAt = (i: number, t: number) => cands[i].find((c) => c.start === t)?.cost ?? Infinity;
  const best = (i: number) => {
    let b: { start: number; cost: number } | null = null;
    for (const c of cands[i]) if (feasible(i, c.start, starts) && (!b || c.cost < b.cost)) b = c;
    return b;
  };
  const unplaced: string[] = [];
  for (const i of order) {
    const b = best(i);
    if (b) starts[i] = b.start;
  }
  // Coordinate descent: move one change at a time to its cheapest feasible start, until nothing moves.
  for (let pass = 0; pass < 10; pass++) {
    let moved = false;
    for (const i of order) {
      const cur = starts[i];
      starts[i] = null;
      const b = best(i);
      if (b && (cur === null || b.cost < costAt(i, cur) - 1e-9)) {
        starts[i] = b.start;
        moved = true;
      } else starts[i] = cur;
    }
    if (!moved) break;
  }
  deps.forEach((d, i) => {
    if (starts[i] === null) {
      unplaced.push(d.id);
      starts[i] = cands[i].reduce((a, c) => (c.cost < a.cost ? c : a), cands[i][0] ?? { start: d.readyAt, cost: Infinity }).start;
    }
  });
  const changes = deps.map((d, i) => ({ deploymentId: d.id, service: d.service, readyAt: d.readyAt, start: starts[i]!, expectedCost: costAt(i, starts[i]!) }));
  return { changes, totalExpectedCost: changes.reduce((a, c) => a + c.expectedCost, 0), unplaced };
}

export interface ScheduleEvaluation {
  batches: number;
  changes: number;
  /** Changes in batches where a contract order or a coupled pair constrains the schedule. */
  constrainedChanges: number;
  /** True total expected cost of the schedule, of each change's own best window (ignoring the others), of deploying when ready. */
  scheduleCost: number;
  independentCost: number;
  whenReadyCost: number;
  /** Order / overlap / freeze / horizon violations of the schedule (must be 0), and of the independent choices. */
  scheduleViolations: number;
  independentViolations: number;
  unplaced: number;
}

/** Schedule every day's batch of changes of `world` after `fitDays` and score it with the true expectations. */
export function evaluateSchedules(world: World, risk: GamModel, forecasterOf: (service: number) => Forecaster, trueCost: (depIndex: number, t: number) => number, opts: Partial<WindowOptions> & { fitDays: number; batchHours?: number }): ScheduleEvaluation {
  const o = { ...WINDOW_DEFAULTS, ...opts };
  const W = rolloutWindow(world.scenario.rollout);
  const horizon = o.horizonHours * 60;
  const batchMin = (opts.batchHours ?? 24) * 60;
  const fitEnd = opts.fitDays * 1440;
  const idx = new Map(world.deployments.map((d, i) => [d.id, i]));
  const eligible = world.deployments.filter((d) => d.readyAt >= fitEnd && d.readyAt + horizon + W <= world.calendar.minutes);
  const groups = new Map<number, Deployment[]>();
  for (const d of eligible) {
    const k = Math.floor((d.readyAt - fitEnd) / batchMin);
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  const ev: ScheduleEvaluation = { batches: 0, changes: 0, constrainedChanges: 0, scheduleCost: 0, independentCost: 0, whenReadyCost: 0, scheduleViolations: 0, independentViolations: 0, unplaced: 0 };
  for (const deps of groups.values()) {
    ev.batches++;
    ev.changes += deps.length;
    const constrained = deps.filter((d) => deps.some((e) => e !== d && coupled(world, d.service, e.service)));
    ev.constrainedChanges += constrained.length;
    // Every candidate of every change, ranked once: the schedule and the independent choices read the same lists.
    const recs = deps.map((d) => recommendWindows(world, d, risk, forecasterOf(d.service), { ...o, top: Number.MAX_SAFE_INTEGER }));
    const sch = scheduleChanges(world, deps, risk, forecasterOf, o, recs);
    ev.unplaced += sch.unplaced.length;
    const indep = recs.map((r) => r.ranked[0].start);
    const ready = recs.map((r) => r.whenReady.start);
    const total = (starts: number[]) => deps.reduce((a, d, i) => a + trueCost(idx.get(d.id)!, starts[i]), 0);
    ev.scheduleCost += total(sch.changes.map((c) => c.start));
    ev.independentCost += total(indep);
    ev.whenReadyCost += total(ready);
    ev.scheduleViolations += checkSchedule(world, deps, sch.changes.map((c) => c.start), horizon).length;
    ev.independentViolations += checkSchedule(world, deps, indep, horizon).length;
  }
  return ev;
}
