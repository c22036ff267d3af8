// Predictive rollback: the trajectory features, the network that scores them (shape, loss falls, save/load round
// trip), the trajectory data set (written and read back unchanged), the family (train, register, promote, load
// synchronously) and the learned `ml` policy inside the backtester.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../training/backend.ts';
import { trainMlp, MlpModel } from '../training/mlp.ts';
import { Rng } from '../lib/rng.ts';
import { loadScenario } from '../sim/index.ts';
import { writeDataset, readDataset } from '../datasets/index.ts';
import { ModelRegistry } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { Trajectory, TRAJECTORY_FEATURES, devianceZ, poissonLower, binomialUpperLogP, logGamma, KPI_SHORTFALL_Z } from '../training/predictive-rollback/features.ts';
import { RollbackPredictor, type RollbackPredictorJSON } from '../training/predictive-rollback/model.ts';
import { trajectoryTables, readTrajectories } from '../training/predictive-rollback/trajectories.ts';
import { recordTrajectories } from '../backtest/trajectories.ts';
import { ticksFromTrajectories } from '../training/predictive-rollback/data.ts';
import { trainRollback, evaluateThresholds, chooseThresholds, ROLLBACK_FAMILY } from '../training/predictive-rollback/family.ts';
import { loadRollbackSync, loadRolloutChampionsSync } from '../training/load.ts';
import { mlPolicy } from '../policies/ml.ts';
import { resolvePolicies } from '../policies/index.ts';
import { backtest } from '../backtest/run.ts';
import { quietRollbackJson } from './tiny-models.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const scenario = loadScenario('default');

describe('trajectory features', () => {
  it('deviance z behaves like a z-score and is signed', () => {
    expect(devianceZ(100, 100)).toBe(0);
    expect(devianceZ(130, 100)).toBeCloseTo(2.88, 1);
    expect(devianceZ(70, 100)).toBeLessThan(-2.9);
    expect(devianceZ(0, 0.1)).toBeCloseTo(-Math.sqrt(0.2), 6);
    expect(poissonLower(0)).toBe(0);
    expect(poissonLower(100)).toBeGreaterThan(82);
    expect(poissonLower(100)).toBeLessThan(86);
  });

  it('one vector per tick, same input same output, a failing canary lights up its evidence', () => {
    const set = recordTrajectories(scenario, 3, 40);
    const a = ticksFromTrajectories(set);
    const b = ticksFromTrajectories(set);
    expect(a.x.length).toBe(a.n * TRAJECTORY_FEATURES.length);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    // Crafted trajectory: ample traffic, the canary fails 20 % of requests against the baseline's 0.5 %.
    const plan = set.deployments[0].plan;
    const tr = new Trajectory(plan, { objective: 0.999, burnRate: 14.4 });
    const m = (requests: number, bad: number) => ({ requests, errors: bad, slow: 0, latencyP50: 50, latencyP95: 90, latencyP99: 120, cpu: 0.4, memory: 0.5, pool: 0.3, conversions: Math.round(requests * 0.03), callerRequests: 0, callerErrors: 0 });
    let f = new Float64Array();
    for (let age = 0; age <= 5; age++) {
      const obs = { deploymentId: 'x', age, minute: age, phase: 'progressing' as const, stage: 0, stages: plan.stages.length, weight: 0.05, mirror: 0, exposure: [0.05], units: ['all'], timeAtStage: age, providerError: false, baseline: age ? m(9500, 48) : null, canary: age ? m(500, 100) : null };
      tr.push(obs);
      if (age) f = tr.features(obs);
    }
    const at = (name: string) => f[TRAJECTORY_FEATURES.indexOf(name as (typeof TRAJECTORY_FEATURES)[number])];
    expect(at('zBad5')).toBeGreaterThan(3);
    expect(at('projectedFullBurn')).toBeGreaterThan(10);
    expect(at('baking')).toBe(0);
  });
});

describe('the overwhelming-evidence rule', () => {
  it('the exact binomial tail', () => {
    expect(logGamma(1001)).toBeCloseTo(5912.128178, 5);
    // P(X >= 3), X ~ Binomial(5, 0.01), summed by hand.
    expect(Math.exp(binomialUpperLogP(3, 5, 0.01))).toBeCloseTo(10 * 1e-6 * 0.99 ** 2 + 5 * 1e-8 * 0.99 + 1e-10, 15);
    expect(binomialUpperLogP(100, 100, 0.01)).toBeCloseTo(100 * Math.log(0.01), 9);
    expect(Math.exp(binomialUpperLogP(600, 1000, 0.5))).toBeCloseTo(1.3642e-10, 13);
    expect(binomialUpperLogP(0, 10, 0.3)).toBe(0);
    expect(binomialUpperLogP(2, 10, 0.3)).toBe(0); // at or below the mean: no excess
  });

  // A network that never crosses its thresholds: only the rule can roll back.
  const quiet = quietRollbackJson();
  const model = new RollbackPredictor(quiet);
  const plan = recordTrajectories(scenario, 3, 1).deployments[0].plan;
  const cohort = (requests: number, errors: number, slow = 0, callerRequests = 0, callerErrors = 0) => ({ requests, errors, slow, latencyP50: 50, latencyP95: 90, latencyP99: 120, cpu: 0.4, memory: 0.5, pool: 0.3, conversions: Math.round(requests * 0.03), callerRequests, callerErrors });
  /** Minutes 1..n of a canary at 1 %: the first tick that rolls back (null: none) and its decision. */
  function firstRollback(minutes: { canary: ReturnType<typeof cohort>; baseline: ReturnType<typeof cohort> | null; phase?: 'progressing' | 'baking' }[], m0: RollbackPredictor = model) {
    const tr = new Trajectory(plan, { objective: 0.999, burnRate: 14.4 });
    for (let age = 0; age <= minutes.length; age++) {
      const m = age ? minutes[age - 1] : null;
      const phase = m?.phase ?? 'progressing';
      const obs = { deploymentId: 'x', age, minute: age, phase, stage: 0, stages: plan.stages.length, weight: phase === 'baking' ? 1 : 0.01, mirror: 0, exposure: [phase === 'baking' ? 1 : 0.01], units: ['all'], timeAtStage: age, providerError: false, canary: m?.canary ?? null, baseline: m?.baseline ?? null };
      tr.push(obs);
      if (age === 0) continue;
      const d = m0.decide(tr.features(obs), tr, obs);
      if (d.rollback) return { age, d };
    }
    return null;
  }

  it('a crash loop, a contract break and a latency regression roll back at the first tick', () => {
    const crash = firstRollback([{ canary: cohort(100, 60), baseline: cohort(9900, 10) }]);
    expect(crash?.age).toBe(1);
    expect(crash?.d.overwhelming?.metric).toBe('bad requests');
    expect(crash?.d.reasons[0]).toMatch(/^overwhelming evidence: the canary's bad requests in the last minute.*p = /);
    // Callers' calls into the canary fail: 6 of 20 against 10 of 2,000 into the baseline.
    expect(firstRollback([{ canary: cohort(30, 0, 0, 20, 6), baseline: cohort(3000, 3, 0, 2000, 10) }])?.age).toBe(1);
    expect(firstRollback([{ canary: cohort(60, 0, 25), baseline: cohort(6000, 2, 30) }])?.age).toBe(1);
  });

  it('a healthy canary, a shared incident, tiny traffic and the bake (no baseline) never trigger it', () => {
    const healthy = Array.from({ length: 40 }, (_, i) => ({ canary: cohort(100, i % 3 === 0 ? 1 : 0, i % 5 === 0 ? 1 : 0, 50, i % 7 === 0 ? 1 : 0), baseline: cohort(9900, 50, 40, 5000, 30) }));
    expect(firstRollback(healthy)).toBeNull();
    // Both cohorts at 20 % errors: the baseline explains the canary.
    expect(firstRollback(Array.from({ length: 10 }, () => ({ canary: cohort(100, 20), baseline: cohort(9900, 1980) })))).toBeNull();
    // 2 of 3 canary requests failing is suspicious, not overwhelming (p ≈ 3e-4).
    expect(firstRollback([{ canary: cohort(3, 2), baseline: cohort(300, 1) }])).toBeNull();
    // After promotion there is no baseline to compare with: the rule stays silent (the network watches the bake).
    expect(firstRollback(Array.from({ length: 5 }, () => ({ canary: cohort(10000, 3000), baseline: null, phase: 'baking' as const })))).toBeNull();
  });

  it('the conversion-shortfall rule: a material KPI drop rolls back once the conversions since the start settle it, in the bake too', () => {
    const withKpi = new RollbackPredictor({ ...quiet, thresholds: { ...quiet.thresholds, kpiShortfallZ: KPI_SHORTFALL_Z } });
    const conv = (c: ReturnType<typeof cohort>, rate: number) => ({ ...c, conversions: Math.round(c.requests * rate) });
    // The canary converts 20 % less (2.4 % against 3 %) on 2,000 requests a minute: about 1.8 sigma a minute.
    const drop = Array.from({ length: 30 }, () => ({ canary: conv(cohort(2000, 2), 0.024), baseline: conv(cohort(8000, 8), 0.03) }));
    const hit = firstRollback(drop, withKpi);
    expect(hit).not.toBeNull();
    expect(hit!.age).toBeGreaterThan(1);
    expect(hit!.age).toBeLessThan(15);
    expect(hit!.d.kpiShortfall!.z).toBeLessThanOrEqual(-KPI_SHORTFALL_Z);
    expect(hit!.d.kpiShortfall!.drop).toBeCloseTo(0.2, 2);
    expect(hit!.d.reasons.join('; ')).toMatch(/conversions since the canary started 20\.0 % below the baseline's rate \(z = -\d/);
    // Off in a model without the level (trained before the rule), silent on the same rate, silent on an immaterial drop.
    expect(firstRollback(drop, model)).toBeNull();
    expect(firstRollback(Array.from({ length: 60 }, () => ({ canary: conv(cohort(2000, 2), 0.03), baseline: conv(cohort(8000, 8), 0.03) })), withKpi)).toBeNull();
    expect(firstRollback(Array.from({ length: 60 }, () => ({ canary: conv(cohort(50000, 50), 0.0291), baseline: conv(cohort(50000, 50), 0.03) })), withKpi)).toBeNull();
    // Both cohorts' conversion rate falls from 4 % to 2.5 % while the canary's share grows: pooled over the rollout the
    // canary would look 20 % worse (its requests come late); minute by minute it converts like the baseline.
    const trend = Array.from({ length: 40 }, (_, i) => {
      const rate = 0.04 - (0.015 * i) / 39;
      const n = Math.round(100 + (4900 * i) / 39);
      return { canary: conv(cohort(n, 0), rate), baseline: conv(cohort(10000 - n, 0), rate) };
    });
    expect(firstRollback(trend, withKpi)).toBeNull();
    // After promotion the reference is the baseline's rate frozen at promotion: a drop that shows only in the bake is caught there.
    const bake = [
      ...Array.from({ length: 10 }, () => ({ canary: conv(cohort(2000, 2), 0.03), baseline: conv(cohort(8000, 8), 0.03) })),
      ...Array.from({ length: 20 }, () => ({ canary: conv(cohort(10000, 10), 0.024), baseline: null, phase: 'baking' as const })),
    ];
    const late = firstRollback(bake, withKpi);
    expect(late?.age).toBeGreaterThan(10);
    expect(late?.d.kpiShortfall).not.toBeNull();
  });

  it('a model of the previous format fails to load with a message that says to retrain', () => {
    const old = { ...quiet, format: 'rolloutlab-rollback-2', thresholds: { fault: 0.97, breach: 0.9, hold: 0.5 } };
    expect(() => new RollbackPredictor(old as unknown as RollbackPredictorJSON)).toThrow(/expected "rolloutlab-rollback-3", got "rolloutlab-rollback-2" — retrain/);
  });
});

describe('the network', () => {
  /** Two labels with known structure: a = x0 + x1 > 1, b = x2 > 0.7. */
  function synthetic(n: number) {
    const rng = new Rng(5, 'mlp-test');
    const x = Float64Array.from({ length: n * 4 }, () => rng.next());
    const a = Uint8Array.from({ length: n }, (_, i) => (x[i * 4] + x[i * 4 + 1] > 1 ? 1 : 0));
    const b = Uint8Array.from({ length: n }, (_, i) => (x[i * 4 + 2] > 0.7 ? 1 : 0));
    return { x, a, b };
  }

  it('loss falls, outputs have the right shape, and a JSON round trip scores identically', async () => {
    const { x, a, b } = synthetic(3000);
    const idx = Array.from({ length: 3000 }, (_, i) => i);
    const m = await trainMlp({ x, inputs: ['x0', 'x1', 'x2', 'x3'], labels: { a, b }, train: idx.slice(0, 2400), validation: idx.slice(2400) }, { hidden: [8], maxEpochs: 12, patience: 12, batchSize: 128, learningRate: 0.01 });
    const curve = m.json.training.lossCurve;
    expect(curve[curve.length - 1]).toBeLessThan(curve[0] * 0.7);
    const [pa, pb] = m.predict(x, 3000);
    expect(pa.length).toBe(3000);
    expect(pb.length).toBe(3000);
    let correct = 0;
    for (let i = 2400; i < 3000; i++) correct += (pa[i] > 0.5 ? 1 : 0) === a[i] ? 1 : 0;
    expect(correct / 600).toBeGreaterThan(0.9);
    const back = new MlpModel(JSON.parse(JSON.stringify(m.json)));
    expect(Array.from(back.predict(x, 3000)[1])).toEqual(Array.from(pb));
    // Same seed, same data: the same weights.
    const again = await trainMlp({ x, inputs: ['x0', 'x1', 'x2', 'x3'], labels: { a, b }, train: idx.slice(0, 2400), validation: idx.slice(2400) }, { hidden: [8], maxEpochs: 3, patience: 3, batchSize: 128, learningRate: 0.01 });
    const again2 = await trainMlp({ x, inputs: ['x0', 'x1', 'x2', 'x3'], labels: { a, b }, train: idx.slice(0, 2400), validation: idx.slice(2400) }, { hidden: [8], maxEpochs: 3, patience: 3, batchSize: 128, learningRate: 0.01 });
    expect(again.json.layers).toEqual(again2.json.layers);
  });
});

describe('the rollback family and the ml policy', () => {
  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-rollback-'));
  const models = join(root, 'models');
  let dir = '';

  it('writes trajectories into a data set and reads them back unchanged', async () => {
    const set = recordTrajectories(scenario, 4, 150);
    dir = join(root, 'traj');
    await writeDataset({ outDir: dir, tables: trajectoryTables(set), manifest: { kind: 'backtest', scenario: 'default', seed: 4, codeVersion: 'test', extra: {} } });
    const ds = await readDataset(dir);
    const back = await readTrajectories(ds);
    ds.close();
    expect(back.deployments.map((d) => d.id)).toEqual(set.deployments.map((d) => d.id));
    expect(back.deployments[7]).toEqual(set.deployments[7]);
    expect(back.observations[7]).toEqual(set.observations[7]);
    expect(Array.from(ticksFromTrajectories(back).x)).toEqual(Array.from(ticksFromTrajectories(set).x));
  }, 60_000);

  it('trains, registers a valid card, promotes, loads synchronously with the same scores, and runs as the ml policy', async () => {
    const registry = new ModelRegistry({ root: models });
    const r = await trainRollback(dir, { registry, mlp: { hidden: [12], maxEpochs: 4, patience: 4 } });
    expect(r.promotion.promoted).toBe(true);
    const card = await registry.readCard(ROLLBACK_FAMILY, r.version);
    expect(() => validateCard(card)).not.toThrow();
    expect(card.targets.map((t) => t.metric)).toEqual(expect.arrayContaining(['preventionRate', 'medianLeadTimeMin', 'falseRollbackRate']));
    // Every held-out tick's P(material fault) against its label, for the report's ROC / PR / reliability.
    expect(card.curves?.n).toBe(card.split.rows.test);
    expect(card.curves!.positives).toBeGreaterThan(0);
    expect(card.curves!.roc[card.curves!.roc.length - 1]).toEqual([1, 1]);
    const { model, version } = loadRollbackSync(models);
    expect(version).toBe(r.version);
    const ds = await readDataset(dir);
    const ticks = ticksFromTrajectories(await readTrajectories(ds));
    ds.close();
    const s = model.scoreMany(ticks.x, ticks.n);
    expect(s.pFault.every((p) => p >= 0 && p <= 1)).toBe(true);
    // The threshold search never exceeds its false-rollback budget on the deployments it searched.
    const all = ticks.deployments.map((_, i) => i);
    const ch = chooseThresholds(ticks, s.pFault, s.pBreach, all, 0.01);
    expect(ch.evaluation.falseRollbackRate ?? 0).toBeLessThanOrEqual(0.01);
    expect(evaluateThresholds(ticks, s.pFault, s.pBreach, { fault: 1.01, breach: 1.01 }, all).preventionRate).toBe(0);
    // The policy inside the backtester: same deployments, deterministic, results for every deployment.
    const run = () => backtest({ scenario, seed: 9, deployments: 60, policies: [mlPolicy(model, version)] });
    const [x, y] = [run(), run()];
    expect(x.results.length).toBe(60);
    expect(x.report.policies.ml).toEqual({ ...y.report.policies.ml, seconds: x.report.policies.ml.seconds });
  }, 120_000);

  it('resolves ml by name with the champions of the registry it is given, and says how to get a model when there is none', () => {
    expect(resolvePolicies('ml', { models: () => loadRolloutChampionsSync(models) })[0].name).toBe('ml');
    expect(() => resolvePolicies('ml', { models: () => loadRolloutChampionsSync(join(root, 'empty')) })).toThrow(/no rollback champion.*train rollback/);
    // No registry given: a usage error naming the flag, not a silent default.
    expect(() => resolvePolicies('ml')).toThrow(/ml needs a model registry \(--models\)/);
  });
});
