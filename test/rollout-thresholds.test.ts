// Per-change rollback thresholds (docs/rollout-plans.md "Per-change thresholds"): the levels and the learned table are
// monotone (a riskier change never gets less sensitive thresholds), thresholds are caps (never less sensitive than the
// champion's), the search keeps false rollbacks within the fixed plan's and is deterministic, bad thresholds are a 400
// naming the field (exit 2 from the command line), and the plan answer carries the chosen thresholds when asked for.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.ts';
import { quietRollbackRegistry } from './tiny-models.ts';
import { inProcess } from './in-process.ts';
import { checkThresholdCaps, effectiveThresholds, THRESHOLD_KEYS } from '../policies/thresholds.ts';
import { chooseSensitivity, PER_CHANGE_THRESHOLDS, SENSITIVITY_LEVELS, SENSITIVITY_TABLE } from '../policies/rollout-plan/sensitivity.ts';
import { PLAN_TABLE, type PlanTable } from '../policies/rollout-plan/choose.ts';
import { rolloutPlanDecision } from '../policies/rollout-plan/gate.ts';
import { fitSensitivity, levelOf, levelTotals, type LevelRecord, type Outcome } from '../backtest/threshold-search.ts';
import { RolloutlabError } from '../lib/errors.ts';

const CHAMPION = { fault: 0.98, breach: 0.9, hold: 0.5 };

describe('the sensitivity levels and the learned table', () => {
  it('down the list of levels every threshold is lower or equal; the first is the champion’s own', () => {
    expect(SENSITIVITY_LEVELS[0].caps).toEqual({});
    for (let i = 1; i < SENSITIVITY_LEVELS.length; i++) {
      const a = effectiveThresholds(CHAMPION, SENSITIVITY_LEVELS[i - 1].caps);
      const b = effectiveThresholds(CHAMPION, SENSITIVITY_LEVELS[i].caps);
      for (const k of THRESHOLD_KEYS) expect(b[k], `${SENSITIVITY_LEVELS[i].name}.${k}`).toBeLessThanOrEqual(a[k]);
      expect(THRESHOLD_KEYS.some((k) => b[k] < a[k]), SENSITIVITY_LEVELS[i].name).toBe(true);
    }
  });

  it('is monotone: a riskier change never gets a less sensitive level, at any traffic; it shares the plan table’s buckets', () => {
    const t = SENSITIVITY_TABLE;
    expect(t.riskEdges).toEqual(PLAN_TABLE.riskEdges);
    expect(t.trafficEdges).toEqual(PLAN_TABLE.trafficEdges);
    expect(t.choice.length).toBe(t.trafficEdges.length + 1);
    for (const row of t.choice) {
      expect(row.length).toBe(t.riskEdges.length + 1);
      for (let i = 0; i < row.length; i++) {
        expect(Number.isInteger(row[i]) && row[i] >= 0 && row[i] < SENSITIVITY_LEVELS.length).toBe(true);
        if (i > 0) expect(row[i]).toBeGreaterThanOrEqual(row[i - 1]);
      }
    }
    for (const rpm of [0, 50, 900, 16_000, 30_000, 60_000, 1e6]) {
      let prev = -1;
      for (let r = 0; r <= 1.0001; r += 0.01) {
        const c = chooseSensitivity({ risk: Math.min(1, r), rpm });
        expect(c.index, `rpm ${rpm} risk ${r}`).toBeGreaterThanOrEqual(prev);
        prev = c.index;
        expect(chooseSensitivity({ risk: Math.min(1, r), rpm })).toEqual(c);
      }
    }
  });

  it('fails closed: without a usable risk score, the most sensitive level', () => {
    for (const risk of [null, NaN, -0.1, 1.5, Infinity]) {
      const c = chooseSensitivity({ risk, rpm: 1000 });
      expect(c.index, String(risk)).toBe(SENSITIVITY_LEVELS.length - 1);
      expect(c.reasons[0]).toMatch(/no usable risk score/);
    }
  });
});

describe('thresholds are caps on the champion’s', () => {
  it('each threshold used is the lower of the champion’s and the cap: never less sensitive', () => {
    expect(effectiveThresholds(CHAMPION, undefined)).toEqual(CHAMPION);
    expect(effectiveThresholds(CHAMPION, {})).toEqual(CHAMPION);
    expect(effectiveThresholds(CHAMPION, { fault: 0.9 })).toEqual({ ...CHAMPION, fault: 0.9 });
    expect(effectiveThresholds(CHAMPION, { fault: 1, breach: 0.95, hold: 0.2 })).toEqual({ ...CHAMPION, hold: 0.2 });
  });

  it('refuses anything but probabilities in (0, 1], naming the field', () => {
    for (const [x, field] of [
      [{ fault: 0 }, 'plan.thresholds.fault'],
      [{ breach: -0.2 }, 'plan.thresholds.breach'],
      [{ hold: 1.01 }, 'plan.thresholds.hold'],
      [{ fault: NaN }, 'plan.thresholds.fault'],
      [{ fault: '0.9' }, 'plan.thresholds.fault'],
      [{ fualt: 0.9 }, 'plan.thresholds.fualt'],
      [[0.9], 'plan.thresholds'],
      [null, 'plan.thresholds'],
    ] as const) {
      let err: unknown = null;
      try {
        checkThresholdCaps(x, 'plan.thresholds');
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(x)).toBeInstanceOf(RolloutlabError);
      expect((err as RolloutlabError).field, JSON.stringify(x)).toBe(field);
    }
    expect(checkThresholdCaps({ fault: 0.9, hold: 1 }, 'x')).toEqual({ fault: 0.9, hold: 1 });
  });
});

describe('the search', () => {
  const o = (blast: number, falseRollback = false): Outcome => ({ blast, ttf: 50, prevented: false, falseRollback, tenants: 0, customerMinutes: 0, violating: false });
  const plan = { ...PLAN_TABLE, riskEdges: [0.5], trafficEdges: [], choice: [[0, 0]], trainedOn: { ...PLAN_TABLE.trainedOn, lambda: 0 } } as PlanTable;
  // Low-risk changes: level 1 halves their blast radius at no cost. High-risk ones: only level 2 helps, with one false rollback.
  const records = (fixedFalseRollbacks: number): LevelRecord[] => [
    ...Array.from({ length: 4 }, (_, i) => ({ scenario: 'w', seed: 1, id: `low-${i}`, risk: 0.1, rpm: 100, outcomes: [o(10), o(5), o(5), o(5)], fixed: o(100, i < fixedFalseRollbacks) })),
    { scenario: 'w', seed: 1, id: 'high-0', risk: 0.9, rpm: 100, outcomes: [o(10), o(10), o(0, true), o(0, true)], fixed: o(100) },
    { scenario: 'w', seed: 1, id: 'high-1', risk: 0.9, rpm: 100, outcomes: [o(10), o(10), o(0), o(0)], fixed: o(100) },
  ];
  const meta = { scenarios: ['w'], seeds: [1], deploymentsPerRun: 6, note: 'test' };

  it('chooses per bucket within the fixed plan’s false rollbacks, monotone in risk, and the same every time', () => {
    const roomy = fitSensitivity(records(1), meta, { planTable: plan });
    expect(roomy.table.choice).toEqual([[1, 2]]);
    expect(fitSensitivity(records(1), meta, { planTable: plan })).toEqual(roomy);
    // No room for a false rollback: the risky bucket cannot take level 2, and is raised to the safer bucket's level 1.
    const tight = fitSensitivity(records(0), meta, { planTable: plan });
    expect(tight.table.choice).toEqual([[1, 1]]);
    expect(tight.feasible).toBe(true);
    const got = levelTotals(records(0), (r) => r.outcomes[levelOf(r, tight.table, 4)]);
    expect(got.falseRollbacks).toBe(0);
  });
});

describe('over HTTP and on the command line', () => {
  let app: FastifyInstance;
  let models: string;
  const PLAN = { stages: [{ exposure: [0.05], dwellMinutes: 5 }, { exposure: [1], dwellMinutes: 5 }], unitShares: [1], bakeMinutes: 10 };
  const minute = (requests: number, errors: number) => ({ requests, errors, slow: 0, latencyP50: 40, latencyP95: 90, latencyP99: 120, conversions: Math.round(requests * 0.02) });
  const body = (extra: object = {}) => ({
    observations: [0, 1, 2].map((age) => ({ age, phase: 'progressing', stage: 0, weight: 0.05, timeAtStage: age, canary: age ? minute(500, 1) : null, baseline: age ? minute(9500, 15) : null })),
    plan: PLAN,
    slo: { objective: 0.999, burnRate: 14.4 },
    ...extra,
  });
  const decide = (extra: object) => app.inject({ method: 'POST', url: '/v1/rollout/decision', payload: body(extra) });

  beforeAll(async () => {
    // The quiet predictor (P ≈ 0.00005 whatever it sees, thresholds 0.97 / 0.9 / 0.5): only a tiny cap can make it roll back.
    models = await quietRollbackRegistry(join(mkdtempSync(join(tmpdir(), 'rollout-thresholds-')), 'models'));
    app = buildApp({ modelsRoot: models, rateLimit: false, planThreads: 0 });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('POST /v1/rollout/decision: no thresholds, the answer as before; thresholds are caps, echoed as used, and act', async () => {
    const plain = await decide({});
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json().action).toBe('hold');
    expect(plain.json().thresholds).toBeUndefined();
    const capped = (await decide({ thresholds: { fault: 0.9, breach: 0.99 } })).json();
    expect(capped.thresholds).toEqual({ fault: 0.9, breach: 0.9, hold: 0.5 });
    expect(capped.action).toBe('hold');
    const hair = (await decide({ thresholds: { fault: 0.00001 } })).json();
    expect(hair.action).toBe('rollback');
    expect(hair.thresholds).toEqual({ fault: 0.00001, breach: 0.9, hold: 0.5 });
  });

  it('POST /v1/rollout/decision: a bad threshold is a 400 naming the field', async () => {
    for (const [extra, field] of [
      [{ thresholds: { fault: 0 } }, 'body.thresholds.fault'],
      [{ thresholds: { breach: 1.5 } }, 'body.thresholds.breach'],
      [{ thresholds: { hold: -1 } }, 'body.thresholds.hold'],
      [{ thresholds: { hold: '0.3' } }, 'body.thresholds.hold'],
      [{ thresholds: { faults: 0.9 } }, 'body.thresholds.faults'],
      [{ thresholds: 0.9 }, 'body.thresholds'],
      [{ thresholds: { fault: 0.9 }, policy: 'kayenta' }, 'body.thresholds'],
    ] as const) {
      const r = await decide(extra);
      expect(r.statusCode, JSON.stringify(extra)).toBe(400);
      expect(r.json().error, JSON.stringify(extra)).toMatchObject({ field, message: expect.stringMatching(new RegExp(`^${field.replace(/\./g, '\\.')} `)) });
    }
  });

  it('POST /v1/rollout/plan carries the thresholds when asked (fail closed without a risk champion: the most sensitive), not otherwise', async () => {
    const post = (extra: object) => app.inject({ method: 'POST', url: '/v1/rollout/plan', payload: { features: { lines_added: 3 }, rpm: 100, ...extra } });
    const plain = (await post({})).json();
    expect(PER_CHANGE_THRESHOLDS).toBe(false);
    expect(plain.plan.sensitivity).toBeUndefined();
    expect(plain.plan.thresholds).toBeUndefined();
    const last = SENSITIVITY_LEVELS[SENSITIVITY_LEVELS.length - 1];
    const asked = (await post({ perChangeThresholds: true })).json();
    expect(asked.plan).toMatchObject({ name: 'guarded', sensitivity: last.name, thresholds: last.caps });
    expect(asked.reasons.some((r: string) => /no usable risk score: the most sensitive rollback thresholds/.test(r))).toBe(true);
    // What the plan answers is what the decision route takes.
    expect((await decide({ thresholds: asked.plan.thresholds })).statusCode).toBe(200);
    const bad = await post({ perChangeThresholds: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('body.perChangeThresholds');
    // The library answer, with a score: the table's level for the score and traffic.
    const a = rolloutPlanDecision({ risk: { probability: 0.6, complete: true, reasons: [] }, rpm: 30_000, bakeMinutes: 30, thresholds: true });
    expect(a.plan.sensitivity).toBe(chooseSensitivity({ risk: 0.6, rpm: 30_000 }).level.name);
  });

  it('plan rollout --thresholds and the file’s perChangeThresholds; a bad one exits 2 naming it; backtest --strategy optimised+thresholds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-thresholds-'));
    const f = (name: string, x: unknown) => {
      const p = join(dir, name);
      writeFileSync(p, JSON.stringify(x));
      return p;
    };
    const change = { features: { lines_added: 120 }, rpm: 850 };
    const none = join(dir, 'none');
    const last = SENSITIVITY_LEVELS[SENSITIVITY_LEVELS.length - 1];
    const a = JSON.parse((await inProcess(['plan', 'rollout', '--from', f('c.json', change), '--models', none, '--thresholds', '--json'])).stdout);
    expect(a.plan).toMatchObject({ sensitivity: last.name, thresholds: last.caps });
    const b = JSON.parse((await inProcess(['plan', 'rollout', '--from', f('d.json', { ...change, perChangeThresholds: true }), '--models', none, '--json'])).stdout);
    expect(b.plan.sensitivity).toBe(last.name);
    expect(JSON.parse((await inProcess(['plan', 'rollout', '--from', f('e.json', change), '--models', none, '--json'])).stdout).plan.sensitivity).toBeUndefined();
    const bad = await inProcess(['plan', 'rollout', '--from', f('bad.json', { ...change, perChangeThresholds: 'yes' }), '--models', none, '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.field).toBe('perChangeThresholds');
    // The backtest: every deployment's level is reported (no risk champion here: all fail closed), the same run twice.
    const run = () => inProcess(['backtest', '--scenario', 'default', '--seed', '3', '--deployments', '12', '--policies', 'ml', '--strategy', 'optimised+thresholds', '--models', models, '--json']);
    const [x, y] = [await run(), await run()];
    expect(x.code, x.stderr).toBe(0);
    const timeless = (t: string) => JSON.parse(t, (k, v) => (k === 'seconds' ? undefined : v));
    expect(timeless(x.stdout)).toEqual(timeless(y.stdout));
    expect(JSON.parse(x.stdout).sensitivities).toEqual({ [last.name]: 12 });
    expect((await inProcess(['backtest', '--deployments', '5', '--policies', 'none', '--strategy', 'optimised+thresholds:zone'])).code).toBe(1);
  });
});
