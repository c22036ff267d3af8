// Multi-service scheduling: start times for a batch of changes across services so that
//   1. a callee whose change alters an API contract finishes its rollout (and bake) before any caller in the batch starts,
//   2. two coupled services (a dependency edge either way, or the same service) never roll out at the same time,
//   3. no rollout touches a freeze, and every change starts within its horizon,
// at the least total expected incident cost. Greedy placement in dependency order (callees of contract changes
// first, then by readiness) followed by coordinate-descent passes that move one change at a time to its cheapest
// feasible start. Order violations are counted by an independent checker and must be zero.
//
// The core (`planSchedule`, `checkPlan`) works on plain inputs: the batch (id, service index, readiness, contract
// change), each change's ranked candidates, the rollout length, the freezes and a service graph; the serving API
// (server/deploy-planners.ts) calls it directly, and the World functions below are adapters over it.
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

/** Which services call which: the scheduler's constraints between two services (indices). */
export interface ServiceGraph {
  /** The same service, or a dependency edge either way. */
  coupled(a: number, b: number): boolean;
  /** `caller` calls `callee` directly. */
  calls(caller: number, callee: number): boolean;
}

/** One change of a batch, as the scheduler and the checker see it. */
export interface BatchChange {
  id: string;
  service: number;
  readyAt: number;
  /** The change alters the API contract its callers use: it must finish before any of them starts. */
  contractChange: boolean;
}

/** A service graph from caller → callee edges (service indices). */
export function serviceGraph(edges: readonly { caller: number; callee: number }[]): ServiceGraph {
  const n = edges.reduce((m, e) => Math.max(m, e.caller + 1, e.callee + 1), 0);
  const m = new Uint8Array(n * n);
  for (const e of edges) m[e.caller * n + e.callee] = 1;
  const has = (a: number, b: number) => a < n && b < n && m[a * n + b] === 1;
  return { coupled: (a, b) => a === b || has(a, b) || has(b, a), calls: has };
}

/** Every constraint a batch's starts break (the checker, independent of the scheduler), on plain inputs. */
export function checkPlan(batch: readonly BatchChange[], starts: number[], horizonMinutes: number, rolloutMinutes: number, freezes: readonly { start: number; end: number }[], graph: ServiceGraph): Violation[] {
  const W = rolloutMinutes;
  const out: Violation[] = [];
  batch.forEach((d, i) => {
    const t = starts[i];
    if (freezes.some((f) => t < f.end && t + W > f.start)) out.push({ kind: 'freeze', a: d.id, b: null });
    if (t < d.readyAt || t > d.readyAt + horizonMinutes) out.push({ kind: 'horizon', a: d.id, b: null });
    batch.forEach((e, j) => {
      if (j <= i) return;
      const u = starts[j];
      if (graph.coupled(d.service, e.service) && t < u + W && u < t + W) out.push({ kind: 'coupled_overlap', a: d.id, b: e.id });
    });
    batch.forEach((e, j) => {
      // e's contract change on a service that d calls: e must be done before d starts.
      if (i !== j && e.contractChange && graph.calls(d.service, e.service) && starts[j] + W > t) out.push({ kind: 'contract_order', a: e.id, b: d.id });
    });
  });
  return out;
}

/** What the scheduler reads of a change's recommendation: every start it may take (minutes on the batch's axis) with
 *  its estimated cost. A simulated world's or a served request's `Recommendation` is one; so is a history's. */
export interface RankedStarts {
  ranked: readonly { start: number; expectedCost: number }[];
}

/** Start times for a batch from each change's unfrozen candidates with their estimated costs (the ranked lists of
 *  its recommendation): greedy placement in dependency order, then coordinate descent. */
export function planSchedule(batch: readonly BatchChange[], recs: readonly RankedStarts[], rolloutMinutes: number, graph: ServiceGraph): Schedule {
  const W = rolloutMinutes;
  // Every unfrozen candidate start of every change with its estimated cost.
  const cands = recs.map((r) => r.ranked.map((c) => ({ start: c.start, cost: c.expectedCost })).sort((a, b) => a.start - b.start));
  const n = batch.length;
  // Precedence: callees with contract changes before their callers in the batch.
  const before = (j: number, i: number) => batch[j].contractChange && graph.calls(batch[i].service, batch[j].service);
  const feasible = (i: number, t: number, starts: (number | null)[]) => {
    for (let j = 0; j < n; j++) {
      const u = starts[j];
      if (j === i || u === null) continue;
      if (graph.coupled(batch[i].service, batch[j].service) && t < u + W && u < t + W) return false;
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
    const pick = (ready.length ? ready : [...Array(n).keys()].filter((i) => !placed.has(i))).sort((a, b) => batch[a].readyAt - batch[b].readyAt || a - b)[0];
    order.push(pick);
    placed.add(pick);
  }
  const starts: (number | null)[] = new Array(n).fill(null);
  // Starts are unique per change: the cost of a start by lookup.
  const costOf = cands.map((l) => new Map(l.map((c) => [c.start, c.cost])));
  const costAt = (i: number, t: number) => costOf[i].get(t) ?? Infinity;
  const best = (i: number, s: (number | null)[] = starts) => {
    let b: { start: number; cost: number } | null = null;
    for (const c of cands[i]) if (feasible(i, c.start, s) && (!b || c.cost < b.cost)) b = c;
    return b;
  };
  const unplaced: string[] = [];
  for (const i of order) {
    const b = best(i);
    if (b) starts[i] = b.start;
  }
  // Coordinate descent: move one change at a time to its cheapest feasible start, until nothing moves.
  const descend = () => {
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
  };
  descend();
  // Repair (only when a change found no feasible start, e.g. its contract-changing callee took the end of its
  // horizon): try each of its starts, moving the changes in its way to their cheapest feasible starts, and keep the
  // cheapest combination that places everything it touched; then descend again.
  let repaired = false;
  for (const i of order) {
    if (starts[i] !== null) continue;
    let found: { total: number; starts: (number | null)[] } | null = null;
    for (const c of cands[i]) {
      const trial = [...starts];
      const inWay = [...Array(n).keys()].filter((j) => j !== i && trial[j] !== null && !feasible(i, c.start, starts.map((u, k) => (k === j ? u : null))));
      for (const j of inWay) trial[j] = null;
      trial[i] = c.start;
      let ok = true;
      for (const j of inWay) {
        const b = best(j, trial);
        if (!b) {
          ok = false;
          break;
        }
        trial[j] = b.start;
      }
      if (!ok) continue;
      const total = trial.reduce<number>((a, u, k) => a + (u === null ? 0 : costAt(k, u)), 0);
      if (!found || total < found.total - 1e-9) found = { total, starts: trial };
    }
    if (found) {
      found.starts.forEach((u, k) => (starts[k] = u));
      repaired = true;
    }
  }
  if (repaired) descend();
  // Last resort (still a change without a start: the cheap starts of the early changes crowd out the later ones):
  // place every change at its earliest feasible start in placement order, then descend from that feasible schedule
  // (descent only ever moves a change to another feasible start).
  if (starts.some((u) => u === null)) {
    const saved = [...starts];
    starts.fill(null);
    for (const i of order) {
      const c = cands[i].find((x) => feasible(i, x.start, starts));
      if (c) starts[i] = c.start;
    }
    if (starts.every((u) => u !== null)) descend();
    else saved.forEach((u, k) => (starts[k] = u));
  }
  batch.forEach((d, i) => {
    if (starts[i] === null) {
      unplaced.push(d.id);
      starts[i] = cands[i].reduce((a, c) => (c.cost < a.cost ? c : a), cands[i][0] ?? { start: d.readyAt, cost: Infinity }).start;
    }
  });
  const changes = batch.map((d, i) => ({ deploymentId: d.id, service: d.service, readyAt: d.readyAt, start: starts[i]!, expectedCost: costAt(i, starts[i]!) }));
  return { changes, totalExpectedCost: changes.reduce((a, c) => a + c.expectedCost, 0), unplaced };
}

// ---- World adapters -------------------------------------------------------------------------------------------

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

const worldGraph = (world: World): ServiceGraph => ({ coupled: (a, b) => coupled(world, a, b), calls: (a, b) => calls(world, a, b) });
const batchOf = (world: World, deps: Deployment[]): BatchChange[] => deps.map((d) => ({ id: d.id, service: d.service, readyAt: d.readyAt, contractChange: changeOf(world, d).features.apiContractChange }));

/** Every constraint a schedule breaks (the checker, independent of the scheduler). */
export function checkSchedule(world: World, deps: Deployment[], starts: number[], horizonMinutes: number): Violation[] {
  return checkPlan(batchOf(world, deps), starts, horizonMinutes, rolloutWindow(world.scenario.rollout), world.calendar.freezes, worldGraph(world));
}

/** Schedule a batch. Candidate costs come from the window recommender (risk model + forecast + cover). */
export function scheduleChanges(world: World, deps: Deployment[], risk: GamModel, forecasterOf: (service: number) => Forecaster, options: Partial<WindowOptions> = {}, recs?: Recommendation[]): Schedule {
  const o = { ...WINDOW_DEFAULTS, ...options, top: Number.MAX_SAFE_INTEGER };
  const all = deps.map((d, i) => recs?.[i] ?? recommendWindows(world, d, risk, forecasterOf(d.service), o));
  return planSchedule(batchOf(world, deps), all, rolloutWindow(world.scenario.rollout), worldGraph(world));
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
