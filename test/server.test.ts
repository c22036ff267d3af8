// The serving app (server/app.ts) through `app.inject`, no port: health and status, the canary verdict with both
// judges, anomaly scores, the rollout decision, atomic reload (a corrupt champion keeps the last good one serving),
// reload auth, reload by itself when the registry changes (watch), the OpenAPI document, /metrics, and a property test throwing 1,000 malformed bodies at each decision route.
// Tiny judge and rollback models are trained into a temp registry from in-process backtests; reads nothing outside the repository.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { throwMalformed } from './malformed.ts';
import { nanJudgeJson, trainTinyModels } from './tiny-models.ts';
import type { FastifyInstance } from 'fastify';
import type { CohortMetrics } from '../sim/env.ts';
import { buildApp } from '../server/app.ts';
import { rolloutDecision, verdictFor } from '../server/decide.ts';
import { rolloutPlanDecision } from '../policies/rollout-plan/gate.ts';
import { loadJudgeSync, loadRollbackSync } from '../training/load.ts';
import { JudgeModel } from '../training/judge/model.ts';
import { RollbackPredictor } from '../training/predictive-rollback/model.ts';
import { MAX_LATENCY_MS, MAX_MINUTE_COUNT, type DecisionBody } from '../server/schemas.ts';
import { NAB_THRESHOLDS } from '../detectors/thresholds.ts';

const m = (requests: number, errors: number, slow: number, p50: number, p99: number, conversions: number, callerRequests = 0, callerErrors = 0): CohortMetrics => ({
  requests, errors, slow, latencyP50: p50, latencyP95: p99 * 0.75, latencyP99: p99, cpu: 0.42, memory: 0.45, pool: 0.2, conversions, callerRequests, callerErrors,
});
// The frozen windows of test/judge-model.test.ts: healthy, and a canary with more than 10x the baseline's errors.
const HEALTHY: CohortMetrics[] = [m(1210, 2, 5, 41.8, 120.4, 25, 640, 1), m(1185, 3, 4, 42.3, 118.9, 23, 630, 0), m(1240, 2, 6, 41.5, 122.0, 27, 655, 1), m(1198, 1, 5, 42.0, 119.7, 24, 640, 1), m(1225, 3, 4, 41.9, 121.2, 26, 650, 0)];
const TEN_X: CohortMetrics[] = [m(1204, 29, 5, 42.0, 121.0, 24, 635, 1), m(1190, 31, 5, 42.4, 119.5, 23, 640, 1), m(1232, 30, 6, 41.7, 121.8, 25, 650, 0), m(1201, 28, 4, 42.1, 120.3, 24, 638, 1), m(1219, 32, 5, 41.8, 120.9, 25, 646, 1)];
const verdictBody = (canary: CohortMetrics[], baseline = HEALTHY) => ({ canary, baseline, latencyObjectiveMs: 250 });

const PLAN = { stages: [{ exposure: [0.05], dwellMinutes: 5 }, { exposure: [0.25], dwellMinutes: 5 }, { exposure: [1], dwellMinutes: 5 }], unitShares: [1], bakeMinutes: 10 };
const decisionBody = (minutes: number, canary: (age: number) => CohortMetrics, timeAtStage = (age: number) => age) => ({
  observations: Array.from({ length: minutes + 1 }, (_, age) => ({ age, phase: 'progressing', stage: 0, weight: 0.05, timeAtStage: timeAtStage(age), canary: age ? canary(age) : null, baseline: age ? m(9500, 15, 40, 42, 120, 200) : null })),
  plan: PLAN,
  slo: { objective: 0.999, burnRate: 14.4 },
});

let models = '';
let app: FastifyInstance;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-server-'));
  models = await trainTinyModels(root);
  // No rate limit here: the property tests inject thousands of requests a second (the limit has its own test).
  app = buildApp({ modelsRoot: models, feedbackPath: join(root, 'feedback.duckdb'), rateLimit: false, insecureOpenWrites: true });
  await app.ready();
}, 90_000);

afterAll(async () => {
  await app?.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers });
/** A copy of a version under a new number, its card saying so (a complete version names its own folder). */
const copyVersion = (fam: string, from: string, to: string) => {
  cpSync(join(fam, from), join(fam, to), { recursive: true });
  const card = join(fam, to, 'card.json');
  writeFileSync(card, JSON.stringify({ ...JSON.parse(readFileSync(card, 'utf8')), version: to }, null, 2) + '\n');
};

describe('operations routes', () => {
  it('healthz, readyz and status report the loaded champions', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, reasons: [] });
    const s = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(s.families.judge).toMatchObject({ loaded: true, version: 'v0001', error: null });
    expect(s.families.rollback).toMatchObject({ loaded: true, version: 'v0001', error: null });
    expect(s.families.risk).toMatchObject({ loaded: true, version: 'v0001', error: null });
  });

  it('readyz is 503 with the reason when a required family is missing', async () => {
    const empty = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rolloutlab-empty-')) });
    const r = await empty.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().reasons.join(' ')).toMatch(/judge: no judge champion/);
    // The statistical judge needs no model; the learned one says clearly that it is missing.
    expect((await empty.inject({ method: 'POST', url: '/v1/canary/verdict?judge=kayenta', payload: verdictBody(HEALTHY) })).statusCode).toBe(200);
    const ml = await empty.inject({ method: 'POST', url: '/v1/canary/verdict', payload: verdictBody(HEALTHY) });
    expect(ml.statusCode).toBe(503);
    expect(ml.json().error).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(ml.json().error.message).toMatch(/no judge champion.*judge=kayenta/);
    expect((await empty.inject({ method: 'POST', url: '/v1/rollout/decision', payload: decisionBody(3, () => HEALTHY[0]) })).statusCode).toBe(503);
    await empty.close();
  });
});

describe('canary verdict', () => {
  it('passes identical cohorts and fails a 10x error jump on ample traffic (learned judge)', async () => {
    const ok = await post('/v1/canary/verdict', verdictBody(HEALTHY));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ verdict: 'pass', judge: 'ml', modelVersion: 'v0001' });
    expect(ok.json().pFail).toBeLessThan(0.5);
    const bad = (await post('/v1/canary/verdict', verdictBody(TEN_X))).json();
    expect(bad.verdict).toBe('fail');
    expect(bad.pFail).toBeGreaterThan(0.5);
    expect(bad.reasons.length).toBeGreaterThan(1);
    // reasons=false: the same verdict and probability, only the decision line.
    for (const judge of ['ml', 'kayenta']) {
      const full = (await post(`/v1/canary/verdict?judge=${judge}`, verdictBody(TEN_X))).json();
      const lean = (await post(`/v1/canary/verdict?judge=${judge}&reasons=false`, verdictBody(TEN_X))).json();
      expect(lean).toEqual({ ...full, reasons: full.reasons.slice(0, 1) });
    }
    const wrong = (await post('/v1/canary/verdict?reasons=no', verdictBody(TEN_X))).json();
    expect(wrong.error.field).toBe('query.reasons');
  });

  it('judge=kayenta answers the same input with its score', async () => {
    const ok = (await post('/v1/canary/verdict?judge=kayenta', verdictBody(HEALTHY))).json();
    expect(ok).toMatchObject({ verdict: 'pass', judge: 'kayenta', modelVersion: null });
    expect(ok.score).toBeGreaterThanOrEqual(95);
    const bad = (await post('/v1/canary/verdict', { ...verdictBody(TEN_X), judge: 'kayenta' })).json();
    expect(bad).toMatchObject({ verdict: 'fail', judge: 'kayenta' });
    expect(bad.reasons.join(' ')).toMatch(/error-ratio/);
  });

  it('names the field and the problem', async () => {
    const short = await post('/v1/canary/verdict', { canary: HEALTHY, baseline: HEALTHY.slice(1) });
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatchObject({ code: 'VALIDATION', field: 'body.baseline' });
    const neg = await post('/v1/canary/verdict', { canary: [{ ...HEALTHY[0], errors: -1 }], baseline: [HEALTHY[0]] });
    expect(neg.json().error).toMatchObject({ field: 'body.canary[0].errors', message: 'body.canary[0].errors must be >= 0' });
    const more = await post('/v1/canary/verdict', { canary: [{ ...HEALTHY[0], errors: 5000 }], baseline: [HEALTHY[0]] });
    expect(more.json().error.field).toBe('body.canary[0].errors');
    expect(more.json().error.message).toMatch(/<= requests/);
    const judge = await post('/v1/canary/verdict?judge=bayes', verdictBody(HEALTHY));
    expect(judge.json().error).toMatchObject({ field: 'query.judge', message: 'query.judge must be "ml" or "kayenta"' });
    const big = await post('/v1/canary/verdict', { canary: Array(60_000).fill(HEALTHY[0]), baseline: [] });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
  });
});

describe('anomaly score', () => {
  it('one score in [0, 1] per point, and a level shift scores high after warm-up', async () => {
    const values = Array.from({ length: 400 }, (_, i) => 10 + Math.sin(i / 5) + (i >= 300 ? 25 : 0));
    const r = await post('/v1/anomaly/score', { values });
    expect(r.statusCode).toBe(200);
    const { scores, detector } = r.json() as { scores: number[]; detector: string };
    expect(detector).toBe('contextual');
    expect(scores.length).toBe(values.length);
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    expect(Math.max(...scores.slice(300, 310))).toBeGreaterThan(Math.max(...scores.slice(200, 300)));
    const other = (await post('/v1/anomaly/score', { values, detector: 'windowed-gaussian' })).json();
    expect(other.scores.length).toBe(values.length);
    expect((await post('/v1/anomaly/score', { values, detector: 'nope' })).json().error.field).toBe('body.detector');
    // cad and forecast are NAB peers only (cad's streaming state may grow to megabytes; forecast needs timestamps).
    expect((await post('/v1/anomaly/score', { values, detector: 'cad' })).json().error.field).toBe('body.detector');
    expect((await post('/v1/anomaly/score', { values, detector: 'forecast' })).json().error.field).toBe('body.detector');
    // cad-ose and artime are ports of NAB's originals: they need the whole series' min and max in advance.
    expect((await post('/v1/anomaly/score', { values, detector: 'cad-ose' })).json().error.field).toBe('body.detector');
    expect((await post('/v1/anomaly/score', { values, detector: 'artime' })).json().error.field).toBe('body.detector');
    expect((await post('/v1/anomaly/score', { values, detector: 'art' })).statusCode).toBe(200);
  });

  it('streams: chunks sent with the returned state score exactly like the whole series, across restarts sharing the secret', async () => {
    const values = Array.from({ length: 700 }, (_, i) => 10 + Math.sin(i / 5) + (i % 97 === 0 ? 8 : 0) + (i >= 600 ? 25 : 0));
    const a = buildApp({ modelsRoot: models, rateLimit: false, stateSecret: 's1' });
    const b = buildApp({ modelsRoot: models, rateLimit: false, stateSecret: 's1' }); // "the same server after a restart"
    const other = buildApp({ modelsRoot: models, rateLimit: false }); // random key
    const call = (x: FastifyInstance, body: unknown) => x.inject({ method: 'POST', url: '/v1/anomaly/score', payload: body as object });
    for (const detector of ['contextual', 'windowed-gaussian'] as const) {
      const whole = (await call(a, { values, detector })).json();
      expect(whole.state).toBeUndefined();
      const streamed: number[] = [];
      let state: string | undefined;
      const cuts = [0, 1, 60, 61, 333, 600, 601, 700];
      for (let k = 0; k + 1 < cuts.length; k++) {
        const r = await call(k % 2 ? b : a, { values: values.slice(cuts[k], cuts[k + 1]), ...(state ? { state } : { detector, returnState: true }) });
        expect(r.statusCode, r.body).toBe(200);
        const j = r.json();
        expect(j.detector).toBe(detector);
        expect(j.pointsSeen).toBe(cuts[k + 1]);
        streamed.push(...j.scores);
        state = j.state;
      }
      expect(streamed).toEqual(whole.scores);
      // A state from a process with another key, a changed one, or a cut one: 400 naming body.state; never a 5xx.
      const refused = await call(other, { values: [1], state });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ field: 'body.state' });
      expect(refused.json().error.message).toMatch(/not a state this server issued/);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: state!.length - 1 }), fc.constantFrom('flip', 'cut', 'append'), async (i, how) => {
          const s = state!;
          const bad = how === 'cut' ? s.slice(0, i) : how === 'append' ? s + 'A' : s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
          const r = await call(a, { values: [1, 2], state: bad || 'x' });
          expect(r.statusCode, r.body).toBe(400);
          expect(r.json().error.field).toBe('body.state');
        }),
        { numRuns: 300, seed: 4 },
      );
      // The tag's last character carries bits a base64 decoder ignores: changing it is refused too.
      const last = state!.slice(0, -1) + (state!.endsWith('A') ? 'B' : 'A');
      expect((await call(a, { values: [1], state: last })).statusCode).toBe(400);
      const conflict = await call(a, { values: [1], state, detector: detector === 'contextual' ? 'windowed-gaussian' : 'contextual' });
      expect(conflict.json().error.field).toBe('body.detector');
    }
    await Promise.all([a.close(), b.close(), other.close()]);
  }, 60_000);
});

describe('anomaly flag', () => {
  it('every point gets a flag: score >= the detector\'s NAB threshold for the profile, which the answer gives', async () => {
    const values = Array.from({ length: 400 }, (_, i) => 10 + Math.sin(i / 5) + (i >= 300 ? 25 : 0));
    for (const detector of ['contextual', 'robust-z', 'windowed-gaussian', 'art'] as const) {
      for (const profile of [undefined, 'standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const) {
        const r = await post('/v1/anomaly/score', { values, detector, ...(profile ? { profile } : {}) });
        expect(r.statusCode, r.body).toBe(200);
        const j = r.json();
        expect(j.profile).toBe(profile ?? 'standard');
        expect(j.threshold).toBe(NAB_THRESHOLDS[detector]![profile ?? 'standard']);
        expect(j.isAnomaly).toEqual(j.scores.map((x: number) => x >= j.threshold));
      }
    }
    const level = (await post('/v1/anomaly/score', { values })).json();
    expect(level.isAnomaly.slice(0, 300).some(Boolean)).toBe(false);
    expect(level.isAnomaly.slice(300, 310).some(Boolean)).toBe(true);
    expect((await post('/v1/anomaly/score', { values, profile: 'strict' })).json().error.field).toBe('body.profile');
    // Streaming keeps the flag and the threshold.
    const first = (await post('/v1/anomaly/score', { values: values.slice(0, 200), returnState: true })).json();
    const rest = (await post('/v1/anomaly/score', { values: values.slice(200), state: first.state })).json();
    expect([...first.isAnomaly, ...rest.isAnomaly]).toEqual(level.isAnomaly);
  });

  it('a point the detector cannot score is no answer (422 naming it), never a score of 0 and "no anomaly"', async () => {
    // Values near the largest double overflow the windowed Gaussian's sums.
    const values = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 1.7e308 : -1.7e308));
    const r = await post('/v1/anomaly/score', { values, detector: 'windowed-gaussian' });
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json().error).toMatchObject({ code: 'NON_FINITE_SCORE', field: expect.stringMatching(/^body\.values\[\d+\]$/) });
  });
});

describe('index', () => {
  it('GET / points to /docs, the OpenAPI document and the health checks (JSON, or HTML for a browser)', async () => {
    const j = await app.inject({ method: 'GET', url: '/' });
    expect(j.statusCode).toBe(200);
    expect(j.json()).toMatchObject({ docs: '/docs', openapi: '/v1/openapi.json', health: '/healthz' });
    const h = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(h.statusCode).toBe(200);
    expect(h.headers['content-type']).toMatch(/text\/html/);
    for (const link of ['/docs', '/v1/openapi.json', '/healthz']) expect(h.body).toContain(`href="${link}"`);
  });
});

describe('rollout decision', () => {
  it('answers action, probabilities, breach time and reasons from the rollback champion', async () => {
    const healthy = await post('/v1/rollout/decision', decisionBody(3, (a) => HEALTHY[a % 5]));
    expect(healthy.statusCode).toBe(200);
    const h = healthy.json();
    expect(['advance', 'hold', 'rollback']).toContain(h.action);
    expect(h.modelVersion).toBe('v0001');
    expect(h.judgeVersion).toBe('v0001');
    expect(h.pFault).toBeGreaterThanOrEqual(0);
    expect(h.pFault).toBeLessThanOrEqual(1);
    expect(Array.isArray(h.reasons) && h.reasons.length > 0).toBe(true);
    // 20 % of the canary's requests fail against the baseline's 0.5 %: the evidence for a fault is far stronger.
    const bad = (await post('/v1/rollout/decision', decisionBody(6, () => m(500, 100, 0, 50, 120, 15)))).json();
    expect(bad.pFault).toBeGreaterThan(h.pFault);
    expect(bad.action).not.toBe('advance');
    expect(bad.breachInMin === null || bad.breachInMin >= 0).toBe(true);
    // At age 0 nothing is scored: the schedule decides.
    const start = (await post('/v1/rollout/decision', decisionBody(0, () => HEALTHY[0]))).json();
    expect(start).toMatchObject({ action: 'hold', pFault: null, pBreach: null });
    const badStage = await post('/v1/rollout/decision', { ...decisionBody(2, () => HEALTHY[0]), plan: { ...PLAN, unitShares: [0.5] } });
    expect(badStage.json().error.field).toBe('body.plan.unitShares');
  });

  it('a progressive rollout with the canary broken down by unit: the unit a fault is confined to is rolled back alone and named; a bad breakdown is a 400 naming the field', async () => {
    // Three regions out one at a time; in stage 1 eu and us are on the new version, and us fails 30 % of its requests.
    const plan = { stages: [{ exposure: [1, 0, 0], dwellMinutes: 5 }, { exposure: [1, 1, 0], dwellMinutes: 5 }, { exposure: [1, 1, 1], dwellMinutes: 0 }], unitShares: [0.2, 0.3, 0.5], units: ['eu', 'us', 'ap'], bakeMinutes: 10 };
    const sum = (xs: (CohortMetrics | null)[]) => m(...(['requests', 'errors', 'slow'] as const).map((k) => xs.reduce((a, x) => a + (x ? x[k] : 0), 0)) as [number, number, number], 42, 120, xs.reduce((a, x) => a + (x ? x.conversions : 0), 0));
    const unit = (requests: number, errors: number): CohortMetrics => ({ ...m(requests, errors, 2, 42, 120, Math.round(requests * 0.02)), latencyP50: null, latencyP95: null, latencyP99: null });
    const minute = (age: number, stage: number, units: (CohortMetrics | null)[]) => ({ age, phase: 'progressing', stage, weight: units.reduce((a, x, i) => a + (x ? plan.unitShares[i] : 0), 0), timeAtStage: stage ? age - 5 : age, canary: sum(units), baseline: m(9500, 10, 40, 42, 120, 190), canaryUnits: units });
    const observations: object[] = [{ age: 0, phase: 'progressing', stage: 0, weight: 0.2, timeAtStage: 0, canary: null, baseline: null }];
    for (let age = 1; age <= 5; age++) observations.push(minute(age, 0, [unit(1200, 1), null, null]));
    for (let age = 6; age <= 7; age++) observations.push(minute(age, 1, [unit(1200, 1), age === 7 ? unit(1800, 540) : unit(1800, 2), null]));
    const body = { plan, slo: { objective: 0.999, burnRate: 14.4 }, observations };
    const r = await post('/v1/rollout/decision', body);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ action: 'rollback', unit: 'us' });
    expect(r.json().reasons[0]).toMatch(/^ml v0001: the evidence is confined to us: .* rolling back us only$/);
    // Without the breakdown the same minutes get a whole rollback (never a partial one on missing evidence).
    const whole = await post('/v1/rollout/decision', { ...body, observations: observations.map((o) => ({ ...o, canaryUnits: undefined })) });
    expect(whole.json().action).toBe('rollback');
    expect(whole.json().unit).toBeUndefined();
    // Bad breakdowns.
    const last = observations.length - 1;
    const withLast = (o: object) => ({ ...body, observations: [...observations.slice(0, last), { ...(observations[last] as object), ...o }] });
    const cases: [unknown, string][] = [
      [withLast({ canaryUnits: [unit(1200, 1), unit(1800, 540)] }), `body.observations[${last}].canaryUnits`],
      [withLast({ canaryUnits: [unit(1200, 1), unit(1800, 540), unit(10, 0)] }), `body.observations[${last}].canaryUnits[2]`],
      [withLast({ canaryUnits: [unit(1200, 1), { ...unit(1800, 540), errors: 2000 }, null] }), `body.observations[${last}].canaryUnits[1].errors`],
      [withLast({ canary: null }), `body.observations[${last}].canaryUnits`],
      [{ ...body, plan: { ...plan, units: ['eu', 'us', 'eu'] } }, 'body.plan.units'],
      [{ ...body, plan: { ...plan, units: ['eu', 'us'] } }, 'body.plan.units'],
    ];
    for (const [b, field] of cases) {
      const x = await post('/v1/rollout/decision', b);
      expect(x.statusCode, `${field}: ${x.body}`).toBe(400);
      expect(x.json().error.field).toBe(field);
    }
  });
});

describe('values beyond any real service', () => {
  it('are 400s naming the field: a minute count above 10^12, a latency above a day, timeAtStage beyond age, an SLO threshold above 100 %, a risk feature above 2^31 - 1, a stage or bake longer than a week, Kayenta thresholds outside 0-100, a latency objective above a day, an age above a year', async () => {
    const win = (canary: CohortMetrics[], baseline: CohortMetrics[]) => ({ canary, baseline, latencyObjectiveMs: 250 });
    const healthy = HEALTHY.slice(0, 5);
    // Each of these answered 200 (a pass or an advance on the healthy canary) before the bounds.
    const cases: [string, unknown, string][] = [
      ['/v1/canary/verdict?judge=kayenta', win([{ ...HEALTHY[0], requests: 1e308 }, ...healthy.slice(1)], healthy), 'body.canary[0].requests'],
      ['/v1/canary/verdict', win(healthy, [HEALTHY[0], { ...HEALTHY[1], requests: 1.7976931348623157e308 }, ...healthy.slice(2)]), 'body.baseline[1].requests'],
      ['/v1/canary/verdict', win(healthy, [HEALTHY[0], { ...HEALTHY[1], latencyP50: 1e300, latencyP99: 1e300 }, ...healthy.slice(2)]), 'body.baseline[1].latencyP50'],
    ];
    const late = decisionBody(6, (a) => HEALTHY[a % 5]);
    late.observations[0].timeAtStage = 1e308;
    cases.push(['/v1/rollout/decision', late, 'body.observations[0].timeAtStage']);
    cases.push(['/v1/rollout/decision', { ...decisionBody(6, (a) => HEALTHY[a % 5]), slo: { objective: 0.999, burnRate: 1e308 } }, 'body.slo.burnRate']);
    cases.push(['/v1/risk/score', { features: { author_recent_experience: 1e308 } }, 'body.features.author_recent_experience']);
    const longPlan = decisionBody(6, (a) => HEALTHY[a % 5]);
    cases.push(['/v1/rollout/decision', { ...longPlan, plan: { ...PLAN, stages: [PLAN.stages[0], { ...PLAN.stages[1], dwellMinutes: 1e308 }, PLAN.stages[2]] } }, 'body.plan.stages[1].dwellMinutes']);
    cases.push(['/v1/rollout/decision', { ...longPlan, plan: { ...PLAN, bakeMinutes: 1e308 } }, 'body.plan.bakeMinutes']);
    const kayenta = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'extensions', 'kayenta-judge-request.json'), 'utf8'));
    cases.push(['/judge', { ...kayenta, scoreThresholds: { pass: 95, marginal: -5 } }, 'body.scoreThresholds.marginal']);
    cases.push(['/v1/canary/verdict', { ...win(healthy, healthy), latencyObjectiveMs: 1.7976931348623157e308 }, 'body.latencyObjectiveMs']);
    const old = decisionBody(6, (a) => HEALTHY[a % 5]);
    old.observations[6].age = 1.7976931348623157e308;
    cases.push(['/v1/rollout/decision', old, 'body.observations[6].age']);
    for (const [url, body, field] of cases) {
      const r = await post(url, body);
      expect(r.statusCode, `${url} ${field}: ${r.body}`).toBe(400);
      expect(r.json().error.field, url).toBe(field);
    }
    // The largest accepted values still get an answer.
    const big = await post('/v1/canary/verdict?judge=kayenta', win(healthy.map((x) => ({ ...x, requests: MAX_MINUTE_COUNT })), healthy));
    expect(big.statusCode, big.body).toBe(200);
    const burn = await post('/v1/rollout/decision', { ...decisionBody(6, (a) => HEALTHY[a % 5]), slo: { objective: 0.999, burnRate: 1000 } });
    expect(burn.statusCode, burn.body).toBe(200);
  });
});

describe('risk score', () => {
  it('lists the champion\'s features and scores a change with reasons; unknown or wrong features are named', async () => {
    const f = (await app.inject({ method: 'GET', url: '/v1/risk/features' })).json();
    expect(f.modelVersion).toBe('v0001');
    const names = f.features.map((x: { name: string }) => x.name);
    expect(names).toEqual(expect.arrayContaining(['lines_added', 'tier', 'is_fix']));
    const small = (await post('/v1/risk/score', { features: { lines_added: 3, lines_deleted: 1, files_changed: 1, config_only: true, is_fix: false, tier: 'api' } })).json();
    const big = (await post('/v1/risk/score', { features: { lines_added: 4000, lines_deleted: 900, files_changed: 60, subsystems: 6, dependency_bumps: 3, schema_migration: 'irreversible', api_contract_change: true } })).json();
    for (const r of [small, big]) {
      expect(r.probability).toBeGreaterThanOrEqual(0);
      expect(r.probability).toBeLessThanOrEqual(1);
      expect(r.modelVersion).toBe('v0001');
      expect(r.reasons.length).toBe(5);
      expect(r.imputed.length).toBeGreaterThan(0);
    }
    expect(big.probability).toBeGreaterThan(small.probability);
    expect((await post('/v1/risk/score', { features: { linez: 1 } })).json().error.field).toBe('body.features.linez');
    const tier = (await post('/v1/risk/score', { features: { tier: 'gold' } })).json().error;
    expect(tier.field).toBe('body.features.tier');
    expect(tier.message).toMatch(/must be one of/);
  });
});

describe('risk score: impossible, missing and unseen inputs', () => {
  const score = (features: Record<string, unknown>) => post('/v1/risk/score', { features });
  type Feature = { name: string; kind: string; levels?: string[]; range?: string; trainingMin?: number; trainingMax?: number };
  const featureList = async () => (await app.inject({ method: 'GET', url: '/v1/risk/features' })).json().features as Feature[];
  /** Every feature given, each inside the values the model was trained on. */
  const inside = (fs: Feature[]) =>
    Object.fromEntries(fs.map((f) => [f.name, f.kind === 'category' ? f.levels![0] : f.kind === 'binary' ? f.trainingMin === 1 : f.range === 'count' ? Math.round((f.trainingMin! + f.trainingMax!) / 2) : (f.trainingMin! + f.trainingMax!) / 2]));

  it('a value outside its feature\'s range is a 400 naming the field: a negative or huge count, a fractional count, a share above 1', async () => {
    for (const [name, v, words] of [['lines_added', -5, /non-negative integer/], ['lines_added', 1e308, /non-negative integer/], ['files_changed', 2.5, /non-negative integer/], ['test_coverage', 1.5, /outside \[0, 1\]/], ['load_at_start', -1, /non-negative number/], ['hour_sin', 2, /outside \[-1, 1\]/]] as const) {
      const r = await score({ lines_added: 10, [name]: v });
      expect(r.statusCode, `${name} ${v}`).toBe(400);
      expect(r.json().error.field).toBe(`body.features.${name}`);
      expect(r.json().error.message).toMatch(words);
    }
    const f = await featureList();
    expect(f.find((x) => x.name === 'lines_added')).toMatchObject({ range: 'count', trainingMin: expect.any(Number), trainingMax: expect.any(Number) });
  });

  it('imputed lists every feature not given and none of them is a reason; complete only with every feature inside the training range', async () => {
    const fs = await featureList();
    const given = { lines_added: 30, files_changed: 2, tier: 'api' };
    const r = await score(given);
    expect(r.statusCode, r.body).toBe(200);
    const j = r.json();
    expect(j.imputed.sort()).toEqual(fs.map((f) => f.name).filter((n) => !(n in given)).sort());
    expect(j.complete).toBe(false);
    expect(j.reasons.length).toBeGreaterThan(0);
    for (const x of j.reasons) {
      expect(Object.keys(given)).toContain(x.feature);
      expect(x.value).not.toBeNull();
    }
    const all = inside(fs);
    const full = (await score(all)).json();
    expect(full).toMatchObject({ imputed: [], complete: true, outsideTraining: [] });
    expect(full.reasons.length).toBe(5);
    // Valid but beyond anything the model saw: scored, flagged, not complete.
    const la = fs.find((f) => f.name === 'lines_added')!;
    const far = (await score({ ...all, lines_added: la.trainingMax! * 10 + 1 })).json();
    expect(far.complete).toBe(false);
    expect(far.outsideTraining).toEqual([{ feature: 'lines_added', value: la.trainingMax! * 10 + 1, min: la.trainingMin, max: la.trainingMax }]);
  });

  it('a huge but valid value never turns into a certain score silently: 422, or an answer that says it is outside the training range', async () => {
    const fs = await featureList();
    for (const name of ['load_at_start', 'hours_since_last_deploy', 'author_experience']) {
      // The largest value the feature's range admits (2^31 - 1), far beyond anything trained on.
      const r = await score({ ...inside(fs), [name]: 2 ** 31 - 1 });
      if (r.statusCode === 422) {
        expect(r.json().error.code).toBe('NON_FINITE_SCORE');
        expect(r.json().error.field).toMatch(/^body\.features/);
      } else {
        expect(r.statusCode, r.body).toBe(200);
        expect(r.json().complete).toBe(false);
        expect(r.json().outsideTraining.map((o: { feature: string }) => o.feature)).toEqual([name]);
        for (const x of r.json().reasons) expect(Number.isFinite(x.contribution)).toBe(true);
      }
    }
  });
});

describe('reload', () => {
  it('a corrupt champion keeps the last good model serving and status says why; a good one is swapped in', async () => {
    const fam = join(models, 'judge');
    const pointer = JSON.parse(readFileSync(join(fam, 'champion.json'), 'utf8'));
    copyVersion(fam, 'v0001', 'v0002');
    writeFileSync(join(fam, 'v0002', 'judge.json'), readFileSync(join(fam, 'v0002', 'judge.json'), 'utf8').replace('"members"', '"memberz"'));
    writeFileSync(join(fam, 'champion.json'), JSON.stringify({ ...pointer, version: 'v0002' }));
    const r = await post('/v1/models/reload', {});
    expect(r.statusCode).toBe(200);
    expect(r.json().changed).toEqual([]);
    const s = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(s.families.judge).toMatchObject({ loaded: true, version: 'v0001' });
    expect(s.families.judge.error).toMatch(/v0002\/judge\.json does not match its card.*still serving v0001/);
    expect((await post('/v1/canary/verdict', verdictBody(TEN_X))).json()).toMatchObject({ verdict: 'fail', modelVersion: 'v0001' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // Repaired: the next reload swaps it in atomically.
    cpSync(join(fam, 'v0001', 'judge.json'), join(fam, 'v0002', 'judge.json'));
    const again = (await post('/v1/models/reload', {})).json();
    expect(again.changed).toEqual(['judge']);
    expect(again.status.families.judge).toMatchObject({ version: 'v0002', error: null });
    expect((await post('/v1/canary/verdict', verdictBody(HEALTHY))).json().modelVersion).toBe('v0002');
  });

  it('needs the bearer token when one is set', async () => {
    const guarded = buildApp({ modelsRoot: models, token: 's3cret' });
    expect((await guarded.inject({ method: 'POST', url: '/v1/models/reload' })).statusCode).toBe(401);
    const wrong = await guarded.inject({ method: 'POST', url: '/v1/models/reload', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatchObject({ code: 'UNAUTHORIZED', field: 'headers.authorization' });
    expect((await guarded.inject({ method: 'POST', url: '/v1/models/reload', headers: { authorization: 'Bearer s3cret', 'content-type': 'application/json' } })).statusCode).toBe(200);
    // Reads stay open.
    expect((await guarded.inject({ method: 'GET', url: '/v1/status' })).statusCode).toBe(200);
    await guarded.close();
  });
});

describe('reload on a registry change', () => {
  it('a watching server swaps in a new champion by itself, and keeps the last good one when the pointer goes bad', async () => {
    const watched = buildApp({ modelsRoot: models, rateLimit: false, watchRegistryMs: 25 });
    const status = async () => (await watched.inject({ method: 'GET', url: '/v1/status' })).json();
    const until = async (ok: (s: any) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const s = await status();
        if (ok(s)) return s;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`status never matched: ${JSON.stringify(await status())}`);
    };
    const fam = join(models, 'risk');
    const pointer = JSON.parse(readFileSync(join(fam, 'champion.json'), 'utf8'));
    expect(pointer.version).toBe('v0001');
    const before = await status();
    expect(before.families.risk.version).toBe('v0001');
    expect(before.watch).toMatchObject({ intervalMs: 25, reloads: 0 });
    // A new version, published the way the registry does it (complete folder, then the pointer swapped by rename).
    copyVersion(fam, 'v0001', 'v0002');
    writeFileSync(join(fam, 'champion.json.tmp-watch'), JSON.stringify({ ...pointer, version: 'v0002' }));
    renameSync(join(fam, 'champion.json.tmp-watch'), join(fam, 'champion.json'));
    const after = await until((s) => s.families.risk.version === 'v0002');
    expect(after.families.risk.error).toBeNull();
    expect(after.watch.reloads).toBeGreaterThanOrEqual(1);
    expect((await watched.inject({ method: 'GET', url: '/v1/risk/features' })).json().modelVersion).toBe('v0002');
    // A pointer to a version that is not there: the last good model keeps serving, and status says why.
    writeFileSync(join(fam, 'champion.json'), JSON.stringify({ ...pointer, version: 'v0009' }));
    const bad = await until((s) => s.families.risk.error !== null);
    expect(bad.families.risk).toMatchObject({ loaded: true, version: 'v0002' });
    expect(bad.families.risk.error).toMatch(/v0009.*still serving v0002/);
    // Put back what the other tests expect.
    writeFileSync(join(fam, 'champion.json'), JSON.stringify(pointer, null, 2) + '\n');
    await until((s) => s.families.risk.version === 'v0001' && s.families.risk.error === null);
    await watched.close();
    // The app that does not watch never moved.
    expect((await app.inject({ method: 'GET', url: '/v1/status' })).json().watch).toBeNull();
  });
});

describe('POST /v1/rollout/plan', () => {
  it('answers the optimiser’s plan for the risk score the risk route gives, and the gate: blocked above its threshold with recommendations, wait on an incomplete score', async () => {
    const features = { lines_added: 4000, lines_deleted: 900, files_changed: 60, subsystems: 6, dependency_bumps: 3, schema_migration: 'irreversible', api_contract_change: true };
    const risk = (await post('/v1/risk/score', { features, maxReasons: 10 })).json();
    const res = await post('/v1/rollout/plan', { features, rpm: 800 });
    expect(res.statusCode).toBe(200);
    const a = res.json();
    const expected = rolloutPlanDecision({ risk: { probability: risk.probability, complete: risk.complete, reasons: risk.reasons }, rpm: 800, bakeMinutes: 30 });
    expect(a.plan).toEqual(expected.plan);
    expect(a.gate).toMatchObject({ decision: expected.gate.decision, blockAbove: 0.85 });
    // The gap is said in the route's terms: which features the body left out.
    expect(a.gate.reasons.join(' ')).toMatch(/risk evidence incomplete: \d+ of \d+ features missing from body\.features \(.*\bentropy\b/);
    expect(a.gate.recommendations.at(-1)).toMatch(/send every feature/);
    expect(a.risk).toEqual({ probability: risk.probability, complete: risk.complete, modelVersion: risk.modelVersion });
    // Features left out: the score is incomplete, so below the threshold the gate waits instead of passing.
    expect(risk.complete).toBe(false);
    if (risk.probability <= 0.85) expect(a.gate.decision).toBe('wait');
    const strict = (await post('/v1/rollout/plan', { features, rpm: 800, gate: { blockAbove: 0 } })).json();
    expect(strict.gate.decision).toBe('blocked');
    expect(strict.gate.recommendations.join(' ')).toMatch(/low-traffic window/);
    const bad = await post('/v1/rollout/plan', { features, rpm: -1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('body.rpm');
  });
});

describe('OpenAPI and metrics', () => {
  it('the OpenAPI document lists every route with its schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((op) => `${op.toUpperCase()} ${p}`));
    expect(routes.sort()).toEqual(['GET /', 'GET /healthz', 'GET /metrics', 'GET /readyz', 'GET /v1/openapi.json', 'GET /docs', 'GET /v1/status', 'POST /v1/anomaly/score', 'POST /v1/canary/verdict', 'POST /v1/models/reload', 'POST /v1/rollout/decision', 'POST /v1/risk/score', 'GET /v1/risk/features', 'GET /v1/feedback', 'POST /v1/feedback', 'POST /v1/rollback/plan', 'POST /v1/rollout/plan',
      // The deploy-system extension points (test/server-extensions.test.ts).
      'GET /v1/argo/verdict', 'POST /v1/argo/verdict', 'POST /v1/argo/gate', 'POST /judge', 'GET /v1/flagger/events',
      // Deployment windows and schedules (test/server-windows.test.ts).
      'POST /v1/deploy/windows', 'POST /v1/deploy/schedule',
      // The what-if over HTTP (test/whatif-route.test.ts).
      'POST /v1/whatif',
      // Retry decisions for failed pipeline steps and their recorded outcomes (test/pipeline-routes.test.ts).
      'POST /v1/pipeline/retry', 'POST /v1/pipeline/outcome', 'GET /v1/pipeline/outcome',
      // The decision log (test/decisions-audit.test.ts).
      'GET /v1/decisions',
      // Human controls: overrides and approvals (test/controls.test.ts).
      'POST /v1/overrides', 'GET /v1/overrides', 'DELETE /v1/overrides/{deployment}', 'POST /v1/approvals', 'GET /v1/approvals',
      ...['rollout', 'rollback', 'confirm-rollout', 'confirm-promotion', 'confirm-traffic-increase', 'pre-rollout', 'post-rollout', 'event'].map((h) => `POST /v1/flagger/${h}`)].sort());
    const verdict = doc.paths['/v1/canary/verdict'].post;
    expect(verdict.requestBody.content['application/json'].schema.required).toEqual(['canary', 'baseline']);
    expect(verdict.parameters[0]).toMatchObject({ name: 'judge', in: 'query' });
    expect(Object.keys(verdict.responses)).toEqual(expect.arrayContaining(['200', '400', '503']));
  });

  it('/docs is an HTML reference of every route, rendered from the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const r = await app.inject({ method: 'GET', url: '/docs' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    const html = r.body;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/); // self-contained: no scripts, no external assets
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) expect(html).toContain(`<code>${method.toUpperCase()} ${path}</code>`);
    }
    // Nested request fields are flattened with their types, limits and descriptions; secured routes say so.
    expect(html).toMatch(/<code>plan\.stages\[\]\.dwellMinutes<\/code> <span class="req">required<\/span>/);
    expect(html).toContain('<code>canary</code> <span class="req">required</span>');
    expect(html).toMatch(/<code>maxReasons<\/code><\/td><td><code>integer<\/code><\/td><td>≥ 1, ≤ 100<\/td>/);
    expect(html).toContain('Needs <code>Authorization: Bearer &lt;token&gt;</code>');
    // Text from the schemas is escaped.
    expect(html).not.toMatch(/<(?!\/?(?:html|head|meta|title|style|body|h1|h2|h3|p|ul|li|a|code|section|table|thead|tbody|tr|th|td|span|b)\b|!doctype)/);
  });

  it('/metrics exposes request counts, latency histograms, verdicts and model versions', async () => {
    await post('/v1/canary/verdict?judge=kayenta', verdictBody(HEALTHY));
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = r.body;
    expect(t).toMatch(/^rolloutlab_http_requests_total\{method="POST",route="\/v1\/canary\/verdict",status="200"\} \d+$/m);
    expect(t).toMatch(/^rolloutlab_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/canary\/verdict",le="\+Inf"\} \d+$/m);
    expect(t).toMatch(/^rolloutlab_verdicts_total\{judge="kayenta",verdict="pass"\} [1-9]\d*$/m);
    expect(t).toMatch(/^rolloutlab_model_info\{family="rollback",version="v0001"\} 1$/m);
    expect(t).toMatch(/^# TYPE rolloutlab_http_request_duration_seconds histogram$/m);
  });
});

describe('outcome feedback', () => {
  const fb = { deploymentId: 'dep-1', service: 'checkout', outcome: 'rolled_back', breached: true, faultKind: 'error-rate', startedAt: '2024-05-01T10:00:00+02:00', features: { lines_added: 120, files_changed: 4 }, notes: 'rolled back at 25 %' };

  it('stores a record (201), replaces it on the same deploymentId (200) and lists the latest first', async () => {
    const a = await post('/v1/feedback', fb);
    expect(a.statusCode, a.body).toBe(201);
    expect(a.json()).toMatchObject({ deploymentId: 'dep-1', created: true });
    expect((await post('/v1/feedback', { deploymentId: 'dep-2', service: 'search', outcome: 'success' })).statusCode).toBe(201);
    const again = await post('/v1/feedback', { ...fb, outcome: 'incident' });
    expect(again.statusCode).toBe(200);
    expect(again.json().created).toBe(false);
    const list = await app.inject({ method: 'GET', url: '/v1/feedback?limit=2' });
    expect(list.statusCode).toBe(200);
    const { records } = list.json();
    expect(records.map((r: { deploymentId: string }) => r.deploymentId)).toEqual(['dep-1', 'dep-2']);
    expect(records[0]).toMatchObject({ service: 'checkout', outcome: 'incident', breached: true, faultKind: 'error-rate', startedAt: '2024-05-01T08:00:00.000Z', features: { lines_added: 120, files_changed: 4 }, notes: 'rolled back at 25 %' });
    expect(records[1]).toMatchObject({ breached: null, faultKind: null, startedAt: null, features: {}, notes: null });
  });

  it('rejects bad input naming the field, and a bad limit', async () => {
    const bad = async (body: unknown, field: string) => {
      const r = await post('/v1/feedback', body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.field).toBe(field);
    };
    await bad({ ...fb, outcome: 'maybe' }, 'body.outcome');
    await bad({ ...fb, startedAt: 'yesterday' }, 'body.startedAt');
    await bad({ ...fb, features: { x: { level: 'high' } } }, 'body.features.x');
    await bad({ ...fb, deploymentId: '' }, 'body.deploymentId');
    await bad({ service: 'a', outcome: 'success' }, 'body.deploymentId');
    expect((await app.inject({ method: 'GET', url: '/v1/feedback?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/v1/feedback?limit=abc' })).json().error.field).toBe('query.limit');
  });

  it('needs the bearer token when the app has one (checked before the body), and 503 without a store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-fb-'));
    const guarded = buildApp({ modelsRoot: join(dir, 'models'), token: 's3cret', feedbackPath: join(dir, 'f.duckdb') });
    expect((await guarded.inject({ method: 'POST', url: '/v1/feedback', payload: fb })).statusCode).toBe(401);
    expect((await guarded.inject({ method: 'POST', url: '/v1/feedback', payload: {}, headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    expect((await guarded.inject({ method: 'POST', url: '/v1/feedback', payload: fb, headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(201);
    await guarded.close();
    const none = buildApp({ modelsRoot: join(dir, 'models'), insecureOpenWrites: true });
    const r = await none.inject({ method: 'POST', url: '/v1/feedback', payload: fb });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('FEEDBACK_UNAVAILABLE');
    await none.close();
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After beyond the bucket, refills with time, and exempts /healthz', async () => {
    let t = 0;
    const limited = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rolloutlab-rl-')), rateLimit: { perSecond: 2, burst: 3, clock: () => t } });
    const status = async () => (await limited.inject({ method: 'GET', url: '/v1/status' })).statusCode;
    expect([await status(), await status(), await status()]).toEqual([200, 200, 200]);
    const r = await limited.inject({ method: 'GET', url: '/v1/status' });
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json().error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(r.json().error.message).toMatch(/2 requests\/s \(burst 3\)/);
    expect((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // Another client has its own bucket.
    expect((await limited.inject({ method: 'GET', url: '/v1/status', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
    t += 500; // one token back
    expect([await status(), await status()]).toEqual([200, 429]);
    await limited.close();
  });
});

describe('malformed bodies (property)', () => {
  const valid: Record<string, unknown> = {
    '/v1/canary/verdict': verdictBody(HEALTHY.slice(0, 2), HEALTHY.slice(0, 2)),
    '/v1/anomaly/score': { values: [1, 2, 3, 4] },
    '/v1/risk/score': { features: { lines_added: 10, is_fix: true, tier: 'api', test_coverage: 0.5 }, maxReasons: 3 },
    '/v1/rollout/decision': decisionBody(3, (a) => HEALTHY[a % 5]),
    '/v1/feedback': { deploymentId: 'dep-prop', service: 'api', outcome: 'incident', breached: true, faultKind: 'latency', startedAt: '2024-05-01T10:00:00Z', features: { lines_added: 10, files: 2 }, notes: 'n' },
  };

  it('well-formed bodies with extreme values (0 to 10^12 requests a minute, empty minutes, any exposure) get 200, never 5xx', async () => {
    // The percentiles that are given, in increasing order (a minute's p50 <= p95 <= p99).
    const ordered = (x: { latencyP50: number | null; latencyP95: number | null; latencyP99: number | null }) => {
      const keys = (['latencyP50', 'latencyP95', 'latencyP99'] as const).filter((q) => x[q] !== null);
      const vs = keys.map((q) => x[q] as number).sort((a, b) => a - b);
      return Object.fromEntries(keys.map((q, i) => [q, vs[i]]));
    };
    const num = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: MAX_MINUTE_COUNT, noNaN: true }));
    const lat = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: MAX_LATENCY_MS, noNaN: true }));
    const share = fc.double({ min: 0, max: 1, noNaN: true });
    const cm = fc
      .record({ requests: num, e: share, s: share, k: share, latencyP50: fc.option(lat), latencyP95: fc.option(lat), latencyP99: fc.option(lat), cpu: share, memory: share, pool: share, callerRequests: num, ce: share })
      .map(({ e, s, k, ce, ...x }) => ({ ...x, ...ordered(x), errors: Math.floor(x.requests * e), slow: Math.floor(x.requests * s), conversions: Math.floor(x.requests * k), callerErrors: Math.floor(x.callerRequests * ce) }));
    const ticks = (n: number) => fc.array(fc.option(cm, { freq: 4 }), { minLength: n, maxLength: n });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(ticks(n), ticks(n), fc.constantFrom('ml', 'kayenta'))), async ([canary, baseline, judge]) => {
        const r = await post(`/v1/canary/verdict?judge=${judge}`, { canary, baseline });
        expect(r.statusCode, r.body).toBe(200);
      }),
      { numRuns: 500, seed: 7 },
    );
    const obs = fc.record({ phase: fc.constantFrom('progressing', 'baking', 'done'), stage: fc.integer({ min: 0, max: 2 }), weight: share, mirror: share, timeAtStage: fc.integer({ min: 0, max: 100 }), canary: fc.option(cm), baseline: fc.option(cm) });
    await fc.assert(
      fc.asyncProperty(fc.array(obs, { minLength: 1, maxLength: 25 }), async (os) => {
        const r = await post('/v1/rollout/decision', { ...decisionBody(0, () => HEALTHY[0]), observations: os.map((o, age) => ({ ...o, age, timeAtStage: Math.min(o.timeAtStage, age) })) });
        expect(r.statusCode, r.body).toBe(200);
      }),
      { numRuns: 500, seed: 8 },
    );
  }, 60_000);

  it.each(Object.keys(valid))('%s: zero 5xx over 1,000 malformed bodies; every 4xx names a field and the problem', async (url) => {
    const { runs, rejected } = await throwMalformed(app, url, valid[url], 1000, 6);
    expect(runs).toBeGreaterThanOrEqual(1000);
    // Some mutations leave a valid body (an optional field removed, a number replaced by another): most do not.
    expect(rejected).toBeGreaterThan(700);
  }, 60_000);
});

describe('fail closed: robust baseline and unusable model output', () => {
  const minutes = (xs: CohortMetrics[], n: number) => Array.from({ length: n }, (_, i) => xs[i % xs.length]);

  it('a 10x canary against a baseline with one 600-error minute fails (ml) at 5, 10 and 20 minutes', async () => {
    for (const n of [5, 10, 20]) {
      const baseline = minutes(HEALTHY, n).map((x, i) => (i === 1 ? { ...x, errors: 600 } : x));
      const r = await post('/v1/canary/verdict', verdictBody(minutes(TEN_X, n), baseline));
      expect(r.statusCode).toBe(200);
      expect(r.json().verdict, `${n} minutes`).toBe('fail');
      expect(r.json().reasons.join('\n')).toMatch(/set aside as outliers/);
      const lean = (await post('/v1/canary/verdict?reasons=false', verdictBody(minutes(TEN_X, n), baseline))).json();
      expect(lean).toEqual({ ...r.json(), reasons: r.json().reasons.slice(0, 1) });
    }
  });

  it("a canary slow on 10x the baseline's share of 6,000 requests (p95/p99 equal) fails (ml), the decision line naming the evidence rule and its z", async () => {
    const canary = minutes([m(1200, 0, 20, 42, 120, 24)], 5);
    const baseline = minutes([m(12000, 0, 20, 42, 120, 240)], 5);
    const r = await post('/v1/canary/verdict', verdictBody(canary, baseline));
    expect(r.statusCode).toBe(200);
    expect(r.json().verdict).toBe('fail');
    expect(r.json().pFail).toBeGreaterThan(0.99);
    expect(r.json().reasons[0]).toMatch(/evidence rule: the canary's (slow-request|bad-request) ratio 1\.67 % of 6000 vs baseline 0\.17 % of 60000 .* at z \d+\.\d >= \d/);
    // At the baseline's slow ratio the same canary is no excess: the rule says nothing.
    const calm = (await post('/v1/canary/verdict', verdictBody(minutes([m(1200, 0, 2, 42, 120, 24)], 5), baseline))).json();
    expect(calm.reasons.join('\n')).not.toMatch(/evidence rule/);
    // The served verdict of a judge whose net passes every window (P(fail) 0.01): the evidence rule alone fails it.
    const j = structuredClone(loadJudgeSync(models)!.model.toJSON());
    const F = j.features.length;
    j.members = [{ sizes: [2 * F, 1, 1], weights: [new Array(2 * F).fill(0), [0]], biases: [[0], [Math.log(0.01 / 0.99)]] }];
    j.platt = { a: 1, b: 0 };
    const quiet = { model: JudgeModel.fromJSON(j), version: 'quiet' };
    const w = { canary, baseline, latencyObjectiveMs: 250 };
    const v = verdictFor(w, 'ml', quiet);
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatch(/^fail: evidence rule: .*the net's P\(fail\) 0\.010$/);
    expect(verdictFor({ ...w, canary: minutes([m(1200, 0, 2, 42, 120, 24)], 5) }, 'ml', quiet).verdict).toBe('pass');
  });

  it('a judge whose P(fail) is NaN gives inconclusive with the reason, never a verdict', () => {
    // Finite weights whose logit overflows: +Infinity + -Infinity = NaN.
    const j = nanJudgeJson(loadJudgeSync(models)!.model.toJSON());
    const broken = { model: JudgeModel.fromJSON(j), version: 'broken' };
    for (const canary of [HEALTHY, TEN_X]) {
      const r = verdictFor({ canary, baseline: HEALTHY, latencyObjectiveMs: 250 }, 'ml', broken);
      expect(r.verdict).toBe('inconclusive');
      expect(r.pFail).toBeUndefined();
      expect(r.reasons[0]).toMatch(/P\(fail\) is NaN, not a probability/);
    }
  });

  it('past the dwell, no advance on the last 5 minutes without evidence: a scrape gap holds until the metrics come back', () => {
    const champion = loadRollbackSync(models);
    const json = structuredClone(champion.model.json);
    const rb = { model: new RollbackPredictor({ ...json, thresholds: { ...json.thresholds, fault: 2, breach: 2, hold: 2 } }), version: champion.version };
    const healthy = decisionBody(8, (a) => HEALTHY[a % 5]) as DecisionBody;
    expect(rolloutDecision(healthy, { rollback: rb, judge: null }).action).toBe('advance');
    // The canary unscraped in 3 of the last 5 minutes (only 2 usable, 3 needed): hold, whatever the dwell, with the reason.
    const gap = structuredClone(healthy);
    for (const a of [6, 7, 8]) gap.observations[a].canary = null;
    const r = rolloutDecision(gap, { rollback: rb, judge: null });
    expect(r.action).toBe('hold');
    expect(r.reasons[0]).toMatch(/^ml [^:]+: insufficient evidence: 2 of 5 minute\(s\) usable, at least 3 needed.* — holding$/);
    expect(r.reasons.join(' ')).toMatch(/canary: no sample in 3 minute\(s\)/);
    // Long past the dwell and any extra hold: still no advance while the gap lasts.
    const late = structuredClone(gap);
    late.observations.forEach((o) => {
      o.age += 60;
      o.timeAtStage += 60;
    });
    expect(rolloutDecision(late, { rollback: rb, judge: null }).action).toBe('hold');
    // The same gap in the baseline holds too (the judge compares the two).
    const baseGap = structuredClone(healthy);
    for (const a of [6, 7, 8]) baseGap.observations[a].baseline = null;
    expect(rolloutDecision(baseGap, { rollback: rb, judge: null }).action).toBe('hold');
  });

  it('a rollback model whose probabilities are NaN holds with the reason, never advances', () => {
    const champion = loadRollbackSync(models);
    const json = structuredClone(champion.model.json);
    // The champion with thresholds it never reaches: on healthy minutes past the dwell, the schedule advances.
    const rb = { model: new RollbackPredictor({ ...json, thresholds: { ...json.thresholds, fault: 2, breach: 2, hold: 2 } }), version: champion.version };
    const nan = { model: new RollbackPredictor({ ...json, mlp: { ...json.mlp, platt: json.mlp.platt.map(() => ({ a: NaN, b: 0 })) } }), version: 'broken' };
    // Healthy and past the stage's dwell: the schedule would advance.
    const body = decisionBody(6, (a) => HEALTHY[a % 5]) as DecisionBody;
    const ok = rolloutDecision(body, { rollback: rb, judge: null });
    expect(ok.action).toBe('advance');
    const r = rolloutDecision(body, { rollback: nan, judge: null });
    expect(r.action).toBe('hold');
    expect(r.pFault).toBeNull();
    expect(r.reasons.join(' ')).toMatch(/P\(material fault\) is NaN, not a probability/);
    // A judge that answers NaN before an advance holds as well.
    // Finite weights whose logit overflows: +Infinity + -Infinity = NaN.
    const j = nanJudgeJson(loadJudgeSync(models)!.model.toJSON());
    const withJudge = rolloutDecision(body, { rollback: rb, judge: { model: JudgeModel.fromJSON(j), version: 'broken' } });
    expect(withJudge.action).toBe('hold');
    expect(withJudge.reasons[0]).toMatch(/judge's .*P\(fail\) is NaN/);
  });
});
