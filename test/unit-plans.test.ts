// Rollout plans over regions and tenants: the progressive strategy's order, ramp inside the first unit and exposure
// cap (with the errors that name a bad field), the optimiser's rule that runs a chosen canary over the units (the
// candidates' order of caution kept), rolling back one unit under such a plan, and the plan as served: POST
// /v1/rollout/plan and `plan rollout` with units, and the Argo / Flagger formats refusing what they cannot route.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, simulateWorld, type World } from '../sim/index.ts';
import { RolloutEnv } from '../sim/env.ts';
import { planFor, validateStrategy, userWeight, type Strategy } from '../sim/strategy.ts';
import type { Service } from '../sim/topology.ts';
import type { Fault } from '../sim/faults.ts';
import type { Deployment } from '../sim/world.ts';
import { PLAN_CANDIDATES, dwellSum } from '../policies/rollout-plan/candidates.ts';
import { choosePlan } from '../policies/rollout-plan/choose.ts';
import { unitPlan, unitStrategy, UNIT_CAP_PERCENT, UNIT_RAMP_PERCENT, UNIT_RAMP_MINUTES, UNIT_WHOLE_MINUTES, type UnitsInput } from '../policies/rollout-plan/units.ts';
import { Rng } from '../lib/rng.ts';
import { rolloutPlanDecision } from '../policies/rollout-plan/gate.ts';
import { argoSteps, flaggerAnalysis } from '../policies/rollout-plan/formats.ts';
import { serviceUnits } from '../backtest/optimised.ts';
import { runEpisode } from '../backtest/run.ts';
import { compareUnitPlans, formatUnitPlanComparison } from '../backtest/plan-compare.ts';
import { resolvePolicies } from '../policies/index.ts';
import { mlPolicy } from '../policies/ml.ts';
import type { Decision, Policy } from '../policies/policy.ts';
import { RollbackPredictor } from '../training/predictive-rollback/model.ts';
import { buildApp } from '../server/app.ts';
import { inProcess } from './in-process.ts';
import { quietRollbackJson } from './tiny-models.ts';

const svc = { regions: ['a', 'b', 'c'], regionShares: [0.5, 0.2, 0.3], tenantShares: [0.1, 0.2, 0.3, 0.15, 0.25] } as unknown as Service;
const tenants = ['t1', 't2', 't3', 't4', 't5'];
const prog = (more: Partial<Extract<Strategy, { kind: 'progressive' }>> = {}, by: 'region' | 'tenant' = 'region'): Strategy => ({ kind: 'progressive', by, stepMinutes: 10, bakeMinutes: 30, ...more });
const stagesOf = (st: Strategy, crit?: number[]) => planFor(validateStrategy(st), svc, tenants, crit).stages.map((s) => [s.exposure.map((x) => Math.round(x * 1e6) / 1e6), s.dwellMinutes]);

describe('the progressive strategy: order, ramp, cap', () => {
  it('without the new fields, whole units smallest first, as before', () => {
    expect(stagesOf(prog())).toEqual([[[0, 1, 0], 10], [[0, 1, 1], 10], [[1, 1, 1], 0]]);
    // Tenants: smallest first; with a criticality the least critical first, traffic breaking ties.
    expect(stagesOf(prog({}, 'tenant'))[0][0]).toEqual([1, 0, 0, 0, 0]);
    const crit = stagesOf(prog({}, 'tenant'), [5, 5, 0, 9, 5]).map((s) => (s[0] as number[]).map((x, i) => (x ? tenants[i] : '')).filter(Boolean).join(','));
    expect(crit.slice(0, 3)).toEqual(['t3', 't1,t3', 't1,t2,t3']);
    // A criticality list of the wrong length is ignored by the plan (the scenario refuses it).
    expect(stagesOf(prog({}, 'tenant'), [1, 2])).toEqual(stagesOf(prog({}, 'tenant')));
  });

  it('an explicit order, and a ramp inside the first unit with its own dwells', () => {
    expect(stagesOf(prog({ order: ['c', 'a', 'b'] }))).toEqual([[[0, 0, 1], 10], [[1, 0, 1], 10], [[1, 1, 1], 0]]);
    expect(stagesOf(prog({ firstUnitSteps: [1, 10, 100], firstUnitDwellMinutes: [15, 5] }))).toEqual([[[0, 0.01, 0], 15], [[0, 0.1, 0], 5], [[0, 1, 0], 10], [[0, 1, 1], 10], [[1, 1, 1], 0]]);
    const plan = planFor(validateStrategy(prog({ firstUnitSteps: [1, 10, 100], firstUnitDwellMinutes: [15, 5] })), svc, tenants);
    expect(plan.plannedMinutes).toBe(15 + 5 + 10 + 10 + 30);
  });

  it('a ramp inside every later unit: each goes out at unitSteps of its own traffic, the units before it whole, then whole itself', () => {
    // Order b (20 %), c (30 %), a (50 %): b ramps at 1-10 %, c and a at 5-25 % of their own traffic.
    expect(stagesOf(prog({ firstUnitSteps: [1, 10, 100], firstUnitDwellMinutes: [15, 5], unitSteps: [5, 25, 100], unitDwellMinutes: [2, 3], stepMinutes: 4 }))).toEqual([
      [[0, 0.01, 0], 15], [[0, 0.1, 0], 5], [[0, 1, 0], 4],
      [[0, 1, 0.05], 2], [[0, 1, 0.25], 3], [[0, 1, 1], 4],
      [[0.05, 1, 1], 2], [[0.25, 1, 1], 3], [[1, 1, 1], 0],
    ]);
    // The dwells default to stepMinutes; a later unit's ramp does not need one in the first unit.
    expect(stagesOf(prog({ unitSteps: [10, 100] }))).toEqual([[[0, 1, 0], 10], [[0, 1, 0.1], 10], [[0, 1, 1], 10], [[0.1, 1, 1], 10], [[1, 1, 1], 0]]);
    const plan = planFor(validateStrategy(prog({ unitSteps: [10, 50, 100], unitDwellMinutes: [1, 2], stepMinutes: 3 }, 'tenant')), svc, tenants);
    expect(plan.plannedMinutes).toBe(3 + 4 * (1 + 2) + 3 * 3 + 30);
    // Every unit after the first first gets 10 % of its traffic, while the units before it are whole and the ones after it at 0.
    const order = [0, 3, 1, 4, 2];
    for (let k = 1; k < order.length; k++) {
      const first = plan.stages.find((st) => st.exposure[order[k]] > 0)!;
      expect(first.exposure[order[k]]).toBeCloseTo(0.1, 12);
      expect(order.map((u) => first.exposure[u])).toEqual(order.map((_, j) => (j < k ? 1 : j === k ? 0.1 : 0)));
    }
    // A unit plan with a single unit has no later unit to ramp.
    expect(planFor(validateStrategy(prog({ unitSteps: [10, 100] })), { ...svc, regions: ['a'], regionShares: [1] } as Service, tenants).stages.map((st) => st.exposure)).toEqual([[1]]);
  });

  it('the cap over ramped later units: every stage before the first one above the cap is under it, and the first unit is held its minutes', () => {
    for (const percent of [5, 12, 25, 40, 60]) {
      for (const minutes of [1, 7, 30]) {
        const plan = planFor(validateStrategy(prog({ firstUnitSteps: [0.5, 5, 50, 100], unitSteps: [2, 20, 100], unitDwellMinutes: [1, 2], stepMinutes: 3, exposureCap: { percent, minutes } }, 'tenant')), svc, tenants);
        const w = plan.stages.map((st) => userWeight(plan, st.exposure));
        const above = w.findIndex((x) => x > percent / 100 + 1e-12);
        expect(w.slice(0, above).every((x) => x <= percent / 100 + 1e-12)).toBe(true);
        const top = Math.min(1, percent / 100 / 0.1);
        const held = plan.stages.slice(0, above).filter((st) => st.exposure[0] >= top - 1e-12).reduce((a, st) => a + st.dwellMinutes, 0);
        expect(held, `cap ${percent} % for ${minutes} min`).toBeGreaterThanOrEqual(minutes);
      }
    }
  });

  it('the cap: a first unit bigger than the cap runs at the cap first; a smaller one is held until it has run the cap minutes', () => {
    // a has 50 %: capped at 25 % of the service (half of a) for 20 min before it goes whole.
    const big = stagesOf(prog({ order: ['a', 'c', 'b'], exposureCap: { percent: 25, minutes: 20 } }));
    expect(big).toEqual([[[0.5, 0, 0], 20], [[1, 0, 0], 10], [[1, 0, 1], 10], [[1, 1, 1], 0]]);
    // The ramp's steps above the cap are cut to it: 1 % and 10 % of b (0.2 % and 2 % of the service) stay; b whole (20 %) is above 5 %.
    expect(stagesOf(prog({ firstUnitSteps: [1, 10, 100], exposureCap: { percent: 5, minutes: 20 } }))).toEqual([[[0, 0.01, 0], 10], [[0, 0.1, 0], 10], [[0, 0.25, 0], 20], [[0, 1, 0], 10], [[0, 1, 1], 10], [[1, 1, 1], 0]]);
    // Tenants t1 (10 %) and t4 (15 %) fit under 30 %; t2 would not: t1 has run 10 min whole, so the last stage under the cap is held 10 more.
    expect(stagesOf(prog({ stepMinutes: 5, exposureCap: { percent: 30, minutes: 20 } }, 'tenant')).map((s) => s[1])).toEqual([5, 15, 5, 5, 0]);
    // No stage above the cap: nothing changes. Every stage before the first one above it is under it.
    expect(stagesOf(prog({ exposureCap: { percent: 100, minutes: 99 } }))).toEqual(stagesOf(prog()));
    for (const percent of [5, 12, 25, 40, 60]) {
      const plan = planFor(validateStrategy(prog({ firstUnitSteps: [0.5, 5, 50, 100], exposureCap: { percent, minutes: 7 } }, 'tenant')), svc, tenants);
      const first = plan.stages.findIndex((s) => userWeight(plan, s.exposure) > percent / 100 + 1e-12);
      expect(plan.stages.slice(0, first).every((s) => userWeight(plan, s.exposure) <= percent / 100 + 1e-12)).toBe(true);
    }
  });

  it('bad values are refused naming the field', () => {
    const cases: [Partial<Extract<Strategy, { kind: 'progressive' }>>, RegExp][] = [
      [{ order: ['a', 'x', 'b'] }, /^strategy\.order: .*names "x"/],
      [{ order: ['a', 'b'] }, /^strategy\.order: .*leaves out c/],
      [{ order: ['a', 'a', 'b'] }, /^strategy\.order\[1\]: "a" is already at order\[0\]/],
      [{ firstUnitSteps: [5, 50] }, /^strategy\.firstUnitSteps: the last step must be 100/],
      [{ firstUnitSteps: [5, 2, 100] }, /^strategy\.firstUnitSteps\[1\]: must be larger/],
      [{ firstUnitSteps: [0, 100] }, /^strategy\.firstUnitSteps\[0\]: must be in \(0, 100\]/],
      [{ firstUnitDwellMinutes: [5] }, /^strategy\.firstUnitDwellMinutes: needs firstUnitSteps/],
      [{ firstUnitSteps: [5, 100], firstUnitDwellMinutes: [5, 5] }, /^strategy\.firstUnitDwellMinutes: must give one dwell/],
      [{ firstUnitSteps: [5, 100], firstUnitDwellMinutes: [0] }, /^strategy\.firstUnitDwellMinutes\[0\]: must be an integer >= 1/],
      [{ unitSteps: [] }, /^strategy\.unitSteps: must be a non-empty list of percentages of each later unit's traffic/],
      [{ unitSteps: 'ten' as never }, /^strategy\.unitSteps: must be a non-empty list/],
      [{ unitSteps: [10, 50] }, /^strategy\.unitSteps: the last step must be 100 \(each later unit whole\)/],
      [{ unitSteps: [10, 10, 100] }, /^strategy\.unitSteps\[1\]: must be larger than the step before \(10\)/],
      [{ unitSteps: [-1, 100] }, /^strategy\.unitSteps\[0\]: must be in \(0, 100\]/],
      [{ unitSteps: [10, 150] }, /^strategy\.unitSteps\[1\]: must be in \(0, 100\]/],
      [{ unitSteps: [Number.NaN, 100] }, /^strategy\.unitSteps\[0\]: must be in \(0, 100\]/],
      [{ unitDwellMinutes: [5] }, /^strategy\.unitDwellMinutes: needs unitSteps/],
      [{ unitSteps: [10, 100], unitDwellMinutes: [5, 5] }, /^strategy\.unitDwellMinutes: must give one dwell per unit step before the last \(1\)/],
      [{ unitSteps: [10, 50, 100], unitDwellMinutes: [2, 1.5] }, /^strategy\.unitDwellMinutes\[1\]: must be an integer >= 1, got 1\.5/],
      [{ unitSteps: [10, 100], unitDwellMinutes: [0] }, /^strategy\.unitDwellMinutes\[0\]: must be an integer >= 1/],
      [{ exposureCap: { percent: 0, minutes: 5 } }, /^strategy\.exposureCap\.percent: must be in \(0, 100\]/],
      [{ exposureCap: { percent: 101, minutes: 5 } }, /^strategy\.exposureCap\.percent/],
      [{ exposureCap: { percent: 5, minutes: 0.5 } }, /^strategy\.exposureCap\.minutes: must be an integer >= 1/],
      [{ exposureCap: { percent: 5, minutes: 5, share: 1 } as never }, /^strategy\.exposureCap\.share: is not a field/],
    ];
    for (const [more, re] of cases) expect(() => stagesOf(prog(more)), JSON.stringify(more)).toThrow(re);
  });

  it('the scenario refuses a criticality list that does not give one number per tenant', () => {
    expect(() => parseScenario({ topology: { tenantCriticality: [1, 2] } })).toThrow(/topology\.tenantCriticality .*one number per tenant/);
    expect(parseScenario({ topology: { tenantCriticality: [1, 2, 3, 4, 5] } }).topology.tenantCriticality).toEqual([1, 2, 3, 4, 5]);
    expect(loadScenario('default').topology.tenantCriticality).toBeUndefined();
  });
});

describe('the optimiser over units', () => {
  const units: UnitsInput = { by: 'tenant', names: tenants, shares: [0.1, 0.2, 0.3, 0.15, 0.25] };

  it('runs the chosen canary inside the first unit, then ramps every later unit, under the cap, in the canary\'s minutes; one unit is the canary', () => {
    const cautious = PLAN_CANDIDATES.find((c) => c.name === 'cautious')!;
    const p = unitPlan(cautious, units);
    expect(p.order).toEqual(['t1', 't4', 't2', 't5', 't3']);
    // 0.1 %, 1 % and 5 % of the service inside t1 (10 %): 1 %, 10 %, 50 % of it, with the canary's dwells.
    expect(p.firstUnitSteps).toEqual([1, 10, 50, 100]);
    expect(p.firstUnitDwellMinutes).toEqual([15, 10, 10]);
    expect(p.stages.map((s) => s.percent).slice(0, 3)).toEqual([0.1, 1, 5]);
    // Every later tenant: 10 % of it for a minute, then whole for a minute before the next one starts; the canary's
    // minutes left over hold the service at 25 % (t1 and t4 whole) until t1 has run 5 min.
    expect(p.unitSteps).toEqual([UNIT_RAMP_PERCENT, 100]);
    expect(p.unitDwellMinutes).toEqual([UNIT_RAMP_MINUTES]);
    expect(p.stepMinutes).toBe(UNIT_WHOLE_MINUTES);
    expect(p.stages.map((s) => [s.percent, s.dwellMinutes])).toEqual([[0.1, 15], [1, 10], [5, 10], [10, 1], [11.5, 1], [25, 3], [27, 1], [45, 1], [47.5, 1], [70, 1], [73, 1], [100, 0]]);
    expect(p.exposureCap).toEqual({ percent: UNIT_CAP_PERCENT, minutes: 5 });
    expect(p.minutesToFull).toBe(dwellSum(cautious));
    expect(p.note).toMatch(/t1 first \(ramped 1-10-50-100 % of its traffic\), then t4, then t2, then t5, then t3, each ramped 10 % of its traffic for 1 min before it is whole/);
    // choosePlan: the same rule after the table's choice; without units, or with one, the canary alone.
    const c = choosePlan({ risk: 0.2, rpm: 500, units });
    expect(c.units).toEqual(unitPlan(c.candidate, units));
    expect(choosePlan({ risk: 0.2, rpm: 500 }).units).toBeUndefined();
    const one = choosePlan({ risk: 0.2, rpm: 500, units: { by: 'region', names: ['a'], shares: [1] } });
    expect(one.units).toBeUndefined();
    expect(one.reasons.at(-1)).toMatch(/one region \(a\): the canary over it/);
  });

  it('keeps the candidates’ order of caution over the same units: the first exposure never grows, the time to full never shrinks and is never below the canary’s', () => {
    const shareSets = [[0.1, 0.2, 0.3, 0.15, 0.25], [0.6, 0.4], [0.2, 0.034, 0.268, 0.498], [0.149, 0.223, 0.255, 0.195, 0.178], [0.593, 0.201, 0.206], [0.05, 0.95], [0.34, 0.33, 0.33]];
    // And many more splits, 2 to 12 units, some tiny, drawn from a seeded stream.
    const rng = new Rng(11, 'unit-plan-splits');
    for (let t = 0; t < 400; t++) {
      const n = 2 + Math.floor(rng.next() * 11);
      const raw = Array.from({ length: n }, () => (rng.next() < 0.15 ? 0.002 : 0.05 + rng.next()));
      const total = raw.reduce((a, b) => a + b, 0);
      const shares = raw.map((x) => Math.round((1e6 * x) / total) / 1e6);
      shares[n - 1] = Math.round(1e6 * (1 - shares.slice(0, -1).reduce((a, b) => a + b, 0))) / 1e6;
      shareSets.push(shares);
    }
    for (const shares of shareSets) {
      const u: UnitsInput = { by: 'region', names: shares.map((_, i) => `r${i}`), shares };
      const plans = PLAN_CANDIDATES.map((c) => unitPlan(c, u));
      plans.forEach((p, i) => {
        const c = PLAN_CANDIDATES[i];
        expect(p.minutesToFull, `${c.name} over ${shares}`).toBeGreaterThanOrEqual(dwellSum(c));
        // Longer than the canary only when the ramps of many units do not fit in its minutes (each later unit takes at
        // least 2, the first unit's whole stage and a cap stage 1 each), or the plan before it was.
        const floor = Math.max(dwellSum(c), (p.firstUnitDwellMinutes ?? []).reduce((a, b) => a + b, 0) + 2 * (shares.length - 1) + 1);
        expect(p.minutesToFull, `${c.name} over ${shares}`).toBeLessThanOrEqual(Math.max(floor, i > 0 ? plans[i - 1].minutesToFull : 0));
        expect(p.stages[0].percent).toBeLessThanOrEqual(c.steps[0] + 1e-9);
        // Every unit after the first first gets UNIT_RAMP_PERCENT of its traffic, the units before it whole.
        p.order.slice(1).forEach((name, k) => {
          const first = p.stages.find((st) => st.unitPercent[name] > 0)!;
          expect(first.unitPercent[name], `${name} of ${c.name} over ${shares}`).toBe(UNIT_RAMP_PERCENT);
          expect(p.order.slice(0, k + 1).every((x) => first.unitPercent[x] === 100)).toBe(true);
        });
        if (i === 0) return;
        expect(p.stages[0].percent, `${c.name} over ${shares}`).toBeLessThanOrEqual(plans[i - 1].stages[0].percent + 1e-9);
        expect(p.minutesToFull, `${c.name} over ${shares}`).toBeGreaterThanOrEqual(plans[i - 1].minutesToFull);
      });
      // What is served is what runs: the strategy's stages are the plan's.
      for (const c of PLAN_CANDIDATES) {
        const st = unitStrategy(c, u, 30);
        const runs = planFor(validateStrategy(st), { regions: u.names, regionShares: u.shares, tenantShares: [] } as unknown as Service, []);
        const served = unitPlan(c, u).stages;
        expect(runs.stages.map((s) => s.dwellMinutes)).toEqual(served.map((s) => s.dwellMinutes));
        runs.stages.forEach((s, i) => expect(Math.abs(100 * userWeight(runs, s.exposure) - served[i].percent), `${c.name} over ${shares}, stage ${i}`).toBeLessThanOrEqual(5e-5 + 1e-9));
      }
    }
  });
});

describe('rolling back one unit under a unit plan', () => {
  let world: World;
  beforeAll(() => {
    world = simulateWorld(parseScenario({ days: 2, topology: { services: 8 } }), 3);
  });
  const quiet = new RollbackPredictor(quietRollbackJson());
  const severe = (scope: Fault['scope']): Fault => ({ kind: 'error_step', onsetMinutes: 0, errorAdd: 0.3, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity, callerErrorRate: 0, scope, severe: true, rollbackRestores: true });

  it('a fault confined to the second tenant: ml takes that tenant back alone once it is exposed, the rest finish', () => {
    const busy = [...world.topology.services].sort((a, b) => world.traffic.meanRequests[b.id] - world.traffic.meanRequests[a.id])[0];
    const u = serviceUnits(world, busy.id, 'tenant');
    const strategy = unitStrategy(PLAN_CANDIDATES.find((c) => c.name === 'cautious')!, u, 30);
    const plan = planFor(strategy, busy, world.scenario.topology.tenants);
    const second = plan.units.indexOf(strategy.order![1]);
    const d = world.deployments.find((x) => x.service === busy.id) ?? world.deployments[0];
    const dep: Deployment = { ...d, service: busy.id, fault: severe({ kind: 'tenant', tenant: plan.units[second], share: plan.unitShares[second] }), material: true };
    const decisions: Decision[] = [];
    const base = mlPolicy(quiet, 'test');
    const policy: Policy = { name: base.name, start: (ctx) => {
      const r = base.start(ctx);
      return { decide: (o) => { const x = r.decide(o); decisions.push(x); return x; } };
    } };
    const truth = runEpisode(new RolloutEnv(world), world, dep, 3, strategy, null, null).outcome;
    const ep = runEpisode(new RolloutEnv(world), world, dep, 3, strategy, policy, truth);
    const rollbacks = decisions.filter((x) => x.type === 'rollback');
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toMatchObject({ unit: plan.units[second] });
    // The fault first reached users when its tenant went out, after the ramp in the first tenant.
    const rampMinutes = plan.stages.findIndex((s) => s.exposure[second] > 0);
    expect(rampMinutes).toBeGreaterThan(0);
    expect(ep.outcome.onsetMinute! - dep.start).toBeGreaterThanOrEqual(plan.stages.slice(0, rampMinutes).reduce((a, s) => a + s.dwellMinutes, 0));
    expect(ep.outcome.fullRollbackMinute).toBeNull();
    expect(ep.outcome.endedBy).toBe('promoted');
    expect(ep.exposure.atEnd[second]).toBe(0);
    expect(ep.exposure.atEnd.filter((_, v) => v !== second).every((x) => x === 1)).toBe(true);
  });
});

describe('a fault confined to a later unit under the ramped unit plan', () => {
  let world: World;
  beforeAll(() => {
    world = simulateWorld(parseScenario({ days: 2, topology: { services: 8 } }), 3);
  });
  const quiet = new RollbackPredictor(quietRollbackJson());
  const severe = (scope: Fault['scope']): Fault => ({ kind: 'error_step', onsetMinutes: 0, errorAdd: 0.3, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity, callerErrorRate: 0, scope, severe: true, rollbackRestores: true });

  it('reaches a small share of its unit first; ml takes that unit back at that share, with far fewer bad requests than when the unit switches whole', () => {
    const busy = [...world.topology.services].sort((a, b) => world.traffic.meanRequests[b.id] - world.traffic.meanRequests[a.id])[0];
    const u = serviceUnits(world, busy.id, 'tenant');
    const ramped = unitStrategy(PLAN_CANDIDATES.find((c) => c.name === 'cautious')!, u, 30);
    // The same plan with every later unit switching whole (the rule before it ramped them).
    const { unitSteps: _s, unitDwellMinutes: _d, ...whole } = ramped;
    const d = world.deployments.find((x) => x.service === busy.id) ?? world.deployments[0];
    const plan = planFor(ramped, busy, world.scenario.topology.tenants);
    for (const name of ramped.order!.slice(1)) {
      const k = plan.units.indexOf(name);
      const dep: Deployment = { ...d, service: busy.id, fault: severe({ kind: 'tenant', tenant: name, share: plan.unitShares[k] }), material: true };
      // Unguarded: the unit's first exposure is UNIT_RAMP_PERCENT of its traffic.
      const seen: number[] = [];
      runEpisode(new RolloutEnv(world), world, dep, 3, ramped, null, null, undefined, (obs) => seen.push(obs.exposure[k]));
      expect(seen.find((x) => x > 0), name).toBeCloseTo(UNIT_RAMP_PERCENT / 100, 12);
      // Under ml: rolled back alone while at that share; the unit switching whole gets many times the bad requests.
      const run = (st: Strategy) => {
        const truth = runEpisode(new RolloutEnv(world), world, dep, 3, st, null, null).outcome;
        let at: number | null = null;
        const ep = runEpisode(new RolloutEnv(world), world, dep, 3, st, mlPolicy(quiet, 'test'), truth, undefined, (obs, action) => {
          if (action.type === 'rollback' && at === null) at = obs.exposure[k];
        });
        return { at, bad: ep.outcome.faultBadRequests, ep };
      };
      const r = run(ramped);
      const w = run(whole as Strategy);
      expect(r.at, name).toBeCloseTo(UNIT_RAMP_PERCENT / 100, 12);
      // Switching whole, the unit is rolled back whole — or never, for the last one: once it is on, no user traffic is
      // left on the old version to compare with.
      if (name === ramped.order!.at(-1)) expect(w.at, name).toBeNull();
      else expect(w.at, name).toBe(1);
      expect(r.ep.outcome.endedBy, name).toBe('promoted');
      expect(r.ep.exposure.atEnd[k], name).toBe(0);
      expect(r.bad, name).toBeLessThan(0.3 * w.bad);
    }
  });
});

describe('measuring unit plans', () => {
  it('four arms on the same deployments; the blast radius split by fault scope adds up; without a risk model every plan is the careful one', () => {
    const c = compareUnitPlans({ scenario: parseScenario({ days: 2, topology: { services: 8 } }), scenarioName: 'small', seed: 4, deployments: 30, policy: resolvePolicies(['none'])[0], risk: null });
    expect(c.arms.map((a) => a.arm)).toEqual(['fixed', 'optimised', 'optimised by region', 'optimised by tenant']);
    for (const a of c.arms) {
      expect(a.summary.violating + a.summary.withoutMaterialFault).toBeLessThanOrEqual(30);
      expect(a.blastByScope.region + a.blastByScope.tenant + a.blastByScope.rest).toBeCloseTo(a.summary.blastRadius, 6);
    }
    expect(c.arms[1].plans).toEqual({ guarded: 30 });
    expect(c.arms[1].optimisedShare).toBe(0);
    expect(Object.keys(c.arms[3].plans)).toEqual(['guarded by tenant']);
    expect(formatUnitPlanComparison(c)).toMatch(/faults of one tenant/);
  });
});

describe('the unit plan as served', () => {
  const shares = { 'us-east': 0.55, 'eu-west': 0.3, 'ap-southeast': 0.15 };
  const units: UnitsInput = { by: 'region', names: Object.keys(shares), shares: Object.values(shares) };

  it('the answer carries the stages by unit; Argo and Flagger refuse it, naming what they can run; a deadline it misses serves the canary', () => {
    const a = rolloutPlanDecision({ risk: { probability: 0.2, complete: true, reasons: [] }, rpm: 500, bakeMinutes: 30, units });
    expect(a.plan.units?.order).toEqual(['ap-southeast', 'eu-west', 'us-east']);
    expect(a.plan.steps).toEqual(a.plan.units!.stages.map((s) => s.percent));
    expect(a.plan.minutesToFull).toBe(a.plan.units!.minutesToFull);
    expect(a.reasons.at(-1)).toMatch(/^over regions: routes by region: ap-southeast first/);
    for (const f of [argoSteps, flaggerAnalysis]) expect(() => f(a, 't')).toThrow(/routes by region .* one .* rollout per region, started in this order — ap-southeast .*then eu-west, then us-east/);
    // The same change without units: the canary, which both formats write.
    const canary = rolloutPlanDecision({ risk: { probability: 0.2, complete: true, reasons: [] }, rpm: 500, bakeMinutes: 30 });
    expect(canary.plan.units).toBeUndefined();
    expect(argoSteps(canary, 't')).toMatch(/setWeight/);
    // Over these three regions the unit plan spends the canary's minutes: a deadline the canary meets, it meets.
    expect(a.plan.minutesToFull).toBe(canary.plan.minutesToFull);
    const met = rolloutPlanDecision({ risk: { probability: 0.2, complete: true, reasons: [] }, rpm: 500, bakeMinutes: 30, units, constraints: { deadlineMinutes: canary.plan.minutesToFull } });
    expect(met.plan.units).toEqual(a.plan.units);
    // Over twelve regions the later regions' ramps take longer than the canary's minutes: a deadline at the canary's is
    // met by the canary.
    const twelve: UnitsInput = { by: 'region', names: Array.from({ length: 12 }, (_, i) => `r${i}`), shares: Array.from({ length: 12 }, () => 1 / 12) };
    const long = rolloutPlanDecision({ risk: { probability: 0.2, complete: true, reasons: [] }, rpm: 500, bakeMinutes: 30, units: twelve });
    expect(long.plan.minutesToFull).toBeGreaterThan(canary.plan.minutesToFull);
    const tight = rolloutPlanDecision({ risk: { probability: 0.2, complete: true, reasons: [] }, rpm: 500, bakeMinutes: 30, units: twelve, constraints: { deadlineMinutes: canary.plan.minutesToFull } });
    expect(tight.plan.units).toBeUndefined();
    expect(tight.plan.minutesToFull).toBe(canary.plan.minutesToFull);
    expect(tight.reasons.at(-1)).toMatch(/past deadlineMinutes .*: the canary over all traffic instead/);
    // The gate does not depend on the units.
    expect(a.gate).toEqual(canary.gate);
  });

  it('POST /v1/rollout/plan takes units; bad ones are a 400 naming the field', async () => {
    const app = buildApp({ modelsRoot: join(mkdtempSync(join(tmpdir(), 'unit-plan-')), 'models'), rateLimit: false, planThreads: 0 });
    try {
      const post = (u: unknown) => app.inject({ method: 'POST', url: '/v1/rollout/plan', payload: { features: { lines_added: 3 }, rpm: 100, units: u } });
      const ok = await post({ by: 'region', shares });
      expect(ok.statusCode).toBe(200);
      const a = ok.json();
      expect(a).toMatchObject({ plan: { name: 'guarded', units: { by: 'region', order: ['ap-southeast', 'eu-west', 'us-east'] } }, gate: { decision: 'wait' } });
      expect(a.plan.units.stages.at(-1).unitPercent).toEqual({ 'ap-southeast': 100, 'eu-west': 100, 'us-east': 100 });
      expect(a.plan.units).toMatchObject({ unitSteps: [UNIT_RAMP_PERCENT, 100], unitDwellMinutes: [UNIT_RAMP_MINUTES] });
      expect(a.plan.units.stages.find((s: { unitPercent: Record<string, number> }) => s.unitPercent['eu-west'] > 0).unitPercent).toEqual({ 'ap-southeast': 100, 'eu-west': UNIT_RAMP_PERCENT, 'us-east': 0 });
      const crit = (await post({ by: 'tenant', shares: { a: 0.5, b: 0.5 }, criticality: { a: 9, b: 1 } })).json();
      expect(crit.plan.units.order).toEqual(['b', 'a']);
      for (const [u, field] of [
        [{ by: 'region', shares: { a: 0.5, b: 0.4 } }, 'body.units.shares'],
        [{ by: 'region', shares: { a: 0.5, b: 0.5 }, criticality: { a: 1, b: 2 } }, 'body.units.criticality'],
        [{ by: 'tenant', shares: { a: 0.5, b: 0.5 }, criticality: { a: 1 } }, 'body.units.criticality'],
        [{ by: 'tenant', shares: { a: 0.5, b: 0.5 }, criticality: { a: 1, b: 1, c: 1 } }, 'body.units.criticality.c'],
        [{ by: 'zone', shares: { a: 1 } }, 'body.units.by'],
        [{ by: 'region', shares: { a: 1 }, order: ['a'] }, 'body.units.order'],
        [{ by: 'region', shares: { a: 1.5 } }, 'body.units.shares.a'],
      ] as const) {
        const r = await post(u);
        expect(r.statusCode, JSON.stringify(u)).toBe(400);
        expect(r.json().error.field, JSON.stringify(u)).toBe(field);
      }
    } finally {
      await app.close();
    }
  });

  it('plan rollout --units and a file’s units: JSON with the stages; --format argo / flagger exit 2 saying why and what runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-units-'));
    const models = join(dir, 'none');
    const j = await inProcess(['plan', 'rollout', '--deployment', 'dep-000003', '--models', models, '--units', 'tenant', '--format', 'json', '--runs', '5']);
    expect(j.code, j.stderr).toBe(0);
    const a = JSON.parse(j.stdout);
    expect(a.plan.units.by).toBe('tenant');
    expect(a.plan.units.order).toHaveLength(5);
    for (const format of ['argo', 'flagger']) {
      const r = await inProcess(['plan', 'rollout', '--deployment', 'dep-000003', '--models', models, '--units', 'tenant', '--format', format]);
      expect(r.code, format).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`--format ${format}: the plan routes by tenant .* per tenant, started in this order`));
    }
    expect((await inProcess(['plan', 'rollout', '--deployment', 'dep-000003', '--units', 'zone'])).code).toBe(1);
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ features: { lines_added: 3 }, rpm: 100, units: { by: 'region', shares } }));
    const from = await inProcess(['plan', 'rollout', '--from', f, '--models', models, '--json']);
    expect(from.code, from.stderr).toBe(0);
    expect(JSON.parse(from.stdout).plan.units.order[0]).toBe('ap-southeast');
    writeFileSync(f, JSON.stringify({ features: { lines_added: 3 }, rpm: 100, units: { by: 'region', shares: { a: 0.2 } } }));
    const bad = await inProcess(['plan', 'rollout', '--from', f, '--models', models, '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.field).toBe('units.shares');
  });
});
