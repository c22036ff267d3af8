// Rolling back one region / tenant: the ml policy takes back only the unit a fault is confined to when the canary's
// breakdown by unit shows it, everything otherwise — a fault every unit carries, a minute without the breakdown, the
// rest still bad after a unit rollback — and the backtester measures the healthy exposure a unit rollback keeps.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, simulateWorld, type World } from '../sim/index.ts';
import { RolloutEnv, type CohortMetrics, type Observation } from '../sim/env.ts';
import { parseStrategy, planFor, type Plan, type Strategy } from '../sim/strategy.ts';
import type { Fault } from '../sim/faults.ts';
import type { Deployment } from '../sim/world.ts';
import { runEpisode, scoreDeployment, summarize } from '../backtest/run.ts';
import { mlPolicy } from '../policies/ml.ts';
import { decideOnHistory, type Decision, type Policy, type PolicyContext } from '../policies/policy.ts';
import { UnitEvidence, worseThan } from '../policies/unit-scope.ts';
import { RollbackPredictor } from '../training/predictive-rollback/model.ts';
import { quietRollbackJson } from './tiny-models.ts';

// A network that never crosses its thresholds (zero weights): only the overwhelming-evidence rule rolls back, so what
// is tested here is the scope of the rollback, not the model.
type Rollback = Extract<Decision, { type: 'rollback' }>;
const quiet = new RollbackPredictor(quietRollbackJson());

let world: World;
let strategy: Strategy;
let svcId: number;
let plan: Plan;
/** Units in the order the plan exposes them (smallest first). */
let order: number[];
beforeAll(() => {
  world = simulateWorld(loadScenario('default'), 1);
  strategy = parseStrategy('progressive:tenant', world.scenario);
  const busy = [...world.topology.services].sort((a, b) => world.traffic.meanRequests[b.id] - world.traffic.meanRequests[a.id])[0];
  svcId = busy.id;
  plan = planFor(strategy, busy, world.scenario.topology.tenants);
  order = plan.units.map((_, i) => i).sort((a, b) => plan.unitShares[a] - plan.unitShares[b] || a - b);
});

const severe = (scope: Fault['scope'], onsetMinutes = 0): Fault => ({
  kind: 'error_step', onsetMinutes, errorAdd: 0.3, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity,
  callerErrorRate: 0, scope, severe: true, rollbackRestores: true,
});

function deployment(fault: Fault): Deployment {
  const d = world.deployments.find((x) => x.service === svcId) ?? world.deployments[0];
  return { ...d, service: svcId, fault, material: true };
}

/** The policy with each observation passed through `f` first (what a deploy system sends). */
const seeing = (p: Policy, f: (o: Observation) => Observation): Policy => ({ name: p.name, start: (ctx) => {
  const run = p.start(ctx);
  return { decide: (o) => run.decide(f(o)) };
} });

/** Run one deployment under the policy in the backtester; also every decision. */
function run(fault: Fault, policy: Policy = mlPolicy(quiet, 'test')) {
  const decisions: Decision[] = [];
  const recording: Policy = { name: policy.name, start: (ctx) => {
    const r = policy.start(ctx);
    return { decide: (o) => { const d = r.decide(o); decisions.push(d); return d; } };
  } };
  const dep = deployment(fault);
  const truth = runEpisode(new RolloutEnv(world), world, dep, 3, strategy, null, null).outcome;
  const ep = runEpisode(new RolloutEnv(world), world, dep, 3, strategy, recording, truth);
  const rollbacks = decisions.filter((d): d is Rollback => d.type === 'rollback');
  return { ...ep, rollbacks, scored: scoreDeployment('ml', 0, world, dep, truth, ep.outcome, ep.reason, ep.exposure) };
}

describe('the ml policy rolls back one unit only when the evidence is confined to it', () => {
  it('a tenant-confined fault: the policy rolls back its tenant alone, the others finish the rollout, the fault is off the new version at the decision', () => {
    const u = order[1];
    const tenant = plan.units[u];
    const r = run(severe({ kind: 'tenant', tenant, share: plan.unitShares[u] }));
    expect(r.rollbacks).toHaveLength(1);
    expect(r.rollbacks[0]).toMatchObject({ type: 'rollback', unit: tenant });
    expect(r.rollbacks[0].reasons[0]).toMatch(new RegExp(`the evidence is confined to ${tenant}: .* rolling back ${tenant} only`));
    // The rollback came as soon as the tenant was exposed (its stage starts at the first dwell).
    expect(r.outcome.rollbackMinute! - r.outcome.onsetMinute!).toBeLessThanOrEqual(1);
    expect(r.outcome.fullRollbackMinute).toBeNull();
    expect(r.outcome.recoveredMinute).toBe(r.outcome.rollbackMinute);
    expect(r.outcome.endedBy).toBe('promoted');
    expect(r.exposure.atEnd[u]).toBe(0);
    expect(r.exposure.atEnd.filter((x, v) => v !== u).every((x) => x === 1)).toBe(true);
    // Measured: the healthy exposure at the decision (the first tenant) is all kept, recovered as fast as a full rollback.
    expect(r.scored).toMatchObject({ confinedFault: true, rollbackUnit: tenant, healthyExposureKept: 1, recoveryAfterRollbackMin: 0 });
    expect(r.scored.healthyExposureAtRollback).toBeCloseTo(plan.unitShares[order[0]], 12);
    const s = summarize([r.scored], 0);
    expect(s).toMatchObject({ unitRollbacks: 1, confinedFaults: 1, confinedRollbacks: 1, healthyExposureKept: 1, confinedRecoveredAtRollback: 1 });
  });

  it('a fault every tenant carries: a full rollback, saying why not one tenant', () => {
    // Onset once the first two tenants are both on the new version: both go bad together.
    const r = run(severe({ kind: 'all', share: 1 }, plan.stages[0].dwellMinutes + 2));
    expect(r.rollbacks).toHaveLength(1);
    expect(r.rollbacks[0].unit).toBeUndefined();
    expect(r.rollbacks[0].reasons.at(-1)).toMatch(/rolling back everything$/);
    expect(r.outcome.fullRollbackMinute).toBe(r.outcome.rollbackMinute);
    expect(r.scored).toMatchObject({ confinedFault: false, rollbackUnit: null, healthyExposureKept: null });
    // Against the same fault confined to one tenant, a full rollback keeps none of the healthy exposure.
    const u = order[1];
    const full = run(severe({ kind: 'tenant', tenant: plan.units[u], share: plan.unitShares[u] }), seeing(mlPolicy(quiet, 'test'), (o) => ({ ...o, canaryUnits: undefined })));
    expect(full.rollbacks[0].unit).toBeUndefined();
    expect(full.scored).toMatchObject({ confinedFault: true, rollbackUnit: null, healthyExposureKept: 0, recoveryAfterRollbackMin: 0 });
  });

  it('fails closed: without the breakdown in the minute, the rollback is whole', () => {
    const u = order[1];
    const strip = (o: Observation): Observation => {
      const { canaryUnits: _drop, ...rest } = o;
      return rest;
    };
    const r = run(severe({ kind: 'tenant', tenant: plan.units[u], share: plan.unitShares[u] }), seeing(mlPolicy(quiet, 'test'), strip));
    expect(r.rollbacks[0].unit).toBeUndefined();
    expect(r.rollbacks[0].reasons.at(-1)).toMatch(/no breakdown of the canary by unit in this minute: rolling back everything/);
    expect(r.outcome.fullRollbackMinute).toBe(r.outcome.rollbackMinute);
  });
});

describe('after a unit rollback', () => {
  const cohort = (requests: number, errors: number): CohortMetrics => ({ requests, errors, slow: 0, latencyP50: null, latencyP95: null, latencyP99: null, cpu: 0.4, memory: 0.5, pool: 0.3, conversions: Math.round(requests * 0.03), callerRequests: 0, callerErrors: 0 });
  const sum = (xs: (CohortMetrics | null)[]): CohortMetrics => {
    const s = cohort(0, 0);
    s.conversions = 0;
    for (const x of xs) if (x) for (const k of ['requests', 'errors', 'slow', 'conversions', 'callerRequests', 'callerErrors'] as const) s[k] += x[k];
    return { ...s, latencyP50: 40, latencyP95: 80, latencyP99: 120 };
  };
  /** Minute `age` of stage 1 (the first two tenants exposed, less any rolled back) with each tenant's canary. */
  function minute(age: number, per: (u: number) => CohortMetrics | null): Observation {
    const exposure = plan.stages[1].exposure.map((x, u) => (per(u) === null ? 0 : x));
    const canaryUnits = plan.units.map((_, u) => (exposure[u] > 0 ? per(u) : null));
    const weight = exposure.reduce((a, x, u) => a + x * plan.unitShares[u], 0);
    return { deploymentId: 'x', age, minute: age, phase: 'progressing', stage: 1, stages: plan.stages.length, weight, mirror: 0, exposure, units: plan.units, timeAtStage: age, providerError: false, baseline: { ...cohort(20_000, 20), latencyP50: 40, latencyP95: 80, latencyP99: 120 }, canary: sum(canaryUnits), canaryUnits };
  }

  it('the rest still bad rolls everything back, never the same unit again; the server folds to the same decisions', () => {
    const [a, b] = [order[0], order[1]];
    const ctx: PolicyContext = { deploymentId: 'x', service: { name: 'svc' }, start: 0, plan, slo: { objective: 0.999, burnRate: 14.4 }, tickSeconds: 60 };
    const start: Observation = { ...minute(0, () => null), canary: null, baseline: null, canaryUnits: undefined };
    const obs: Observation[] = [start];
    // Minutes 1-2: tenant b fails 30 % of its requests in the second, a is healthy. Then b is off the new version (the
    // rollback), a stays healthy for two minutes, then fails too.
    for (let age = 1; age <= 2; age++) obs.push(minute(age, (u) => (u === a ? cohort(2000, 2) : u === b ? cohort(3000, age === 1 ? 3 : 900) : null)));
    for (let age = 3; age <= 6; age++) obs.push(minute(age, (u) => (u === a ? cohort(2000, age >= 5 ? 600 : 2) : null)));
    const policy = mlPolicy(quiet, 'test');
    const r = policy.start(ctx);
    const ds = obs.map((o) => r.decide(o));
    const rollbacks = ds.map((d, i) => [i, d] as const).filter((x): x is readonly [number, Rollback] => x[1].type === 'rollback');
    expect(rollbacks[0][0]).toBe(2);
    expect(rollbacks[0][1].unit).toBe(plan.units[b]);
    // Minutes 3-4 are healthy on a: the rollout carries on; minute 5 a fails too: everything goes back, b is not named again.
    expect(ds[3].type).not.toBe('rollback');
    expect(ds[4].type).not.toBe('rollback');
    expect(rollbacks[1][0]).toBe(5);
    expect(rollbacks[1][1].unit).toBeUndefined();
    expect(rollbacks[1][1].reasons[0]).toBe(`ml test: the rest still looks bad after rolling back ${plan.units[b]} — rolling back everything`);
    // Pure: a fresh run folded over the same observations answers the same at every minute.
    for (let k = 0; k < obs.length; k++) expect(decideOnHistory(policy, ctx, obs.slice(0, k + 1))).toEqual(ds[k]);
  });
});

describe('the unit test statistics', () => {
  it('worse-than: excess bad requests, errors, callers’ errors and fewer conversions count; an equal or better unit does not', () => {
    const s = (req: number, bad: number, conv = Math.round(req * 0.03), callerReq = 0, callerErr = 0) => ({ req, bad, err: bad, conv, callerReq, callerErr });
    expect(worseThan(s(1000, 50), s(10_000, 50)).logP).toBeLessThan(Math.log(1e-10));
    expect(worseThan(s(1000, 5), s(10_000, 50))).toEqual({ logP: 0, metric: '' });
    expect(worseThan(s(1000, 0, 0), s(10_000, 0, 300)).metric).toBe('conversions (fewer)');
    expect(worseThan(s(1000, 0, 30, 500, 60), s(10_000, 0, 300, 5000, 10)).metric).toBe("callers' errors");
  });

  it('one exposed unit, or two bad ones, are never confined', () => {
    const ev = new UnitEvidence(['a', 'b', 'c']);
    const m = (requests: number, errors: number): CohortMetrics => ({ requests, errors, slow: 0, latencyP50: null, latencyP95: null, latencyP99: null, cpu: 0, memory: 0, pool: 0, conversions: 0, callerRequests: 0, callerErrors: 0 });
    const o = (units: (CohortMetrics | null)[]): Observation => ({ deploymentId: 'x', age: 1, minute: 1, phase: 'progressing', stage: 1, stages: 3, weight: 0.5, mirror: 0, exposure: units.map((x) => (x ? 1 : 0)), units: ['a', 'b', 'c'], timeAtStage: 1, providerError: false, baseline: m(10_000, 10), canary: m(0, 0), canaryUnits: units });
    ev.push(o([m(1000, 300), null, null]));
    expect(ev.scope([true, false, false])).toMatchObject({ unit: null, reasons: [expect.stringMatching(/^only a exposed/)] });
    ev.push(o([m(1000, 300), m(1000, 300), m(1000, 1)]));
    expect(ev.scope([true, true, true])).toMatchObject({ unit: null, reasons: [expect.stringMatching(/a and b are all worse than the baseline/)] });
  });

  it('a fault of every unit that starts after the first unit went out is not taken for the later unit’s: units are compared over the same minutes', () => {
    const m = (requests: number, errors: number): CohortMetrics => ({ requests, errors, slow: 0, latencyP50: null, latencyP95: null, latencyP99: null, cpu: 0, memory: 0, pool: 0, conversions: 0, callerRequests: 0, callerErrors: 0 });
    const o = (age: number, units: (CohortMetrics | null)[]): Observation => ({ deploymentId: 'x', age, minute: age, phase: 'progressing', stage: 1, stages: 3, weight: 0.5, mirror: 0, exposure: units.map((x) => (x ? 1 : 0)), units: ['a', 'b', 'c'], timeAtStage: age, providerError: false, baseline: m(10_000, 10), canary: m(0, 0), canaryUnits: units });
    const ev = new UnitEvidence(['a', 'b', 'c']);
    // Nine healthy minutes of a alone, then b goes out and both fail 1 % of their requests (the baseline 0.1 %).
    for (let age = 1; age <= 9; age++) ev.push(o(age, [m(1000, 1), null, null]));
    ev.push(o(10, [m(1000, 10), m(3000, 30), null]));
    // Over its ten minutes a looks nearly healthy and b far worse than a; over the minute b was out they are alike.
    expect(worseThan({ req: 3000, bad: 30, err: 30, conv: 0, callerReq: 0, callerErr: 0 }, { req: 10_000, bad: 19, err: 19, conv: 0, callerReq: 0, callerErr: 0 }).logP).toBeLessThan(Math.log(1e-4));
    expect(ev.scope([true, true, false])).toMatchObject({ unit: null, reasons: [expect.stringMatching(/^no exposed unit is worse than both the baseline and the other units/)] });
  });
});
