// The simulator: determinism and the simulator's minimum-realism checks.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, parseScenario, simulateWorld, Rng, runUnguarded, intrinsicFailureProbability, trueFailureProbability, type World } from '../sim/index.ts';
import { autocorrelation, mean } from '../lib/stats.ts';
import { freezeAt } from '../sim/calendar.ts';
import type { Fault } from '../sim/faults.ts';

let world: World;
let longWorld: World;
beforeAll(() => {
  world = simulateWorld(loadScenario('default'), 1);
  // Four weeks, more teams: enough deployments for the statistical checks.
  longWorld = simulateWorld(parseScenario({ ...loadScenario('default'), days: 28, topology: { services: 40 } }), 7);
});

/** Spearman rank correlation. */
function spearman(x: number[], y: number[]): number {
  const rank = (a: number[]) => {
    const idx = a.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(a.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const mx = mean(rx);
  const my = mean(ry);
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < x.length; i++) {
    num += (rx[i] - mx) * (ry[i] - my);
    dx += (rx[i] - mx) ** 2;
    dy += (ry[i] - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

describe('determinism', () => {
  it('same scenario and seed give the same world', () => {
    const again = simulateWorld(loadScenario('default'), 1);
    expect(JSON.stringify(again.deployments)).toBe(JSON.stringify(world.deployments));
    expect(JSON.stringify(again.pipelines)).toBe(JSON.stringify(world.pipelines));
    expect(Buffer.from(again.traffic.requests[5].buffer).equals(Buffer.from(world.traffic.requests[5].buffer))).toBe(true);
  });
  it('a different seed gives a different world', () => {
    const other = simulateWorld(loadScenario('default'), 2);
    expect(JSON.stringify(other.deployments)).not.toBe(JSON.stringify(world.deployments));
  });
  it('Rng streams are reproducible and independent by name', () => {
    const a = new Rng(42, 'traffic');
    const b = new Rng(42, 'traffic');
    const c = new Rng(42, 'faults');
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });
  it('Rng distributions have the right moments', () => {
    const r = new Rng(7, 'moments');
    const n = 20000;
    const normals = Array.from({ length: n }, () => r.normal());
    expect(Math.abs(mean(normals))).toBeLessThan(0.03);
    expect(Math.abs(mean(normals.map((x) => x * x)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean(Array.from({ length: n }, () => r.poisson(3.5))) - 3.5)).toBeLessThan(0.06);
    expect(Math.abs(mean(Array.from({ length: n }, () => r.binomial(1000, 0.02))) - 20)).toBeLessThan(0.2);
  });
});

describe('realism', () => {
  it('traffic has daily periodicity: autocorrelation at a one-day lag above 0.8 on a normal service', () => {
    // A normal period: the default traffic model with no holiday or peak in the two weeks.
    for (const seed of [1, 2]) {
      const w = simulateWorld(parseScenario({ ...loadScenario('default'), calendar: {} }), seed);
      const acf = w.traffic.requests.map((r) => autocorrelation(r, 1440)).sort((a, b) => a - b);
      expect(acf[Math.floor(acf.length / 2)]).toBeGreaterThan(0.8);
      // A large burst can pull one service a little lower, never far.
      expect(acf[0]).toBeGreaterThan(0.75);
    }
    // The holiday in `default` is visible as a break in the pattern.
    const holidayDay = [...world.calendar.holidayDays][0];
    const s0 = world.traffic.requests[0];
    const dayMean = (d: number) => mean(s0.subarray(d * 1440, (d + 1) * 1440));
    expect(dayMean(holidayDay)).toBeLessThan(0.8 * dayMean(holidayDay - 7));
  });
  it('traffic has weekly seasonality: weekends are quieter than weekdays', () => {
    const series = world.traffic.requests[0];
    const day = (d: number) => mean(series.subarray(d * 1440, (d + 1) * 1440));
    // 2026-03-02 is a Monday: days 5, 6 are the weekend.
    expect((day(5) + day(6)) / 2).toBeLessThan(mean([0, 1, 2, 3, 4].map(day)));
  });
  it('callers’ traffic propagates to callees', () => {
    const d = world.topology.dependencies.find((x) => x.kind === 'sync' && world.topology.services[x.callee].externalRpm === 0)!;
    expect(d).toBeDefined();
    expect(world.traffic.meanRequests[d.callee]).toBeGreaterThanOrEqual(world.traffic.meanRequests[d.caller] * d.callsPerRequest * 0.95);
  });
  it('the default change failure rate is within DORA’s 5-30 %', () => {
    for (const w of [world, longWorld]) {
      const cfr = w.deployments.filter((d) => d.material).length / w.deployments.length;
      expect(cfr).toBeGreaterThan(0.05);
      expect(cfr).toBeLessThan(0.3);
    }
  });
  it('true risk rises with change size and falls with test coverage', () => {
    const d = longWorld.deployments;
    const f = (x: (typeof d)[number]) => longWorld.changes.find((c) => c.id === x.changeId)!.features;
    expect(spearman(d.map((x) => f(x).linesAdded), d.map((x) => x.pIntrinsic))).toBeGreaterThan(0.2);
    expect(spearman(d.map((x) => f(x).testCoverage), d.map((x) => x.pIntrinsic))).toBeLessThan(-0.2);
    // And holding everything else fixed, the hidden model is monotone in both.
    const s = longWorld.scenario;
    const svc = longWorld.topology.services[3];
    const base = f(d[0]);
    const hist = { hoursSinceLastDeploy: 24, serviceRecentFailureRate: 0.15, serviceDeploysSoFar: 5 };
    const bySize = [10, 100, 1000].map((la) => intrinsicFailureProbability(s, svc, { ...base, linesAdded: la }, hist));
    const byCov = [0.2, 0.6, 0.95].map((c) => intrinsicFailureProbability(s, svc, { ...base, testCoverage: c }, hist));
    expect(bySize[0]).toBeLessThan(bySize[1]);
    expect(bySize[1]).toBeLessThan(bySize[2]);
    expect(byCov[0]).toBeGreaterThan(byCov[1]);
    expect(byCov[1]).toBeGreaterThan(byCov[2]);
  });
  it('deploys at peak traffic carry a higher expected incident cost', () => {
    const d = [...longWorld.deployments].sort((a, b) => a.loadAtStart - b.loadAtStart);
    const q = Math.floor(d.length / 4);
    const low = mean(d.slice(0, q).map((x) => x.expectedIncidentCost));
    const high = mean(d.slice(-q).map((x) => x.expectedIncidentCost));
    expect(high).toBeGreaterThan(1.5 * low);
    // Load-dependent faults make the same change riskier at peak.
    expect(trueFailureProbability(0.1, 0.3, 2.2)).toBeGreaterThan(trueFailureProbability(0.1, 0.3, 0.8));
  });
  it('contract-break faults raise the callers’ error rates, not the deployed service’s', () => {
    const topo = world.topology;
    const svc = topo.services.find((s) => topo.callersOf[s.id].some((di) => topo.dependencies[di].kind === 'sync'))!;
    const fault: Fault = {
      kind: 'contract_break', onsetMinutes: 0, errorAdd: 0, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity,
      callerErrorRate: 0.5, scope: { kind: 'all', share: 1 }, severe: true, rollbackRestores: true,
    };
    const start = 3 * 1440 + 600;
    const run = (f: Fault | null) => runUnguarded(world, { id: 'contract-test', service: svc.id, start, fault: f }, 1);
    const broken = run(fault);
    const healthy = run(null);
    const rate = (rows: typeof broken.rows, key: 'callerErrors' | 'errors', denom: 'callerRequests' | 'requests') => {
      const c = rows.filter((r) => r.cohort === 'canary');
      return c.reduce((a, r) => a + r[key], 0) / Math.max(1, c.reduce((a, r) => a + r[denom], 0));
    };
    expect(rate(broken.rows, 'callerErrors', 'callerRequests')).toBeGreaterThan(10 * rate(healthy.rows, 'callerErrors', 'callerRequests') + 0.1);
    // The deployed service's own error rate is untouched.
    expect(Math.abs(rate(broken.rows, 'errors', 'requests') - rate(healthy.rows, 'errors', 'requests'))).toBeLessThan(0.002);
    expect(broken.outcome.faultBreachMinute).not.toBeNull();
    expect(broken.outcome.faultBreachService).not.toBe(svc.id);
    expect(healthy.outcome.faultBreachMinute).toBeNull();
  });
});

describe('calendar, pipelines and observability', () => {
  it('no deployment starts inside a freeze, and deployments were held back by one', () => {
    for (const d of world.deployments) expect(freezeAt(world.calendar, d.start)).toBeUndefined();
    expect(world.calendar.freezes.length).toBeGreaterThan(0);
  });
  it('black-friday has a 5x peak day', () => {
    const bf = loadScenario('black-friday');
    const w = simulateWorld(parseScenario({ ...bf, topology: { services: 8 } }), 3);
    const max = Math.max(...w.calendar.eventFactor);
    expect(max).toBeGreaterThan(4.9);
    expect(max).toBeLessThanOrEqual(5.01);
  });
  it('pipeline failures carry error text, exit code and retry truth', () => {
    const failed = world.pipelines.flatMap((p) => p.attempts).filter((a) => a.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const a of failed) {
      expect(a.errorText!.length).toBeGreaterThan(10);
      expect(a.exitCode).toBeGreaterThan(0);
      if (a.failureClass === 'persistent') expect(a.retryWouldSucceed).toBe(false);
    }
    const transient = failed.filter((a) => a.failureClass === 'transient');
    expect(transient.filter((a) => a.retryWouldSucceed).length / transient.length).toBeGreaterThan(0.5);
  });
  it('observations follow the canary steps and have scrape gaps', () => {
    const rows = world.observations.flat();
    const canary = rows.filter((r) => r.cohort === 'canary');
    expect(new Set(canary.map((r) => r.weight))).toEqual(new Set([0.01, 0.05, 0.25, 0.5, 1]));
    const gapShare = rows.filter((r) => !r.scraped).length / rows.length;
    expect(gapShare).toBeGreaterThan(0.002);
    expect(gapShare).toBeLessThan(0.05);
  });
  it('low-traffic canaries see few requests', () => {
    const w = simulateWorld(loadScenario('low-traffic'), 1);
    const first = w.observations.flat().filter((r) => r.cohort === 'canary' && r.weight === 0.01);
    const med = [...first.map((r) => r.requests)].sort((a, b) => a - b)[Math.floor(first.length / 2)];
    expect(med).toBeLessThan(5);
  });
  it('the unguarded breach is recorded for material faults and is rare without one', () => {
    const d = longWorld.deployments;
    const failed = d.filter((x) => x.material);
    const healthy = d.filter((x) => !x.material);
    expect(failed.filter((x) => x.outcome.breachMinute !== null).length / failed.length).toBeGreaterThan(0.6);
    expect(healthy.filter((x) => x.outcome.breachMinute !== null).length / healthy.length).toBeLessThan(0.05);
    for (const x of d) if (x.outcome.breachMinute !== null) expect(x.outcome.breachMinute).toBeGreaterThanOrEqual(x.start);
  });
});
