// The change-risk family: the additive model learns, explains every score exactly, survives a save/load round trip
// bit for bit, and trains, registers and promotes through the registry on a simulated data set.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../training/backend.ts';
import { trainGam, GamModel, sigmoid, type FeatureSpec } from '../training/gam.ts';
import { classifierMetrics, ece, prAuc } from '../training/metrics.ts';
import { Rng } from '../sim/rng.ts';
import { loadScenario, parseScenario, simulateWorld, worldToTables } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { ModelRegistry } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { trainRisk, loadRisk, evaluateRisk } from '../training/risk/family.ts';
import { simRiskData } from '../training/risk/sim.ts';
import { riskSplit } from '../training/risk/pipeline.ts';

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

  it('metrics: PR AUC and ECE on hand-made cases', () => {
    expect(prAuc([0.9, 0.8, 0.1], [1, 1, 0])).toBeCloseTo(1, 12);
    expect(prAuc([0.9, 0.8, 0.1], [0, 1, 0])).toBeCloseTo(0.5, 12);
    expect(ece([0.1, 0.1, 0.9, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.1, 12);
  });
});

describe('risk family on a simulated data set', () => {
  let dataDir: string;
  let models: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-risk-'));
    dataDir = join(dir, 'data');
    models = join(dir, 'models');
    const s = parseScenario({ ...loadScenario('default'), days: 90, dataset: { trafficResolutionMinutes: 60 } });
    const w = simulateWorld(s, 5);
    await writeDataset({ outDir: dataDir, tables: worldToTables(w), manifest: { kind: 'simulated', scenario: s.name, seed: 5, codeVersion: 'test', extra: { scenarioConfig: s } } });
  }, 180_000);

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
});
