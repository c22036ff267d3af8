// The pipeline routes (server/routes/pipeline.ts): POST /v1/pipeline/retry answers exactly what decideRetry answers
// (policies/retry/) for every failed step of a short simulated CI world, with and without a retry champion, and with a
// champion whose probability is not a number it never retries; bodies are closed and checked field by field; a log
// is read by its tail. POST /v1/pipeline/outcome needs the token, stores durably (a closed app's file still holds the
// records), replaces on a repeated id, lists latest first with a limit and pages back; without a store both outcome
// routes answer 503. readRetryOutcomes (training/retry/feedback.ts) reads the records from a JSONL file, the DuckDB
// file and a running server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.ts';
import { loadScenario } from '../sim/index.ts';
import { simulateCiFailures, type CiFailure } from '../sim/ci/index.ts';
import { failedStepOf } from '../training/retry/data.ts';
import { trainRetryOnWorlds } from '../training/retry/train.ts';
import { loadRetrySync, RETRY_FAMILY, RETRY_MODEL_FILE } from '../training/load.ts';
import { ModelRegistry } from '../training/registry.ts';
import { decideRetry, resolveRetryPolicy, RETRY_BASELINES, type RetryChampion } from '../policies/retry/index.ts';
import { parseFailedStep, MAX_LOG_CHARS } from '../datasets/failed-step.ts';
import { RetryOutcomeStore } from '../datasets/retry-outcomes.ts';
import type { RetryOutcomeRecord } from '../datasets/retry-outcome.ts';
import { readRetryOutcomes, readRetryOutcomeSource } from '../training/retry/feedback.ts';
import { throwMalformed } from './malformed.ts';

const TOKEN = 's3cret';
const auth = { authorization: `Bearer ${TOKEN}` };
const root = mkdtempSync(join(tmpdir(), 'rolloutlab-pipeline-'));
const apps: FastifyInstance[] = [];
const app = (o: Parameters<typeof buildApp>[0]) => {
  const a = buildApp({ rateLimit: false, planThreads: 0, ...o });
  apps.push(a);
  return a;
};

/** Saves a retry model file as the family's champion in a fresh registry at `models`. */
async function publishRetry(models: string, json: string, rows: number): Promise<void> {
  const registry = new ModelRegistry({ root: models });
  const saved = await registry.save(RETRY_FAMILY, {
    card: {
      dataset: { kind: 'simulated', scenario: 'default', seed: 1, codeVersion: 'test', tables: {} },
      seed: 1,
      codeVersion: 'test',
      backend: { name: 'cpu', version: 'none' },
      hyperParameters: {},
      split: { by: 'given', description: 'world 1 trains, world 2 calibrates and sets the threshold', rows: { train: rows, test: 0 }, seed: null },
      metrics: {},
      targets: [],
    },
    files: { [RETRY_MODEL_FILE]: json },
  });
  await registry.promoteIfBetter(RETRY_FAMILY, saved.version, async () => ({ atLeastAsGood: true, reason: 'test' }));
}

/** The body a CI system would send for a simulated failed attempt (the same fields failedStepOf reads). */
const bodyOf = (f: CiFailure) => ({ step: f.step, exitCode: f.exitCode, log: f.log, attempt: Math.min(100, f.attempt), history: f.history.step, ...(f.history.test ? { testHistory: f.history.test } : {}), branch: f.branch, branchHistory: f.history.branchStep });

let failures: CiFailure[];
let plain: FastifyInstance; // empty registry: the reasons rules answer
let learned: FastifyInstance; // a retry champion
let broken: FastifyInstance; // a retry champion whose probability is NaN
let champion: RetryChampion;

beforeAll(async () => {
  const sc = loadScenario('default');
  const [w1, w2, w3] = [1, 2, 3].map((seed) => simulateCiFailures(sc, seed, { days: 2 }));
  failures = w3.failures;
  const t = trainRetryOnWorlds([w1], w2);
  await publishRetry(join(root, 'models-ml'), JSON.stringify(t.model.json), t.rows.train);
  // Finite weights whose calibrated logit is +inf + -inf: what a corrupt model could answer (JSON.parse reads -1e400 as -Infinity).
  const bad = JSON.stringify({ ...t.model.json, bias: 1e308, platt: { a: 1e308, b: 12345.678 } }).replace('12345.678', '-1e400');
  await publishRetry(join(root, 'models-nan'), bad, t.rows.train);
  champion = loadRetrySync(join(root, 'models-ml'))!;
  plain = app({ modelsRoot: join(root, 'models-empty') });
  learned = app({ modelsRoot: join(root, 'models-ml') });
  broken = app({ modelsRoot: join(root, 'models-nan') });
  await Promise.all([plain.ready(), learned.ready(), broken.ready()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

const retry = (a: FastifyInstance, body: unknown) => a.inject({ method: 'POST', url: '/v1/pipeline/retry', payload: body as object });

describe('POST /v1/pipeline/retry: the served decision', () => {
  it('answers exactly what decideRetry answers, for every failed step of a simulated world (no champion: the reasons rules)', async () => {
    expect(failures.length).toBeGreaterThanOrEqual(50);
    const actions = new Set<string>();
    for (const f of failures) {
      const r = await retry(plain, bodyOf(f));
      expect(r.statusCode, r.body).toBe(200);
      const want = decideRetry(failedStepOf(f), null);
      expect(r.json()).toEqual({ ...want.decision, policy: want.policy, modelVersion: null });
      expect(r.json().reasons[0]).toMatch(/no retry model in the registry/);
      actions.add(r.json().action);
    }
    expect([...actions].sort()).toEqual(['fail', 'retry']);
  });

  it('answers exactly what decideRetry answers with the retry champion, and names its version', async () => {
    expect(champion.version).toBe('v0001');
    const actions = new Set<string>();
    let remediations = 0;
    for (const f of failures) {
      const r = await retry(learned, bodyOf(f));
      expect(r.statusCode, r.body).toBe(200);
      const want = decideRetry(failedStepOf(f), champion);
      expect(want.policy).toBe('ml');
      expect(r.json()).toEqual({ ...want.decision, policy: 'ml', modelVersion: 'v0001' });
      actions.add(r.json().action);
      if (r.json().remediation !== null) remediations++;
    }
    expect([...actions].sort()).toEqual(['fail', 'retry']);
    console.log(`${failures.length} simulated failed steps: served = decideRetry for the reasons rules and ml v0001 (${remediations} with a remediation)`);
  });

  it('a named policy answers what that policy decides; ml without a champion is a 503', async () => {
    for (const f of failures.slice(0, 60)) {
      for (const p of RETRY_BASELINES) {
        const r = await retry(learned, { ...bodyOf(f), policy: p.name });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.json()).toEqual({ ...resolveRetryPolicy(p.name, champion).decide(failedStepOf(f)), policy: p.name, modelVersion: null });
      }
      const ml = await retry(learned, { ...bodyOf(f), policy: 'ml' });
      expect(ml.json()).toEqual({ ...decideRetry(failedStepOf(f), champion).decision, policy: 'ml', modelVersion: 'v0001' });
    }
    const none = await retry(plain, { ...bodyOf(failures[0]), policy: 'ml' });
    expect(none.statusCode).toBe(503);
    expect(none.json().error.code).toBe('MODEL_UNAVAILABLE');
    expect(none.json().error.message).toMatch(/retry champion/);
  });

  it('fails closed: a champion whose probability is not a number never retries', async () => {
    const nan = loadRetrySync(join(root, 'models-nan'))!;
    for (const f of failures) {
      const r = await retry(broken, bodyOf(f));
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ action: 'fail', pRetrySucceeds: 0, delaySeconds: 0, remediation: null, policy: 'ml' });
      expect(r.json().reasons[0]).toMatch(/not a probability/);
      const want = decideRetry(failedStepOf(f), nan);
      expect(r.json()).toEqual({ ...want.decision, policy: 'ml', modelVersion: nan.version });
    }
  });

  it('counts the decisions it serves on /metrics', async () => {
    const t = (await plain.inject({ method: 'GET', url: '/metrics' })).body;
    expect(t).toMatch(/^rolloutlab_retry_decisions_total\{policy="reasons",action="retry"\} [1-9]\d*$/m);
    expect(t).toMatch(/^rolloutlab_retry_decisions_total\{policy="reasons",action="fail"\} [1-9]\d*$/m);
  });
});

describe('POST /v1/pipeline/retry: bad input', () => {
  const ok = { step: 'image-push', exitCode: 1, log: 'error pushing image: received unexpected HTTP status: 503 Service Unavailable' };
  const refused = async (body: unknown, field: string, message?: RegExp) => {
    const r = await retry(plain, body);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.field).toBe(field);
    if (message) expect(r.json().error.message).toMatch(message);
  };

  it('a well-formed body is answered', async () => {
    const r = await retry(plain, ok);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ action: 'retry', category: 'api_failure', policy: 'reasons', modelVersion: null });
  });

  it('refuses unknown fields, wrong types and values out of range, naming the field', async () => {
    await refused({ ...ok, retries: 2 }, 'body.retries', /unknown field/);
    await refused({ ...ok, exitCode: '1' }, 'body.exitCode', /must be integer/);
    await refused({ ...ok, exitCode: 1.5 }, 'body.exitCode');
    await refused({ ...ok, exitCode: 2 ** 40 }, 'body.exitCode');
    await refused({ step: ok.step, exitCode: 1 }, 'body.log', /is required/);
    await refused({ ...ok, log: null }, 'body.log');
    await refused({ ...ok, step: '' }, 'body.step');
    await refused({ ...ok, step: '   ' }, 'body.step', /non-empty/);
    await refused({ ...ok, attempt: 0 }, 'body.attempt');
    await refused({ ...ok, history: ['pass', 'maybe'] }, 'body.history[1]');
    await refused({ ...ok, policy: 'sometimes' }, 'body.policy');
    const notJson = await plain.inject({ method: 'POST', url: '/v1/pipeline/retry', payload: '{"step": "x",', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.field).toBe('body');
  });

  it('reads a long log by its tail (a log over 64 Ki characters is accepted), and a body over the limit is a 413', async () => {
    const filler = Array.from({ length: 4000 }, (_, i) => `Step ${i}/4000 : RUN make target-${i}`).join('\n');
    expect(filler.length).toBeGreaterThan(2 * MAX_LOG_CHARS);
    // The error at the end is read ...
    const atEnd = { ...ok, log: `${filler}\n${ok.log}` };
    const r1 = await retry(plain, atEnd);
    expect(r1.statusCode).toBe(200);
    expect(r1.json().action).toBe('retry');
    expect(r1.json()).toEqual({ ...decideRetry(parseFailedStep(atEnd), null).decision, policy: 'reasons', modelVersion: null });
    // ... the same line before 64 Ki characters of later output is not.
    const r2 = await retry(plain, { ...ok, log: `${ok.log}\n${filler}` });
    expect(r2.statusCode).toBe(200);
    expect(r2.json().action).toBe('fail');
    const huge = await retry(plain, { ...ok, log: 'x'.repeat(1024 * 1024 + 1) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
    // Binary bytes are made readable, not refused.
    const bin = await retry(plain, { ...ok, log: `\u0000\u0001\u0002${ok.log}` });
    expect(bin.statusCode).toBe(200);
  });

  it('zero 5xx over 300 malformed bodies; every 4xx names a field and the problem', async () => {
    const { runs, rejected } = await throwMalformed(plain, '/v1/pipeline/retry', { ...ok, attempt: 2, history: ['pass', 'fail'], policy: 'reasons' }, 300, 12);
    expect(runs).toBeGreaterThanOrEqual(300);
    expect(rejected).toBeGreaterThan(150);
  }, 60_000);
});

/** A recorded outcome. */
const outcome = (id: string, extra: Partial<RetryOutcomeRecord> = {}): RetryOutcomeRecord => ({
  id,
  step: 'image-push',
  exitCode: 1,
  log: 'error pushing image: received unexpected HTTP status: 503 Service Unavailable',
  attempt: 1,
  history: ['pass', 'fail'],
  retried: true,
  retrySucceeded: true,
  ...extra,
});

describe('POST and GET /v1/pipeline/outcome', () => {
  const file = join(root, 'outcomes', 'pipeline-outcomes.duckdb');
  let a: FastifyInstance;
  const post = (body: unknown, headers: Record<string, string> = auth) => a.inject({ method: 'POST', url: '/v1/pipeline/outcome', payload: body as object, headers });
  const list = (q = '', headers: Record<string, string> = auth) => a.inject({ method: 'GET', url: `/v1/pipeline/outcome${q}`, headers });

  beforeAll(async () => {
    a = app({ modelsRoot: join(root, 'models-empty'), token: TOKEN, pipelineOutcomesPath: file, now: () => new Date('2026-03-01T12:00:00Z') });
    await a.ready();
  });

  it('needs the bearer token (401), and a server without a token refuses both routes (403)', async () => {
    const r = await post(outcome('p1/build/1'), {});
    expect(r.statusCode).toBe(401);
    expect(r.json().error.field).toBe('headers.authorization');
    expect((await post(outcome('p1/build/1'), { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await list('', {})).statusCode).toBe(401);
    const closed = app({ modelsRoot: join(root, 'models-empty'), pipelineOutcomesPath: join(root, 'closed', 'o.duckdb') });
    const c1 = await closed.inject({ method: 'POST', url: '/v1/pipeline/outcome', payload: outcome('x') });
    expect(c1.statusCode).toBe(403);
    expect(c1.json().error.code).toBe('WRITES_DISABLED');
    expect((await closed.inject({ method: 'GET', url: '/v1/pipeline/outcome' })).statusCode).toBe(403);
    // The decision route needs no token, like the other decision routes.
    expect((await closed.inject({ method: 'POST', url: '/v1/pipeline/retry', payload: { step: 'build', exitCode: 2, log: '' } })).statusCode).toBe(200);
  });

  it('stores a record (201), replaces it on the same id (200), and checks what the schema cannot say', async () => {
    const r1 = await post(outcome('p1/image-push/1', { decision: { action: 'retry', category: 'api_failure', policy: 'reasons' } }));
    expect(r1.statusCode, r1.body).toBe(201);
    expect(r1.json()).toEqual({ id: 'p1/image-push/1', created: true, receivedAt: '2026-03-01T12:00:00.000Z' });
    const r2 = await post(outcome('p1/image-push/1', { retrySucceeded: false, category: 'registry' }));
    expect(r2.statusCode).toBe(200);
    expect(r2.json().created).toBe(false);
    const l = (await list()).json();
    expect(l.count).toBe(1);
    expect(l.records[0]).toEqual({ ...outcome('p1/image-push/1', { retrySucceeded: false, category: 'registry' }), receivedAt: '2026-03-01T12:00:00.000Z' });
    // Semantic checks of parseRetryOutcome, and the closed schema.
    const bad = await post(outcome('p1/x/1', { retried: false, retrySucceeded: true }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('body.retrySucceeded');
    const unknown = await post({ ...outcome('p1/x/1'), passed: true });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe('body.passed');
    const noId = await post({ ...outcome('p1/x/1'), id: '  ' });
    expect(noId.json().error.field).toBe('body.id');
    const badDecision = await post(outcome('p1/x/1', { decision: { action: 'maybe', category: 'x', policy: 'y' } as never }));
    expect(badDecision.json().error.field).toBe('body.decision.action');
    expect((await list()).json().count).toBe(1);
  });

  it('lists the latest first, at most `limit`, and pages back with `before`; a replaced record moves to the front', async () => {
    for (const id of ['p2/a/1', 'p2/b/1', 'p2/c/1', 'p2/d/1']) expect((await post(outcome(id, { retried: false, retrySucceeded: null }))).statusCode).toBe(201);
    expect((await post(outcome('p2/b/1', { flaky: true }))).statusCode).toBe(200);
    const all = (await list()).json();
    expect(all.count).toBe(5);
    expect(all.records.map((r: { id: string }) => r.id)).toEqual(['p2/b/1', 'p2/d/1', 'p2/c/1', 'p2/a/1', 'p1/image-push/1']);
    expect(all.next).toBeNull();
    expect(all.records[0].flaky).toBe(true);
    expect(all.records[1]).not.toHaveProperty('flaky');
    const ids: string[] = [];
    let q = '?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const p = (await list(q)).json();
      expect(p.records.length).toBeLessThanOrEqual(2);
      ids.push(...p.records.map((r: { id: string }) => r.id));
      if (p.next === null) break;
      q = `?limit=2&before=${p.next}`;
    }
    expect(ids).toEqual(all.records.map((r: { id: string }) => r.id));
    for (const bad of ['?limit=0', '?limit=1001', '?limit=x', '?before=-1', '?foo=1']) {
      const r = await list(bad);
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().error.field).toMatch(/^query\./);
    }
  });

  it('zero 5xx over 300 malformed bodies; every 4xx names a field and the problem', async () => {
    const open = app({ modelsRoot: join(root, 'models-empty'), insecureOpenWrites: true, pipelineOutcomesPath: join(root, 'fuzz', 'o.duckdb') });
    const { runs, rejected } = await throwMalformed(open, '/v1/pipeline/outcome', outcome('fuzz/1', { category: 'registry', flaky: false, decision: { action: 'retry', category: 'network', policy: 'ml' } }), 300, 13);
    expect(runs).toBeGreaterThanOrEqual(300);
    expect(rejected).toBeGreaterThan(150);
  }, 120_000);

  it('is durable: after the app closes, the file holds every record, and a new app serves them', async () => {
    const before = (await list('?limit=1000')).json();
    await a.close();
    const store = await RetryOutcomeStore.open(file);
    const reread = await store.list(1000);
    await store.close();
    expect(reread.count).toBe(5);
    expect(reread.records).toEqual(before.records);
    // The reader of training: the DuckDB file, oldest first, checked again.
    const src = await readRetryOutcomeSource(file);
    expect(src.kind).toBe('duckdb');
    expect(src.records.map((r) => r.id)).toEqual([...before.records].reverse().map((r: { id: string }) => r.id));
    expect(src.records[src.records.length - 1]).toEqual(outcome('p2/b/1', { flaky: true }));
    a = app({ modelsRoot: join(root, 'models-empty'), token: TOKEN, pipelineOutcomesPath: file });
    expect((await list()).json().records).toEqual(before.records);
  });

  it('without a store both outcome routes answer 503; the decision route still answers', async () => {
    const none = app({ modelsRoot: join(root, 'models-empty'), token: TOKEN });
    const p = await none.inject({ method: 'POST', url: '/v1/pipeline/outcome', payload: outcome('x'), headers: auth });
    expect(p.statusCode).toBe(503);
    expect(p.json().error.code).toBe('OUTCOMES_UNAVAILABLE');
    expect(p.json().error.message).toMatch(/--pipeline-outcomes/);
    expect((await none.inject({ method: 'GET', url: '/v1/pipeline/outcome', headers: auth })).statusCode).toBe(503);
    expect((await none.inject({ method: 'POST', url: '/v1/pipeline/retry', payload: { step: 'build', exitCode: 2, log: 'error TS2345' } })).json().action).toBe('fail');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await plain.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths['/v1/pipeline/outcome']).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/v1/pipeline/retry'].post.requestBody.content['application/json'].schema.required).toEqual(['step', 'exitCode', 'log']);
    expect(doc.paths['/v1/pipeline/outcome'].post.security).toEqual([{ bearer: [] }]);
  });
});

describe('readRetryOutcomes', () => {
  it('reads a JSONL file: once per id (the last line wins), in file order; a bad line names the line and field', async () => {
    const f = join(root, 'outcomes.jsonl');
    writeFileSync(f, [outcome('j/1'), outcome('j/2', { retried: false, retrySucceeded: null }), outcome('j/1', { retrySucceeded: false })].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const rs = await readRetryOutcomes(f);
    expect(rs).toEqual([outcome('j/2', { retried: false, retrySucceeded: null }), outcome('j/1', { retrySucceeded: false })]);
    writeFileSync(f, JSON.stringify(outcome('j/1')) + '\n' + JSON.stringify({ ...outcome('j/3'), exitCode: 'x' }) + '\n');
    await expect(readRetryOutcomes(f)).rejects.toThrow(/line 2\.exitCode/);
    await expect(readRetryOutcomes(join(root, 'nope.jsonl'))).rejects.toThrow(/cannot read/);
  });

  it('reads every record from a running server (paging back), with the token given or from $ROLLOUTLAB_TOKEN', async () => {
    const server = app({ modelsRoot: join(root, 'models-empty'), token: TOKEN, pipelineOutcomesPath: join(root, 'served', 'o.duckdb') });
    const ids = ['s/1', 's/2', 's/3', 's/4', 's/5'];
    for (const id of ids) expect((await server.inject({ method: 'POST', url: '/v1/pipeline/outcome', payload: outcome(id), headers: auth })).statusCode).toBe(201);
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    // Pages of two, so the reader walks back through three pages of the real server.
    let calls = 0;
    const small: typeof fetch = (u, init) => {
      calls++;
      const v = new URL(String(u));
      v.searchParams.set('limit', '2');
      return fetch(v, init);
    };
    const rs = await readRetryOutcomes(url, { token: TOKEN, fetch: small });
    expect(rs.map((r) => r.id)).toEqual(ids);
    expect(rs[0]).toEqual(outcome('s/1'));
    expect(calls).toBe(3);
    const prior = process.env.ROLLOUTLAB_TOKEN;
    try {
      process.env.ROLLOUTLAB_TOKEN = TOKEN;
      expect((await readRetryOutcomes(`${url}/v1/pipeline/outcome`)).map((r) => r.id)).toEqual(ids);
      delete process.env.ROLLOUTLAB_TOKEN;
      await expect(readRetryOutcomes(url)).rejects.toThrow(/answered 401.*bearer token/);
    } finally {
      if (prior === undefined) delete process.env.ROLLOUTLAB_TOKEN;
      else process.env.ROLLOUTLAB_TOKEN = prior;
    }
  });
});
