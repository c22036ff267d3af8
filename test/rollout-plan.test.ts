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
import { fitPlan, NoFeasiblePlan, riskGate, rolloutPlanDecision } from '../policies/rollout-plan/gate.ts';
import { writeFileSync } from 'node:fs';
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
    outcomes: [...PLAN_CANDIDATES.map((c, k) => ({ blast: risky ? 1000 - 100 * k : 0, ttf: risky ? null : dwellSum(c), prevented: false, falseRollback: false, tenants: 0, customerMinutes: 0 })), { blast: risky ? 700 : 0, ttf: risky ? null : 50, prevented: false, falseRollback: false, tenants: 0, customerMinutes: 0 }],
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

describe('the risk gate every pre-deploy hook serves', () => {
  const view = (probability: number, complete = true) => ({ probability, complete, reasons: [{ feature: 'lines_added', contribution: 1.2 }, { feature: 'tier', contribution: -0.3 }] });

  it('passes only a complete score at or below the threshold; blocks above it even when incomplete, saying so; waits otherwise', () => {
    expect(riskGate(view(0.3), 0.3)).toMatchObject({ decision: 'pass', reasons: ['risk 0.300 <= 0.3 (lines_added +1.20, tier -0.30)'], recommendations: [] });
    expect(riskGate(view(0.31), 0.3).decision).toBe('blocked');
    const partial = riskGate({ ...view(0.2, false), gap: { reason: '2 features missing', recommendation: 'send them' } }, 0.3);
    expect(partial).toMatchObject({ decision: 'wait', reasons: ['2 features missing', expect.stringMatching(/never passes/)], recommendations: ['send them'] });
    const both = riskGate({ ...view(0.9, false), gap: { reason: '2 features missing', recommendation: 'send them' } }, 0.3);
    expect(both.decision).toBe('blocked');
    expect(both.reasons).toEqual([expect.stringMatching(/^risk 0\.900 > 0\.3/), 'and 2 features missing']);
    expect(both.recommendations.at(-1)).toBe('send them');
    expect(both.recommendations[0]).toMatch(/lines_added/);
    expect(both.recommendations[0]).not.toMatch(/tier/);
  });

  it('fails closed: no score, or one that is not a probability, waits; a threshold that is not a probability is refused', () => {
    for (const p of [NaN, Infinity, -0.1, 1.5]) expect(riskGate(view(p), 1).decision, String(p)).toBe('wait');
    expect(riskGate(null, 1, { reason: 'no champion', recommendation: 'train one' })).toMatchObject({ decision: 'wait', reasons: ['no champion'], recommendations: ['train one'] });
    for (const b of [NaN, -0.1, 1.01]) expect(() => riskGate(view(0.1), b), String(b)).toThrow(/gate\.blockAbove/);
    // The plan follows the same rule: a score that is not a probability gets the careful plan.
    expect(rolloutPlanDecision({ risk: view(1.5), rpm: 500, bakeMinutes: 30 })).toMatchObject({ plan: { name: 'guarded' }, optimised: false, gate: { decision: 'wait' } });
  });
});

describe('constraints and the closest feasible plan', () => {
  const N = PLAN_CANDIDATES.length;
  const idx = (name: string) => PLAN_CANDIDATES.findIndex((c) => c.name === name);
  const refused = (f: () => unknown): NoFeasiblePlan => {
    try {
      f();
    } catch (e) {
      if (e instanceof NoFeasiblePlan) return e;
      throw e;
    }
    throw new Error('not refused');
  };

  it('a first-step cap keeps the plan when it fits, else takes the nearest more careful plan whose first step does: never a less careful one', () => {
    expect(fitPlan(0, undefined, 'x')).toEqual({ index: 0, reasons: [], lessCareful: false });
    expect(fitPlan(0, { maxFirstStepPercent: 1 }, 'x')).toMatchObject({ index: idx('steady'), lessCareful: false, reasons: [expect.stringMatching(/nearest more careful plan/)] });
    for (let k = 0; k < N; k++)
      for (const F of [0.1, 0.3, 0.5, 1, 2, 3, 5, 10, 100]) {
        const r = fitPlan(k, { maxFirstStepPercent: F }, 'x');
        expect(r.index, `k ${k}, F ${F}`).toBeGreaterThanOrEqual(k);
        expect(PLAN_CANDIDATES[r.index].steps[0]).toBeLessThanOrEqual(F);
        // The nearest: no plan between k and it fits.
        for (let j = k; j < r.index; j++) expect(PLAN_CANDIDATES[j].steps[0]).toBeGreaterThan(F);
      }
  });

  it('a deadline takes the most careful plan that fits, saying the deadline made it less careful than the risk asked', () => {
    const g = idx('guarded');
    const r = fitPlan(g, { deadlineMinutes: 45 }, 'the risk score asked');
    expect(r).toMatchObject({ index: idx('cautious'), lessCareful: true });
    expect(r.reasons[0]).toMatch(/deadlineMinutes 45: guarded takes 70 min .* cautious .* less careful than the risk score asked/);
    expect(fitPlan(g, { deadlineMinutes: 70 }, 'x')).toMatchObject({ index: g, lessCareful: false });
    for (let k = 0; k < N; k++)
      for (const D of [10, 15, 25, 40, 45, 60, 70, 1e6]) {
        const r = fitPlan(k, { deadlineMinutes: D }, 'x');
        expect(dwellSum(PLAN_CANDIDATES[r.index])).toBeLessThanOrEqual(D);
        expect(r.index).toBeLessThanOrEqual(k);
        expect(r.lessCareful).toBe(r.index < k);
        for (let j = r.index + 1; j <= k; j++) expect(dwellSum(PLAN_CANDIDATES[j])).toBeGreaterThan(D);
      }
  });

  it('impossible constraints are refused naming the constraint, with the closest feasible plan', () => {
    const low = refused(() => fitPlan(0, { maxFirstStepPercent: 0.05 }, 'x'));
    expect(low.field).toBe('constraints.maxFirstStepPercent');
    expect(low.message).toMatch(/below the first step of every plan \(the smallest is 0\.1 %\)/);
    expect(PLAN_CANDIDATES[low.closestIndex].steps[0]).toBe(0.1);
    const short = refused(() => fitPlan(idx('guarded'), { deadlineMinutes: 5 }, 'x'));
    expect([short.field, PLAN_CANDIDATES[short.closestIndex].name]).toEqual(['constraints.deadlineMinutes', 'fast']);
    // Both caps feasible alone, not together: the first-step cap stands and the deadline is named.
    const both = refused(() => fitPlan(0, { maxFirstStepPercent: 0.1, deadlineMinutes: 40 }, 'x'));
    expect([both.field, PLAN_CANDIDATES[both.closestIndex].name]).toEqual(['constraints.deadlineMinutes', 'cautious']);
    const cap = refused(() => fitPlan(0, { maxExposurePercent: 50 }, 'x'));
    expect(cap.field).toBe('constraints.maxExposurePercent');
    expect(cap.message).toMatch(/every plan ends at 100 %/);
    expect(fitPlan(0, { maxExposurePercent: 100 }, 'x').index).toBe(0);
    for (const [k, v] of [['maxFirstStepPercent', -1], ['deadlineMinutes', -30], ['deadlineMinutes', NaN], ['maxFirstStepPercent', Infinity], ['maxExposurePercent', NaN]] as const) {
      expect(refused(() => fitPlan(3, { [k]: v }, 'x')).field, `${k} ${v}`).toBe(`constraints.${k}`);
    }
    // Through the decision: the closest feasible plan as the answer would give it.
    const d = refused(() => rolloutPlanDecision({ risk: null, rpm: 500, bakeMinutes: 30, constraints: { maxFirstStepPercent: 0.01 } }));
    expect(d.closestFeasible).toMatchObject({ plan: { name: 'guarded', steps: [0.1, 0.5, 2, 10, 100], bakeMinutes: 30, minutesToFull: 70 }, reasons: [expect.stringMatching(/no usable risk score/), expect.stringMatching(/smallest first step/)] });
  });

  it('the answer says what the constraints did, and the gate is the same with or without them', () => {
    const risk = { probability: 0.99, complete: true, reasons: [] };
    const plain = rolloutPlanDecision({ risk, rpm: 500, bakeMinutes: 30 });
    expect(plain.constraints).toBeUndefined();
    const fast = rolloutPlanDecision({ risk, rpm: 500, bakeMinutes: 30, constraints: { deadlineMinutes: 15 } });
    expect(fast.gate).toEqual(plain.gate);
    expect(fast.constraints).toMatchObject({ deadlineMinutes: 15, optimiserPlan: plain.plan.name, changed: true, lessCareful: true });
    expect(fast.plan.minutesToFull).toBeLessThanOrEqual(15);
    expect(fast.reasons.at(-1)).toMatch(/less careful than the risk score asked/);
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
      const post = (constraints: unknown) => app.inject({ method: 'POST', url: '/v1/rollout/plan', payload: { features: { lines_added: 3 }, rpm: 100, constraints } });
      // A deadline shorter than the careful plan: the most careful plan that fits, and the answer says so; still a wait.
      const soon = (await post({ deadlineMinutes: 45, maxFirstStepPercent: 1, maxExposurePercent: 100 })).json();
      expect(soon).toMatchObject({ plan: { name: 'cautious', minutesToFull: 45 }, gate: { decision: 'wait' }, constraints: { deadlineMinutes: 45, optimiserPlan: 'guarded', changed: true, lessCareful: true } });
      expect(soon.constraints.reasons[0]).toMatch(/less careful than the fail-closed plan/);
      // Impossible: a 422 naming the constraint, with the closest feasible plan and why.
      for (const [c, field, closest] of [
        [{ maxFirstStepPercent: 0.01 }, 'maxFirstStepPercent', 'guarded'],
        [{ maxFirstStepPercent: -3 }, 'maxFirstStepPercent', 'guarded'],
        [{ deadlineMinutes: 5 }, 'deadlineMinutes', 'fast'],
        [{ deadlineMinutes: -1 }, 'deadlineMinutes', 'fast'],
        [{ maxExposurePercent: 50 }, 'maxExposurePercent', 'guarded'],
      ] as const) {
        const r = await post(c);
        expect(r.statusCode, JSON.stringify(c)).toBe(422);
        expect(r.json().error).toMatchObject({ code: 'NO_FEASIBLE_PLAN', field: `body.constraints.${field}`, message: expect.stringMatching(new RegExp(`^body\\.constraints\\.${field} `)) });
        expect(r.json().closestFeasible.plan.name, JSON.stringify(c)).toBe(closest);
        expect(r.json().closestFeasible.reasons.length).toBeGreaterThan(0);
      }
      // Malformed: a 400 naming the field.
      for (const [c, field] of [[{ maxFirstStepPercent: 150 }, 'body.constraints.maxFirstStepPercent'], [{ deadline: 30 }, 'body.constraints.deadline'], [{ deadlineMinutes: '30' }, 'body.constraints.deadlineMinutes']] as const) {
        const r = await post(c);
        expect(r.statusCode, JSON.stringify(c)).toBe(400);
        expect(r.json().error.field).toBe(field);
      }
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

  it('plan rollout --max-first-step / --deadline fit the plan; impossible ones exit 2 naming the flag, with the closest feasible plan on stderr', async () => {
    const models = join(mkdtempSync(join(tmpdir(), 'plan-rollout-')), 'none');
    const plan = (...more: string[]) => inProcess(['plan', 'rollout', '--deployment', 'dep-000003', '--models', models, ...more]);
    const ok = await plan('--deadline', '45', '--max-first-step', '1', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ deployment: 'dep-000003', plan: { name: 'cautious' }, gate: { decision: 'wait' }, constraints: { lessCareful: true } });
    for (const [flag, v, closest] of [['--max-first-step', '0.01', 'guarded'], ['--max-first-step', '-5', 'guarded'], ['--deadline', '5', 'fast']]) {
      const r = await plan(flag, v);
      expect(r.code, `${flag} ${v}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`error \\[BAD_ARGUMENT\\] ${flag}: is`));
      expect(r.stderr).toMatch(new RegExp(`closest feasible plan: ${closest}, `));
    }
    // Not a number: a usage error (exit 1).
    expect((await plan('--deadline', 'soon')).code).toBe(1);
  });

  it('plan rollout --from: a change described in a file (closed schema, exit 2 naming the field); without a risk champion the careful plan and a wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-rollout-from-'));
    const models = join(dir, 'none');
    const file = (name: string, body: unknown) => {
      const f = join(dir, name);
      writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
      return f;
    };
    const change = { service: 'checkout', features: { lines_added: 120, tier: 'api' }, rpm: 850, blockAbove: 0.5, constraints: { deadlineMinutes: 60 } };
    const j = await inProcess(['plan', 'rollout', '--from', file('c.json', change), '--models', models, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const a = JSON.parse(j.stdout);
    expect(a).toMatchObject({ service: 'checkout', risk: null, plan: { name: 'very-cautious', minutesToFull: 60 }, gate: { decision: 'wait', blockAbove: 0.5 }, constraints: { deadlineMinutes: 60, lessCareful: true } });
    expect(a.gate.reasons[0]).toMatch(/no risk champion is loaded/);
    // The flag wins over the file.
    expect(JSON.parse((await inProcess(['plan', 'rollout', '--from', file('c.json', change), '--models', models, '--block-above', '0.7', '--json'])).stdout).gate.blockAbove).toBe(0.7);
    const argo = await inProcess(['plan', 'rollout', '--from', file('c.json', change), '--models', models, '--format', 'argo']);
    expect(argo.stdout).toMatch(/rolloutlab plan for checkout: plan very-cautious, gate wait/);
    for (const [name, body, field] of [
      ['typo.json', { ...change, rmp: 850 }, 'rmp'],
      ['norpm.json', { features: {} }, 'rpm'],
      ['neg.json', { ...change, rpm: -1 }, 'rpm'],
      ['cons.json', { ...change, constraints: { deadline: 5 } }, 'constraints.deadline'],
      ['gate.json', { ...change, blockAbove: 2 }, 'blockAbove'],
    ] as const) {
      const r = await inProcess(['plan', 'rollout', '--from', file(name, body), '--models', models, '--json']);
      expect(r.code, name).toBe(2);
      expect(JSON.parse(r.stdout).error.field, name).toBe(field);
    }
    const impossible = await inProcess(['plan', 'rollout', '--from', file('imp.json', { ...change, constraints: { maxExposurePercent: 50 } }), '--models', models]);
    expect(impossible.code).toBe(2);
    expect(impossible.stderr).toMatch(/closest feasible plan: guarded/);
    expect(impossible.stderr).toMatch(/constraints\.maxExposurePercent is 50 %/);
    expect((await inProcess(['plan', 'rollout', '--from', file('bad.json', '{ not json')])).code).toBe(2);
    expect((await inProcess(['plan', 'rollout', '--from', join(dir, 'missing.json')])).code).toBe(2);
    // One of --deployment and --from.
    expect((await inProcess(['plan', 'rollout', '--from', file('c.json', change), '--deployment', 'dep-000003'])).code).toBe(1);
    expect((await inProcess(['plan', 'rollout'])).code).toBe(1);
  });
});
