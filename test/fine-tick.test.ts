// Steps shorter than a minute (an action's `tickSeconds`): whole minutes unchanged, a minute's parts adding up to its
// traffic, SLO windows judged on minutes, a rollback inside a minute taking effect there, and bad step lengths named.
// Then the adaptive stages' pieces: the colour of a minute against predicted ranges, the rolling minute, and the minute
// a run of short steps makes for the predictor.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, simulateWorld, type World } from '../sim/index.ts';
import { RolloutEnv, scheduleAction, type Action, type Observation, type EnvDeployment, type CohortMetrics } from '../sim/env.ts';
import { scenarioStrategy, planFor } from '../sim/strategy.ts';
import type { Fault } from '../sim/faults.ts';
import type { Range, StageRanges, WhatIfMetric } from '../sim/whatif.ts';
import { checkRanges, combine, MinuteAssembler, RollingMinute } from '../policies/adaptive.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTinyModels } from './tiny-models.ts';
import { resolvePolicies } from '../policies/index.ts';
import { loadRolloutChampionsSync } from '../training/load.ts';
import { runEpisode } from '../backtest/run.ts';
import { predictedRanges } from '../backtest/ranges.ts';

let world: World;
beforeAll(() => {
  world = simulateWorld(loadScenario('default'), 1);
});

const errorFault = (over: Partial<Fault> = {}): Fault => ({
  kind: 'error_step', onsetMinutes: 0, errorAdd: 0.3, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity,
  callerErrorRate: 0, scope: { kind: 'all', share: 1 }, severe: true, rollbackRestores: true, ...over,
});

const busy = (fault: Fault | null = null): EnvDeployment => {
  const d = world.deployments.find((x) => world.traffic.meanRequests[x.service] > 2000 && x.start > 100)!;
  return { id: d.id, service: d.service, start: d.start, fault };
};

function run(dep: EnvDeployment, policy: (o: Observation, i: number) => Action, seed = 3) {
  const env = new RolloutEnv(world);
  let { observation } = env.reset({ seed, deployment: dep, strategy: scenarioStrategy(world.scenario) });
  const seen: Observation[] = [];
  for (let i = 0; ; i++) {
    const r = env.step(policy(observation, i));
    observation = r.observation;
    seen.push(observation);
    if (r.terminated || r.truncated) return { seen, outcome: env.outcome(), env };
  }
}

describe('steps shorter than a minute', () => {
  it('asking for 60 s is the default step, draw for draw', () => {
    const dep = busy(errorFault({ errorAdd: 0.01, onsetMinutes: 7 }));
    const plan = planFor(scenarioStrategy(world.scenario), world.topology.services[dep.service], world.scenario.topology.tenants);
    const a = run(dep, (o) => scheduleAction(o, plan));
    const b = run(dep, (o) => ({ ...scheduleAction(o, plan), tickSeconds: 60 }));
    expect(b.seen).toEqual(a.seen);
    expect(b.outcome).toEqual(a.outcome);
  });

  it('a minute in twelve 5-second steps serves the minute’s requests, ends the bake on time, and judges breaches on minutes', () => {
    const dep = busy(errorFault({ errorAdd: 0.05, onsetMinutes: 3 }));
    const plan = planFor(scenarioStrategy(world.scenario), world.topology.services[dep.service], world.scenario.topology.tenants);
    const whole = run(dep, (o) => scheduleAction(o, plan));
    const fine = run(dep, (o) => ({ ...scheduleAction(o, plan), tickSeconds: 5 }));
    // Same schedule, same length: every minute in 12 steps.
    expect(fine.outcome.minutes).toBe(whole.outcome.minutes);
    expect(fine.outcome.ticks).toBe(whole.outcome.ticks * 12);
    expect(fine.outcome.promotedMinute).toBe(whole.outcome.promotedMinute);
    // The steps of each minute add up to that minute's requests (both cohorts, whatever the split).
    const t0 = dep.start;
    for (let m = 0; m < 5; m++) {
      const steps = fine.seen.slice(m * 12, m * 12 + 12);
      expect(steps.every((s) => s.tickSeconds === 5)).toBe(true);
      const served = steps.reduce((a, s) => a + (s.canary?.requests ?? 0) + (s.baseline?.requests ?? 0), 0);
      const missing = steps.some((s) => !s.canary || !s.baseline);
      if (!missing) expect(served).toBe(world.traffic.requests[dep.service][t0 + m]);
    }
    // Minute boundaries carry whole ages; the steps in between carry fractions.
    expect(fine.seen[11].age).toBe(1);
    expect(fine.seen[5].age).toBeCloseTo(0.5, 12);
    // A breach is judged when its minute is complete: a whole minute number, as in whole-minute steps.
    expect(whole.outcome.faultBreachMinute).not.toBeNull();
    expect(Number.isInteger(fine.outcome.faultBreachMinute)).toBe(true);
    expect(Math.abs(fine.outcome.faultBreachMinute! - whole.outcome.faultBreachMinute!)).toBeLessThanOrEqual(1);
  });

  it('a rollback inside a minute takes effect there: less harm than waiting for the minute to end', () => {
    const dep = busy(errorFault({ onsetMinutes: 2 }));
    const plan = planFor(scenarioStrategy(world.scenario), world.topology.services[dep.service], world.scenario.topology.tenants);
    // Both watch the fault start at minute 2; one rolls back 10 s into minute 3, the other at its start... of minute 4.
    const early = run(dep, (o) => (o.age >= 3 + 10 / 60 - 1e-9 ? { type: 'rollback' } : { ...scheduleAction(o, plan), tickSeconds: o.age >= 3 ? 5 : 60 }));
    const late = run(dep, (o) => (o.age >= 4 ? { type: 'rollback' } : scheduleAction(o, plan)));
    expect(early.outcome.rollbackMinute! - dep.start).toBeCloseTo(3 + 10 / 60, 9);
    expect(late.outcome.rollbackMinute! - dep.start).toBe(4);
    expect(early.outcome.faultBadRequests).toBeLessThan(late.outcome.faultBadRequests);
    // The episode ends on a minute boundary after its drain, as always.
    expect(Number.isInteger(early.outcome.minutes)).toBe(true);
  });

  it('names a step length that is not a divisor of the minute', () => {
    const env = new RolloutEnv(world);
    env.reset({ seed: 1, deployment: busy(), strategy: scenarioStrategy(world.scenario) });
    expect(() => env.step({ type: 'hold', tickSeconds: 7 })).toThrow(/tickSeconds must be one of 5, 6, 10/);
    expect(() => env.step({ type: 'hold', tickSeconds: NaN })).toThrow(/tickSeconds/);
    // Asked for a whole minute in the middle of one, the step runs to the end of that minute.
    env.step({ type: 'hold', tickSeconds: 20 });
    const r = env.step({ type: 'hold' });
    expect(r.observation.age).toBe(1);
    expect(r.observation.tickSeconds).toBe(40);
  });
});

// ---- adaptive stages ------------------------------------------------------------------------------------------
const R = (p1: number, p10: number, p50: number, p90: number, p99: number): Range => ({ p1, p10, p50, p90, p99, n: 400 });
const metrics = (o: Partial<CohortMetrics> = {}): CohortMetrics => ({ requests: 1000, errors: 2, slow: 10, latencyP50: 50, latencyP95: 120, latencyP99: 200, cpu: 0.4, memory: 0.5, pool: 0.3, conversions: 30, callerRequests: 0, callerErrors: 0, ...o });
const stage = (): StageRanges => {
  const healthy: Record<WhatIfMetric, Range> = { errorRatio: R(0, 0.001, 0.002, 0.004, 0.006), slowRatio: R(0.004, 0.006, 0.01, 0.014, 0.02), latencyP50: R(40, 45, 50, 55, 60), latencyP95: R(100, 110, 120, 130, 140), latencyP99: R(160, 180, 200, 220, 240), kpi: R(0.022, 0.026, 0.03, 0.034, 0.038) };
  const faulty: Record<WhatIfMetric, Range> = { ...healthy, errorRatio: R(0.002, 0.004, 0.05, 0.2, 0.3), kpi: R(0.005, 0.008, 0.012, 0.03, 0.035) };
  return { stage: 1, weightPercent: 5, dwellMinutes: 10, healthy, faulty, baseline: healthy };
};

describe('adaptive stages: the colour of a minute', () => {
  it('green inside the healthy range, yellow beyond p99 or on two p90s, red beyond p99 and as bad as the faulty median', () => {
    expect(checkRanges(stage(), metrics(), metrics()).colour).toBe('green');
    // One metric just beyond p90: still green (one in ten healthy minutes does it on each metric).
    expect(checkRanges(stage(), metrics({ errors: 5 }), metrics()).colour).toBe('green');
    expect(checkRanges(stage(), metrics({ errors: 5, latencyP99: 230 }), metrics()).colour).toBe('yellow');
    // Beyond the healthy p99 but below the faulty median: yellow; as bad as the faulty median: red.
    expect(checkRanges(stage(), metrics({ errors: 10 }), metrics()).colour).toBe('yellow');
    const red = checkRanges(stage(), metrics({ errors: 60 }), metrics());
    expect(red.colour).toBe('red');
    expect(red.reasons[0]).toMatch(/errorRatio 6\.00 % beyond the healthy p99 0\.60 %, as bad as the faulty median 5\.00 %/);
    // Lower is worse for the KPI.
    expect(checkRanges(stage(), metrics({ conversions: 10 }), metrics()).colour).toBe('red');
    // Where the stage's typical fault is barely beyond the healthy p99, a minute as bad as it is only yellow.
    const close = stage();
    close.faulty.errorRatio = R(0, 0.002, 0.007, 0.02, 0.05);
    expect(checkRanges(close, metrics({ errors: 60 }), metrics()).colour).toBe('yellow');
  });

  it('a disturbance the baseline shares is at most yellow, never red; no canary metrics has no colour', () => {
    const both = checkRanges(stage(), metrics({ errors: 60 }), metrics({ errors: 60 }));
    expect(both.colour).toBe('yellow');
    expect(both.reasons[0]).toMatch(/shared disturbance/);
    expect(checkRanges(stage(), null, metrics()).colour).toBeNull();
    expect(checkRanges(stage(), metrics({ requests: 0, errors: 0, slow: 0, conversions: 0, latencyP50: null, latencyP95: null, latencyP99: null }), metrics()).colour).toBeNull();
  });

  it('the rolling minute adds short steps up and starts afresh at a new stage; the assembler makes the minute the predictor reads', () => {
    const step = (age: number, st: number, c: CohortMetrics | null, tickSeconds?: number): Observation =>
      ({ deploymentId: 'd', age, minute: age, phase: 'progressing', stage: st, stages: 3, weight: 0.05, mirror: 0, exposure: [0.05], units: ['all'], timeAtStage: age, providerError: false, baseline: metrics(), canary: c, ...(tickSeconds ? { tickSeconds } : {}) });
    const roll = new RollingMinute();
    roll.push(step(1, 1, metrics({ requests: 600, errors: 6 })));
    for (let k = 1; k <= 6; k++) roll.push(step(1 + k / 12, 1, metrics({ requests: 50, errors: 0 }), 5));
    expect(roll.seconds).toBe(90);
    for (let k = 7; k <= 12; k++) roll.push(step(1 + k / 12, 1, metrics({ requests: 50, errors: 1 }), 5));
    // Twelve 5-second steps make a minute: the whole minute before them has left.
    expect(roll.seconds).toBe(60);
    expect(roll.canary!.requests).toBe(600);
    expect(roll.canary!.errors).toBe(6);
    roll.push(step(2.5, 2, metrics({ requests: 10 }), 5));
    expect(roll.seconds).toBe(5);

    const asm = new MinuteAssembler();
    for (let k = 1; k < 12; k++) expect(asm.push(step(k / 12, 0, metrics({ requests: 10, errors: 1, latencyP99: k < 6 ? 100 : 300 }), 5))).toBeNull();
    const m = asm.push(step(1, 0, metrics({ requests: 10, errors: 1, latencyP99: 300 }), 5))!;
    expect(m.age).toBe(1);
    expect(m.tickSeconds).toBeUndefined();
    expect(m.canary!.requests).toBe(120);
    expect(m.canary!.errors).toBe(12);
    expect(m.canary!.latencyP99).toBeCloseTo(Math.exp((5 * Math.log(100) + 7 * Math.log(300)) / 12), 9);
    expect(combine([null, null])).toBeNull();
  });
});

describe('ml-adaptive in the environment', () => {
  it('catches a severe fault at a busy canary within seconds where ml waits for the minute, and says when it has no ranges', async () => {
    const models = await trainTinyModels(mkdtempSync(join(tmpdir(), 'rolloutlab-adaptive-')));
    const champions = loadRolloutChampionsSync(models);
    const [ml, adaptive] = resolvePolicies(['ml', 'ml-adaptive'], { models: () => champions });
    expect(adaptive.needsRanges).toBe(true);
    const strategy = scenarioStrategy(world.scenario);
    const svc = [...world.topology.services].sort((a, b) => world.traffic.meanRequests[b.id] - world.traffic.meanRequests[a.id])[0];
    const base = world.deployments.find((d) => d.start > 12_000)!;
    const dep = { ...base, id: 'crash', service: svc.id, material: true, fault: errorFault({ kind: 'crash_loop', errorAdd: 0.5, onsetMinutes: 2 }) };
    const env = new RolloutEnv(world);
    const truth = runEpisode(env, world, dep, 1, strategy, null, null).outcome;
    const a = runEpisode(env, world, dep, 1, strategy, ml, truth);
    const ranges = predictedRanges(world, dep, strategy, 1, 10);
    const b = runEpisode(env, world, dep, 1, strategy, adaptive, truth, ranges);
    const ttd = (o: typeof a.outcome) => (o.rollbackMinute! - o.onsetMinute!) * 60;
    expect(a.outcome.rollbackMinute).not.toBeNull();
    expect(b.outcome.rollbackMinute).not.toBeNull();
    expect(ttd(a.outcome)).toBeGreaterThanOrEqual(60);
    expect(ttd(b.outcome)).toBeLessThan(30);
    expect(b.reason).toMatch(/^ml-adaptive v\d+: red in the last \d+ s — rolling back; overwhelming evidence/);
    expect(b.outcome.faultBadRequests).toBeLessThan(a.outcome.faultBadRequests);
    // No ranges: it decides as ml, and says so.
    const c = runEpisode(env, world, { ...dep, fault: null, material: false }, 1, strategy, adaptive, null);
    expect(c.outcome.promotedMinute).not.toBeNull();
    expect(c.outcome.ticks).toBe(c.outcome.minutes);
  }, 300_000);
});
