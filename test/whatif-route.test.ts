// The what-if over HTTP (POST /v1/whatif, server/routes/whatif.ts) through `app.inject`: the answer is `rolloutlab whatif
// --json`'s for the same deployment (one code path, backtest/whatif-world.ts) plus what the route adds; a proposed
// change is the library's answer, and a proposed change carrying a deployment's own features, service and start gets
// that deployment's risk and what-if; the same request twice gives the same answer; bad input is a 400 naming the
// field; the event loop keeps answering while a what-if runs on its worker; a full pool, a what-if over its time and an
// app without worlds are 503s, never ranges. A small risk champion is trained into a temp registry (tiny-models.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { trainTinyModels } from './tiny-models.ts';
import { inProcess as runCli } from './in-process.ts';
import { buildApp } from '../server/app.ts';
import { serveWhatIfWorlds } from '../cli/serve-defaults.ts';
import { loadScenario } from '../sim/index.ts';
import { CHANGE_FEATURES } from '../sim/risk-features.ts';
import { simulatePeriod } from '../backtest/worlds.ts';
import { whatIfInWorld } from '../backtest/whatif-world.ts';
import { loadRiskSync } from '../training/load.ts';
import { MAX_WHATIF_RUNS } from '../server/routes/whatif-schemas.ts';

let models: string;
let app: FastifyInstance;
const worlds = serveWhatIfWorlds('default', 1);

beforeAll(async () => {
  models = await trainTinyModels(mkdtempSync(join(tmpdir(), 'rolloutlab-whatif-route-')), ['risk']);
  app = buildApp({ modelsRoot: models, rateLimit: false, whatif: worlds });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const post = (payload: unknown, on = app) => on.inject({ method: 'POST', url: '/v1/whatif', payload: payload as object });
/** The what-if itself: the answer without what the route adds. */
const whatIfPart = (j: Record<string, unknown>) => {
  const { requestId, scenario, riskModel, imputed, notes, ...rest } = j;
  return rest;
};

describe('POST /v1/whatif', () => {
  it('answers what `rolloutlab whatif --json` prints for the same deployment, plus the request id; twice the same', async () => {
    const cli = await runCli(['whatif', '--deployment', 'dep-000098', '--runs', '12', '--models', models, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const r = await post({ deployment: 'dep-000098', runs: 12 });
    expect(r.statusCode, r.body).toBe(200);
    const j = r.json();
    expect(whatIfPart(j)).toEqual(JSON.parse(cli.stdout));
    expect(j).toMatchObject({ scenario: 'default', seed: 1, riskModel: 'v0001', imputed: [], notes: [], id: 'dep-000098', runs: 12 });
    expect(typeof j.requestId).toBe('string');
    expect(j.risk).toBeGreaterThan(0);
    expect(j.stress).toHaveLength(4);
    expect(j.stages.length).toBe(j.plan.stages.length);
    // Determinism: the same request again (its world now kept by the worker) gives the same what-if.
    const again = await post({ deployment: 'dep-000098', runs: 12 });
    expect(again.json().requestId).not.toBe(j.requestId);
    expect(whatIfPart(again.json())).toEqual(whatIfPart(j));
  }, 60_000);

  it('the same for another strategy without the stress pre-checks', async () => {
    const cli = await runCli(['whatif', '--deployment', 'dep-000040', '--runs', '10', '--no-stress', '--strategy', 'canary:1,10,100', '--models', models, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const r = await post({ deployment: 'dep-000040', runs: 10, stress: false, strategy: 'canary:1,10,100' });
    expect(r.statusCode, r.body).toBe(200);
    expect(whatIfPart(r.json())).toEqual(JSON.parse(cli.stdout));
    expect(r.json().stress).toEqual([]);
  }, 60_000);

  it("a proposed change is the library's answer; with a deployment's own features, service, start and id it is that deployment's", async () => {
    const scenario = loadScenario('default');
    const world = simulatePeriod(scenario, 1, 0).world;
    const dep = world.deployments.find((d) => d.id === 'dep-000098')!;
    const change = world.changes.find((c) => c.id === dep.changeId)!;
    const features = Object.fromEntries(CHANGE_FEATURES.map((f) => [f.name, f.value(change.features)]));
    const service = world.topology.services[dep.service].name;
    const body = { service, start: dep.start, id: dep.id, features, runs: 12 };
    const r = await post(body);
    expect(r.statusCode, r.body).toBe(200);
    const j = r.json();
    const lib = whatIfInWorld({ scenario, scenarioName: 'default', seed: 1, change: { service, start: dep.start, id: dep.id, features }, risk: loadRiskSync(models), strategy: 'optimised', runs: 12, stress: true });
    expect(whatIfPart(j)).toEqual(lib.result);
    expect(j.imputed).toEqual([]);
    const asDeployment = (await post({ deployment: dep.id, runs: 12 })).json();
    expect(j.risk).toBe(asDeployment.risk);
    expect(whatIfPart(j)).toEqual(whatIfPart(asDeployment));
  }, 60_000);

  it('a proposed change with few features: the rest imputed and listed, an unknown contract flag said', async () => {
    const r = await post({ service: 'api-search', start: 17_151, features: { lines_added: 400, test_coverage: 0.2 }, runs: 10, stress: false });
    expect(r.statusCode, r.body).toBe(200);
    const j = r.json();
    expect(j.id).toBe('api-search@17151');
    expect(j.imputed).toContain('files_changed');
    expect(j.imputed).not.toContain('lines_added');
    expect(j.notes.join(' ')).toMatch(/api_contract_change not given/);
    expect(j.risk).toBeGreaterThan(0);
  }, 60_000);

  it('bad input is a 400 naming the field', async () => {
    const cases: [unknown, string, RegExp?][] = [
      [{ service: 'api-serch', start: 17_151 }, 'body.service', /did you mean "api-search"/],
      [{ deployment: 'dep-009999' }, 'body.deployment', /dep-000001 … dep-000102/],
      [{ deployment: 'dep-00098' }, 'body.deployment', /did you mean dep-000098/],
      [{ scenario: 'defualt', deployment: 'dep-000098' }, 'body.scenario', /did you mean "default"/],
      [{ scenario: '/etc/passwd', deployment: 'dep-000098' }, 'body.scenario', /never reads a file/],
      [{ deployment: 'dep-000098', runs: 0 }, 'body.runs'],
      [{ deployment: 'dep-000098', runs: MAX_WHATIF_RUNS + 1 }, 'body.runs'],
      [{ deployment: 'dep-000098', extra: 1 }, 'body.extra', /unknown field/],
      [{ deployment: 'dep-000098', strategy: 'canary:x' }, 'body.strategy'],
      [{ service: 'api-search', start: 17_151, features: { tier: 'api' } }, 'body.features.tier'],
      [{ service: 'api-search', start: 17_151, features: { test_coverage: 2 } }, 'body.features.test_coverage'],
      [{ service: 'api-search', start: 10_000_000 }, 'body.start', /\[0, 20159\]/],
      [{ service: 'api-search' }, 'body.start'],
      [{}, 'body.deployment'],
      [{ deployment: 'dep-000098', service: 'api-search' }, 'body.service'],
    ];
    for (const [body, field, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      const e = r.json().error;
      expect(e.field, JSON.stringify(body)).toBe(field);
      if (message) expect(e.message).toMatch(message);
    }
  }, 60_000);

  it('the event loop keeps answering while a what-if runs on its worker', async () => {
    let done = false;
    const started = performance.now();
    const running = post({ deployment: 'dep-000041', runs: 80 }).then((r) => {
      done = true;
      return r;
    });
    const gaps: number[] = [];
    while (!done) {
      const t = performance.now();
      const s = await app.inject({ method: 'GET', url: '/v1/status' });
      expect(s.statusCode).toBe(200);
      gaps.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await running;
    expect(r.statusCode, r.body).toBe(200);
    const whatIfMs = performance.now() - started;
    // Many status answers while it ran, each in milliseconds (a what-if on the main thread would hold them all).
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.max(...gaps)).toBeLessThan(Math.max(250, whatIfMs / 4));
  }, 60_000);
});

describe('POST /v1/whatif fails closed', () => {
  it('a full pool is a 503 BUSY with Retry-After, a what-if over its time a 503 saying so, never ranges', async () => {
    const small = buildApp({ modelsRoot: models, rateLimit: false, whatif: { ...worlds, offload: { threads: 1, queue: 0, timeoutMs: 300 } } });
    await small.ready();
    try {
      const [a, b] = await Promise.all([post({ deployment: 'dep-000098', runs: 40 }, small), post({ deployment: 'dep-000098', runs: 40 }, small)]);
      const busy = [a, b].find((x) => /busy/.test(x.body))!;
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBeDefined();
      expect(busy.json().error.code).toBe('BUSY');
      const late = [a, b].find((x) => x !== busy)!;
      expect(late.statusCode).toBe(503);
      expect(late.json().error.message).toMatch(/the what-if took longer than 0.3 s and was stopped/);
      for (const x of [a, b]) expect(x.json().stages).toBeUndefined();
    } finally {
      await small.close();
    }
  }, 60_000);

  it('an app without worlds answers 503 WHATIF_UNAVAILABLE', async () => {
    const bare = buildApp({ modelsRoot: models, rateLimit: false });
    await bare.ready();
    try {
      const r = await post({ deployment: 'dep-000098' }, bare);
      expect(r.statusCode).toBe(503);
      expect(r.json().error.code).toBe('WHATIF_UNAVAILABLE');
    } finally {
      await bare.close();
    }
  });

  it('is in the OpenAPI document with its closed schemas', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const op = doc.paths['/v1/whatif'].post;
    expect(op.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '503']));
  });
});
