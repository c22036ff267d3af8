// Human controls on the served decisions (server/controls.ts, server/routes/controls.ts, docs/server.md "Human
// controls"), through `app.inject`: overrides honoured by the rollout decision, the canary verdict, Argo, Flagger and
// Kayenta; expiry; ended deployments refused; approvals outside a team's allowed hours; notifications that never delay
// an answer (a hanging endpoint, a refused one, one that fails and then recovers); durability across a restart; the
// write guard. No model is trained: the decisions come from the schedule (`policy: none`) and Kayenta's statistics,
// with metric windows from an in-process metrics source.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../server/app.ts';
import { insideAllowedHours, parseControlsConfig, type ControlsConfig } from '../server/controls-config.ts';
import { Controls } from '../server/controls.ts';
import { ServerMetrics } from '../server/metrics.ts';
import { MAX_TRIES_IN_FLIGHT, Notifier } from '../server/notify.ts';
import type { MetricsSource, MetricsWindow } from '../server/metrics-source.ts';
import type { CohortMetrics } from '../sim/env.ts';
import { inProcess } from './in-process.ts';

const fixture = (f: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'extensions', f), 'utf8'));
const FLAGGER = { name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: 'rev-1' };
const KAYENTA = fixture('kayenta-judge-request.json'); // a critical error metric 10x higher in the experiment: Fail

const TOKEN = 'controls-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
// Wednesday 10:30 UTC = 11:30 at +01:00, inside team-001's hours; Saturday is outside.
const WEDNESDAY = new Date('2024-03-06T10:30:00Z');
const SATURDAY = new Date('2024-03-09T10:30:00Z');
let clock = WEDNESDAY;
const now = () => clock;

const CONFIG: ControlsConfig = {
  teams: { 'team-001': { allowedHours: { tz: '+01:00', days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' } }, 'team-002': {} },
  services: { podinfo: 'team-001', checkout: 'team-001', 'web-store': 'team-002' },
};

// ---- a metrics source: a healthy or a broken canary against a healthy primary --------------------------------
const minute = (errors: number): CohortMetrics => ({ requests: 1200, errors, slow: 5, latencyP50: 42, latencyP95: null, latencyP99: 120, cpu: 0, memory: 0, pool: 0, conversions: 25, callerRequests: 0, callerErrors: 0 });
let canaryErrors = 2;
const source: MetricsSource = {
  window: async (_t, minutes): Promise<MetricsWindow> => ({
    canary: Array.from({ length: minutes }, (_, i) => minute(canaryErrors + (i % 2))),
    baseline: Array.from({ length: minutes }, (_, i) => minute(2 + (i % 2))),
    kpi: true,
    slow: true,
  }),
};

// ---- the rollout decision body: one stage reached its dwell (policy none: advance on schedule) ---------------
const M = { requests: 1000, errors: 1, slow: 2, latencyP50: 40, latencyP99: 120, conversions: 20 };
const decisionBody = (deployment: string | undefined, extra: Record<string, unknown> = {}, ages = [0, 1, 2, 3], phase = 'progressing') => ({
  plan: { stages: [{ exposure: [0.1], dwellMinutes: 3 }, { exposure: [1], dwellMinutes: 3 }], unitShares: [1], bakeMinutes: 0 },
  slo: { objective: 0.999, burnRate: 14.4 },
  policy: 'none',
  ...(deployment ? { deployment } : {}),
  ...extra,
  observations: ages.map((a, i) => ({ age: a, phase: i === ages.length - 1 ? phase : 'progressing', stage: 0, weight: 0.1, timeAtStage: a, canary: a ? M : null, baseline: a ? M : null })),
});
const VERDICT = { canary: [1, 2, 3, 4, 5].map(() => M), baseline: [1, 2, 3, 4, 5].map(() => M), judge: 'kayenta' };

let models = '';
let app: FastifyInstance;
const apps: FastifyInstance[] = [];

async function newApp(o: Partial<AppOptions> = {}): Promise<FastifyInstance> {
  const a = buildApp({ modelsRoot: models, token: TOKEN, now, metricsSource: source, controls: CONFIG, rateLimit: false, planThreads: 0, ...o });
  await a.ready();
  apps.push(a);
  return a;
}

const post = (a: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) => a.inject({ method: 'POST', url, payload: payload as object, headers });
const setOverride = (a: FastifyInstance, b: Record<string, unknown>) => post(a, '/v1/overrides', { by: 'alice', reason: 'db migration running', ...b }, AUTH);
const clearOverride = (a: FastifyInstance, d: string, b: Record<string, unknown> = {}) =>
  a.inject({ method: 'DELETE', url: `/v1/overrides/${encodeURIComponent(d)}`, payload: { by: 'bob', reason: 'migration done', ...b }, headers: AUTH });
const decide = async (a: FastifyInstance, body: unknown) => {
  const r = await post(a, '/v1/rollout/decision', body);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const argo = async (a: FastifyInstance, q = 'name=podinfo&namespace=test&judge=kayenta') => {
  const r = await a.inject({ method: 'GET', url: `/v1/argo/verdict?${q}` });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().result;
};
const flagger = (a: FastifyInstance, hook: string, payload: Record<string, unknown> = FLAGGER) => post(a, `/v1/flagger/${hook}?judge=kayenta`, payload);

beforeAll(async () => {
  models = mkdtempSync(join(tmpdir(), 'rolloutlab-controls-models-')); // no champion: the schedule and Kayenta decide
  app = await newApp();
});

afterAll(async () => {
  for (const a of apps) await a.close();
});

describe('overrides: every surface answers them, beside what the models said', () => {
  it('the rollout decision: hold, rollback and promote replace the action; the answer names who, why and until', async () => {
    clock = WEDNESDAY;
    const model = await decide(app, decisionBody('shop/checkout'));
    expect(model.action).toBe('advance');
    expect(model.control).toBeUndefined();

    const set = await setOverride(app, { deployment: 'shop/checkout', action: 'hold', until: '2024-03-06T18:00:00+01:00' });
    expect(set.statusCode, set.body).toBe(201);
    expect(set.json().override).toMatchObject({ deployment: 'shop/checkout', action: 'hold', by: 'alice', until: '2024-03-06T17:00:00.000Z', setAt: WEDNESDAY.toISOString() });
    const held = await decide(app, decisionBody('shop/checkout'));
    expect(held.action).toBe('hold');
    expect(held.reasons[0]).toBe('override hold by alice until 2024-03-06T17:00:00.000Z: db migration running (without it: advance)');
    expect(held.reasons).toContain('on schedule');
    expect(held.control).toMatchObject({ source: 'override', action: 'hold', by: 'alice', reason: 'db migration running', modelAnswer: 'advance', changed: true, flagged: false });

    const replaced = await setOverride(app, { deployment: 'shop/checkout', action: 'rollback' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().created).toBe(false);
    expect(replaced.json().override.until).toBe('2024-03-07T10:30:00.000Z'); // default: 24 h
    expect((await decide(app, decisionBody('shop/checkout'))).action).toBe('rollback');

    // A promote over a not-yet-go (the dwell is not reached: the schedule holds) is allowed, and flagged.
    await setOverride(app, { deployment: 'shop/checkout', action: 'promote' });
    const early = await decide(app, decisionBody('shop/checkout', {}, [0, 1]));
    expect(early.action).toBe('advance');
    expect(early.control).toMatchObject({ action: 'promote', modelAnswer: 'hold', changed: true, flagged: true });
    expect(early.reasons[1]).toMatch(/^flagged: human promote by alice over a not-yet-go \(hold\)/);

    // Other deployments, and a call without a deployment, are untouched.
    expect((await decide(app, decisionBody('shop/cart', {}, [0, 1]))).action).toBe('hold');
    expect((await decide(app, decisionBody(undefined, {}, [0, 1]))).control).toBeUndefined();
    expect((await clearOverride(app, 'shop/checkout')).statusCode).toBe(200);
    expect((await decide(app, decisionBody('shop/checkout', {}, [0, 1]))).action).toBe('hold');
  });

  it('the canary verdict: hold → inconclusive, rollback → fail, promote → pass', async () => {
    clock = WEDNESDAY;
    const body = { ...VERDICT, deployment: 'shop/verdict-svc' };
    expect((await post(app, '/v1/canary/verdict', body)).json().verdict).toBe('pass');
    for (const [action, verdict] of [['hold', 'inconclusive'], ['rollback', 'fail'], ['promote', 'pass']] as const) {
      await setOverride(app, { deployment: 'verdict-svc', action });
      const r = (await post(app, '/v1/canary/verdict', body)).json();
      expect(r.verdict, action).toBe(verdict);
      expect(r.control).toMatchObject({ source: 'override', action, deployment: 'verdict-svc', modelAnswer: 'pass', changed: verdict !== 'pass', flagged: false });
    }
    await clearOverride(app, 'verdict-svc');
  });

  it('Argo: hold → inconclusive (pass -1, Argo pauses), rollback → fail (0), promote → pass (1), flagged over a failing canary', async () => {
    clock = WEDNESDAY;
    canaryErrors = 2;
    expect(await argo(app)).toMatchObject({ verdict: 'pass', pass: 1 });
    await setOverride(app, { deployment: 'test/podinfo', action: 'hold' });
    expect(await argo(app)).toMatchObject({ verdict: 'inconclusive', pass: -1, control: { action: 'hold', modelAnswer: 'pass', changed: true } });
    await setOverride(app, { deployment: 'test/podinfo', action: 'rollback' });
    expect(await argo(app)).toMatchObject({ verdict: 'fail', pass: 0 });
    canaryErrors = 300;
    expect(await argo(app)).toMatchObject({ verdict: 'fail', pass: 0, control: { changed: false } });
    await setOverride(app, { deployment: 'test/podinfo', action: 'promote' });
    const promoted = await argo(app);
    expect(promoted).toMatchObject({ verdict: 'pass', pass: 1, control: { action: 'promote', modelAnswer: 'fail', changed: true, flagged: true } });
    expect(promoted.control.flag).toMatch(/over a failed gate \(fail\)/);
    // An override on the bare name applies in every namespace; one on another namespace does not apply here.
    await clearOverride(app, 'test/podinfo');
    expect(await argo(app)).toMatchObject({ verdict: 'fail' });
    await setOverride(app, { deployment: 'podinfo', action: 'hold' });
    expect(await argo(app, 'name=podinfo&namespace=prod&judge=kayenta')).toMatchObject({ verdict: 'inconclusive', control: { deployment: 'podinfo' } });
    await setOverride(app, { deployment: 'staging/podinfo', action: 'promote' });
    expect(await argo(app, 'name=podinfo&namespace=staging&judge=kayenta')).toMatchObject({ verdict: 'pass', control: { deployment: 'staging/podinfo' } });
    await clearOverride(app, 'podinfo');
    await clearOverride(app, 'staging/podinfo');
    canaryErrors = 2;
  });

  it('Flagger: each action maps to what makes Flagger hold, advance or roll back', async () => {
    clock = WEDNESDAY;
    canaryErrors = 2;
    const status = async (hook: string) => {
      const r = await flagger(app, hook);
      return [r.statusCode, r.json().decision];
    };
    expect(await status('confirm-promotion')).toEqual([200, 'go']);
    expect(await status('rollback')).toEqual([409, 'no-rollback']); // no rollback champion: never a rollback of ours

    await setOverride(app, { deployment: 'test/podinfo', action: 'hold' });
    expect(await status('confirm-rollout')).toEqual([409, 'wait']);
    expect(await status('confirm-traffic-increase')).toEqual([409, 'wait']);
    expect(await status('confirm-promotion')).toEqual([409, 'wait']);
    expect(await status('rollback')).toEqual([409, 'no-rollback']);
    const check = await flagger(app, 'rollout');
    expect(check.statusCode).toBe(200); // the check answers the canary: no failed check while held
    expect(check.json().control).toMatchObject({ action: 'hold', changed: false });
    const gate = (await flagger(app, 'confirm-promotion')).json();
    expect(gate.reasons[0]).toMatch(/^override hold by alice until .*: db migration running \(without it: go\)$/);
    expect(gate.control).toMatchObject({ source: 'override', action: 'hold', modelAnswer: 'go', changed: true });

    await setOverride(app, { deployment: 'test/podinfo', action: 'rollback' });
    expect(await status('rollback')).toEqual([200, 'rollback']);
    expect(await status('rollout')).toEqual([409, 'fail']);
    expect(await status('confirm-promotion')).toEqual([409, 'wait']);

    canaryErrors = 300;
    expect(await status('rollout')).toEqual([409, 'fail']);
    await setOverride(app, { deployment: 'test/podinfo', action: 'promote' });
    expect(await status('confirm-promotion')).toEqual([200, 'go']);
    expect(await status('rollback')).toEqual([409, 'no-rollback']);
    const forced = await flagger(app, 'rollout');
    expect(forced.statusCode).toBe(200);
    expect(forced.json().control).toMatchObject({ action: 'promote', modelAnswer: 'fail', changed: true, flagged: true });
    // The event list records what was answered.
    const events = (await app.inject({ method: 'GET', url: '/v1/flagger/events?limit=1' })).json().events;
    expect(events[0]).toMatchObject({ hook: 'rollout', status: 200, decision: 'pass' });
    await clearOverride(app, 'test/podinfo');
    expect(await status('rollout')).toEqual([409, 'fail']);
    canaryErrors = 2;
  });

  it("Kayenta: promote → 100 Pass, rollback → 0 Fail, hold → Marginal between the thresholds; Kayenta's shape, the control in the reason", async () => {
    clock = WEDNESDAY;
    const judge = (q = '') => post(app, `/judge${q}`, KAYENTA).then((r) => r.json());
    const model = await judge('?deployment=kayenta-app');
    expect(model.score.classification).toBe('Fail');
    await setOverride(app, { deployment: 'kayenta-app', action: 'promote' });
    const promoted = await judge('?deployment=kayenta-app');
    expect(promoted.score).toMatchObject({ score: 100, classification: 'Pass' });
    expect(promoted.score.classificationReason).toMatch(/^override promote by alice .*\(without it: Fail [\d.]+\); flagged: human promote by alice over a failed gate/);
    expect(promoted.control).toBeUndefined();
    expect(promoted.results).toEqual(model.results);
    await setOverride(app, { deployment: 'kayenta-app', action: 'hold' });
    const held = await judge('?deployment=kayenta-app');
    const { pass, marginal } = KAYENTA.scoreThresholds;
    expect(held.score.classification).toBe('Marginal');
    expect(held.score.score).toBeGreaterThanOrEqual(marginal);
    expect(held.score.score).toBeLessThan(pass);
    await setOverride(app, { deployment: 'kayenta-app', action: 'rollback' });
    expect((await judge('?deployment=kayenta-app')).score).toMatchObject({ score: 0, classification: 'Fail' });
    // Without ?deployment=, the canary config's applications name it (the fixture's: podinfo).
    await setOverride(app, { deployment: 'podinfo', action: 'promote' });
    expect((await judge()).score.classification).toBe('Pass');
    await clearOverride(app, 'podinfo');
    expect((await judge()).score.classification).toBe('Fail');
    await clearOverride(app, 'kayenta-app');
    const bad = await post(app, '/judge?deployment=a%20b', KAYENTA);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('query.deployment');
  });
});

describe('expiry, ended deployments and bad input', () => {
  it('an override stops applying at its until; an until in the past or too far ahead is a 400 naming until', async () => {
    clock = WEDNESDAY;
    await setOverride(app, { deployment: 'shop/expiring', action: 'hold', until: '2024-03-06T11:30:00Z' });
    expect((await decide(app, decisionBody('shop/expiring'))).action).toBe('hold');
    expect((await app.inject({ method: 'GET', url: '/v1/overrides?deployment=shop/expiring' })).json().overrides).toHaveLength(1);
    clock = new Date('2024-03-06T11:30:00Z');
    expect((await decide(app, decisionBody('shop/expiring'))).action).toBe('advance');
    expect((await app.inject({ method: 'GET', url: '/v1/overrides?deployment=shop/expiring' })).json().overrides).toEqual([]);
    for (const [until, message] of [
      ['2024-03-06T11:00:00Z', /body\.until must be in the future \(got 2024-03-06T11:00:00Z; now is 2024-03-06T11:30:00.000Z\)/],
      ['2024-03-06T11:30:00Z', /must be in the future/],
      ['2024-05-01T00:00:00Z', /body\.until must be at most 30 days ahead/],
      ['2024-02-30T10:00:00Z', /body\.until is not a valid date-time/],
    ] as const) {
      const r = await setOverride(app, { deployment: 'shop/expiring', action: 'hold', until });
      expect(r.statusCode, until).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'VALIDATION', field: 'body.until', message: expect.stringMatching(message) });
    }
    const noZone = await setOverride(app, { deployment: 'shop/expiring', action: 'hold', until: '2024-03-06T18:00:00' });
    expect(noZone.statusCode).toBe(400);
    expect(noZone.json().error.field).toBe('body.until');
    clock = WEDNESDAY;
  });

  it('bodies are closed and checked: a 400 names the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ deployment: 'x', action: 'pause' }, 'body.action'],
      [{ deployment: 'x', action: 'hold', reson: 'typo' }, 'body.reson'],
      [{ deployment: 'a b', action: 'hold' }, 'body.deployment'],
      [{ deployment: 'x', action: 'hold', by: '' }, 'body.by'],
      [{ deployment: 'x', action: 'hold', reason: '   ' }, 'body.reason'],
    ];
    for (const [b, field] of cases) {
      const r = await setOverride(app, b);
      expect(r.statusCode, JSON.stringify(b)).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    const noWho = await post(app, '/v1/overrides', { deployment: 'x', action: 'hold', reason: 'r' }, AUTH);
    expect(noWho.json().error.field).toBe('body.by');
    const approval = await post(app, '/v1/approvals', { deployment: 'x', step: 'bad step', by: 'a', reason: 'r' }, AUTH);
    expect(approval.json().error.field).toBe('body.step');
    const decision = await post(app, '/v1/rollout/decision', { ...decisionBody('x'), deployment: 'no spaces' });
    expect(decision.json().error.field).toBe('body.deployment');
    const nothing = await clearOverride(app, 'never-set');
    expect(nothing.statusCode).toBe(404);
    expect(nothing.json().error).toMatchObject({ code: 'NOT_FOUND', field: 'params.deployment' });
  });

  it('a deployment the server knows has ended refuses overrides and approvals (409 naming body.deployment); its override ends with it', async () => {
    clock = WEDNESDAY;
    const ended = { ...FLAGGER, name: 'finished', checksum: 'rev-1' };
    await setOverride(app, { deployment: 'test/finished', action: 'hold' });
    // Flagger's post-rollout hook after a promotion: phase Succeeded.
    expect((await post(app, '/v1/flagger/post-rollout', { ...ended, phase: 'Succeeded' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/overrides?deployment=test/finished' })).json().overrides).toEqual([]);
    for (const url of ['/v1/overrides', '/v1/approvals']) {
      const r = await post(app, url, { deployment: 'test/finished', action: url === '/v1/overrides' ? 'promote' : undefined, by: 'alice', reason: 'late' }, AUTH);
      expect(r.statusCode, url).toBe(409);
      expect(r.json().error).toMatchObject({ code: 'DEPLOYMENT_ENDED', field: 'body.deployment', message: expect.stringMatching(/test\/finished has ended \(promoted, .*flagger: Flagger reported phase Succeeded/) });
    }
    // A new revision of the same Canary runs again: controls are taken again.
    expect((await flagger(app, 'confirm-rollout', { ...ended, phase: 'Progressing', checksum: 'rev-2' })).statusCode).toBe(200);
    expect((await setOverride(app, { deployment: 'test/finished', action: 'hold' })).statusCode).toBe(201);
    // A rollback recorded by Flagger (phase Failed) ends it too.
    await post(app, '/v1/flagger/event', { ...ended, checksum: 'rev-2', phase: 'Failed', eventMessage: 'Canary failed! Scaling down', eventType: 'Warning' });
    expect((await setOverride(app, { deployment: 'test/finished', action: 'promote' })).statusCode).toBe(409);

    // The decision route: a last observation in phase done ends the deployment.
    await decide(app, decisionBody('shop/done', {}, [0, 1, 2, 3], 'done'));
    expect((await setOverride(app, { deployment: 'shop/done', action: 'hold' })).json().error.field).toBe('body.deployment');

    // Clearing an override with ended: true.
    await setOverride(app, { deployment: 'shop/cleared', action: 'hold' });
    const cleared = await clearOverride(app, 'shop/cleared', { ended: true });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ cleared: { action: 'hold', clearedBy: 'bob', clearReason: 'migration done' }, ended: { deployment: 'shop/cleared', how: 'ended', by: 'bob' } });
    expect((await setOverride(app, { deployment: 'shop/cleared', action: 'hold' })).statusCode).toBe(409);
  });
});

describe('approvals: outside the allowed hours a go waits for a human', () => {
  it('an off-hours deploy waits at Flagger confirm-promotion (409) until POST /v1/approvals; Argo stays inconclusive; the decision holds', async () => {
    clock = SATURDAY;
    canaryErrors = 2;
    const d = { ...FLAGGER, name: 'podinfo', checksum: 'rev-9' };
    const waiting = await flagger(app, 'confirm-promotion', d);
    expect(waiting.statusCode).toBe(409);
    expect(waiting.json()).toMatchObject({ ok: false, decision: 'wait', control: { source: 'approval', action: 'wait', by: null, modelAnswer: 'go', changed: true } });
    expect(waiting.json().reasons[0]).toBe('approval needed: Sat 11:30 (+01:00) is outside the allowed hours of team team-001 (Mon-Fri 09:00-17:00 (+01:00)); POST /v1/approvals to let it go on');
    expect((await flagger(app, 'confirm-rollout', d)).statusCode).toBe(409);
    expect((await flagger(app, 'rollout', d)).statusCode).toBe(200); // the metric check is not a gate: no failed check
    expect(await argo(app)).toMatchObject({ verdict: 'inconclusive', pass: -1, control: { source: 'approval', action: 'wait' } });
    const held = await decide(app, decisionBody('test/podinfo'));
    expect(held.action).toBe('hold');
    expect(held.reasons[0]).toMatch(/^approval needed: Sat 11:30/);
    // The service may be named apart from the deployment id.
    expect((await decide(app, decisionBody('checkout-2024-03-09-1', { service: 'checkout' }))).action).toBe('hold');
    expect((await app.inject({ method: 'GET', url: '/v1/approvals?deployment=checkout-2024-03-09-1' })).json().pending).toEqual([expect.objectContaining({ deployment: 'checkout-2024-03-09-1' })]);
    expect((await decide(app, decisionBody('checkout-2024-03-09-1', { service: 'web-store' }))).action).toBe('advance'); // a team without hours
    // A model's no stays a no: a rollback is never held back.
    await setOverride(app, { deployment: 'test/other', action: 'rollback' });
    expect((await decide(app, decisionBody('test/other'))).action).toBe('rollback');
    await clearOverride(app, 'test/other');

    const list = (await app.inject({ method: 'GET', url: '/v1/approvals?deployment=test/podinfo' })).json();
    expect(list.pending).toEqual([expect.objectContaining({ deployment: 'test/podinfo', step: null, since: SATURDAY.toISOString(), why: expect.stringMatching(/outside the allowed hours of team team-001/) })]);
    expect(list.granted).toEqual([]);

    const granted = await post(app, '/v1/approvals', { deployment: 'test/podinfo', by: 'carol', reason: 'hotfix for the checkout outage', until: '2024-03-09T14:00:00Z' }, AUTH);
    expect(granted.statusCode, granted.body).toBe(201);
    const go = await flagger(app, 'confirm-promotion', d);
    expect(go.statusCode).toBe(200);
    expect(go.json().control).toMatchObject({ source: 'approval', action: 'approved', by: 'carol', changed: false });
    expect(await argo(app)).toMatchObject({ verdict: 'pass', pass: 1 });
    expect((await decide(app, decisionBody('test/podinfo'))).action).toBe('advance');
    const after = (await app.inject({ method: 'GET', url: '/v1/approvals?deployment=test/podinfo' })).json();
    expect(after.pending).toEqual([]);
    expect(after.granted).toEqual([expect.objectContaining({ deployment: 'test/podinfo', step: null, by: 'carol', until: '2024-03-09T14:00:00.000Z' })]);

    // An approval never turns a no into a go: a failing canary still fails.
    canaryErrors = 300;
    expect(await argo(app)).toMatchObject({ verdict: 'fail' });
    canaryErrors = 2;
    // The approval expires; inside the hours again nothing waits.
    clock = new Date('2024-03-09T14:00:00Z');
    expect((await flagger(app, 'confirm-promotion', d)).statusCode).toBe(409);
    clock = new Date('2024-03-11T08:00:00Z'); // Monday 09:00 at +01:00
    expect((await flagger(app, 'confirm-promotion', d)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/approvals?deployment=test/podinfo' })).json().pending).toEqual([]);
    // The wait of the deployment named apart from its service ends with the hours too.
    expect((await app.inject({ method: 'GET', url: '/v1/approvals' })).json().pending).toEqual([]);
    clock = WEDNESDAY;
  });

  it('plan steps marked as needing approval: approvalState(deployment, step) waits until an approval names the step', async () => {
    const c = await Controls.open({ config: CONFIG, now: () => WEDNESDAY, metrics: new ServerMetrics(), log: app.log });
    try {
      expect(c.approvalState('shop/checkout').status).toBe('not-needed'); // inside the hours
      expect(c.approvalState('shop/checkout', 'migrate-db')).toMatchObject({ status: 'pending', step: 'migrate-db', why: "plan step migrate-db needs a human's approval" });
      expect(c.listApprovals('shop/checkout').pending).toEqual([expect.objectContaining({ step: 'migrate-db' })]);
      await c.grantApproval({ deployment: 'shop/checkout', step: 'other-step', by: 'dave', reason: 'reviewed' });
      expect(c.approvalState('shop/checkout', 'migrate-db').status).toBe('pending');
      await c.grantApproval({ deployment: 'shop/checkout', step: 'migrate-db', by: 'dave', reason: 'reviewed the migration' });
      expect(c.approvalState('shop/checkout', 'migrate-db')).toMatchObject({ status: 'granted', approval: { by: 'dave', step: 'migrate-db' } });
      expect(c.listApprovals('shop/checkout').pending).toEqual([]);
      expect(c.approvalState('shop/checkout', 'never-asked', { record: false }).status).toBe('pending');
      expect(c.listApprovals('shop/checkout').pending).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

// ---- notification endpoints ------------------------------------------------------------------------------
interface Hook {
  server: Server;
  url: string;
  bodies: unknown[];
  hits: number;
  /** How many of the next requests to answer 500. */
  failNext: number;
}
async function hookServer(handle: (h: Hook, req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Hook> {
  const h: Hook = { server: createServer(), url: '', bodies: [], hits: 0, failNext: 0 };
  h.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      h.hits++;
      handle(h, req, res, body);
    });
  });
  await new Promise<void>((done) => h.server.listen(0, '127.0.0.1', done));
  h.url = `http://127.0.0.1:${(h.server.address() as AddressInfo).port}/hook`;
  return h;
}
async function waitFor(what: string, f: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('notifications: in the background, retried, never delaying a decision', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((done) => s.close(done));
    }
  });

  it('a hanging endpoint does not delay the answers (< 200 ms); a refused one is counted on /metrics; a flaky one gets the message after retries', async () => {
    const hanging = await hookServer(() => undefined); // reads the request, never answers
    const flaky = await hookServer((h, _req, res, body) => {
      if (h.failNext > 0) {
        h.failNext--;
        return res.writeHead(500).end('try later');
      }
      h.bodies.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
    const alerts = await hookServer((h, _req, res, body) => {
      h.bodies.push(JSON.parse(body));
      res.writeHead(200).end();
    });
    servers.push(hanging.server, flaky.server, alerts.server);
    const refused = createServer();
    await new Promise<void>((done) => refused.listen(0, '127.0.0.1', done));
    const refusedUrl = `http://127.0.0.1:${(refused.address() as AddressInfo).port}/hook`;
    await new Promise<void>((done) => refused.close(() => done()));

    clock = SATURDAY;
    const a = await newApp({
      controls: {
        ...CONFIG,
        notify: [
          { kind: 'slack', url: hanging.url, attempts: 2, backoffMs: 50, timeoutMs: 3000 },
          { kind: 'slack', url: refusedUrl, attempts: 2, backoffMs: 20 },
          { kind: 'slack', url: flaky.url, attempts: 4, backoffMs: 300, events: ['override', 'approval-needed'] },
          { kind: 'alertmanager', url: alerts.url, events: ['approval-needed', 'rollback'] },
        ],
      },
    });
    // Warm the routes (first-call work), then time the calls that notify while the hanging endpoint holds a try.
    await decide(a, decisionBody('warm-up', { service: 'web-store' }));
    await flagger(a, 'confirm-promotion', { ...FLAGGER, name: 'warm-up' });
    expect((await setOverride(a, { deployment: 'warm-up', action: 'hold', until: '2024-03-09T12:00:00Z' })).statusCode).toBe(201);
    await waitFor('the warm-up notifications to settle', () => hanging.hits >= 1 && flaky.bodies.length >= 1);
    flaky.bodies.length = 0;
    flaky.failNext = 2; // the next two tries fail: the first try of each message below
    let t = performance.now();
    const waiting = await decide(a, decisionBody('test/podinfo'));
    const decisionMs = performance.now() - t;
    expect(waiting.action).toBe('hold');
    t = performance.now();
    const set = await setOverride(a, { deployment: 'shop/notified', action: 'rollback', until: '2024-03-09T12:00:00Z' });
    const overrideMs = performance.now() - t;
    expect(set.statusCode).toBe(201);
    await waitFor('the hanging endpoint to be called', () => hanging.hits >= 3);
    t = performance.now();
    expect((await flagger(a, 'confirm-promotion', { ...FLAGGER, name: 'podinfo', checksum: 'rev-n' })).statusCode).toBe(409);
    const hookMs = performance.now() - t;
    expect(decisionMs, 'rollout decision').toBeLessThan(200);
    expect(overrideMs, 'POST /v1/overrides').toBeLessThan(200);
    expect(hookMs, 'Flagger confirm-promotion').toBeLessThan(200);

    // The flaky endpoint: two 500s, then both messages (approval needed, override) arrive.
    await waitFor('the flaky endpoint to recover', () => flaky.bodies.length >= 2);
    const texts = flaky.bodies.map((b) => (b as { text: string }).text);
    expect(texts).toContain('[rolloutlab] approval needed for test/podinfo: Sat 11:30 (+01:00) is outside the allowed hours of team team-001 (Mon-Fri 09:00-17:00 (+01:00))');
    expect(texts).toContain('[rolloutlab] override rollback on shop/notified by alice until 2024-03-09T12:00:00.000Z');
    expect(flaky.bodies[0]).toMatchObject({ blocks: [{ type: 'section', text: { type: 'mrkdwn' } }] });
    // The same approval need is notified once, not at every call.
    expect(texts.filter((x) => x.includes('approval needed for test/podinfo'))).toHaveLength(1);

    // Alertmanager: an array of postable alerts.
    await waitFor('the alertmanager endpoint', () => alerts.bodies.length >= 1);
    expect(alerts.bodies[0]).toEqual([
      {
        labels: { alertname: 'RolloutlabApprovalNeeded', deployment: 'test/podinfo', severity: 'warning', source: 'rolloutlab', service: 'podinfo', team: 'team-001' },
        annotations: expect.objectContaining({ summary: expect.stringMatching(/^approval needed for test\/podinfo/), how: expect.stringMatching(/^POST \/v1\/approvals/) }),
        startsAt: SATURDAY.toISOString(),
      },
    ]);
    // A rollback decided by a deploy-system hook reaches Alertmanager as critical (the override itself is not a rollback decision).
    clock = WEDNESDAY;
    canaryErrors = 300;
    expect(await argo(a, 'name=broken&namespace=test&judge=kayenta')).toMatchObject({ verdict: 'fail' });
    await waitFor('the rollback alert', () => alerts.bodies.length >= 2);
    expect((alerts.bodies[1] as { labels: Record<string, string> }[])[0].labels).toMatchObject({ alertname: 'RolloutlabRollback', deployment: 'test/broken', severity: 'critical', route: 'argo/verdict' });
    canaryErrors = 2;

    // The refused endpoint: retried once, then given up; counted on /metrics by sink, never by URL.
    const metricsOf = async () => (await a.inject({ method: 'GET', url: '/metrics' })).body;
    await waitFor('the refused endpoint to be given up', async () => /rolloutlab_notifications_total\{sink="slack#1",event="approval-needed",outcome="failed"\} 1/.test(await metricsOf()));
    const metrics = await metricsOf();
    expect(metrics).toMatch(/rolloutlab_notifications_total\{sink="slack#1",event="approval-needed",outcome="retried"\} 1/);
    expect(metrics).toMatch(/rolloutlab_notifications_total\{sink="slack#2",event="approval-needed",outcome="retried"\} [12]/);
    expect(metrics).toMatch(/rolloutlab_notifications_total\{sink="slack#2",event="approval-needed",outcome="sent"\} 1/);
    expect(metrics).toMatch(/rolloutlab_notifications_total\{sink="slack#2",event="override",outcome="sent"\} 2/); // the warm-up's and the measured one
    expect(metrics).not.toContain(refusedUrl);
    expect(metrics).toMatch(/rolloutlab_control_answers_total\{route="flagger\/confirm-promotion",source="approval",action="wait",flagged="false"\} 1/);
    expect(metrics).toMatch(/rolloutlab_control_writes_total\{kind="override",action="rollback"\} 1/);
    expect(metrics).toMatch(/rolloutlab_control_writes_total\{kind="override",action="hold"\} 1/);
    // Closing the app does not wait for the hanging endpoint.
    t = performance.now();
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    expect(performance.now() - t).toBeLessThan(1000);
    clock = WEDNESDAY;
  }, 20_000);
});

describe('the notifier', () => {
  it(`holds at most ${MAX_TRIES_IN_FLIGHT} tries in flight to one sink: the rest wait their turn`, async () => {
    const hanging = await hookServer(() => undefined);
    let active = 0;
    let most = 0;
    const counting: typeof fetch = async (...args) => {
      most = Math.max(most, ++active);
      try {
        return await fetch(...args);
      } finally {
        active--;
      }
    };
    const metrics = new ServerMetrics();
    const n = new Notifier([{ kind: 'slack', url: hanging.url, attempts: 1, timeoutMs: 150 }], { metrics, log: app.log, fetch: counting });
    const at = new Date();
    for (let i = 0; i < 10; i++) n.send({ event: 'rollback', deployment: `d${i}`, summary: `rollback ${i}`, details: {}, at });
    await n.idle();
    expect(hanging.hits).toBe(10);
    expect(most).toBe(MAX_TRIES_IN_FLIGHT);
    expect(metrics.render([], {})).toMatch(/rolloutlab_notifications_total\{sink="slack#0",event="rollback",outcome="failed"\} 10/);
    n.close();
    hanging.server.closeAllConnections();
    await new Promise((done) => hanging.server.close(done));
  });
});

describe('durable and guarded', () => {
  it('overrides, approvals and ended deployments survive a restart on the same file', async () => {
    clock = WEDNESDAY;
    const file = join(mkdtempSync(join(tmpdir(), 'rolloutlab-controls-store-')), 'controls.duckdb');
    const first = await newApp({ controlsStorePath: file });
    await setOverride(first, { deployment: 'shop/durable', action: 'hold', reason: 'waiting for the payment team' });
    await post(first, '/v1/approvals', { deployment: 'test/podinfo', step: 'migrate-db', by: 'erin', reason: 'reviewed' }, AUTH);
    await setOverride(first, { deployment: 'shop/gone', action: 'hold' });
    await clearOverride(first, 'shop/gone', { ended: true });
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const second = await newApp({ controlsStorePath: file });
    expect((await second.inject({ method: 'GET', url: '/v1/overrides' })).json().overrides).toEqual([expect.objectContaining({ deployment: 'shop/durable', action: 'hold', reason: 'waiting for the payment team', by: 'alice' })]);
    expect((await decide(second, decisionBody('shop/durable'))).action).toBe('hold');
    expect((await second.inject({ method: 'GET', url: '/v1/approvals' })).json().granted).toEqual([expect.objectContaining({ deployment: 'test/podinfo', step: 'migrate-db', by: 'erin' })]);
    expect((await setOverride(second, { deployment: 'shop/gone', action: 'hold' })).statusCode).toBe(409);
  });

  it('writes need the bearer token; reads do not; browsers are refused', async () => {
    const body = { deployment: 'shop/guarded', action: 'hold', by: 'mallory', reason: 'r' };
    expect((await post(app, '/v1/overrides', body)).statusCode).toBe(401);
    expect((await post(app, '/v1/overrides', body, { authorization: 'Bearer wrong' })).json().error.code).toBe('UNAUTHORIZED');
    expect((await post(app, '/v1/approvals', { deployment: 'x', by: 'm', reason: 'r' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: '/v1/overrides/x', payload: { by: 'm', reason: 'r' } })).statusCode).toBe(401);
    expect((await post(app, '/v1/overrides', body, { ...AUTH, origin: 'https://evil.example' })).json().error.code).toBe('BROWSER_ORIGIN');
    expect((await app.inject({ method: 'POST', url: '/v1/overrides', payload: JSON.stringify(body), headers: { ...AUTH, 'content-type': 'text/plain' } })).statusCode).toBe(415);
    const open = await newApp({ token: undefined });
    expect((await post(open, '/v1/overrides', body)).json().error.code).toBe('WRITES_DISABLED');
    expect((await app.inject({ method: 'GET', url: '/v1/overrides' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/approvals' })).statusCode).toBe(200);
  });

  it('the routes are in the OpenAPI document, the writes marked as needing the token', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.paths['/v1/overrides'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/overrides/{deployment}'].delete.parameters[0]).toMatchObject({ name: 'deployment', in: 'path', required: true });
    expect(doc.paths['/v1/approvals'].get.parameters[0]).toMatchObject({ name: 'deployment', in: 'query' });
    expect(doc.paths['/v1/rollout/decision'].post.requestBody.content['application/json'].schema.properties.deployment).toBeDefined();
  });
});

describe('the controls file', () => {
  it('is a closed schema: a bad field is named', () => {
    const bad = (raw: unknown) => {
      try {
        parseControlsConfig(raw, 'controls.yaml');
      } catch (e) {
        return [(e as { field?: string }).field, (e as Error).message];
      }
      return null;
    };
    expect(parseControlsConfig(CONFIG)).toEqual(CONFIG);
    expect(bad({ teams: { t: { allowedHours: { from: '9:00', to: '17:00' } } } })).toEqual(['teams.t.allowedHours.from', 'controls.yaml: teams.t.allowedHours.from = "9:00": must be a time HH:MM on a 24-hour clock, e.g. 09:00']);
    expect(bad({ teams: { t: { allowedHours: { from: '09:00', to: '17:00', tz: 'Mars/Olympus' } } } })?.[0]).toBe('teams.t.allowedHours.tz');
    expect(bad({ teams: { t: { allowedHours: { from: '09:00', to: '09:00' } } } })?.[0]).toBe('teams.t.allowedHours.to');
    expect(bad({ teams: { t: { allowedHours: { from: '09:00', to: '17:00', days: [0] } } } })?.[0]).toBe('teams.t.allowedHours.days.0');
    expect(bad({ teams: { t: { allowedHours: { from: '09:00', to: '17:00', timezone: 'UTC' } } } })).toEqual(['teams.t.allowedHours.timezone', expect.stringMatching(/is not a field of the controls file/)]);
    expect(bad({ services: { 'svc-x': 'team-9' } })).toEqual(['services.svc-x', expect.stringMatching(/names team "team-9", which is not in teams/)]);
    expect(bad({ notify: [{ kind: 'slack', url: 'ftp://x' }] })?.[0]).toBe('notify[0].url');
    expect(bad({ notify: [{ kind: 'teams', url: 'http://x' }] })?.[0]).toBe('notify.0.kind');
    expect(bad({ notify: [{ kind: 'slack', url: 'http://x', events: ['deploy'] }] })?.[0]).toMatch(/^notify\.0\.events/);
    expect(bad([])?.[0]).toBe('(root)');
  });

  it('serve --controls with a bad file stops the start: exit 2, the field named, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-controls-file-'));
    const file = join(dir, 'controls.yaml');
    writeFileSync(file, 'teams:\n  team-001:\n    allowedHours: {tz: "+01:00", from: "09:00", to: "17:00"}\nservices:\n  svc-x: team-9\n');
    const r = await inProcess(['serve', '--port', '0', '--controls', file, '--feedback', join(dir, 'f.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[BAD_ARGUMENT\] --controls .*controls\.yaml: services\.svc-x names team "team-9", which is not in teams \(known: team-001\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await inProcess(['serve', '--port', '0', '--controls', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--controls: no file/);
  });

  it('allowed hours: fixed offsets, IANA zones with daylight saving, and hours past midnight', () => {
    const office = { tz: 'Europe/Paris', from: '09:00', to: '17:00' };
    expect(insideAllowedHours(office, new Date('2024-03-06T08:30:00Z')).inside).toBe(true); // 09:30 CET
    expect(insideAllowedHours(office, new Date('2024-07-03T15:30:00Z')).inside).toBe(false); // 17:30 CEST
    expect(insideAllowedHours(office, new Date('2024-07-03T14:30:00Z'))).toEqual({ inside: true, local: 'Wed 16:30 (Europe/Paris)' });
    expect(insideAllowedHours(office, new Date('2024-03-09T10:00:00Z')).inside).toBe(false); // Saturday
    const night = { days: [5], from: '22:00', to: '06:00', tz: '-05:00' };
    expect(insideAllowedHours(night, new Date('2024-03-09T04:00:00Z')).inside).toBe(true); // Fri 23:00
    expect(insideAllowedHours(night, new Date('2024-03-09T10:00:00Z')).inside).toBe(true); // Sat 05:00
    expect(insideAllowedHours(night, new Date('2024-03-09T12:00:00Z')).inside).toBe(false); // Sat 07:00
    expect(insideAllowedHours(night, new Date('2024-03-08T04:00:00Z')).inside).toBe(false); // Thu 23:00
    expect(insideAllowedHours({ from: '00:00', to: '24:00', days: [6, 7] }, new Date('2024-03-10T23:59:00Z')).inside).toBe(true);
  });
});
