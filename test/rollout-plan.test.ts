// Rollout plans per change: the candidates' order of caution, the optimiser's table (monotone in risk, fail closed on a
// missing score), per-step dwell times, the search that learns the table, `--strategy optimised` in the backtest, and
// the optimised plans beside the fixed plan as the main job prints them.
import { describe, it, expect } from 'vitest';
import { PLAN_CANDIDATES, FIXED_PLAN, dwellSum } from '../policies/rollout-plan/candidates.ts';
import { choosePlan, candidateStrategy, PLAN_TABLE } from '../policies/rollout-plan/choose.ts';
import { fitTable, compareTable, FIXED, type SearchRecord } from '../backtest/plan-search.ts';
import { planFor, validateStrategy } from '../sim/strategy.ts';
import { loadScenario, simulateWorld } from '../sim/index.ts';
import { backtest, type PolicySummary } from '../backtest/run.ts';
import { comparePlans } from '../backtest/plan-compare.ts';
import { resolvePolicies } from '../policies/index.ts';
import { buildApp } from '../server/app.ts';
import { inProcess } from './in-process.ts';
import { argoSteps, flaggerAnalysis } from '../policies/rollout-plan/formats.ts';
import { rolloutPlanDecision } from '../policies/rollout-plan/gate.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('the candidates and the table', () => {
  it('go from fast to careful: the first exposure never grows and the time before full exposure never shrinks', () => {
    for (let i = 1; i < PLAN_CANDIDATES.length; i++) {
      expect(PLAN_CANDIDATES[i].steps[0]).toBeLessThanOrEqual(PLAN_CANDIDATES[i - 1].steps[0]);
      expect(dwellSum(PLAN_CANDIDATES[i])).toBeGreaterThanOrEqual(dwellSum(PLAN_CANDIDATES[i - 1]));
    }
    for (const c of [...PLAN_CANDIDATES, FIXED_PLAN]) expect(() => validateStrategy(candidateStrategy(c, 30))).not.toThrow();
  });

  it('the learned table never gives a riskier change a faster plan, and a missing risk score gets the most careful plan', () => {
    for (const row of PLAN_TABLE.choice) for (let r = 1; r < row.length; r++) expect(row[r]).toBeGreaterThanOrEqual(row[r - 1]);
    const careful = PLAN_CANDIDATES[PLAN_CANDIDATES.length - 1].name;
    for (const risk of [null, NaN, -0.1, 1.5]) {
      const c = choosePlan({ risk, rpm: 500 });
      expect(c.candidate.name).toBe(careful);
      expect(c.optimised).toBe(false);
    }
    let last = -1;
    for (const risk of [0, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1]) {
      const k = PLAN_CANDIDATES.indexOf(choosePlan({ risk, rpm: 500 }).candidate);
      expect(k).toBeGreaterThanOrEqual(last);
      last = k;
    }
  });

  it('per-step dwell times shape the plan; a wrong count is refused naming the field', () => {
    const svc = simulateWorld(loadScenario('default'), 1, undefined, { observations: false }).topology.services[0];
    const plan = planFor({ kind: 'canary', steps: [0.1, 5, 100], stepMinutes: 10, dwellMinutes: [20, 5], bakeMinutes: 30 }, svc, []);
    expect(plan.stages.map((s) => s.dwellMinutes)).toEqual([20, 5, 0]);
    expect(plan.plannedMinutes).toBe(55);
    expect(() => validateStrategy({ kind: 'canary', steps: [1, 100], stepMinutes: 10, dwellMinutes: [5, 5], bakeMinutes: 0 })).toThrow(/strategy\.dwellMinutes/);
  });
});

describe('the search', () => {
  // Two kinds of deployment: risky ones where careful plans cut the blast radius, safe ones where fast plans save time.
  const rec = (i: number, risky: boolean): SearchRecord => ({
    scenario: 's',
    seed: 1,
    id: `d${i}`,
    risk: risky ? 0.5 + (i % 10) / 100 : 0.01 + (i % 10) / 1000,
    rpm: 100 + (i % 7),
    outcomes: [...PLAN_CANDIDATES.map((c, k) => ({ blast: risky ? 1000 - 100 * k : 0, ttf: risky ? null : dwellSum(c), prevented: false, falseRollback: false })), { blast: risky ? 700 : 0, ttf: risky ? null : 50, prevented: false, falseRollback: false }],
  });
  const records = Array.from({ length: 200 }, (_, i) => rec(i, i % 4 === 0));

  it('learns careful plans for risky changes and faster ones for safe changes, within the fixed plan’s time', () => {
    const { table } = fitTable(records, { scenarios: ['s'], seeds: [1], deploymentsPerRun: 200, lambda: 0, note: 'test' }, { riskQuantiles: [0.5], trafficQuantiles: [] });
    const safe = PLAN_CANDIDATES[table.choice[0][0]];
    const risky = PLAN_CANDIDATES[table.choice[0][1]];
    expect(risky.name).toBe('guarded');
    expect(dwellSum(safe)).toBeLessThan(50);
    const c = compareTable(records, table);
    expect(c.optimised.blast).toBeLessThan(c.fixed.blast);
    expect(c.optimised.meanTimeToFullRolloutMin).toBeLessThanOrEqual(c.fixed.meanTimeToFullRolloutMin);
    expect(FIXED).toBe(PLAN_CANDIDATES.length);
  });
});

describe('--strategy optimised', () => {
  it('rolls each deployment out under its chosen plan and reports the share of optimised plans; without a risk model every plan is the careful fallback', () => {
    const s = loadScenario('default');
    const run = backtest({ scenario: s, seed: 5, deployments: 40, policies: resolvePolicies(['none']), optimised: { risk: null } });
    expect(run.report.optimisedShare).toBe(0);
    expect(run.report.plans).toEqual({ guarded: 40 });
    expect(run.results.every((r) => r.plan === 'guarded')).toBe(true);
    const again = backtest({ scenario: s, seed: 5, deployments: 40, policies: resolvePolicies(['none']), optimised: { risk: null } });
    expect(again.results).toEqual(run.results);
  });
});

describe('the optimised plans beside the fixed plan (the main job\'s rows)', () => {
  it('are the two backtests of the same deployments under one policy, with the cut, the share and the plans of the optimised one', () => {
    const s = loadScenario('default');
    const policies = resolvePolicies(['none']);
    let progress = 0;
    const c = comparePlans({ scenario: s, seed: 5, deployments: 40, policy: policies[0], risk: null, onProgress: (d, n) => (progress = d / n) });
    expect(progress).toBe(1);
    const opt = backtest({ scenario: s, seed: 5, deployments: 40, policies, optimised: { risk: null } }).report;
    const fix = backtest({ scenario: s, seed: 5, deployments: 40, policies, strategy: candidateStrategy(FIXED_PLAN, s.rollout.bakeMinutes) }).report;
    const noSeconds = ({ seconds: _, ...rest }: PolicySummary) => rest;
    expect(noSeconds(c.optimised)).toEqual(noSeconds(opt.policies.none));
    expect(noSeconds(c.fixed)).toEqual(noSeconds(fix.policies.none));
    // Under `none` a slower first exposure is all that differs: the plans must differ in their figures.
    expect(c.optimised.meanTimeToFullRolloutMin).not.toBe(c.fixed.meanTimeToFullRolloutMin);
    expect(c.blastCut).toBeCloseTo(1 - c.optimised.blastRadius / c.fixed.blastRadius, 12);
    // Without a risk model every deployment gets the careful fallback, which is not an optimised plan.
    expect(c.optimisedShare).toBe(0);
    expect(c.plans).toEqual({ guarded: 40 });
    expect(c.deployments).toBe(40);
  });
});

describe('POST /v1/rollout/plan without a risk champion', () => {
  it('answers the most careful plan and a wait, never a pass', async () => {
    const app = buildApp({ modelsRoot: join(mkdtempSync(join(tmpdir(), 'rollout-plan-')), 'models'), rateLimit: false, planThreads: 0 });
    try {
      const a = (await app.inject({ method: 'POST', url: '/v1/rollout/plan', payload: { features: { lines_added: 3 }, rpm: 100 } })).json();
      expect(a.plan.name).toBe('guarded');
      expect(a.optimised).toBe(false);
      expect(a.risk).toBeNull();
      expect(a.gate.decision).toBe('wait');
    } finally {
      await app.close();
    }
  });
});

describe('plan rollout and the deploy systems’ formats', () => {
  it('writes the plan as Argo Rollouts steps and a Flagger analysis, saying where whole-percent weights round a step up', () => {
    const a = rolloutPlanDecision({ risk: { probability: 0.99, complete: true, reasons: [{ feature: 'lines_added', contribution: 2 }] }, rpm: 500, bakeMinutes: 30 });
    expect(a.gate.decision).toBe('blocked');
    expect(a.gate.recommendations[0]).toMatch(/lines_added/);
    const argo = argoSteps(a, 't');
    const weights = [...argo.matchAll(/setWeight: (\d+)/g)].map((m) => Number(m[1]));
    expect(weights).toEqual(a.plan.steps.map((w) => Math.max(1, Math.round(w))));
    expect([...argo.matchAll(/duration: (\d+)m/g)].map((m) => Number(m[1]))).toEqual(a.plan.dwellMinutes);
    if (a.plan.steps[0] < 1) expect(argo).toMatch(/whole percents/);
    const flagger = flaggerAnalysis(a, 't');
    const interval = Number(/interval: (\d+)m/.exec(flagger)![1]);
    const sw = /stepWeights: \[([^\]]*)\]/.exec(flagger)![1].split(',').map(Number);
    // Each weight held for its dwell: entries × interval = the plan's minutes before full exposure.
    expect(sw.length * interval).toBe(a.plan.minutesToFull);
  });

  it('plan rollout prints the plan of a simulated deployment; without a risk champion, the careful plan and a wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-rollout-'));
    const j = await inProcess(['plan', 'rollout', '--deployment', 'dep-000003', '--models', join(dir, 'none'), '--format', 'json']);
    expect(j.code).toBe(0);
    const a = JSON.parse(j.stdout);
    expect(a.plan.name).toBe('guarded');
    expect(a.gate.decision).toBe('wait');
    const bad = await inProcess(['plan', 'rollout', '--deployment', 'dep-000003', '--format', 'yaml']);
    expect(bad.code).toBe(1);
    const none = await inProcess(['plan', 'rollout', '--deployment', 'dep-999999']);
    expect(none.code).toBe(2);
  });
});
