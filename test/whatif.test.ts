// The what-if engine: deterministic, reads only the past, ranges that order healthy below faulty, failure points that
// follow the fault catalogue, calibration that holds on held-out deployments, and bad input named.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, simulateWorld, type World } from '../sim/index.ts';
import { scenarioStrategy } from '../sim/strategy.ts';
import { whatIf, forecastTraffic, STRESSES, type WhatIfInput } from '../sim/whatif.ts';
import { calibrateWhatIf, pitCredit } from '../backtest/whatif-calibration.ts';
import { inProcess as runCli } from './in-process.ts';

let world: World;
const scenario = loadScenario('default');
const input = (o: Partial<WhatIfInput> = {}): WhatIfInput => {
  const d = world.deployments.find((x) => x.start > 10080 && world.topology.callersOf[x.service].length > 0)!;
  return { scenario, topology: world.topology, traffic: world.traffic, service: d.service, start: d.start, id: d.id, apiContractChange: false, risk: 0.2, strategy: scenarioStrategy(scenario), runs: 40, seed: 3, stress: false, ...o };
};

beforeAll(() => {
  world = simulateWorld(scenario, 5);
});

describe('whatIf', () => {
  it('is deterministic and gives ordered ranges for every stage, healthy below faulty at full exposure', () => {
    const a = whatIf(input());
    expect(JSON.stringify(whatIf(input()))).toBe(JSON.stringify(a));
    expect(a.stages.map((s) => s.weightPercent)).toEqual(scenario.rollout.steps);
    for (const s of a.stages)
      for (const r of [...Object.values(s.healthy), ...Object.values(s.faulty)]) {
        if (!r) continue;
        expect(r.p10).toBeLessThanOrEqual(r.p50);
        expect(r.p50).toBeLessThanOrEqual(r.p90);
      }
    const full = a.stages[a.stages.length - 1];
    expect(full.faulty.errorRatio!.p90).toBeGreaterThan(full.healthy.errorRatio!.p90);
    expect(a.breachProbabilityIfFaulty).toBeGreaterThan(a.breachProbabilityHealthy);
    // A different seed draws different runs.
    expect(JSON.stringify(whatIf(input({ seed: 4 })).stages)).not.toBe(JSON.stringify(a.stages));
  });

  it('reads only the past: traffic after the start does not change the forecast', () => {
    const { start } = input();
    const before = forecastTraffic(world.traffic, start, 120).requests.map((a) => Array.from(a));
    const changed = { ...world.traffic, requests: world.traffic.requests.map((a) => { const b = a.slice(); b.fill(1e6, start); return b; }) };
    expect(forecastTraffic(changed, start, 120).requests.map((a) => Array.from(a))).toEqual(before);
  });

  it('names the callers as failure points of an API contract change, and the risk scales them', () => {
    const contract = whatIf(input({ apiContractChange: true, runs: 60 }));
    const caller = contract.failurePoints.find((f) => f.relation === 'caller');
    expect(caller).toBeDefined();
    expect(caller!.causes[0].kind).toBe('contract_break');
    expect(caller!.probability).toBeCloseTo(0.2 * caller!.probabilityIfFaulty, 10);
    const plain = whatIf(input({ apiContractChange: false, runs: 60 }));
    const callerShare = (r: typeof plain) => r.failurePoints.filter((f) => f.relation === 'caller').reduce((a, f) => a + f.probabilityIfFaulty, 0);
    expect(callerShare(contract)).toBeGreaterThan(callerShare(plain));
    expect(whatIf(input({ risk: null })).failurePoints.every((f) => f.probability === null)).toBe(true);
  });

  it('runs every stress pre-check, and a slow callee breaches healthy runs more often than none', () => {
    const r = whatIf(input({ stress: true, runs: 40 }));
    expect(r.stress.map((s) => s.name)).toEqual([...STRESSES]);
    const slow = r.stress.find((s) => s.name === 'callee-down')!;
    expect(slow.breachProbabilityHealthy).toBeGreaterThan(r.breachProbabilityHealthy);
    expect(slow.shiftedMetrics).toContain('errorRatio');
  });

  it('names the field of bad input', () => {
    expect(() => whatIf(input({ runs: 0 }))).toThrow(/runs/);
    expect(() => whatIf(input({ service: 10_000 }))).toThrow(/service/);
    expect(() => whatIf(input({ risk: 1.5 }))).toThrow(/risk/);
    expect(() => whatIf(input({ start: -1 }))).toThrow(/start/);
  });
});

describe('calibration', () => {
  it('credits ties by the share of their step inside [0.1, 0.9]', () => {
    const s = Float64Array.from([0, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
    expect(pitCredit(s, 0)).toBeCloseTo(0.4 / 0.5, 10);
    expect(pitCredit(s, 3)).toBe(1);
    expect(pitCredit(s, 9)).toBe(0);
  });

  it('covers about 80 % of held-out healthy canary observations with the p10-p90 ranges', () => {
    const r = calibrateWhatIf({ scenario, scenarioName: 'default', seed: 9, deployments: 25, runs: 40 });
    expect(r.healthyDeployments).toBeGreaterThan(10);
    expect(r.coverage.observations).toBeGreaterThan(1000);
    expect(r.coverage.pit).toBeGreaterThan(0.72);
    expect(r.coverage.pit).toBeLessThan(0.88);
  }, 60_000);
});

describe('whatif command', () => {
  it('prints the ranges, and exits 2 naming --runs for a what-if with zero runs', async () => {
    const ok = await runCli(['whatif', '--deployment', 'dep-000098', '--runs', '10', '--no-stress', '--strategy', 'scenario', '--models', '/nonexistent-registry', '--json']);
    expect(ok.code).toBe(0);
    const j = JSON.parse(ok.stdout);
    expect(j.stages).toHaveLength(5);
    expect(j.risk).toBeNull();
    const bad = await runCli(['whatif', '--deployment', 'dep-000098', '--runs', '0', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.field).toBe('--runs');
  }, 60_000);

  it('plan rollout carries the what-if of the plan it chose: one range per step of that plan', async () => {
    const r = await runCli(['plan', 'rollout', '--deployment', 'dep-000098', '--runs', '8', '--models', '/nonexistent-registry', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.whatif.stages.map((s: { weightPercent: number }) => s.weightPercent)).toEqual(j.plan.steps);
    expect(j.whatif.risk).toBeNull();
    const bad = await runCli(['plan', 'rollout', '--deployment', 'dep-000098', '--runs', '0', '--json']);
    expect(bad.code).toBe(2);
  }, 60_000);
});
