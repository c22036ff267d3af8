// The rollout environment: an environment checker (determinism, validated actions, reset after the end,
// copyable state) and the behaviour of each strategy.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, simulateWorld, type World } from '../sim/index.ts';
import { RolloutEnv, scheduleAction, recordRows, type Action, type Observation, type EnvDeployment } from '../sim/env.ts';
import { scenarioStrategy, planFor, parseStrategy, type Strategy } from '../sim/strategy.ts';
import { runUnguarded } from '../sim/unguarded.ts';
import type { Fault } from '../sim/faults.ts';
import { RolloutlabError } from '../lib/errors.ts';

let world: World;
beforeAll(() => {
  world = simulateWorld(loadScenario('default'), 1);
});

const errorFault = (over: Partial<Fault> = {}): Fault => ({
  kind: 'error_step', onsetMinutes: 0, errorAdd: 0.2, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity,
  callerErrorRate: 0, scope: { kind: 'all', share: 1 }, severe: true, rollbackRestores: true, ...over,
});

/** Run an episode with a policy function; returns every step's observation and the outcome. */
function episode(env: RolloutEnv, dep: EnvDeployment, strategy: Strategy, seed: number, policy: (o: Observation, i: number) => Action) {
  let { observation } = env.reset({ seed, deployment: dep, strategy });
  const seen: Observation[] = [observation];
  for (let i = 0; ; i++) {
    const r = env.step(policy(observation, i));
    observation = r.observation;
    seen.push(observation);
    if (r.terminated || r.truncated) return { seen, outcome: env.outcome(), last: r };
  }
}

const busyDeployment = (): EnvDeployment => {
  const d = world.deployments.find((x) => world.traffic.meanRequests[x.service] > 2000)!;
  return { id: d.id, service: d.service, start: d.start, fault: null };
};

describe('environment checker', () => {
  it('same seed and actions give the same trajectory; another seed does not', () => {
    const dep = { ...busyDeployment(), fault: errorFault({ errorAdd: 0.02 }) };
    const st = scenarioStrategy(world.scenario);
    const plan = planFor(st, world.topology.services[dep.service], world.scenario.topology.tenants);
    const a = episode(new RolloutEnv(world), dep, st, 5, (o) => scheduleAction(o, plan));
    const b = episode(new RolloutEnv(world), dep, st, 5, (o) => scheduleAction(o, plan));
    const c = episode(new RolloutEnv(world), dep, st, 6, (o) => scheduleAction(o, plan));
    expect(b.seen).toEqual(a.seen);
    expect(b.outcome).toEqual(a.outcome);
    expect(c.seen).not.toEqual(a.seen);
  });

  it('validates actions and requires reset before the first step and after the end', () => {
    const env = new RolloutEnv(world);
    expect(() => env.step({ type: 'hold' })).toThrow(RolloutlabError);
    const dep = busyDeployment();
    env.reset({ seed: 1, deployment: dep, strategy: scenarioStrategy(world.scenario) });
    expect(() => env.step({ type: 'jump' } as unknown as Action)).toThrow(/action: type must be one of/);
    expect(() => env.step({ type: 'rollback', unit: 'eu-west' })).toThrow(/rolls back as a whole/);
    const r = env.step({ type: 'rollback' });
    expect(r.terminated).toBe(true);
    expect(() => env.step({ type: 'hold' })).toThrow(/call reset\(\) first/);
    // A bad deployment or strategy is named.
    expect(() => env.reset({ seed: 1, deployment: { ...dep, service: 999 }, strategy: scenarioStrategy(world.scenario) })).toThrow(/deployment.service/);
    expect(() => env.reset({ seed: 1, deployment: dep, strategy: { kind: 'canary', steps: [5, 1, 100], stepMinutes: 10, bakeMinutes: 0 } })).toThrow(/strategy.steps\[1\]/);
    expect(() => parseStrategy('zigzag', world.scenario)).toThrow(/unknown strategy/);
  });

  it('state is plain data: a clone continues exactly like the original, and branches diverge', () => {
    const env = new RolloutEnv(world);
    const dep = { ...busyDeployment(), fault: errorFault({ errorAdd: 0.03, onsetMinutes: 12 }) };
    env.reset({ seed: 3, deployment: dep, strategy: scenarioStrategy(world.scenario) });
    for (let i = 0; i < 10; i++) env.step({ type: 'hold' });
    const snap = env.getState();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    const run = (first: Action) => {
      env.setState(snap);
      const r0 = env.step(first);
      const obs = [r0.observation];
      for (let i = 0; i < 20 && !r0.terminated; i++) {
        const r = env.step({ type: 'hold' });
        obs.push(r.observation);
        if (r.terminated) break;
      }
      return { obs, outcome: env.outcome() };
    };
    const advance1 = run({ type: 'advance' });
    const advance2 = run({ type: 'advance' });
    const rollback = run({ type: 'rollback' });
    expect(advance2).toEqual(advance1);
    expect(rollback.outcome.rollbackMinute).toBe(dep.start + 10);
    expect(advance1.outcome.rollbackMinute).toBeNull();
  });

  it('a minute’s randomness does not depend on earlier actions (common random numbers)', () => {
    const env = new RolloutEnv(world);
    const dep = busyDeployment();
    const st = scenarioStrategy(world.scenario);
    // Hold for 5 minutes then advance, versus hold for 7: minutes 0-4 are identical, and the baseline of minute 8
    // is drawn from the same stream even though the canary weights differ by then.
    const a = episode(env, dep, st, 9, (_o, i) => (i === 5 ? { type: 'advance' } : i > 12 ? { type: 'rollback' } : { type: 'hold' }));
    const b = episode(env, dep, st, 9, (_o, i) => (i === 7 ? { type: 'advance' } : i > 12 ? { type: 'rollback' } : { type: 'hold' }));
    expect(b.seen.slice(0, 6)).toEqual(a.seen.slice(0, 6));
    expect(a.seen[7].weight).not.toBe(b.seen[7].weight);
  });

  it('the world’s unguarded truth is the environment under the schedule', () => {
    for (const d of world.deployments.slice(0, 15)) {
      const r = runUnguarded(world, { id: d.id, service: d.service, start: d.start, fault: d.fault, material: d.material }, world.seed, { record: false });
      expect(r.outcome).toEqual(d.outcome);
    }
  });

  it('recording rows is an observer: the recorded run is the same run, two rows per observed minute, until stop()', () => {
    const env = new RolloutEnv(world);
    const dep = { ...busyDeployment(), fault: errorFault({ onsetMinutes: 3 }) };
    const st = scenarioStrategy(world.scenario);
    const policy = (_o: Observation, i: number): Action => (i === 6 ? { type: 'rollback' } : { type: 'advance' });
    const plain = episode(env, dep, st, 5, policy);
    const recording = recordRows(env);
    const recorded = episode(env, dep, st, 5, policy);
    recording.stop();
    expect(recorded.seen).toEqual(plain.seen);
    expect(recorded.outcome).toEqual(plain.outcome);
    // Ticks are observed; the drain after the rollback is not.
    expect(recording.rows.map((r) => [r.age, r.cohort])).toEqual(Array.from({ length: plain.outcome.ticks }, (_, a) => [[a, 'baseline'], [a, 'canary']]).flat());
    for (const r of recording.rows) expect(r.scraped).toBe(plain.seen[r.age + 1][r.cohort] !== null);
    episode(env, dep, st, 5, policy);
    expect(recording.rows).toHaveLength(2 * plain.outcome.ticks);
    expect(env.onRows).toBeNull();
  });
});

describe('observations', () => {
  it('a 0.1 % canary on a quiet service is really noisy: counts drawn from few requests, gaps where scrapes fail', () => {
    const env = new RolloutEnv(world);
    const quiet = world.deployments.reduce((a, d) => (world.traffic.meanRequests[d.service] < world.traffic.meanRequests[a.service] ? d : a));
    const st: Strategy = { kind: 'canary', steps: [0.1, 1, 5, 25, 50, 100], stepMinutes: 60, bakeMinutes: 0 };
    const { seen } = episode(env, { id: quiet.id, service: quiet.service, start: quiet.start, fault: null }, st, 2, () => ({ type: 'hold' }));
    const canary = seen.slice(1).map((o) => o.canary);
    const zero = canary.filter((m) => m && m.requests === 0).length;
    expect(zero).toBeGreaterThan(20);
    for (const m of canary) if (m) expect(m.errors).toBeLessThanOrEqual(m.requests);
    for (const m of canary) if (m && m.requests === 0) expect(m.latencyP99).toBeNull();
  });
  it('an error fault shows in the canary only, and its bad requests count toward the blast radius', () => {
    const env = new RolloutEnv(world);
    const dep = { ...busyDeployment(), fault: errorFault() };
    const plan = planFor(scenarioStrategy(world.scenario), world.topology.services[dep.service], world.scenario.topology.tenants);
    const { seen, outcome } = episode(env, dep, scenarioStrategy(world.scenario), 4, (o) => scheduleAction(o, plan));
    const ratio = (k: 'canary' | 'baseline') => {
      const xs = seen.slice(1, 30).map((o) => o[k]).filter((m) => m !== null);
      return xs.reduce((a, m) => a + m!.errors, 0) / xs.reduce((a, m) => a + m!.requests, 0);
    };
    expect(ratio('canary')).toBeGreaterThan(0.15);
    expect(ratio('baseline')).toBeLessThan(0.01);
    expect(outcome.faultBadRequests).toBeGreaterThan(0);
    expect(outcome.faultBreachMinute).not.toBeNull();
    expect(outcome.endedBy).toBe('promoted');
  });
});

describe('strategies', () => {
  it('blue-green: mirrored preview traffic reaches the new version but no user, then everything switches', () => {
    const env = new RolloutEnv(world);
    const dep = { ...busyDeployment(), fault: errorFault() };
    const st: Strategy = { kind: 'blue-green', previewMinutes: 10, mirrorPercent: 5, bakeMinutes: 10 };
    const plan = planFor(st, world.topology.services[dep.service], world.scenario.topology.tenants);
    const { seen, outcome } = episode(env, dep, st, 1, (o) => (o.age === 10 ? { type: 'rollback' } : scheduleAction(o, plan)));
    const preview = seen.slice(1, 11);
    for (const o of preview) {
      expect(o.weight).toBe(0);
      expect(o.mirror).toBe(0.05);
    }
    expect(preview.some((o) => o.canary && o.canary.requests > 0 && o.canary.errors > 0)).toBe(true);
    // Caught in the preview: users never saw the fault.
    expect(outcome.faultBadRequests).toBe(0);
    expect(outcome.impactMinute).toBeNull();
    expect(outcome.onsetMinute).not.toBeNull();
  });

  it('rolling: equal batches; progressive by region: a region-confined fault hurts only once its region is exposed', () => {
    const svc = world.topology.services.find((s) => s.regions.length >= 2)!;
    const tenants = world.scenario.topology.tenants;
    expect(planFor(parseStrategy('rolling:4', world.scenario), svc, tenants).stages.map((s) => s.exposure[0])).toEqual([0.25, 0.5, 0.75, 1]);
    const st = parseStrategy('progressive:region', world.scenario);
    const plan = planFor(st, svc, tenants);
    expect(plan.units).toEqual(svc.regions);
    // The largest region goes last.
    const last = svc.regions[svc.regionShares.indexOf(Math.max(...svc.regionShares))];
    const lastIdx = plan.units.indexOf(last);
    expect(plan.stages[0].exposure[lastIdx]).toBe(0);
    const d = world.deployments.find((x) => x.service === svc.id) ?? { id: 'x', service: svc.id, start: 2000 };
    const fault = errorFault({ scope: { kind: 'region', region: last, share: svc.regionShares[lastIdx] } });
    const env = new RolloutEnv(world);
    // Roll back the faulty region as soon as it is exposed: the rest of the rollout carries on.
    let rolledBackAt = -1;
    const { seen, outcome } = episode(env, { id: d.id, service: svc.id, start: d.start, fault }, st, 1, (o) => {
      if (o.exposure[lastIdx] > 0 && rolledBackAt < 0) {
        rolledBackAt = o.age;
        return { type: 'rollback', unit: last };
      }
      return scheduleAction(o, plan);
    });
    const before = seen.filter((o) => o.age > 0 && o.age <= (plan.stages.length - 1) * 10 && o.exposure[lastIdx] === 0);
    expect(before.length).toBeGreaterThan(0);
    expect(outcome.recoveredMinute).not.toBeNull();
    expect(outcome.fullRollbackMinute).toBeNull();
  });

  it('progressive: the canary broken down by unit adds up to the canary, is null where a unit is not exposed, and shows a confined fault in its own unit only', () => {
    const svc = world.topology.services.filter((s) => s.regions.length >= 3).sort((a, b) => world.traffic.meanRequests[b.id] - world.traffic.meanRequests[a.id])[0];
    const st = parseStrategy('progressive:region', world.scenario);
    const plan = planFor(st, svc, world.scenario.topology.tenants);
    // The fault lives in the second region to be exposed: by then the first one has served healthy traffic.
    const order = plan.units.map((_, i) => i).sort((a, b) => plan.unitShares[a] - plan.unitShares[b] || a - b);
    const faulty = order[1];
    const fault = errorFault({ errorAdd: 0.05, severe: false, scope: { kind: 'region', region: plan.units[faulty], share: plan.unitShares[faulty] } });
    const d = world.deployments.find((x) => x.service === svc.id) ?? { id: 'x', start: 2000 };
    const { seen } = episode(new RolloutEnv(world), { id: d.id, service: svc.id, start: d.start, fault }, st, 7, (o) => scheduleAction(o, plan));
    const counts = ['requests', 'errors', 'slow', 'conversions', 'callerRequests', 'callerErrors'] as const;
    const errs = plan.units.map(() => ({ errors: 0, requests: 0 }));
    let broken = 0;
    for (const o of seen) {
      if (!o.canary) {
        expect(o.canaryUnits).toBeUndefined();
        continue;
      }
      const cu = o.canaryUnits!;
      expect(cu).toHaveLength(plan.units.length);
      cu.forEach((m, u) => expect(m === null).toBe(o.exposure[u] === 0));
      for (const k of counts) expect(cu.reduce((a, m) => a + (m ? m[k] : 0), 0), k).toBe(o.canary[k]);
      cu.forEach((m, u) => {
        if (!m) return;
        expect(m.errors + m.slow).toBeLessThanOrEqual(m.requests);
        expect(m.latencyP99).toBeNull();
        errs[u].errors += m.errors;
        errs[u].requests += m.requests;
      });
      broken++;
    }
    expect(broken).toBeGreaterThan(30);
    const rate = (u: number) => errs[u].errors / errs[u].requests;
    expect(rate(faulty)).toBeGreaterThan(0.04);
    for (const u of order.filter((u) => u !== faulty)) expect(rate(u)).toBeLessThan(0.02);
    // Other strategies have no breakdown.
    const canary = scenarioStrategy(world.scenario);
    const c = episode(new RolloutEnv(world), { id: d.id, service: svc.id, start: d.start, fault }, canary, 7, (o) => scheduleAction(o, planFor(canary, svc, world.scenario.topology.tenants)));
    expect(c.seen.every((o) => !('canaryUnits' in o))).toBe(true);
  });
});
