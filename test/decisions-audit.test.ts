// The decision log (server/decision-recorder.ts, datasets/decision-log.ts, GET /v1/decisions, `decisions export`):
// decisions served on the canary verdict, rollout decision, risk, retry and the Argo, Flagger and Kayenta routes are
// recorded with the request as sent, the answer as sent and the champion versions; GET /v1/decisions reads them back
// in time order and filters them; the file survives an app close and reopen; a decision log that cannot be opened never
// fails a decision (the loss is counted on /metrics); the read is guarded by the token and checks its query; the
// export prints the same records. The recorder's queue is checked on its own with a stand-in writer: a full queue
// drops and counts, a record that cannot be written loses only itself, the order is kept.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CohortMetrics } from '../sim/env.ts';
import { buildApp, type AppOptions } from '../server/app.ts';
import { DECISION_ROUTES, DecisionRecorder, capText, subjectOf, type DecisionWriter } from '../server/decision-recorder.ts';
import { ServerMetrics } from '../server/metrics.ts';
import type { DecisionRecord, NewDecision } from '../datasets/decision-log.ts';
import { trainTinyModels } from './tiny-models.ts';
import { inProcess } from './in-process.ts';

const TOKEN = 'audit-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const fixture = (f: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'extensions', f), 'utf8'));
const FLAGGER = fixture('flagger-webhook.json');
const KAYENTA = fixture('kayenta-judge-request.json');

const m = (requests: number, errors: number, slow: number, p50: number, p99: number, conversions: number): CohortMetrics => ({
  requests, errors, slow, latencyP50: p50, latencyP95: p99 * 0.75, latencyP99: p99, cpu: 0.42, memory: 0.45, pool: 0.2, conversions, callerRequests: 640, callerErrors: 1,
});
const HEALTHY: CohortMetrics[] = [m(1210, 2, 5, 41.8, 120.4, 25), m(1185, 3, 4, 42.3, 118.9, 23), m(1240, 2, 6, 41.5, 122.0, 27), m(1198, 1, 5, 42.0, 119.7, 24), m(1225, 3, 4, 41.9, 121.2, 26)];
const TEN_X: CohortMetrics[] = [m(1204, 29, 5, 42.0, 121.0, 24), m(1190, 31, 5, 42.4, 119.5, 23), m(1232, 30, 6, 41.7, 121.8, 25), m(1201, 28, 4, 42.1, 120.3, 24), m(1219, 32, 5, 41.8, 120.9, 25)];
const VERDICT = { canary: TEN_X, baseline: HEALTHY, latencyObjectiveMs: 250 };
const ROLLOUT = {
  observations: Array.from({ length: 8 }, (_, age) => ({ age, phase: 'progressing', stage: 0, weight: 0.05, timeAtStage: age, canary: age ? HEALTHY[age % 5] : null, baseline: age ? m(9500, 15, 40, 42, 120, 200) : null })),
  plan: { stages: [{ exposure: [0.05], dwellMinutes: 5 }, { exposure: [1], dwellMinutes: 5 }], unitShares: [1], bakeMinutes: 10 },
  slo: { objective: 0.999, burnRate: 14.4 },
};
const RETRY = { step: 'unit-tests', exitCode: 1, log: 'npm ERR! connect ETIMEDOUT registry.npmjs.org:443' };

const root = mkdtempSync(join(tmpdir(), 'rolloutlab-decisions-'));
const file = join(root, 'decisions.duckdb');
let models = '';
// The app's clock: each test moves it on, so every decision has its own time.
let clock = Date.parse('2026-03-04T10:00:00Z');
const now = () => new Date(clock);
const apps: FastifyInstance[] = [];
const appWith = async (o: AppOptions) => {
  const a = buildApp({ modelsRoot: models, rateLimit: false, planThreads: 0, now, ...o });
  apps.push(a);
  await a.ready();
  return a;
};
const post = (a: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) => a.inject({ method: 'POST', url, payload: payload as object, headers });
const decisions = async (a: FastifyInstance, query = ''): Promise<{ decisions: DecisionRecord[]; more: boolean }> => {
  const r = await a.inject({ method: 'GET', url: `/v1/decisions${query}`, headers: auth });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const metric = async (a: FastifyInstance, line: RegExp): Promise<number> => {
  const m = line.exec((await a.inject({ method: 'GET', url: '/metrics' })).body);
  return m ? Number(m[1]) : NaN;
};

let app: FastifyInstance;
/** What each route answered, by deployment header, to compare with the records. */
const served: { url: string; body: unknown; answer: unknown; status: number; at: string; headers: Record<string, string> }[] = [];
const serve = async (url: string, body: unknown, headers: Record<string, string> = {}, method: 'POST' | 'GET' = 'POST') => {
  clock += 60_000;
  const r = method === 'GET' ? await app.inject({ method, url, headers }) : await post(app, url, body, headers);
  served.push({ url, body, answer: r.json(), status: r.statusCode, at: now().toISOString(), headers });
  return r;
};

beforeAll(async () => {
  models = await trainTinyModels(root);
  app = await appWith({ decisionsPath: file, token: TOKEN });
}, 300_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

const VERSIONS = { judge: 'v0001', rollback: 'v0001', risk: 'v0001', retry: 'v0001' };

describe('decisions are recorded with their inputs, answer and model versions', () => {
  it('records the canary verdict, rollout decision, risk score, retry and the Argo, Flagger and Kayenta answers', async () => {
    const dep = { 'x-rolloutlab-deployment': 'checkout-1234', 'x-rolloutlab-service': 'checkout' };
    const v = await serve('/v1/canary/verdict', VERDICT, dep);
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json().modelVersion).toBe('v0001');
    expect((await serve('/v1/rollout/decision', ROLLOUT, dep)).statusCode).toBe(200);
    expect((await serve('/v1/risk/score', { features: { lines_added: 120, files_changed: 4 } }, dep)).statusCode).toBe(200);
    expect((await serve('/v1/pipeline/retry', RETRY, { 'x-rolloutlab-deployment': 'pipeline-77' })).statusCode).toBe(200);
    // Without a metrics source Argo answers inconclusive (200) and Flagger's rollout check says no (409): both are decisions.
    expect((await serve('/v1/argo/verdict?name=podinfo&namespace=test', null, {}, 'GET')).statusCode).toBe(200);
    expect((await serve('/v1/flagger/rollout', FLAGGER)).statusCode).toBe(409);
    expect((await serve('/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { deployment: 'podinfo-42' } })).statusCode).toBe(200);
    expect((await serve('/judge', KAYENTA)).statusCode).toBe(200);
    // Not decisions: a refused body, a Flagger event hook, a read.
    clock += 60_000;
    expect((await post(app, '/v1/canary/verdict', { ...VERDICT, canary: [{ requests: -1 }] }, dep)).statusCode).toBe(400);
    expect((await post(app, '/v1/flagger/event', FLAGGER)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/risk/features' })).statusCode).toBe(200);

    const all = (await decisions(app)).decisions;
    expect(all.map((d) => `${d.kind} ${d.method} ${d.route} ${d.status}`)).toEqual([
      'verdict POST /v1/canary/verdict 200',
      'rollout-decision POST /v1/rollout/decision 200',
      'risk POST /v1/risk/score 200',
      'retry POST /v1/pipeline/retry 200',
      'argo GET /v1/argo/verdict 200',
      'flagger POST /v1/flagger/rollout 409',
      'flagger POST /v1/flagger/confirm-rollout 200',
      'kayenta POST /judge 200',
    ]);
    all.forEach((d, i) => {
      const s = served[i];
      expect(d.at).toBe(s.at);
      // The request as sent, the answer as sent, and every champion of the snapshot.
      expect(d.request).toEqual(s.body);
      expect(d.answer).toEqual(s.answer);
      expect(d.status).toBe(s.status);
      expect(d.models).toEqual(VERSIONS);
      expect(d.requestTruncated).toBe(false);
      expect(d.answerTruncated).toBe(false);
      expect(d.clientIp).toBe('127.0.0.1');
      expect(d.requestId).toMatch(/^req-/);
      if (s.body !== null) expect(d.requestBytes).toBe(Buffer.byteLength(JSON.stringify(s.body)));
    });
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length);
    expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((a, b) => a - b));
    // Who it was about: the headers, an Argo / Flagger target, a Flagger rollout (its checksum), the metadata's deployment.
    expect(all.slice(0, 3).map((d) => [d.deployment, d.service])).toEqual(Array(3).fill(['checkout-1234', 'checkout']));
    expect([all[3].deployment, all[3].service]).toEqual(['pipeline-77', null]);
    expect([all[4].deployment, all[4].service, all[4].request, all[4].query]).toEqual([null, 'test/podinfo', null, { name: 'podinfo', namespace: 'test' }]);
    expect([all[5].deployments, all[5].services]).toEqual([['test/podinfo@85d557f47b'], ['test/podinfo']]);
    expect(all[6].deployments).toEqual(['podinfo-42', 'test/podinfo@85d557f47b']);
    expect(all[7].services).toEqual(['podinfo']);
    expect(all[1].answer).toMatchObject({ modelVersion: 'v0001', policy: 'ml' });
    expect(all[0].query).toEqual({});
    expect(await metric(app, /^rolloutlab_audit_recorded_total (\d+)$/m)).toBe(8);
    expect(await metric(app, /^rolloutlab_audit_store_up (\d+)$/m)).toBe(1);
  });

  it('filters by deployment, service, kind and time, in time order, with a limit', async () => {
    const byDep = (await decisions(app, '?deployment=checkout-1234')).decisions;
    expect(byDep.map((d) => d.kind)).toEqual(['verdict', 'rollout-decision', 'risk']);
    expect((await decisions(app, '?deployment=checkout-1234&kind=risk')).decisions.map((d) => d.kind)).toEqual(['risk']);
    expect((await decisions(app, '?service=test%2Fpodinfo')).decisions.map((d) => d.route)).toEqual(['/v1/argo/verdict', '/v1/flagger/rollout', '/v1/flagger/confirm-rollout']);
    expect((await decisions(app, '?kind=flagger&deployment=podinfo-42')).decisions).toHaveLength(1);
    expect((await decisions(app, '?deployment=nobody')).decisions).toEqual([]);
    // Times are inclusive at both ends.
    const t = served.map((s) => encodeURIComponent(s.at));
    expect((await decisions(app, `?since=${t[1]}&until=${t[3]}`)).decisions.map((d) => d.kind)).toEqual(['rollout-decision', 'risk', 'retry']);
    expect((await decisions(app, `?since=${encodeURIComponent('2026-03-04T11:01:30+01:00')}`)).decisions.map((d) => d.kind)).toEqual(['rollout-decision', 'risk', 'retry', 'argo', 'flagger', 'flagger', 'kayenta']);
    expect((await decisions(app, '?since=2026-03-05')).decisions).toEqual([]);
    const two = await decisions(app, '?limit=2');
    expect(two.decisions.map((d) => d.kind)).toEqual(['verdict', 'rollout-decision']);
    expect(two.more).toBe(true);
    expect((await decisions(app, '?limit=100')).more).toBe(false);
  });

  it('keeps the first 64 KiB of a large body, as text, with its size', async () => {
    const minutes = Array.from({ length: 700 }, (_, i) => HEALTHY[i % 5]);
    const body = { canary: minutes, baseline: minutes, latencyObjectiveMs: 250 };
    const r = await serve('/v1/canary/verdict?judge=kayenta', body, { 'x-rolloutlab-deployment': 'big-1' });
    expect(r.statusCode).toBe(200);
    const [d] = (await decisions(app, '?deployment=big-1')).decisions;
    const text = JSON.stringify(body);
    expect(d.requestTruncated).toBe(true);
    expect(d.requestBytes).toBe(Buffer.byteLength(text));
    expect(d.request).toBe(text.slice(0, 64 * 1024));
    expect(d.query).toEqual({ judge: 'kayenta' });
    expect(d.answer).toEqual(r.json());
    expect(capText('aé'.repeat(10), 4)).toEqual({ text: 'aéa', bytes: 30, truncated: true });
  });

  it('the decision log survives closing the app, and ids go on from where they were', async () => {
    const before = (await decisions(app)).decisions;
    // Decided, then closed at once: the close writes what is queued.
    expect((await serve('/v1/canary/verdict?judge=kayenta', VERDICT, { 'x-rolloutlab-deployment': 'late-1' })).statusCode).toBe(200);
    await app.close();
    app = await appWith({ decisionsPath: file, token: TOKEN });
    const after = (await decisions(app)).decisions;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((d) => d.deployment).at(-1)).toBe('late-1');
    expect((await serve('/v1/pipeline/retry', RETRY, { 'x-rolloutlab-deployment': 'pipeline-78' })).statusCode).toBe(200);
    const [next] = (await decisions(app, '?deployment=pipeline-78')).decisions;
    expect(next.id).toBe(after.at(-1)!.id + 1);
  });
});

describe('recording never fails a decision', () => {
  it('a decision log in an unwritable place: decisions are served, the loss is counted and told, the read is 503', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const told: string[] = [];
    const a = await appWith({ decisionsPath: join(blocker, 'decisions.duckdb'), token: TOKEN, onDecisionLoss: (msg) => told.push(msg) });
    for (let i = 0; i < 3; i++) {
      const r = await post(a, '/v1/canary/verdict', VERDICT);
      expect(r.statusCode).toBe(200);
      expect(r.json().modelVersion).toBe('v0001');
    }
    expect((await post(a, '/v1/pipeline/retry', RETRY)).statusCode).toBe(200);
    const g = await a.inject({ method: 'GET', url: '/v1/decisions', headers: auth });
    expect(g.statusCode).toBe(503);
    expect(g.json().error.code).toBe('DECISIONS_UNAVAILABLE');
    expect(g.json().error.message).toContain(join(blocker, 'decisions.duckdb'));
    expect(await metric(a, /^rolloutlab_audit_dropped_total\{reason="store-unavailable"\} (\d+)$/m)).toBe(4);
    expect(await metric(a, /^rolloutlab_audit_recorded_total (\d+)$/m)).toBe(0);
    expect(await metric(a, /^rolloutlab_audit_store_up (\d+)$/m)).toBe(0);
    expect(told[0]).toMatch(/cannot be opened .*decisions are served but not recorded/);
    expect(existsSync(join(blocker, 'decisions.duckdb'))).toBe(false);
  });

  it('without a decision log nothing is recorded and the read is 503', async () => {
    const a = await appWith({ token: TOKEN });
    expect((await post(a, '/v1/canary/verdict', VERDICT)).statusCode).toBe(200);
    const g = await a.inject({ method: 'GET', url: '/v1/decisions', headers: auth });
    expect(g.statusCode).toBe(503);
    expect(g.json().error).toMatchObject({ code: 'DECISIONS_UNAVAILABLE', message: expect.stringMatching(/--decisions <file>/) });
    expect((await a.inject({ method: 'GET', url: '/metrics' })).body).not.toMatch(/rolloutlab_audit_/);
  });

  /** A writer that holds every append until released, and refuses records about `poison`. */
  const standIn = (poison = '') => {
    const written: NewDecision[][] = [];
    let release: () => void = () => undefined;
    let gate = Promise.resolve();
    const w: DecisionWriter & { hold(): void; go(): void } = {
      hold() {
        gate = new Promise((done) => (release = done));
      },
      go() {
        release();
      },
      async append(ds) {
        await gate;
        if (ds.some((d) => d.deployment === poison)) throw new Error(`cannot write ${poison}`);
        written.push([...ds]);
        return 1;
      },
      async query() {
        return { decisions: [], more: false };
      },
      async close() {},
    };
    return { w, written };
  };
  const rec = (i: number): NewDecision => ({
    at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), kind: 'verdict', method: 'POST', route: '/v1/canary/verdict', deployment: `d${i}`, service: null, deployments: [`d${i}`], services: [],
    status: 200, request: '{}', requestBytes: 2, requestTruncated: false, query: {}, answer: '{}', answerBytes: 2, answerTruncated: false, models: {}, clientIp: null, requestId: null,
  });
  const silent = { error() {}, info() {} } as unknown as ConstructorParameters<typeof DecisionRecorder>[0]['log'];

  it('a full queue drops new records and counts them; what was queued is written in order', async () => {
    const { w, written } = standIn();
    const metrics = new ServerMetrics();
    const losses: string[] = [];
    const r = new DecisionRecorder({ path: 'x', log: silent, metrics, open: async () => w, queueRecords: 3, onLoss: (msg) => losses.push(msg) });
    await r.start();
    w.hold();
    r.record(rec(0));
    await new Promise((done) => setImmediate(done)); // the writer takes rec 0 and waits on the held append
    await new Promise((done) => setImmediate(done));
    for (let i = 1; i <= 5; i++) r.record(rec(i)); // 1-3 queue, 4 and 5 do not fit
    w.go();
    await r.flush();
    expect(written.flat().map((d) => d.deployment)).toEqual(['d0', 'd1', 'd2', 'd3']);
    const text = metrics.render([], {});
    expect(text).toMatch(/^rolloutlab_audit_dropped_total\{reason="queue-full"\} 2$/m);
    expect(text).toMatch(/^rolloutlab_audit_recorded_total 4$/m);
    expect(text).toMatch(/^rolloutlab_audit_queue_length 0$/m);
    expect(losses[0]).toMatch(/1 queue-full/); // told at once, then at most every 10 s
    await r.close();
    r.record(rec(9));
    expect(metrics.render([], {})).toMatch(/^rolloutlab_audit_dropped_total\{reason="closed"\} 1$/m);
  });

  it('a record that cannot be written loses only itself', async () => {
    const { w, written } = standIn('d2');
    const metrics = new ServerMetrics();
    const r = new DecisionRecorder({ path: 'x', log: silent, metrics, open: async () => w });
    await r.start();
    for (let i = 0; i < 5; i++) r.record(rec(i));
    await r.flush();
    expect(written.flat().map((d) => d.deployment)).toEqual(['d0', 'd1', 'd3', 'd4']);
    expect(metrics.render([], {})).toMatch(/^rolloutlab_audit_dropped_total\{reason="write-failed"\} 1$/m);
  });

  it('a store that cannot be opened is tried again after a while, and records are kept from then on', async () => {
    const { w, written } = standIn();
    let t = 0;
    let fail = true;
    const metrics = new ServerMetrics();
    const r = new DecisionRecorder({ path: 'x', log: silent, metrics, clock: () => t, reopenMs: 1000, open: async () => (fail ? Promise.reject(new Error('disk full')) : w) });
    await r.start();
    r.record(rec(0));
    await r.flush();
    fail = false;
    r.record(rec(1)); // before the retry time: dropped without trying
    await r.flush();
    t = 1000;
    r.record(rec(2));
    await r.flush();
    expect(written.flat().map((d) => d.deployment)).toEqual(['d2']);
    expect(metrics.render([], {})).toMatch(/^rolloutlab_audit_dropped_total\{reason="store-unavailable"\} 2$/m);
    expect(metrics.render([], {})).toMatch(/^rolloutlab_audit_store_up 1$/m);
  });
});

describe('GET /v1/decisions: guard and query', () => {
  it('needs the token (401 without or with a wrong one, 403 on a server without a token or from a browser page)', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/decisions' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/decisions', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/decisions', headers: { ...auth, origin: 'https://evil.example' } })).statusCode).toBe(403);
    const open = await appWith({ decisionsPath: join(root, 'other.duckdb') });
    const r = await open.inject({ method: 'GET', url: '/v1/decisions' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('WRITES_DISABLED');
  });

  it('a bad query is a 400 naming the field', async () => {
    const bad = async (q: string, field: string, message: RegExp) => {
      const r = await app.inject({ method: 'GET', url: `/v1/decisions?${q}`, headers: auth });
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error.field, q).toBe(field);
      expect(r.json().error.message, q).toMatch(message);
    };
    await bad('kind=verdicts', 'query.kind', /must be/);
    await bad('since=yesterday', 'query.since', /RFC 3339/);
    await bad('until=2026-03-04T10:00:00', 'query.until', /offset/);
    await bad('since=2026-03-05&until=2026-03-04', 'query.until', /before query.since/);
    await bad('limit=0', 'query.limit', /between 1 and 10000/);
    await bad('limit=ten', 'query.limit', /must match/);
    await bad('deploymentId=x', 'query.deploymentId', /unknown field/);
    await bad(`deployment=${'x'.repeat(257)}`, 'query.deployment', /257|256|must NOT have more/);
  });

  it('is in the OpenAPI document, guarded', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const op = doc.paths['/v1/decisions'].get;
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['deployment', 'service', 'kind', 'since', 'until', 'limit']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '503']));
    // Every line of DECISION_ROUTES is a route the app serves (a misspelt url would record nothing).
    const served = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((x) => `${x.toUpperCase()} ${p}`));
    expect(Object.keys(DECISION_ROUTES).map((k) => k.replace(/:(\w+)/g, '{$1}')).filter((k) => !served.includes(k))).toEqual([]);
  });
});

describe('DECISION_ROUTES', () => {
  it('names a schedule\'s changes and services, a window\'s service, and the headers first', () => {
    const req = (body: unknown, headers: Record<string, string> = {}, query: unknown = {}) => ({ body, headers, query }) as unknown as FastifyRequest;
    const schedule = { changes: [{ id: 'orders-42', service: 'orders' }, { id: 'users-17', service: 'users' }, { id: 'orders-43', service: 'orders' }] };
    expect(subjectOf(DECISION_ROUTES['POST /v1/deploy/schedule'], req(schedule))).toEqual({ deployments: ['orders-42', 'users-17', 'orders-43'], services: ['orders', 'users'] });
    expect(subjectOf(DECISION_ROUTES['POST /v1/deploy/windows'], req({ service: 'checkout' }, { 'x-rolloutlab-deployment': ' chg-9 ' }))).toEqual({ deployments: ['chg-9'], services: ['checkout'] });
    expect(subjectOf(DECISION_ROUTES['POST /v1/rollback/plan'], req({ deployment: 'dep-5', services: [{ name: 'cart' }] }, { 'x-rolloutlab-service': 'cart-api' }))).toEqual({ deployments: ['dep-5'], services: ['cart-api', 'cart'] });
    expect(subjectOf(DECISION_ROUTES['POST /v1/argo/verdict'], req({ name: 'web' }))).toEqual({ deployments: [], services: ['web'] });
  });
});

describe('rolloutlab decisions export', () => {
  it('prints the same records as GET /v1/decisions, as JSON Lines or CSV, filtered the same way', async () => {
    const viaGet = (await decisions(app)).decisions;
    const dep = (await decisions(app, '?deployment=checkout-1234&kind=rollout-decision')).decisions;
    await app.close();
    const r = await inProcess(['decisions', 'export', '--store', file]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(viaGet);
    const f = await inProcess(['decisions', 'export', '--store', file, '--deployment', 'checkout-1234', '--kind', 'rollout-decision']);
    expect(f.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(dep);
    const since = await inProcess(['decisions', 'export', '--store', file, '--since', viaGet[2].at, '--until', viaGet[3].at]);
    expect(since.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).id)).toEqual([viaGet[2].id, viaGet[3].id]);
    const csv = await inProcess(['decisions', 'export', '--store', file, '--format', 'csv', '--service', 'test/podinfo']);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('id,at,kind,method,route,deployment,service,deployments,services,status,request,requestBytes,requestTruncated,query,answer,answerBytes,answerTruncated,models,clientIp,requestId');
    expect(rows.slice(1).map((x) => x.split(',')[4])).toEqual(['/v1/argo/verdict', '/v1/flagger/rollout', '/v1/flagger/confirm-rollout']);
    const out = join(root, 'export.jsonl');
    expect((await inProcess(['decisions', 'export', '--store', file, '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(r.stdout);
    const again = await inProcess(['decisions', 'export', '--store', file, '--out', out]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/--out: .* exists \(give --force/)]);
    expect((await inProcess(['decisions', 'export', '--store', file, '--out', out, '--force'])).code).toBe(0);
  });

  it('refuses bad flags (exit 1) and a missing or foreign file (exit 2), naming them', async () => {
    const bad = async (args: string[], code: number, message: RegExp) => {
      const r = await inProcess(['decisions', 'export', ...args]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
    };
    await bad(['--store', file, '--format', 'xml'], 1, /--format must be jsonl or csv/);
    await bad(['--store', file, '--kind', 'verdicts'], 1, /--kind must be one of verdict/);
    await bad(['--store', file, '--since', 'last week'], 1, /--since must be an RFC 3339/);
    await bad(['--store', file, '--since', '2026-03-05', '--until', '2026-03-04'], 1, /--until .* is before --since/);
    await bad(['--store', join(root, 'missing.duckdb')], 2, /--store: no decision log at .*missing\.duckdb/);
    await bad(['--store', join(root, 'a-file')], 2, /--store .*a-file cannot be read as a decision log/);
    await bad(['--store', join(root, 'other.duckdb'), '--deployment', ''], 1, /--deployment must be 1 to 256 characters/);
  });
});

describe('the pre-deploy gates in the decision log', () => {
  it('records POST /v1/rollout/plan (kind rollout-plan, with its 422 when no plan meets the constraints) and POST /v1/argo/gate (kind argo, the rollout it gates)', async () => {
    const a = await appWith({ decisionsPath: join(root, 'gates.duckdb'), token: TOKEN });
    const change = { features: { lines_added: 120, files_changed: 4 }, rpm: 800 };
    expect((await post(a, '/v1/rollout/plan', change, { 'x-rolloutlab-deployment': 'orders-9' })).statusCode).toBe(200);
    const gate = await post(a, '/v1/argo/gate', { ...change, name: 'orders', namespace: 'shop' });
    expect(gate.statusCode).toBe(200);
    expect(gate.json().result.decision).toBe('wait'); // features left out: never a pass
    // No plan meets the constraints: that answer (422 NO_FEASIBLE_PLAN) is a decision too; a malformed body (400) is not.
    expect((await post(a, '/v1/rollout/plan', { ...change, constraints: { deadlineMinutes: 5 } })).statusCode).toBe(422);
    expect((await post(a, '/v1/rollout/plan', { ...change, constraints: { deadline: 5 } })).statusCode).toBe(400);
    const all = (await decisions(a)).decisions;
    expect(all.map((d) => `${d.kind} ${d.route} ${d.status} ${d.deployment} ${d.service}`)).toEqual(['rollout-plan /v1/rollout/plan 200 orders-9 null', 'argo /v1/argo/gate 200 null shop/orders', 'rollout-plan /v1/rollout/plan 422 null null']);
    expect(all[1].answer).toEqual(gate.json());
    expect(all[2].answer).toMatchObject({ error: { code: 'NO_FEASIBLE_PLAN' }, closestFeasible: { plan: { name: 'fast' } } });
  });
});
