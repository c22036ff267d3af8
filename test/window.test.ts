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
});
