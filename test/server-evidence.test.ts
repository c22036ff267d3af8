// Fail closed on partial evidence and on typos (server/decide.ts, server/adapters/, server/metrics-source.ts,
// server/schemas.ts): a window with too few usable minutes, or a Prometheus that answers only some of the series, is
// never a pass on any route; unknown fields in a body and misspelt Flagger metadata keys are a 400 naming them; a
// minute no real cohort can have is a 400 naming the field. Metric values come from an in-process fake MetricsSource
// or a fake Prometheus (node:http answering /api/v1/query_range); tiny models are trained as test/server.test.ts does.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CohortMetrics } from '../sim/env.ts';
import { buildApp } from '../server/app.ts';
import { PrometheusSource, type MetricsSource, type MetricsWindow, type PromQueries } from '../server/metrics-source.ts';
import { trainTinyModels } from './tiny-models.ts';

const fixture = (f: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'extensions', f), 'utf8'));
const FLAGGER = fixture('flagger-webhook.json');
const KAYENTA = fixture('kayenta-judge-request.json');
const NOW = new Date('2024-03-06T10:30:00Z');

const m = (requests: number, errors: number, slow: number, p50: number, p99: number, conversions: number): CohortMetrics => ({
  requests, errors, slow, latencyP50: p50, latencyP95: p99 * 0.75, latencyP99: p99, cpu: 0.42, memory: 0.45, pool: 0.2, conversions, callerRequests: 0, callerErrors: 0,
});
const HEALTHY: CohortMetrics[] = [m(1210, 2, 5, 41.8, 120.4, 25), m(1185, 3, 4, 42.3, 118.9, 23), m(1240, 2, 6, 41.5, 122.0, 27), m(1198, 1, 5, 42.0, 119.7, 24), m(1225, 3, 4, 41.9, 121.2, 26)];
/** HEALTHY with only the minutes at `keep` present. */
const only = (keep: number[]) => HEALTHY.map((x, i) => (keep.includes(i) ? x : null));

/** A metrics source answering a fixed window. */
class FakeSource implements MetricsSource {
  constructor(public w: MetricsWindow) {}
  async window() {
    return this.w;
  }
}

// A Prometheus that has the requests series and nothing else (errors, slow, latencies, conversions: empty results).
const QUERIES: PromQueries = {
  requests: 'sum(increase(reqs{workload="{{ target }}"}[{{ interval }}]))',
  errors: 'sum(increase(errs{workload="{{ target }}"}[{{ interval }}]))',
  latencyP50: 'p50{workload="{{ target }}"}',
  latencyP99: 'p99{workload="{{ target }}"}',
};
let prom: Server;
let promUrl = '';
let models = '';
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  prom = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams.get('query') ?? '';
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += 60) values.push([t, '1200']);
    const result = q.startsWith('sum(increase(reqs{') ? [{ metric: {}, values }] : [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
  });
  await new Promise<void>((done) => prom.listen(0, '127.0.0.1', done));
  promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
  models = await trainTinyModels(mkdtempSync(join(tmpdir(), 'rolloutlab-evidence-')));
}, 90_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await new Promise<void>((done) => (prom ? prom.close(() => done()) : done()));
});

async function appWith(source?: MetricsSource): Promise<FastifyInstance> {
  const a = buildApp({ modelsRoot: models, metricsSource: source, now: () => NOW, rateLimit: false });
  apps.push(a);
  await a.ready();
  return a;
}
const post = (a: FastifyInstance, url: string, payload: unknown) => a.inject({ method: 'POST', url, payload: payload as object });
const argo = (a: FastifyInstance, judge: string) => a.inject({ method: 'GET', url: `/v1/argo/verdict?name=podinfo&namespace=test&judge=${judge}` });

describe('partial evidence is never a pass', () => {
  it('Prometheus with only the requests series: Argo inconclusive (pass -1) and Flagger rollout 409, naming the missing series', async () => {
    const a = await appWith(new PrometheusSource({ url: promUrl, queries: QUERIES, now: () => NOW }));
    for (const judge of ['ml', 'kayenta']) {
      const r = (await argo(a, judge)).json().result;
      expect(r.verdict, `${judge}: ${r.reasons}`).toBe('inconclusive');
      expect(r.pass).toBe(-1);
      expect(r.reasons[0]).toMatch(/^insufficient evidence: 0 of 5 minute\(s\) usable/);
      expect(r.reasons).toContain('test/podinfo: no errors value in 5 of 5 minute(s) with requests (those minutes are missing)');
      expect(r.reasons).toContain('test/podinfo-primary: no errors value in 5 of 5 minute(s) with requests (those minutes are missing)');
      const f = await post(a, `/v1/flagger/rollout?judge=${judge}`, FLAGGER);
      expect(f.statusCode, f.body).toBe(409);
      expect(f.json()).toMatchObject({ ok: false, decision: 'inconclusive' });
      expect(f.json().reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^insufficient evidence/)]));
      expect((await post(a, `/v1/flagger/confirm-traffic-increase?judge=${judge}`, FLAGGER)).statusCode).toBe(409);
    }
  });

  it('1 of 5 minutes: Argo, Flagger and POST /v1/canary/verdict are inconclusive with both judges; 3 of 5 are judged', async () => {
    const src = new FakeSource({ canary: only([4]), baseline: only([4]), kpi: true, slow: true });
    const a = await appWith(src);
    for (const judge of ['ml', 'kayenta']) {
      const r = (await argo(a, judge)).json().result;
      expect(r.verdict, `${judge}: ${r.reasons}`).toBe('inconclusive');
      expect(r.reasons[0]).toBe(
        'insufficient evidence: 1 of 5 minute(s) usable, at least 3 needed (a usable minute has a sample of the canary and the baseline with request and error counts and, when it served requests, p99 latency and p50 latency)',
      );
      expect(r.reasons).toContain('canary: no sample in 4 minute(s)');
      const f = await post(a, `/v1/flagger/rollout?judge=${judge}`, FLAGGER);
      expect(f.statusCode).toBe(409);
      expect(f.json().decision).toBe('inconclusive');
      const v = await post(a, `/v1/canary/verdict?judge=${judge}`, { canary: only([4]), baseline: only([4]), latencyObjectiveMs: 250 });
      expect(v.statusCode).toBe(200);
      expect(v.json()).toMatchObject({ verdict: 'inconclusive', judge });
      expect(v.json().reasons[0]).toMatch(/^insufficient evidence: 1 of 5/);
      const short = await post(a, `/v1/canary/verdict?judge=${judge}&reasons=false`, { canary: only([4]), baseline: only([4]) });
      expect(short.json()).toMatchObject({ verdict: 'inconclusive', reasons: [expect.stringMatching(/^insufficient evidence: 1 of 5/)] });
      expect(short.json().reasons).toHaveLength(1);
      // A canary without traffic was observed, but is no evidence for a pass either (each judge's own rule).
      const idle = HEALTHY.map((x) => ({ ...x, requests: 0, errors: 0, slow: 0, conversions: 0, latencyP50: null, latencyP95: null, latencyP99: null }));
      expect((await post(a, `/v1/canary/verdict?judge=${judge}`, { canary: idle, baseline: HEALTHY })).json().verdict).not.toBe('pass');
    }
    // Three of five minutes are enough to judge: the healthy canary passes with the statistical judge.
    src.w = { canary: only([0, 2, 4]), baseline: only([0, 2, 4]), kpi: true, slow: true };
    expect((await argo(a, 'kayenta')).json().result.verdict).toBe('pass');
    expect((await post(a, '/v1/canary/verdict?judge=kayenta', { canary: only([1, 2, 3]), baseline: only([1, 2, 3]) })).json().verdict).toBe('pass');
  });
});

describe('a Prometheus answering values no service has', () => {
  it('drops the minute (missing, with a note) as a request body with it would be a 400: a count above 10^12, a latency above a day', async () => {
    // Every series has a value every minute; the primary's requests read 1e308 in one minute and the canary's p99
    // 1e12 ms in another.
    const odd = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = url.searchParams.get('query') ?? '';
      const start = Number(url.searchParams.get('start'));
      const end = Number(url.searchParams.get('end'));
      const primary = q.includes('podinfo-primary');
      const values: [number, string][] = [];
      for (let t = start, i = 0; t <= end; t += 60, i++) {
        let v = q.startsWith('sum(increase(reqs{') ? '1200' : q.startsWith('sum(increase(errs{') ? '2' : q.startsWith('p50{') ? '42' : '120';
        if (primary && i === 1 && q.startsWith('sum(increase(reqs{')) v = '1e308';
        if (!primary && i === 3 && q.startsWith('p99{')) v = '1e12';
        values.push([t, v]);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
    });
    await new Promise<void>((done) => odd.listen(0, '127.0.0.1', done));
    try {
      const src = new PrometheusSource({ url: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`, queries: QUERIES, now: () => NOW });
      const w = await src.window({ name: 'podinfo', namespace: 'test' }, 5);
      if ('unavailable' in w) throw new Error(w.unavailable);
      expect(w.baseline.map((x) => x === null)).toEqual([false, true, false, false, false]);
      expect(w.canary.map((x) => x === null)).toEqual([false, false, false, true, false]);
      expect(w.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^test\/podinfo-primary: no possible requests value in 1 of 5/), expect.stringMatching(/^test\/podinfo: no possible latencyP99 value in 1 of 5/)]));
    } finally {
      await new Promise<void>((done) => odd.close(() => done()));
    }
  });
});

describe('closed schemas and impossible values', () => {
  it('a misspelt field in a cohort, an observation, the plan or the SLO is a 400 naming it', async () => {
    const a = await appWith();
    const canary = HEALTHY.map((x, i) => (i === 0 ? { ...x, callerErorrs: 600 } : x));
    const v = await post(a, '/v1/canary/verdict?judge=kayenta', { canary, baseline: HEALTHY });
    expect(v.statusCode, v.body).toBe(400);
    expect(v.json().error).toMatchObject({ field: 'body.canary[0].callerErorrs', message: 'body.canary[0].callerErorrs is not allowed (unknown field)' });
    const body = {
      observations: [0, 1, 2].map((age) => ({ age, phase: 'progressing', stage: 0, weight: 0.05, timeAtStage: age, canary: age ? HEALTHY[age] : null, baseline: age ? HEALTHY[age] : null })),
      plan: { stages: [{ exposure: [0.05], dwellMinutes: 5 }, { exposure: [1], dwellMinutes: 5 }], unitShares: [1], bakeMinutes: 10 },
      slo: { objective: 0.999, burnRate: 14.4 },
    };
    expect((await post(a, '/v1/rollout/decision', body)).statusCode).toBe(200);
    const typos: [string, unknown][] = [
      ['body.observations[1].canary.callerErorrs', { ...body, observations: body.observations.map((o, i) => (i === 1 ? { ...o, canary: { ...HEALTHY[1], callerErorrs: 3 } } : o)) }],
      ['body.observations[2].timeAtStag', { ...body, observations: body.observations.map((o, i) => (i === 2 ? { ...o, timeAtStag: 2 } : o)) }],
      ['body.plan.stages[0].dwelMinutes', { ...body, plan: { ...body.plan, stages: [{ exposure: [0.05], dwellMinutes: 5, dwelMinutes: 60 }, body.plan.stages[1]] } }],
      ['body.plan.bakeMinute', { ...body, plan: { ...body.plan, bakeMinute: 0 } }],
      ['body.slo.objetive', { ...body, slo: { ...body.slo, objetive: 0.9 } }],
    ];
    for (const [field, b] of typos) {
      const r = await post(a, '/v1/rollout/decision', b);
      expect(r.statusCode, field).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
  });

  it("Kayenta's request: the fields Kayenta sends are accepted, a misspelt one is a 400 naming it", async () => {
    const a = await appWith();
    expect((await post(a, '/judge', KAYENTA)).statusCode).toBe(200);
    const typo = structuredClone(KAYENTA);
    typo.canaryConfig.metrics[1].analysisConfigurations.canary.critcal = true;
    const r = await post(a, '/judge', typo);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.field).toBe('body.canaryConfig.metrics[1].analysisConfigurations.canary.critcal');
    const pair = structuredClone(KAYENTA);
    pair.metricSetPairList[0].values.experimnt = [1, 2, 3];
    expect((await post(a, '/judge', pair)).json().error.field).toBe('body.metricSetPairList[0].values.experimnt');
    const top = { ...KAYENTA, scoreTresholds: { pass: 0, marginal: 0 } };
    expect((await post(a, '/judge', top)).json().error.field).toBe('body.scoreTresholds');
  });

  it('impossible minutes are a 400 naming the field: percentiles out of order, counts above the requests', async () => {
    const a = await appWith();
    const cases: [string, Partial<CohortMetrics>][] = [
      ['body.canary[2].latencyP99', { latencyP50: 100, latencyP95: 125, latencyP99: 120 }],
      ['body.canary[2].latencyP95', { latencyP50: 50, latencyP95: 40, latencyP99: 120 }],
      ['body.canary[2].latencyP99', { latencyP50: 200, latencyP95: null, latencyP99: 120 }],
      ['body.canary[2].errors', { errors: 5000 }],
      ['body.canary[2].requests', { requests: -1 }],
    ];
    for (const [field, patch] of cases) {
      const canary = HEALTHY.map((x, i) => (i === 2 ? { ...x, ...patch } : x));
      const r = await post(a, '/v1/canary/verdict?judge=kayenta', { canary, baseline: HEALTHY });
      expect(r.statusCode, `${field} ${r.body}`).toBe(400);
      expect(r.json().error.field).toBe(field);
    }
    // Non-finite numbers cannot pass the schema (1e999 parses as Infinity).
    const inf = await a.inject({ method: 'POST', url: '/v1/canary/verdict', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ canary: HEALTHY, baseline: HEALTHY }).replace('"requests":1210', '"requests":1e999') });
    expect(inf.statusCode).toBe(400);
    expect(inf.json().error.field).toMatch(/^body\.canary\[0\]\.requests$/);
  });

  it('Flagger metadata: a misspelt key under a known prefix, or a known key on a hook that ignores it, is a 400 with "did you mean"', async () => {
    const a = await appWith(new FakeSource({ canary: HEALTHY, baseline: HEALTHY, kpi: true, slow: true }));
    const cases: [string, string, Record<string, string>, string][] = [
      ['confirm-rollout', 'body.metadata.window.hour', { 'window.days': 'Sat', 'window.hour': '00:00-01:00' }, 'did you mean "window.hours"?'],
      ['confirm-promotion', 'body.metadata.Window.Hours', { 'Window.Hours': '00:00-01:00' }, 'did you mean "window.hours"?'],
      ['confirm-rollout', 'body.metadata.windw.days', { 'windw.days': 'Sat' }, 'did you mean "window.days"?'],
      ['confirm-rollout', 'body.metadata.Risk.lines_added', { 'Risk.lines_added': '5000' }, 'did you mean "risk.lines_added"?'],
      ['confirm-promotion', 'body.metadata.risk.MAX', { 'risk.MAX': '0.9' }, 'did you mean "risk.max"?'],
      ['rollback', 'body.metadata.weigth', { weigth: '50' }, 'did you mean "weight"?'],
      ['rollback', 'body.metadata.slo.objectve', { 'slo.objectve': '0.99' }, 'did you mean "slo.objective"?'],
      ['rollout', 'body.metadata.window.hours', { 'window.hours': '00:00-01:00' }, 'is read by the confirm-rollout and confirm-promotion hooks only, not by rollout'],
    ];
    for (const [hook, field, metadata, says] of cases) {
      const r = await post(a, `/v1/flagger/${hook}`, { ...FLAGGER, metadata });
      expect(r.statusCode, `${hook} ${field}: ${r.body}`).toBe(400);
      expect(r.json().error.field).toBe(field);
      expect(r.json().error.message).toContain(says);
    }
    // Another tool's keys (the load tester's type / cmd) are left alone; the right spelling gates (10:30 on a Wednesday).
    expect((await post(a, '/v1/flagger/confirm-rollout', FLAGGER)).statusCode).toBe(200);
    const closed = await post(a, '/v1/flagger/confirm-rollout', { ...FLAGGER, metadata: { ...FLAGGER.metadata, 'window.days': 'Sat', 'window.hours': '00:00-01:00' } });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().decision).toBe('wait');
  });

  it('every request body in the OpenAPI document is closed (additionalProperties false)', async () => {
    const a = await appWith();
    const doc = (await a.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const open: string[] = [];
    // Free-form by design: maps keyed by the caller (features, services, tags, metadata, group weights) and the two
    // Kayenta objects that are provider-specific and never read (a metric's query, a pair's attributes).
    const FREE = [/\.query$/, /\.attributes$/];
    const walk = (s: unknown, path: string): void => {
      if (!s || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      const isMap = o.patternProperties !== undefined || (typeof o.additionalProperties === 'object' && o.additionalProperties !== null);
      if (o.type === 'object' && !isMap && o.additionalProperties !== false && !FREE.some((r) => r.test(path))) open.push(path);
      for (const [k, v] of Object.entries((o.properties ?? {}) as Record<string, unknown>)) walk(v, `${path}.${k}`);
      if (o.items) walk(o.items, `${path}[]`);
      for (const k of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(o[k])) for (const x of o[k] as unknown[]) walk(x, path);
      for (const v of Object.values((o.patternProperties ?? {}) as Record<string, unknown>)) walk(v, `${path}.*`);
      if (isMap && o.additionalProperties) walk(o.additionalProperties, `${path}.*`);
    };
    let checked = 0;
    for (const [route, ops] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> }; parameters?: unknown[] }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const body = op.requestBody?.content?.['application/json']?.schema;
        if (body) {
          checked++;
          walk(body, `${method.toUpperCase()} ${route} body`);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    expect(open).toEqual([]);
    // The walk sees a cohort's fields (it would report an open one).
    expect(JSON.stringify(doc.paths['/v1/canary/verdict'].post.requestBody.content['application/json'].schema)).toContain('callerErrors');
  });
});
