// Deployment-window recommendation: never a window touching a freeze, ranked by expected cost, and scored against
// the simulator's true expectations (regret >= 0 per change; no recommender beats the oracle's cut).
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, simulateWorld, worldToTables, type World } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { rolloutWindow } from '../sim/unguarded.ts';
import { initBackend } from '../training/backend.ts';
import { simRiskData } from '../training/risk/sim.ts';
import { fitRisk } from '../training/risk/pipeline.ts';
import { fitForecaster } from '../training/forecast/index.ts';
import { allowedMinutesOf, outsideAllowed, parseHourRanges, recommendWindows, TIMING_FACTORS, touchesFreeze, utcOffsetText } from '../training/deploy-window/recommend.ts';
import { evaluateWindows, trueCost } from '../training/deploy-window/evaluate.ts';
import { evaluateSchedules, scheduleChanges, checkSchedule } from '../training/deploy-window/schedule.ts';
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
      expect(c.explanation).toMatch(/^Deploy \w{3} \d{4}-\d\d-\d\d \d\d:\d\d UTC \(risk 0\.\d\d/);
    }
    for (let i = 1; i < r.ranked.length; i++) expect(r.ranked[i].expectedCost).toBeGreaterThanOrEqual(r.ranked[i - 1].expectedCost);
    expect(r.ranked[0].expectedCost).toBeLessThanOrEqual(r.whenReady.expectedCost);
  });

  it('allowed hours in the team\'s local time, dates, plain-language factors and the approval flag', () => {
    const dep = world.deployments.find((d) => d.readyAt > 8 * 1440)!;
    const svc = world.topology.services[dep.service];
    const fc = fitForecaster(world.traffic.requests[dep.service].subarray(0, dep.readyAt), { period: 1440 });
    const free = recommendWindows(world, dep, risk, fc, { top: 400 });
    expect(free.allowedHours).toBeNull();
    const r = recommendWindows(world, dep, risk, fc, { top: 400, allowedMinutes: allowedMinutesOf([{ from: 9, to: 17 }], [{ from: 12, to: 13 }]) });
    const tz = Math.round(svc.teamTzOffset * 60);
    expect(r.allowedHours).toBe(`09:00-12:00, 13:00-17:00 team local time (${utcOffsetText(tz)})`);
    expect(r.outsideAllowedCandidates).toBeGreaterThan(0);
    expect(r.ranked.length).toBe(r.candidates - r.frozenCandidates - r.outsideAllowedCandidates);
    expect(r.ranked.length).toBeLessThan(free.ranked.length);
    const w = rolloutWindow(world.scenario.rollout);
    for (const c of [...r.ranked, r.whenReady]) {
      expect(c.startTime).toBe(new Date(world.calendar.startMs + c.start * 60_000).toISOString());
      expect(Date.parse(c.endTime) - Date.parse(c.startTime)).toBe(w * 60_000);
      // Every minute of the rollout is in 09-12 or 13-17 local.
      for (let t = c.start; t < c.start + w; t++) {
        const local = (((t + tz) % 1440) + 1440) % 1440;
        expect((local >= 540 && local < 720) || (local >= 780 && local < 1020), c.startTime).toBe(true);
      }
      expect(c.needsApproval).toBe(c.onCallCover < 0.5);
      expect(c.explanation).not.toMatch(/hour_sin|hour_cos|oncall_cover|load_at_start|forecast_peak_load|hours_since_last_deploy/);
      for (const f of c.factors) for (const x of f.features) expect(TIMING_FACTORS[x]).toBe(f.factor);
    }
    // Wrapping ranges and whole days.
    const night = allowedMinutesOf([{ from: 22, to: 6 }], undefined)!;
    expect(night.text).toBe('00:00-06:00, 22:00-24:00');
    expect(outsideAllowed(night, 23 * 60, 0, 120)).toBe(false); // 23:00-01:00
    expect(outsideAllowed(night, 5 * 60, 0, 120)).toBe(true); // 05:00-07:00
    expect(outsideAllowed(night, 0, 1440 * 3 + 22 * 60, 480)).toBe(false); // a later day, 22:00-06:00
    expect(allowedMinutesOf([{ from: 9, to: 9 }], undefined)).toBeNull();
    expect(parseHourRanges('9-17, 22-6')).toEqual([{ from: 9, to: 17 }, { from: 22, to: 6 }]);
    expect(parseHourRanges('9-25')).toMatch(/hours run from 0 to 24/);
    expect(parseHourRanges('nine')).toMatch(/not a range of whole hours/);
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
