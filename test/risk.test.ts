// The change-risk family: the additive model learns, explains every score exactly, survives a save/load round trip
// bit for bit, and trains, registers and promotes through the registry on a simulated data set.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { initBackend } from '../training/backend.ts';
import { trainGam, GamModel, sigmoid, type FeatureSpec } from '../training/gam.ts';
import { classifierMetrics, ece, prAuc } from '../training/metrics.ts';
import { Rng } from '../lib/rng.ts';
import { loadScenario, parseScenario, simulateWorld, worldToTables } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { ModelRegistry } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { trainRisk, loadRisk, evaluateRisk } from '../training/risk/family.ts';
import { simRiskData } from '../training/risk/sim.ts';
import { riskSplit, combineRiskData } from '../training/risk/pipeline.ts';
import { riskDataFromWorld } from '../training/risk/world.ts';
import type { SimRiskData } from '../training/risk/sim.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/** A synthetic problem with a known additive truth: logit = -1 + 1.5 log1p(a) - 2 b + (c > 0.5 ? 0.8 : 0). */
function synthetic(n: number, seed: number) {
  const rng = new Rng(seed, 'risk-test');
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.exponential(3);
    b[i] = rng.next();
    c[i] = rng.next();
    p[i] = sigmoid(-1 + 1.5 * Math.log1p(a[i]) - 2 * b[i] + (c[i] > 0.5 ? 0.8 : 0));
    y[i] = rng.next() < p[i] ? 1 : 0;
  }
  return { cols: { a, b, c }, y, p };
}
const SPECS: FeatureSpec[] = [
  { name: 'a', kind: 'numeric', transform: 'log1p' },
  { name: 'b', kind: 'numeric' },
  { name: 'c', kind: 'numeric' },
];
const range = (x: number, y: number) => Array.from({ length: y - x }, (_, i) => x + i);

describe('additive risk model', () => {
  it('training lowers the loss and recovers the truth’s ranking; reasons sum to the score', async () => {
    const d = synthetic(6000, 1);
    const losses: number[] = [];
    const { model } = await trainGam(SPECS, [], { cols: d.cols, labels: d.y, train: range(0, 4000), validation: range(4000, 5000) }, {}, (_e, l) => losses.push(l));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.02);
    const test = range(5000, 6000);
    const cols = { a: test.map((i) => d.cols.a[i]), b: test.map((i) => d.cols.b[i]), c: test.map((i) => d.cols.c[i]) };
    const y = test.map((i) => d.y[i]);
    const p = model.predict(cols, test.length);
    const m = classifierMetrics(p, y);
    const oracle = classifierMetrics(test.map((i) => d.p[i]), y);
    expect(oracle.rocAuc - m.rocAuc).toBeLessThan(0.02);
    expect(m.ece).toBeLessThan(0.05);
    // Contributions are exact: calibrated logit = reasons' sum + the logit of an average row.
    const avg = Math.log(p[0] / (1 - p[0])) - model.reasons(cols, 0).reduce((s, r) => s + r.contribution, 0);
    for (const i of [1, 17, 400]) {
      const z = Math.log(p[i] / (1 - p[i]));
      expect(model.reasons(cols, i).reduce((s, r) => s + r.contribution, 0) + avg).toBeCloseTo(z, 9);
    }
    // A large `a` pushes risk up, and the explanation says so.
    const big = { a: [50], b: [0.5], c: [0.2] };
    expect(model.reasons(big, 0)[0].feature).toBe('a');
    expect(model.reasons(big, 0)[0].contribution).toBeGreaterThan(0);
  });

  it('save/load round trip scores identically, and the same data trains the same model', async () => {
    const d = synthetic(2000, 2);
    const data = { cols: d.cols, labels: d.y, train: range(0, 1500), validation: range(1500, 2000) };
    const one = (await trainGam(SPECS, [], data)).model;
    const two = (await trainGam(SPECS, [], data)).model;
    expect(two.toJSON()).toEqual(one.toJSON());
    const back = GamModel.fromJSON(JSON.parse(JSON.stringify(one.toJSON())));
    expect(Array.from(back.predict(d.cols, 2000))).toEqual(Array.from(one.predict(d.cols, 2000)));
    expect(() => GamModel.fromJSON({ format: 'other' } as never)).toThrow(/model.format/);
  });

  it('refit: the stored weights come from fitting + validation rows for the early-stopped epoch count; without it, the early-stopped weights', async () => {
    const d = synthetic(2000, 3);
    const data = { cols: d.cols, labels: d.y, train: range(0, 1500), validation: range(1500, 2000) };
    const refit = (await trainGam(SPECS, [], data)).model;
    const plain = (await trainGam(SPECS, [], data, { refit: false })).model;
    expect(refit.training.refit).toEqual({ epochs: refit.training.bestEpoch + 1, rows: 2000, trainLoss: expect.any(Number) });
    expect(plain.training.refit).toBeUndefined();
    // Same early-stopping run, different final weights.
    expect(plain.training.bestEpoch).toBe(refit.training.bestEpoch);
    expect(refit.toJSON().weights).not.toEqual(plain.toJSON().weights);
    expect((await trainGam(SPECS, [], data)).model.toJSON()).toEqual(refit.toJSON());
    // Below 40 fitting rows per design column (18 columns here) there is no refit.
    expect((await trainGam(SPECS, [], { ...data, train: range(0, 500) })).model.training.refit).toBeUndefined();
  });

  it('metrics: PR AUC and ECE on hand-made cases', () => {
    expect(prAuc([0.9, 0.8, 0.1], [1, 1, 0])).toBeCloseTo(1, 12);
    expect(prAuc([0.9, 0.8, 0.1], [0, 1, 0])).toBeCloseTo(0.5, 12);
    expect(ece([0.1, 0.1, 0.9, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.1, 12);
  });
});

/** Both paths give the same columns (NaN exactly where both are missing), labels, oracle, ids and times. */
function expectSameRiskData(a: SimRiskData, b: SimRiskData) {
  expect(a.n).toBe(b.n);
  expect(a.deploymentIds).toEqual(b.deploymentIds);
  expect(Array.from(a.startedAt)).toEqual(Array.from(b.startedAt));
  expect(Object.keys(a.cols).sort()).toEqual(Object.keys(b.cols).sort());
  // toEqual treats NaN as equal to NaN, so a missing value must be missing in both.
  for (const k of Object.keys(a.cols)) expect([k, Array.from(a.cols[k])]).toEqual([k, Array.from(b.cols[k])]);
  expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  expect(Array.from(a.oracle!)).toEqual(Array.from(b.oracle!));
}

describe('risk family on a simulated data set', () => {
  let dataDir: string;
  let models: string;
  let world: ReturnType<typeof simulateWorld>;
  let minuteWorld: ReturnType<typeof simulateWorld>;
  let minuteDir: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-risk-'));
    dataDir = join(dir, 'data');
    models = join(dir, 'models');
    const s = parseScenario({ ...loadScenario('default'), days: 90, dataset: { trafficResolutionMinutes: 60 } });
    world = simulateWorld(s, 5);
    await writeDataset({ outDir: dataDir, tables: worldToTables(world), manifest: { kind: 'simulated', scenario: s.name, seed: 5, codeVersion: 'test', extra: { scenarioConfig: s } } });
    // A short world with one-minute traffic.
    const sm = parseScenario({ ...loadScenario('default'), days: 24 });
    minuteWorld = simulateWorld(sm, 3, undefined, { observations: false });
    minuteDir = join(dir, 'minute');
    await writeDataset({ outDir: minuteDir, tables: worldToTables(minuteWorld), manifest: { kind: 'simulated', scenario: sm.name, seed: 3, codeVersion: 'test', extra: { scenarioConfig: sm } } });
  }, 180_000);

  it('in memory from the world, the features equal those read from its data set (one-minute and hourly traffic)', async () => {
    // Hourly traffic table: the in-memory path at the same resolution.
    const hourly = riskDataFromWorld(world, { trafficResolutionMinutes: 60 });
    expectSameRiskData(hourly, await simRiskData(dataDir));
    // One-minute traffic table (the default in memory).
    const fromWorld = riskDataFromWorld(minuteWorld);
    expectSameRiskData(fromWorld, await simRiskData(minuteDir));
    const f = Array.from(fromWorld.cols.forecast_peak_load);
    expect(f.some(Number.isNaN)).toBe(true); // the first week has no history
    expect(f.filter((x) => !Number.isNaN(x)).length).toBeGreaterThan(fromWorld.n / 2);
  }, 60_000);

  it('combined data sets: each split by time on its own, then concatenated', () => {
    const a = riskDataFromWorld(world, { trafficResolutionMinutes: 60 });
    const b = { ...a, n: 100, labels: a.labels.slice(0, 100), oracle: a.oracle!.slice(0, 100), cols: Object.fromEntries(Object.entries(a.cols).map(([k, v]) => [k, Float64Array.from(v).slice(0, 100)])), deploymentIds: a.deploymentIds.slice(0, 100), startedAt: a.startedAt.slice(0, 100) };
    const { data, split, ranges } = combineRiskData([a, b]);
    expect(data.n).toBe(a.n + 100);
    expect(ranges).toEqual([{ start: 0, end: a.n }, { start: a.n, end: a.n + 100 }]);
    const sa = riskSplit(a.n);
    const sb = riskSplit(100);
    expect(split.train).toEqual([...sa.train, ...sb.train.map((r) => r + a.n)]);
    expect(split.validation).toEqual([...sa.validation, ...sb.validation.map((r) => r + a.n)]);
    expect(split.test).toEqual([...sa.test, ...sb.test.map((r) => r + a.n)]);
    expect(data.cols.lines_added[a.n + 7]).toBe(a.cols.lines_added[7]);
    expect(data.oracle![a.n + 7]).toBe(a.oracle![7]);
    expect(data.deploymentIds[a.n + 7]).toBe(a.deploymentIds[7]);
    expect(split.description).toMatch(/each of 2 data sets split by time on its own/);
  });

  it('uses only pre-deploy features, splits by time, and the peak-load forecast is filled after the first week', async () => {
    const d = await simRiskData(dataDir);
    for (const s of d.specs) expect(s.name.startsWith('truth_')).toBe(false);
    for (let i = 1; i < d.n; i++) expect(d.startedAt[i]).toBeGreaterThanOrEqual(d.startedAt[i - 1]);
    const split = riskSplit(d.n);
    expect(split.test[0]).toBe(Math.floor((4 * d.n) / 5));
    const filled = Array.from(d.cols.forecast_peak_load).filter((x) => !Number.isNaN(x)).length;
    expect(filled / d.n).toBeGreaterThan(0.85);
  });

  it('trains, writes a valid card, promotes the first version, keeps the champion when the challenger is no better', async () => {
    const registry = new ModelRegistry({ root: models });
    const first = await trainRisk(dataDir, { registry });
    expect(first.promotion.promoted).toBe(true);
    const card = validateCard(await registry.readCard('risk', first.version));
    expect(card.metrics.rocAuc).toBeGreaterThan(0.6);
    expect(card.metrics.oracleAuc).toBeGreaterThan(card.metrics.rocAuc - 0.05);
    expect(card.baselines.lapredict.rocAuc).toBeLessThan(card.metrics.rocAuc);
    expect(card.targets.map((t) => t.metric)).toContain('aucGapToOracle');
    // Same data, same code: an equal challenger is promoted (ties go to the candidate), scores unchanged.
    const second = await trainRisk(dataDir, { registry });
    expect(second.evaluation.model.rocAuc).toBe(first.evaluation.model.rocAuc);
    expect(second.promotion.promoted).toBe(true);
    // The loaded champion scores the held-out part exactly as training measured it.
    const ev = await evaluateRisk(dataDir, { registry });
    expect(ev.version).toBe(second.version);
    expect(ev.metrics.rocAuc).toBe(second.evaluation.model.rocAuc);
    const { model } = await loadRisk(registry);
    expect(model.specs.length).toBeGreaterThan(20);
  }, 120_000);

  it('trains on several data sets (comma-separated): card lists them all, evaluation uses every test part', async () => {
    const registry = new ModelRegistry({ root: join(models, 'multi') });
    const r = await trainRisk(`${dataDir},${minuteDir}`, { registry });
    const card = validateCard(await registry.readCard('risk', r.version));
    const [a, b] = [riskSplit((await simRiskData(dataDir)).n), riskSplit((await simRiskData(minuteDir)).n)];
    expect(card.split.rows).toEqual({ train: a.train.length + b.train.length, validation: a.validation.length + b.validation.length, test: a.test.length + b.test.length });
    expect(card.split.description).toMatch(/each of 2 data sets split by time on its own/);
    // Paths relative to the registry root, so the card means the same in another clone.
    expect(card.dataset.path).toBe(relative(registry.root, dataDir));
    const listed = card.hyperParameters.datasets as { path: string; seed: number; rows: { test: number } }[];
    expect(listed.map((d) => [d.path, d.seed, d.rows.test])).toEqual([[relative(registry.root, dataDir), 5, a.test.length], [relative(registry.root, minuteDir), 3, b.test.length]]);
    const ev = await evaluateRisk([dataDir, minuteDir], { registry });
    expect(ev.n).toBe(a.test.length + b.test.length);
    expect(ev.metrics.rocAuc).toBe(r.evaluation.model.rocAuc);
    await expect(trainRisk(`${dataDir},${dataDir}`, { registry })).rejects.toThrow(/listed twice/);
  }, 60_000);
});
