// Deployment-window recommendation: never a window touching a freeze, ranked by expected cost, and scored against
// the simulator's true expectations (regret >= 0 per change; no recommender beats the oracle's cut).
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, simulateWorld, worldToTables, type World } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { initBackend } from '../training/backend.ts';
import { simRiskData } from '../training/risk/sim.ts';
import { fitRisk } from '../training/risk/pipeline.ts';
import { fitForecaster } from '../training/forecast/index.ts';
import { recommendWindows, touchesFreeze } from '../training/window/recommend.ts';
import { evaluateWindows, trueCost } from '../training/window/evaluate.ts';
import { evaluateSchedules, scheduleChanges, checkSchedule } from '../training/window/schedule.ts';
import type { Forecaster } from '../training/forecast/index.ts';
import type { GamModel } from '../training/gam.ts';

let risk: GamModel;
let world: World;
beforeAll(async () => {
  await initBackend('wasm');
  const dir = join(mkdtempSync(join(tmpdir(), 'rolloutlab-window-')), 'data');
  const s = parseScenario({ ...loadScenario('default'), days: 90, dataset: { trafficResolutionMinutes: 60 } });
  await writeDataset({ outDir: dir, tables: worldToTables(simulateWorld(s, 5)), manifest: { kind: 'simulated', scenario: s.name, seed: 5, codeVersion: 'test', extra: { scenarioConfig: s } } });
  risk = (await fitRisk(await simRiskData(dir))).model;
  // The evaluated world: another seed, 28 days, with the default scenario's holiday freeze in it.
  world = simulateWorld(parseScenario({ ...loadScenario('default'), days: 28 }), 8);
}, 180_000);

describe('window recommendation', () => {
  it('never offers a start whose rollout touches a freeze, and ranks by expected cost', () => {
    const f = world.calendar.freezes[0];
    expect(f).toBeDefined();
    // A change ready shortly before the freeze: many of its candidate starts fall in it.
    const dep = world.deployments.filter((d) => d.readyAt < f.start && d.readyAt > f.start - 24 * 60).at(-1) ?? world.deployments.find((d) => d.readyAt > 8 * 1440)!;
    const fc = fitForecaster(world.traffic.requests[dep.service].subarray(0, dep.readyAt), { period: 1440 });
    const r = recommendWindows(world, dep, risk, fc, { top: 20 });
    expect(r.frozenCandidates).toBeGreaterThan(0);
    for (const c of r.ranked) {
      expect(touchesFreeze(world, c.start)).toBe(false);
      expect(c.frozen).toBe(false);
      expect(c.explanation).toMatch(/^Deploy \w{3} \d\d:\d\d UTC \(risk 0\.\d\d/);
    }
    for (let i = 1; i < r.ranked.length; i++) expect(r.ranked[i].expectedCost).toBeGreaterThanOrEqual(r.ranked[i - 1].expectedCost);
    expect(r.ranked[0].expectedCost).toBeLessThanOrEqual(r.whenReady.expectedCost);
  });

  it('regret and cost cut against the true expectations', () => {
    const e = evaluateWindows(world, risk, { fitDays: 14 });
    expect(e.changes).toBeGreaterThan(20);
    expect(e.frozenRecommended).toBe(0);
    expect(e.meanRegret).toBeGreaterThanOrEqual(0);
    expect(e.costCut).toBeLessThanOrEqual(e.oracleCostCut + 1e-12);
    // Better than deploying when ready, and close to the oracle.
    expect(e.costCut).toBeGreaterThan(0.1);
    expect(e.meanRegret).toBeLessThan(0.25);
    // The true cost is what the simulator's expected incident cost is at the actual start.
    const d = world.deployments[3];
    expect(trueCost(world, 3, d.start)).toBeCloseTo(d.expectedIncidentCost, 6);
  });

  it('multi-service schedules: zero order violations where independent choices break them, at a lower cost than deploying when ready', () => {
    const fcs = new Map<number, Forecaster>();
    const fo = (svc: number) => fcs.get(svc) ?? (fcs.set(svc, fitForecaster(world.traffic.requests[svc].subarray(0, 14 * 1440), { period: 1440 })), fcs.get(svc)!);
    const e = evaluateSchedules(world, risk, fo, (i, t) => trueCost(world, i, t), { fitDays: 14 });
    expect(e.changes).toBeGreaterThan(20);
    expect(e.constrainedChanges).toBeGreaterThan(0);
    expect(e.scheduleViolations).toBe(0);
    expect(e.unplaced).toBe(0);
    expect(e.independentViolations).toBeGreaterThan(0);
    expect(e.scheduleCost).toBeLessThan(e.whenReadyCost);
    // The checker catches a caller that starts before its contract-changing callee has finished.
    const t = world.topology;
    const dep = t.dependencies.find((d) => d.kind === 'sync')!;
    const base = world.deployments[0];
    const callee = { ...base, id: 'callee', service: dep.callee, readyAt: 20 * 1440, changeId: world.changes.find((c) => c.features.apiContractChange)!.id };
    const caller = { ...base, id: 'caller', service: dep.caller, readyAt: 20 * 1440, changeId: world.changes.find((c) => !c.features.apiContractChange)!.id };
    const v = checkSchedule(world, [callee, caller], [20 * 1440 + 60, 20 * 1440 + 90], 72 * 60);
    expect(v.map((x) => x.kind)).toContain('contract_order');
    expect(v.map((x) => x.kind)).toContain('coupled_overlap');
    const sch = scheduleChanges(world, [callee, caller], risk, fo);
    expect(checkSchedule(world, [callee, caller], sch.changes.map((c) => c.start), 72 * 60)).toEqual([]);
    expect(sch.changes[0].start + 70).toBeLessThanOrEqual(sch.changes[1].start);
  });
});
