// The deploy-system extension points of the serving app (server/adapters/) through `app.inject`: Argo Rollouts'
// Web metric provider, Flagger's webhooks and Kayenta's RemoteJudge, with metric values read by the Prometheus metrics
// source (server/metrics-source.ts) from an in-process fake Prometheus (node:http answering /api/v1/query_range).
// Payloads are the deploy systems' documented ones, in test/fixtures/extensions (see NOTE.md there).
// Tiny judge, rollback and risk models are trained into a temp registry as test/server.test.ts does.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { throwMalformed } from './malformed.ts';
import { trainTinyModels } from './tiny-models.ts';
import { inProcess } from './in-process.ts';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.ts';
import { PrometheusSource, renderQuery, type PromQueries } from '../server/metrics-source.ts';
import { inDeployWindow } from '../server/adapters/flagger-metadata.ts';

const fixture = (f: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'extensions', f), 'utf8'));
const FLAGGER = fixture('flagger-webhook.json');
const FLAGGER_EVENT = fixture('flagger-event.json');
const KAYENTA = fixture('kayenta-judge-request.json');

// A Wednesday, 10:30 UTC.
const NOW = new Date('2024-03-06T10:30:00Z');

// ---- the fake Prometheus --------------------------------------------------------------------------------
type Mode = 'healthy' | 'bad' | 'empty' | 'error' | 'nan';
let mode: Mode = 'healthy';
const queriesSeen: string[] = [];
// Per minute (cycled): requests, errors, slow, p50, p99, conversions — test/server.test.ts' healthy and 10x-errors windows.
const HEALTHY = [[1210, 2, 5, 41.8, 120.4, 25], [1185, 3, 4, 42.3, 118.9, 23], [1240, 2, 6, 41.5, 122.0, 27], [1198, 1, 5, 42.0, 119.7, 24], [1225, 3, 4, 41.9, 121.2, 26]];
const BAD = [[1204, 300, 5, 42.0, 121.0, 24], [1190, 310, 5, 42.4, 119.5, 23], [1232, 320, 6, 41.7, 121.8, 25], [1201, 280, 4, 42.1, 120.3, 24], [1219, 330, 5, 41.8, 120.9, 25]];
const QUERIES: PromQueries = {
  requests: 'sum(increase(reqs{ns="{{ namespace }}",workload="{{ target }}"}[{{ interval }}]))',
  errors: 'sum(increase(errs{ns="{{ namespace }}",workload="{{ target }}"}[{{ interval }}]))',
  slow: 'sum(increase(slow{ns="{{ namespace }}",workload="{{ target }}"}[{{ interval }}]))',
  latencyP50: 'p50{ns="{{ namespace }}",workload="{{ target }}"}',
  latencyP99: 'p99{ns="{{ namespace }}",workload="{{ target }}"}',
  conversions: 'sum(increase(conv{ns="{{ namespace }}",workload="{{ target }}"}[{{ interval }}]))',
};
const COLUMN: Record<string, number> = { reqs: 0, errs: 1, slow: 2, p50: 3, p99: 4, conv: 5 };

let prom: Server;
let promUrl = '';
let deadUrl = '';

function answerQueryRange(url: URL): { status: number; body: unknown } {
  const q = url.searchParams.get('query') ?? '';
  queriesSeen.push(q);
  if (mode === 'error') return { status: 422, body: { status: 'error', errorType: 'execution', error: 'query timed out in expression evaluation' } };
  if (mode === 'empty') return { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } };
  const start = Number(url.searchParams.get('start'));
  const end = Number(url.searchParams.get('end'));
  const step = parseInt(url.searchParams.get('step') ?? '60', 10);
  const metric = /^(?:sum\(increase\()?(\w+)\{/.exec(q)![1];
  const workload = /workload="([^"]+)"/.exec(q)![1];
  const rows = workload.endsWith('-primary') || mode === 'healthy' ? HEALTHY : BAD;
  const values: [number, string][] = [];
  for (let t = start, i = 0; t <= end; t += step, i++) values.push([t, mode === 'nan' ? 'NaN' : String(rows[i % rows.length][COLUMN[metric]])]);
  return { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { workload }, values }] } } };
}

// ---- models -----------------------------------------------------------------------------------------------
let models = '';
let app: FastifyInstance;
let bare: FastifyInstance; // no metrics source configured

beforeAll(async () => {
  prom = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const r = url.pathname === '/api/v1/query_range' ? answerQueryRange(url) : { status: 404, body: { status: 'error', error: 'not found' } };
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
  });
  await new Promise<void>((done) => prom.listen(0, '127.0.0.1', done));
  promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
  // A port nobody listens on: bind one, note it, close it.
  const tmp = createServer();
  await new Promise<void>((done) => tmp.listen(0, '127.0.0.1', done));
  deadUrl = `http://127.0.0.1:${(tmp.address() as AddressInfo).port}`;
  await new Promise<void>((done) => tmp.close(() => done()));

  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-ext-'));
  models = await trainTinyModels(root);
  app = buildApp({ modelsRoot: models, metricsSource: new PrometheusSource({ url: promUrl, queries: QUERIES, now: () => NOW }), now: () => NOW });
  bare = buildApp({ modelsRoot: models, now: () => NOW });
  await Promise.all([app.ready(), bare.ready()]);
}, 90_000);

afterAll(async () => {
  await app?.close();
  await bare?.close();
  await new Promise<void>((done) => (prom ? prom.close(() => done()) : done()));
});

const post = (a: FastifyInstance, url: string, payload: unknown) => a.inject({ method: 'POST', url, payload: payload as object });
const withSource = (url: string) => buildApp({ modelsRoot: models, metricsSource: new PrometheusSource({ url, queries: QUERIES, now: () => NOW, timeoutMs: 1000 }), now: () => NOW });

describe('Prometheus metrics source', () => {
  it('reads the canary <name> and the primary <name>-primary minute by minute over query_range', async () => {
    mode = 'bad';
    queriesSeen.length = 0;
    const src = new PrometheusSource({ url: promUrl, queries: QUERIES, now: () => NOW });
    const w = await src.window({ name: 'podinfo', namespace: 'test' }, 5);
    if ('unavailable' in w) throw new Error(w.unavailable);
    expect(w.canary).toHaveLength(5);
    expect(w.canary[0]).toMatchObject({ requests: 1204, errors: 300, slow: 5, latencyP50: 42.0, latencyP99: 121.0, conversions: 24 });
    expect(w.baseline[0]).toMatchObject({ requests: 1210, errors: 2 });
    expect(w.kpi).toBe(true);
    expect(queriesSeen).toContain('sum(increase(reqs{ns="test",workload="podinfo-primary"}[1m]))');
    expect(queriesSeen).toContain('sum(increase(errs{ns="test",workload="podinfo"}[1m]))');
  });

  it('the default templates are Flagger-style Istio queries; placeholders are escaped', () => {
    const q = renderQuery(new PrometheusSource({ url: promUrl }).queries.requests, { target: 'po"d', namespace: 'test', interval: '1m' });
    expect(q).toBe('sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload="po\\"d"}[1m]))');
  });

  it('down, erring, empty or all-NaN Prometheus: unavailable, with the reason', async () => {
    const dead = await new PrometheusSource({ url: deadUrl, queries: QUERIES, now: () => NOW }).window({ name: 'podinfo' }, 5);
    expect(dead).toEqual({ unavailable: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) });
    const src = new PrometheusSource({ url: promUrl, queries: QUERIES, now: () => NOW });
    mode = 'error';
    expect(await src.window({ name: 'podinfo' }, 5)).toEqual({ unavailable: expect.stringMatching(/HTTP 422: query timed out/) });
    mode = 'empty';
    expect(await src.window({ name: 'podinfo', namespace: 'test' }, 5)).toEqual({ unavailable: expect.stringMatching(/no requests series for test\/podinfo/) });
    mode = 'nan';
    expect(await src.window({ name: 'podinfo' }, 5)).toEqual({ unavailable: expect.stringMatching(/no requests series/) });
  });
});

describe('Argo Rollouts Web metric provider', () => {
  it('answers 200 JSON with the verdict at $.result.verdict and $.result.pass (GET and POST)', async () => {
    mode = 'bad';
    const bad = await app.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo&namespace=test' });
    expect(bad.statusCode).toBe(200);
    expect(bad.headers['content-type']).toMatch(/^application\/json/);
    expect(bad.json().result).toMatchObject({ verdict: 'fail', pass: 0, metricsAvailable: true, judge: 'ml', modelVersion: 'v0001', name: 'podinfo', namespace: 'test', minutes: 5 });
    const kay = (await post(app, '/v1/argo/verdict', { name: 'podinfo', namespace: 'test', judge: 'kayenta', minutes: 10 })).json().result;
    expect(kay).toMatchObject({ verdict: 'fail', pass: 0, judge: 'kayenta', minutes: 10 });
    mode = 'healthy';
    const good = (await app.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo&namespace=test&judge=kayenta' })).json().result;
    expect(good).toMatchObject({ verdict: 'pass', pass: 1 });
    const ml = (await app.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo&namespace=test' })).json().result;
    expect(ml.verdict).not.toBe('fail');
    expect(ml.pass).toBe(ml.verdict === 'pass' ? 1 : -1);
  });

  it('metrics source down, empty, or not configured: 200 inconclusive (pass -1), saying why; bad query: 400 naming it', async () => {
    const down = withSource(deadUrl);
    const r = await down.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo' });
    expect(r.statusCode).toBe(200);
    expect(r.json().result).toMatchObject({ verdict: 'inconclusive', pass: -1, metricsAvailable: false });
    expect(r.json().result.reasons[0]).toMatch(/^metrics unavailable: .*unreachable/);
    await down.close();
    mode = 'empty';
    expect((await app.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo' })).json().result).toMatchObject({ verdict: 'inconclusive', pass: -1, reasons: [expect.stringMatching(/no requests series/)] });
    const none = (await bare.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo' })).json().result;
    expect(none).toMatchObject({ verdict: 'inconclusive', pass: -1, reasons: [expect.stringMatching(/no metrics source is configured/)] });
    const big = await app.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo&minutes=99' });
    expect(big.statusCode).toBe(400);
    expect(big.json().error).toMatchObject({ field: 'query.minutes', message: 'query.minutes must be between 1 and 60 (got 99)' });
    const noName = await app.inject({ method: 'GET', url: '/v1/argo/verdict?namespace=test' });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error.field).toBe('query.name');
  });

  it('without a judge champion the learned judge is inconclusive, not an error', async () => {
    mode = 'bad';
    const empty = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rolloutlab-empty-')), metricsSource: new PrometheusSource({ url: promUrl, queries: QUERIES, now: () => NOW }) });
    const r = await empty.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo' });
    expect(r.statusCode).toBe(200);
    expect(r.json().result).toMatchObject({ verdict: 'inconclusive', pass: -1, metricsAvailable: true, reasons: [expect.stringMatching(/no judge champion/)] });
    await empty.close();
  });
});

describe('Flagger webhooks (documented payload)', () => {
  it('rollout: 200 when the canary passes, 409 (a failed check) when it fails', async () => {
    mode = 'healthy';
    const ok = await post(app, '/v1/flagger/rollout?judge=kayenta', FLAGGER);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ hook: 'rollout', name: 'podinfo', namespace: 'test', ok: true, decision: 'pass', verdict: 'pass' });
    mode = 'bad';
    const bad = await post(app, '/v1/flagger/rollout', FLAGGER);
    expect(bad.statusCode).toBe(409);
    expect(bad.json()).toMatchObject({ ok: false, decision: 'fail' });
    expect(bad.json().reasons[0]).toMatch(/canary fails: a failed check/);
    expect((await post(app, '/v1/flagger/confirm-traffic-increase', FLAGGER)).statusCode).toBe(409);
  });

  it('rollout, confirm-traffic-increase and rollback with the metrics source down or empty: never a go, never a rollback; the answer says why', async () => {
    for (const m of ['empty', 'error'] as const) {
      mode = m;
      for (const hook of ['rollout', 'confirm-traffic-increase']) {
        const r = await post(app, `/v1/flagger/${hook}`, FLAGGER);
        expect(r.statusCode, `${hook} ${m}`).toBe(409);
        expect(r.json()).toMatchObject({ ok: false, decision: 'inconclusive', reasons: [expect.stringMatching(/inconclusive, not a pass/), expect.stringMatching(/^metrics unavailable/)] });
      }
      const rb = await post(app, '/v1/flagger/rollback', FLAGGER);
      expect(rb.statusCode).toBe(409);
      expect(rb.json()).toMatchObject({ decision: 'no-rollback', reasons: [expect.stringMatching(/^metrics unavailable.*hold/)] });
    }
    const down = withSource(deadUrl);
    expect((await post(down, '/v1/flagger/rollout', FLAGGER)).json()).toMatchObject({ decision: 'inconclusive', reasons: [expect.anything(), expect.stringMatching(/ECONNREFUSED/)] });
    await down.close();
    expect((await post(bare, '/v1/flagger/rollout', FLAGGER)).statusCode).toBe(409);
  });

  it('rollback: the rollback model decides on the window; 200 = roll back now, 409 otherwise', async () => {
    mode = 'healthy';
    const calm = await post(app, '/v1/flagger/rollback', FLAGGER);
    expect(calm.statusCode).toBe(409);
    expect(calm.json()).toMatchObject({ decision: 'no-rollback', modelVersion: 'v0001' });
    expect(['advance', 'hold']).toContain(calm.json().action);
    mode = 'bad';
    const bad = await post(app, '/v1/flagger/rollback?minutes=10', { ...FLAGGER, metadata: { weight: '20' } });
    const b = bad.json();
    // ~25 % of the canary's requests fail against 0.2 % on the primary: the (tiny, 4-epoch) model's P(fault) rises, and
    // the status follows its action (200 exactly when it says roll back).
    expect(b.pFault, JSON.stringify(b)).toBeGreaterThan(calm.json().pFault);
    expect(bad.statusCode).toBe(b.action === 'rollback' ? 200 : 409);
    expect(b).toMatchObject({ ok: b.action === 'rollback', decision: b.action === 'rollback' ? 'rollback' : 'no-rollback' });
    const badWeight = await post(app, '/v1/flagger/rollback', { ...FLAGGER, metadata: { weight: 'lots' } });
    expect(badWeight.statusCode).toBe(400);
    expect(badWeight.json().error.field).toBe('body.metadata.weight');
  });

  it('confirm-rollout / confirm-promotion gate on the risk in the metadata and the deploy window (failure = wait)', async () => {
    const go = await post(app, '/v1/flagger/confirm-rollout', FLAGGER);
    expect(go.statusCode).toBe(200);
    expect(go.json().reasons[0]).toMatch(/no gate declared/);
    // The features the metadata does not give are named in risk.impute (scored at their training median): without it, wait.
    const given = ['lines_added', 'files_changed', 'config_only', 'tier', 'hour_sin', 'hour_cos', 'weekend'];
    const names = ((await app.inject({ method: 'GET', url: '/v1/risk/features' })).json().features as { name: string }[]).map((f) => f.name);
    const impute = names.filter((n) => !given.includes(n)).join(',');
    const small = { ...FLAGGER, metadata: { 'risk.lines_added': '3', 'risk.files_changed': '1', 'risk.config_only': 'true', 'risk.tier': 'api', 'risk.max': '0.99', 'risk.impute': impute } };
    const s = await post(app, '/v1/flagger/confirm-rollout', small);
    expect(s.statusCode, s.body).toBe(200);
    expect(s.json()).toMatchObject({ decision: 'go', modelVersion: 'v0001' });
    const p = s.json().riskProbability;
    expect(p).toBeGreaterThan(0);
    const strict = await post(app, '/v1/flagger/confirm-promotion', { ...small, metadata: { ...small.metadata, 'risk.max': String(p / 2) } });
    expect(strict.statusCode).toBe(409);
    expect(strict.json()).toMatchObject({ decision: 'wait', reasons: [expect.stringMatching(/^risk .* > /)] });
    // 10:30 UTC on a Wednesday.
    const inside = await post(app, '/v1/flagger/confirm-promotion', { ...FLAGGER, metadata: { 'window.days': 'Mon-Fri', 'window.hours': '09:00-17:00' } });
    expect(inside.statusCode).toBe(200);
    const outside = await post(app, '/v1/flagger/confirm-promotion', { ...FLAGGER, metadata: { 'window.days': 'Mon-Fri', 'window.hours': '09:00-17:00', 'window.timezone': 'America/Los_Angeles' } });
    expect(outside.statusCode).toBe(409);
    expect(outside.json().reasons[0]).toMatch(/outside the deploy window: Wed 02:30 America\/Los_Angeles/);
    const unknown = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { 'risk.linez': '1' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe('body.metadata.risk.linez');
    // No risk champion: wait, saying why.
    const empty = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rolloutlab-empty-')), now: () => NOW });
    const w = await post(empty, '/v1/flagger/confirm-rollout', small);
    expect(w.statusCode).toBe(409);
    expect(w.json().reasons[0]).toMatch(/no risk champion/);
    await empty.close();
  });

  it('confirm-rollout waits on partial or unseen risk evidence and refuses impossible values, naming the metadata key', async () => {
    const names = ((await app.inject({ method: 'GET', url: '/v1/risk/features' })).json().features as { name: string; trainingMax?: number }[]);
    const partial = { ...FLAGGER, metadata: { 'risk.lines_added': '3', 'risk.tier': 'api', 'risk.max': '0.99' } };
    const w = await post(app, '/v1/flagger/confirm-rollout', partial);
    expect(w.statusCode, w.body).toBe(409);
    expect(w.json().decision).toBe('wait');
    expect(w.json().reasons[0]).toMatch(/risk evidence incomplete: \d+ of \d+ features missing from the metadata \(.*files_changed.*\)/);
    // The time of day and the weekend come from now, not from a median.
    expect(w.json().reasons[0]).not.toMatch(/hour_sin|hour_cos|weekend/);
    // Only the named ones may be imputed.
    const some = await post(app, '/v1/flagger/confirm-promotion', { ...partial, metadata: { ...partial.metadata, 'risk.impute': 'files_changed' } });
    expect(some.statusCode).toBe(409);
    expect(some.json().reasons[0]).not.toMatch(/[(, ]files_changed[,)]/);
    const typo = await post(app, '/v1/flagger/confirm-rollout', { ...partial, metadata: { ...partial.metadata, 'risk.impute': 'files_changd' } });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error.field).toBe('body.metadata.risk.impute');
    for (const [k, v] of [['risk.lines_added', '-5'], ['risk.lines_added', '1e308'], ['risk.test_coverage', '1.5']]) {
      const bad = await post(app, '/v1/flagger/confirm-rollout', { ...partial, metadata: { ...partial.metadata, [k]: v } });
      expect(bad.statusCode, `${k}=${v}`).toBe(400);
      expect(bad.json().error.field).toBe(`body.metadata.${k}`);
    }
    // Every feature given, one far above what the model was trained on: wait, saying so.
    const all = names.filter((f) => !['hour_sin', 'hour_cos', 'weekend'].includes(f.name)).map((f) => f.name);
    const la = names.find((f) => f.name === 'lines_added')!;
    const big = { ...FLAGGER, metadata: { 'risk.max': '0.99', 'risk.impute': all.filter((n) => n !== 'lines_added').join(','), 'risk.lines_added': String(la.trainingMax! * 10 + 1) } };
    const far = await post(app, '/v1/flagger/confirm-rollout', big);
    expect(far.statusCode, far.body).toBe(409);
    expect(far.json().reasons[0]).toMatch(/outside the training range \(lines_added/);
  });

  it('deploy windows: day ranges wrap, hours may cross midnight', () => {
    const d = new Date('2024-03-10T23:30:00Z'); // a Sunday
    expect(inDeployWindow({ 'window.days': 'Fri-Mon' }, d)?.ok).toBe(true);
    expect(inDeployWindow({ 'window.days': 'Mon-Fri' }, d)?.ok).toBe(false);
    expect(inDeployWindow({ 'window.hours': '22:00-06:00' }, d)?.ok).toBe(true);
    expect(inDeployWindow({}, d)).toBeNull();
  });

  it('pre-rollout, post-rollout and event are accepted and recorded on GET /v1/flagger/events', async () => {
    for (const h of ['pre-rollout', 'post-rollout']) expect((await post(app, `/v1/flagger/${h}`, FLAGGER)).statusCode).toBe(200);
    const ev = await post(app, '/v1/flagger/event', FLAGGER_EVENT);
    expect(ev.statusCode).toBe(200);
    expect(ev.json()).toMatchObject({ hook: 'event', decision: 'recorded' });
    const list = (await app.inject({ method: 'GET', url: '/v1/flagger/events?limit=3' })).json().events;
    expect(list.map((e: { hook: string }) => e.hook)).toEqual(['pre-rollout', 'post-rollout', 'event']);
    expect(list[2]).toMatchObject({ at: NOW.toISOString(), status: 200, payload: FLAGGER_EVENT });
    const all = (await app.inject({ method: 'GET', url: '/v1/flagger/events' })).json().events;
    expect(all.some((e: { hook: string; status: number }) => e.hook === 'rollout' && e.status === 409)).toBe(true);
  });
});

describe('Kayenta RemoteJudge', () => {
  it('POST /judge answers a judge result: per-metric classifications, group scores, a Pass/Marginal/Fail summary', async () => {
    const r = await post(app, '/judge', KAYENTA);
    expect(r.statusCode, r.body).toBe(200);
    const j = r.json();
    expect(j.judgeName).toBe('NetflixACAJudge-v1.0');
    expect(j.results.map((x: { name: string; classification: string }) => [x.name, x.classification])).toEqual([['latency-p50', 'Pass'], ['errors', 'High']]);
    expect(j.results[1]).toMatchObject({ id: '4a0b6d4e-2', tags: { app: 'podinfo' }, groups: ['errors'], critical: true, muted: false, experimentMetadata: { stats: { count: 20 } }, controlMetadata: { stats: { count: 20 } } });
    expect(j.results[1].resultMetadata.ratio).toBeGreaterThan(10);
    expect(j.groupScores).toEqual(expect.arrayContaining([{ name: 'latency', score: 100 }, { name: 'errors', score: 0 }]));
    expect(j.score).toMatchObject({ score: 0, classification: 'Fail' });
    // The healthy metric alone passes (a config listing only it: a listed metric without its pair is Nodata).
    const alone = { ...KAYENTA, canaryConfig: { ...KAYENTA.canaryConfig, metrics: KAYENTA.canaryConfig.metrics.slice(0, 1) }, metricSetPairList: KAYENTA.metricSetPairList.slice(0, 1) };
    const pass = (await post(app, '/judge', alone)).json();
    expect(pass.score).toMatchObject({ score: 100, classification: 'Pass' });
    // A metric without values at all: Nodata, stats serialised without NaN.
    const none = await post(app, '/judge', { ...KAYENTA, metricSetPairList: [{ ...KAYENTA.metricSetPairList[0], values: { control: [], experiment: ['NaN', null] } }] });
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json().results[0]).toMatchObject({ classification: 'Nodata', experimentMetadata: { stats: { count: 0 } } });
    // A pair naming no configured metric: 400 naming it.
    const unknown = await post(app, '/judge', { ...KAYENTA, metricSetPairList: [{ ...KAYENTA.metricSetPairList[0], name: 'cpu' }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe('body.metricSetPairList[0].name');
  });

  const withValue = (v: unknown) => {
    const req = structuredClone(KAYENTA);
    req.metricSetPairList[1].values.control[7] = v;
    return req;
  };
  it('one outlier baseline sample (600, 1e308) does not turn the critical Fail into a Pass', async () => {
    for (const v of [600, 1e308]) {
      const r = await post(app, '/judge', withValue(v));
      expect(r.statusCode, r.body).toBe(200);
      const j = r.json();
      expect(j.results[1], String(v)).toMatchObject({ name: 'errors', classification: 'High', critical: true });
      expect(j.results[1].classificationReason).toContain('outlier guard');
      expect(j.score, String(v)).toMatchObject({ score: 0, classification: 'Fail' });
    }
  });
  it('a negative or infinite value is a 400 naming it', async () => {
    for (const v of [-50, -1e308, 'Infinity', '-Infinity']) {
      const r = await post(app, '/judge', withValue(v));
      expect(r.statusCode, String(v)).toBe(400);
      expect(r.json().error.field).toBe('body.metricSetPairList[1].values.control[7]');
      expect(r.json().error.message).toMatch(/negative|infinite/);
    }
  });
  it('a missing critical metric, or nanStrategy replace with an empty series, fails the canary (Nodata)', async () => {
    const missing = (await post(app, '/judge', { ...KAYENTA, metricSetPairList: KAYENTA.metricSetPairList.slice(0, 1) })).json();
    expect(missing.results[1]).toMatchObject({ name: 'errors', classification: 'Nodata', critical: true });
    expect(missing.score).toMatchObject({ score: 0, classification: 'Fail' });
    const req = structuredClone(KAYENTA);
    req.canaryConfig.metrics[1].analysisConfigurations.canary.nanStrategy = 'replace';
    req.metricSetPairList[1].values.experiment = [];
    const empty = (await post(app, '/judge', req)).json();
    expect(empty.results[1]).toMatchObject({ name: 'errors', classification: 'Nodata', critical: true });
    expect(empty.score).toMatchObject({ score: 0, classification: 'Fail' });
  });
  it('POST /v1/canary/verdict?judge=kayenta fails a 10x canary whose baseline has one minute at 600 errors (5, 10, 20 minutes)', async () => {
    const cohort = (row: number[]) => ({ requests: row[0], errors: row[1], slow: row[2], latencyP50: row[3], latencyP99: row[4], conversions: row[5] });
    const tenX = BAD.map((r, i) => [r[0], [29, 31, 30, 28, 32][i], ...r.slice(2)]);
    for (const minutes of [5, 10, 20]) {
      const canary = Array.from({ length: minutes }, (_, i) => cohort(tenX[i % 5]));
      const baseline = Array.from({ length: minutes }, (_, i) => cohort(HEALTHY[i % 5]));
      baseline[1] = { ...baseline[1], errors: 600 };
      const r = await post(app, '/v1/canary/verdict?judge=kayenta', { canary, baseline, latencyObjectiveMs: 250 });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().verdict, `${minutes} min: ${r.body}`).toBe('fail');
    }
  });
});

describe('the pre-deploy risk gate: one decision from every hook', () => {
  type Spec = { name: string; kind: string; levels?: string[]; trainingMin?: number };
  /** Every feature of the risk champion at a value it was trained on (so the score is complete). */
  const seenFeatures = async () => {
    const specs = (await app.inject({ method: 'GET', url: '/v1/risk/features' })).json().features as Spec[];
    return Object.fromEntries(specs.map((f) => [f.name, f.kind === 'category' ? f.levels![0] : f.trainingMin!])) as Record<string, number | string>;
  };
  const asMetadata = (features: Record<string, number | string>) => Object.fromEntries(Object.entries(features).map(([k, v]) => [`risk.${k}`, String(v)]));
  /** The three hooks' answers for the same features, traffic and threshold, side by side. */
  const threeHooks = async (features: Record<string, number | string>, rpm: number, blockAbove: number) => {
    const plan = await post(app, '/v1/rollout/plan', { features, rpm, gate: { blockAbove } });
    const flagger = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...asMetadata(features), 'risk.max': String(blockAbove), 'plan.rpm': String(rpm) } });
    const argo = await post(app, '/v1/argo/gate', { features, rpm, gate: { blockAbove } });
    expect([plan.statusCode, argo.statusCode], `${plan.body}\n${argo.body}`).toEqual([200, 200]);
    return { plan: plan.json(), flagger: { status: flagger.statusCode, body: flagger.json() }, argo: argo.json().result };
  };

  it('POST /v1/rollout/plan, Flagger confirm-rollout and POST /v1/argo/gate give the same decision, reasons, recommendations and plan (pass, blocked, wait)', async () => {
    const all = await seenFeatures();
    const cases: [string, Record<string, number | string>, number, 'pass' | 'blocked' | 'wait'][] = [
      ['pass', all, 1, 'pass'],
      ['blocked', all, 0, 'blocked'],
      // One feature left out: the score is incomplete, so below the threshold every hook waits.
      ['wait', Object.fromEntries(Object.entries(all).filter(([k]) => k !== 'files_changed')), 1, 'wait'],
    ];
    for (const [label, features, blockAbove, expected] of cases) {
      const h = await threeHooks(features, 800, blockAbove);
      expect(h.plan.gate.decision, label).toBe(expected);
      expect(h.flagger.body.gate, label).toEqual(expected === 'wait' ? { ...h.plan.gate, reasons: expect.any(Array), recommendations: expect.any(Array) } : h.plan.gate);
      expect(h.argo.decision, label).toBe(expected);
      expect(h.argo.pass, label).toBe(expected === 'pass' ? 1 : expected === 'blocked' ? 0 : -1);
      // Flagger: only a pass is a go (200); blocked and wait are 409 with the recommendations.
      expect(h.flagger.status, label).toBe(expected === 'pass' ? 200 : 409);
      expect(h.flagger.body.decision, label).toBe(expected === 'pass' ? 'go' : 'wait');
      expect(h.flagger.body.recommendations, label).toEqual(h.flagger.body.gate.recommendations);
      if (expected === 'blocked') expect(h.flagger.body.recommendations.join(' ')).toMatch(/low-traffic window/);
      expect(h.argo.risk, label).toBe(h.plan.risk.probability);
      expect(h.flagger.body.riskProbability, label).toBe(h.plan.risk.probability);
      // The same plan from the optimiser at the same traffic.
      const { optimised, reasons, ...plan } = h.argo.plan;
      expect(plan, label).toEqual(h.plan.plan);
      expect({ optimised, reasons }, label).toEqual({ optimised: h.plan.optimised, reasons: h.plan.reasons });
      expect(h.flagger.body.plan, label).toEqual(h.argo.plan);
      if (expected !== 'wait') {
        expect(h.argo.reasons, label).toEqual(h.plan.gate.reasons);
        expect(h.argo.recommendations, label).toEqual(h.plan.gate.recommendations);
      } else {
        // The same gap, said in each hook's terms: the feature left out is named.
        for (const r of [h.plan.gate.reasons[0], h.flagger.body.reasons[0], h.argo.reasons[0]]) expect(r, label).toMatch(/risk evidence incomplete: 1 of \d+ features missing from .*\(files_changed\)/);
      }
    }
  });

  it('impute: a feature left out and named in impute is scored at its training median by every hook alike (Flagger risk.impute, impute on the two bodies); a name the model lacks is a 400', async () => {
    const all = await seenFeatures();
    const partial = Object.fromEntries(Object.entries(all).filter(([k]) => k !== 'files_changed'));
    const plan = (await post(app, '/v1/rollout/plan', { features: partial, rpm: 800, gate: { blockAbove: 1 }, impute: ['files_changed'] })).json();
    const argoList = (await post(app, '/v1/argo/gate', { features: partial, rpm: 800, gate: { blockAbove: 1 }, impute: ['files_changed'] })).json().result;
    const argoText = (await post(app, '/v1/argo/gate', { features: partial, rpm: 800, gate: { blockAbove: 1 }, impute: ' files_changed ' })).json().result;
    const flagger = (await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...asMetadata(partial), 'risk.max': '1', 'plan.rpm': '800', 'risk.impute': 'files_changed' } })).json();
    // Without impute the same request waits (the first case of the test above); with it, it passes, the same everywhere.
    expect(plan.gate.decision).toBe('pass');
    expect(argoList).toEqual(argoText);
    expect(argoList.decision).toBe('pass');
    expect(argoList.risk).toBe(plan.risk.probability);
    expect(flagger.gate).toEqual(plan.gate);
    expect(flagger.riskProbability).toBe(plan.risk.probability);
    // Another feature still missing: impute covers only what it names, so the gate waits.
    const two = Object.fromEntries(Object.entries(partial).filter(([k]) => k !== 'lines_added'));
    expect((await post(app, '/v1/rollout/plan', { features: two, rpm: 800, gate: { blockAbove: 1 }, impute: ['files_changed'] })).json().gate.decision).toBe('wait');
    for (const [url, body, field] of [
      ['/v1/rollout/plan', { features: partial, rpm: 800, impute: ['files_changd'] }, 'body.impute[0]'],
      ['/v1/argo/gate', { features: partial, rpm: 800, impute: 'files_changed,files_changd' }, 'body.impute[1]'],
    ] as [string, unknown, string][]) {
      const r = await post(app, url, body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
  });

  it('POST /v1/argo/gate: analysis arguments as text, the time features from the clock, 400 naming the field, the human controls, and no champion is a wait', async () => {
    const all = await seenFeatures();
    const text = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, String(v)]));
    const asText = (await post(app, '/v1/argo/gate', { features: text, rpm: '800', gate: { blockAbove: '1' } })).json().result;
    const asNumbers = (await post(app, '/v1/argo/gate', { features: all, rpm: 800, gate: { blockAbove: 1 } })).json().result;
    expect(asText).toEqual(asNumbers);
    expect(asText).toMatchObject({ decision: 'pass', pass: 1, blockAbove: 1, modelVersion: 'v0001', name: null });
    // hour_sin, hour_cos and weekend not sent: those of the call's time (NOW), as Flagger's hooks do.
    const { hour_sin: _s, hour_cos: _c, weekend: _w, ...noTime } = all;
    const timed = (await post(app, '/v1/argo/gate', { features: noTime, rpm: 800, gate: { blockAbove: 1 } })).json().result;
    expect(timed.reasons.join(' ')).not.toMatch(/missing/);
    for (const [body, field] of [
      [{ features: all, rpm: 'lots' }, 'body.rpm'],
      [{ features: all, rpm: '-5' }, 'body.rpm'],
      [{ features: all, rpm: 10, gate: { blockAbove: '1.5' } }, 'body.gate.blockAbove'],
      [{ features: { ...all, lines_added: '-5' }, rpm: 10 }, 'body.features.lines_added'],
      [{ features: all, rpm: 10, extra: 1 }, 'body.extra'],
      [{ features: all, rpm: 10, constraints: { deadlineMinutes: 'soon' } }, 'body.constraints.deadlineMinutes'],
      [{ features: all, rpm: 10, constraints: { maxFirstStepPercent: '150' } }, 'body.constraints.maxFirstStepPercent'],
    ] as [unknown, string][]) {
      const r = await post(app, '/v1/argo/gate', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    // Constraints fit the plan as POST /v1/rollout/plan fits it; impossible ones are a 422 naming the constraint.
    const fitted = (await post(app, '/v1/argo/gate', { features: all, rpm: 800, constraints: { maxFirstStepPercent: '0.5', deadlineMinutes: '45' } })).json().result;
    const route = (await post(app, '/v1/rollout/plan', { features: all, rpm: 800, constraints: { maxFirstStepPercent: 0.5, deadlineMinutes: 45 } })).json();
    expect(fitted.plan).toEqual({ ...route.plan, optimised: route.optimised, reasons: route.reasons });
    expect(fitted.plan.steps[0]).toBeLessThanOrEqual(0.5);
    const no = await post(app, '/v1/argo/gate', { features: all, rpm: 800, constraints: { maxFirstStepPercent: 0.01 } });
    expect(no.statusCode).toBe(422);
    expect(no.json()).toMatchObject({ error: { code: 'NO_FEASIBLE_PLAN', field: 'body.constraints.maxFirstStepPercent' }, closestFeasible: { plan: { steps: [0.1, expect.any(Number), expect.any(Number), expect.any(Number), 100] } } });
    // A hold on the rollout turns a pass into a wait (-1: Argo pauses), saying who and why.
    const controlled = buildApp({ modelsRoot: models, now: () => NOW, insecureOpenWrites: true });
    const set = await post(controlled, '/v1/overrides', { deployment: 'test/podinfo', action: 'hold', by: 'alice', reason: 'incident open' });
    expect(set.statusCode, set.body).toBe(201);
    const held = (await post(controlled, '/v1/argo/gate', { features: all, rpm: 800, gate: { blockAbove: 1 }, name: 'podinfo', namespace: 'test' })).json().result;
    expect(held).toMatchObject({ decision: 'wait', pass: -1, name: 'podinfo', namespace: 'test', control: { source: 'override', action: 'hold', modelAnswer: 'pass', changed: true } });
    expect(held.reasons[0]).toMatch(/^override hold by alice/);
    await controlled.close();
    // No risk champion: the careful plan and a wait, never a pass.
    const empty = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rolloutlab-empty-')), now: () => NOW });
    const w = (await post(empty, '/v1/argo/gate', { features: all, rpm: 800, gate: { blockAbove: 1 } })).json().result;
    expect(w).toMatchObject({ decision: 'wait', pass: -1, risk: null, plan: { name: 'guarded', optimised: false } });
    expect(w.reasons[0]).toMatch(/no risk champion is loaded/);
    await empty.close();
    const t = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(t).toMatch(/^rolloutlab_extension_decisions_total\{route="argo\/gate",outcome="pass"\} [1-9]\d*$/m);
  });

  it('Flagger confirm-rollout: plan.rpm gives the plan; without it the plan is null and the reasons are as before; a bad plan.rpm is a 400 naming it', async () => {
    const all = await seenFeatures();
    const meta = { ...asMetadata(all), 'risk.max': '1' };
    const none = (await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: meta })).json();
    expect(none).toMatchObject({ decision: 'go', plan: null, gate: { decision: 'pass', blockAbove: 1 } });
    expect(none.reasons).toEqual(none.gate.reasons);
    const some = (await post(app, '/v1/flagger/confirm-promotion', { ...FLAGGER, metadata: { ...meta, 'plan.rpm': '800' } })).json();
    expect(some.plan).toMatchObject({ name: expect.any(String), optimised: true });
    for (const [k, v] of [['plan.rpm', 'lots'], ['plan.rpm', '-1'], ['plan.rpms', '800']]) {
      const r = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...meta, [k]: v } });
      expect(r.statusCode, `${k}=${v}`).toBe(400);
      expect(r.json().error.field).toBe(`body.metadata.${k}`);
    }
    // plan.rpm alone declares no gate: refused rather than ignored.
    const alone = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { 'plan.rpm': '800' } });
    expect(alone.statusCode).toBe(400);
    expect(alone.json().error.field).toBe('body.metadata.plan.rpm');
  });

  it('Flagger confirm-rollout: plan constraints in the metadata fit the plan as POST /v1/rollout/plan does; one no plan meets is a wait naming the key; a bad or misplaced one is a 400', async () => {
    const all = await seenFeatures();
    const meta = { ...asMetadata(all), 'risk.max': '1', 'plan.rpm': '800' };
    const cases: [Record<string, string>, Record<string, number>, number][] = [
      [{ 'plan.maxFirstStepPercent': '0.1' }, { maxFirstStepPercent: 0.1 }, 30],
      [{ 'plan.deadlineMinutes': '15', 'plan.bakeMinutes': '45' }, { deadlineMinutes: 15 }, 45],
      [{ 'plan.maxFirstStepPercent': '1', 'plan.maxExposurePercent': '100' }, { maxFirstStepPercent: 1, maxExposurePercent: 100 }, 30],
    ];
    for (const [extra, constraints, bakeMinutes] of cases) {
      const label = JSON.stringify(extra);
      const flagger = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...meta, ...extra } });
      const plan = (await post(app, '/v1/rollout/plan', { features: all, rpm: 800, bakeMinutes, gate: { blockAbove: 1 }, constraints })).json();
      expect(flagger.statusCode, `${label}: ${flagger.body}`).toBe(200);
      const { optimised, reasons, ...view } = flagger.json().plan;
      expect(view, label).toEqual(plan.plan);
      expect(reasons, label).toEqual(plan.reasons);
      expect(optimised, label).toBe(plan.optimised);
      if (constraints.maxFirstStepPercent !== undefined) expect(view.steps[0], label).toBeLessThanOrEqual(constraints.maxFirstStepPercent);
      if (constraints.deadlineMinutes !== undefined) expect(view.minutesToFull, label).toBeLessThanOrEqual(constraints.deadlineMinutes);
    }
    // A deadline no plan meets: /v1/rollout/plan says 422; Flagger waits (409), naming the key and the closest plan.
    const tooSoon = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...meta, 'plan.deadlineMinutes': '5' } });
    expect(tooSoon.statusCode).toBe(409);
    expect(tooSoon.json()).toMatchObject({ decision: 'wait', ok: false, plan: null });
    expect(tooSoon.json().reasons[0]).toMatch(/^no plan meets the metadata: plan\.deadlineMinutes is 5 min, shorter than every plan's time to full rollout.*; the closest plan: \S+/);
    expect((await post(app, '/v1/rollout/plan', { features: all, rpm: 800, gate: { blockAbove: 1 }, constraints: { deadlineMinutes: 5 } })).statusCode).toBe(422);
    for (const [k, v, m] of [
      ['plan.deadlineMinutes', 'soon', meta],
      ['plan.maxFirstStepPercent', '150', meta],
      ['plan.bakeMinutes', '2.5', meta],
      // Without plan.rpm no plan is chosen: a constraint is refused rather than ignored.
      ['plan.deadlineMinutes', '30', { ...asMetadata(all), 'risk.max': '1' }],
    ] as [string, string, Record<string, string>][]) {
      const r = await post(app, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...m, [k]: v } });
      expect(r.statusCode, `${k}=${v}`).toBe(400);
      expect(r.json().error.field, `${k}=${v}`).toBe(`body.metadata.${k}`);
    }
    // Read by the confirm hooks only.
    const misplaced = await post(app, '/v1/flagger/rollback', { ...FLAGGER, metadata: { 'plan.deadlineMinutes': '30' } });
    expect(misplaced.statusCode).toBe(400);
    expect(misplaced.json().error.message).toMatch(/read by the confirm-rollout and confirm-promotion hooks only/);
  });
});

describe('recorded rollouts re-judged by the learned judge (backtest --replay)', () => {
  it('judges every window as ml with the registry’s judge champion; asked for without one, exit 2 naming --policies', async () => {
    const r = await inProcess(['backtest', '--replay', 'examples/replay-sample.csv', '--policies', 'ml,kayenta', '--models', models, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.judges)).toEqual(['ml', 'kayenta']);
    expect(j.judges.ml.windows).toBe(j.judges.kayenta.windows);
    expect(j.judges.ml.windows).toBeGreaterThan(0);
    // By default every judge runs, ml among them when the registry has one.
    const all = JSON.parse((await inProcess(['backtest', '--replay', 'examples/replay-sample.csv', '--models', models, '--json'])).stdout);
    expect(Object.keys(all.judges)).toContain('ml');
    const none = await inProcess(['backtest', '--replay', 'examples/replay-sample.csv', '--policies', 'ml', '--models', join(tmpdir(), 'no-registry-here'), '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout).error.field).toBe('policies');
  }, 60_000);
});

describe('OpenAPI, metrics and malformed bodies', () => {
  it('the new routes are in the OpenAPI document with their schemas, and counted on /metrics', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    for (const h of ['rollout', 'rollback', 'confirm-rollout', 'confirm-promotion', 'confirm-traffic-increase', 'pre-rollout', 'post-rollout', 'event']) {
      const op = doc.paths[`/v1/flagger/${h}`]?.post;
      expect(op, h).toBeDefined();
      expect(op.requestBody.content['application/json'].schema.required).toEqual(['name', 'namespace', 'phase']);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '409', '400']));
    }
    expect(doc.paths['/v1/argo/verdict'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['name', 'namespace', 'minutes', 'judge']);
    expect(doc.paths['/v1/argo/verdict'].post.responses['200'].content['application/json'].schema.properties.result.required).toContain('verdict');
    expect(doc.paths['/judge'].post.requestBody.content['application/json'].schema.required).toEqual(['canaryConfig', 'scoreThresholds', 'metricSetPairList']);
    expect(doc.paths['/v1/flagger/events'].get).toBeDefined();
    const t = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(t).toMatch(/^rolloutlab_extension_decisions_total\{route="argo\/verdict",outcome="fail"\} [1-9]\d*$/m);
    expect(t).toMatch(/^rolloutlab_extension_decisions_total\{route="flagger\/rollout",outcome="inconclusive"\} [1-9]\d*$/m);
    expect(t).toMatch(/^rolloutlab_extension_decisions_total\{route="kayenta\/judge",outcome="Fail"\} [1-9]\d*$/m);
  });

  const valid: Record<string, unknown> = {
    '/v1/flagger/rollout': FLAGGER,
    '/v1/flagger/rollback': { ...FLAGGER, metadata: { weight: '20' } },
    '/v1/flagger/confirm-rollout': { ...FLAGGER, metadata: { 'risk.lines_added': '10', 'risk.tier': 'api', 'window.days': 'Mon-Fri' } },
    '/v1/flagger/event': FLAGGER_EVENT,
    '/v1/argo/verdict': { name: 'podinfo', namespace: 'test', minutes: 5, judge: 'kayenta' },
    '/v1/argo/gate': { features: { lines_added: 120, tier: 'api' }, rpm: '800', gate: { blockAbove: 0.5 }, name: 'podinfo', namespace: 'test' },
    '/judge': KAYENTA,
  };

  it.each(Object.keys(valid))('%s: zero 5xx over 500 malformed bodies; every 400 names a field and the problem', async (url) => {
    mode = 'healthy';
    // 409 is a Flagger hook's verdict (a failed check / wait), not a rejected body.
    const { rejected } = await throwMalformed(app, url, valid[url], 500, 9, [409]);
    // Kayenta's request is open to fields Kayenta may add (like its own canaryConfig), so fewer mutations are errors.
    expect(rejected).toBeGreaterThan(url === '/judge' ? 150 : 250);
  }, 60_000);
});
