// Server operations (server/app.ts, server/offload.ts, server/adapters/flagger.ts, training/registry.ts, cli/commands/serve.ts):
// planning work off the main thread and bounded, the Flagger event store bounded by bytes, a prompt drain on
// SIGTERM with keep-alive and half-open connections, only registry versions loaded (every file checked against the
// card), writes refused without a token and from browser pages, and start-up failures that name the flag to change.
// A small risk champion is trained into a temp registry (as test/server-windows.test.ts does); the CLI runs as a child.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { trainTinyModels } from './tiny-models.ts';
import { loadRiskSync } from '../training/load.ts';
import { buildApp } from '../server/app.ts';
import { ModelStore } from '../server/models.ts';
import { EVENT_STORE_BYTES } from '../server/adapters/flagger.ts';

const ROOT = resolve(import.meta.dirname, '..');
let dir = '';
let models = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-server-ops-'));
  // The risk family on a 30-day world (test/tiny-models.ts, trained once per run).
  models = await trainTinyModels(dir, ['risk']);
}, 120_000);

// ---- heavy planning routes ---------------------------------------------------------------------------------
const HOUR = 3_600_000;
const READY = '2026-03-03T13:00:00Z';
const hourly = (days: number, peakHour: number): number[] => {
  const e = Date.parse(READY);
  return Array.from({ length: days * 24 }, (_, i) => Math.round(60_000 * (1 + 0.9 * Math.cos((2 * Math.PI * (new Date(e - (days * 24 - i) * HOUR).getUTCHours() - peakHour)) / 24))));
};
const FEATURES = { lines_added: 120, lines_deleted: 30, files_changed: 4, is_fix: false };
/** A ~25 KB schedule: three services with 56 days of hourly traffic, `changes` changes, 48 h of 5-minute starts. */
const heavySchedule = (services = 3, days = 56, changes = 4) => {
  const names = Array.from({ length: services }, (_, i) => `svc${i}`);
  return {
    services: Object.fromEntries(names.map((n, i) => [n, { traffic: { stepMinutes: 60, values: hourly(days, 14 + (i % 3)) } }])),
    changes: Array.from({ length: changes }, (_, i) => ({ id: `c${i}`, service: names[i % services], readyAt: READY, features: { ...FEATURES, lines_added: 50 + 100 * i } })),
    horizonHours: 48,
    stepMinutes: 5,
  };
};
const m = (requests: number, errors: number) => ({ requests, errors, slow: 5, latencyP50: 42, latencyP95: 90, latencyP99: 120, cpu: 0.4, memory: 0.45, pool: 0.2, conversions: 25, callerRequests: 0, callerErrors: 0 });
const VERDICT = { canary: Array.from({ length: 5 }, () => m(1200, 2)), baseline: Array.from({ length: 5 }, () => m(1200, 2)), latencyObjectiveMs: 250 };

describe('planning routes do not block the event loop', () => {
  let app: FastifyInstance;
  afterAll(async () => app?.close());

  it('health and verdicts keep answering while a schedule is planned', async () => {
    app = buildApp({ modelsRoot: models, rateLimit: false });
    await app.ready();
    const body = heavySchedule(3, 56, 48);
    expect(JSON.stringify(body).length).toBeGreaterThan(20_000);
    // Warm-up (a worker thread starts on the first job).
    expect((await app.inject({ method: 'POST', url: '/v1/deploy/schedule', payload: body })).statusCode).toBe(200);
    let pending = true;
    const t0 = performance.now();
    const heavy = app.inject({ method: 'POST', url: '/v1/deploy/schedule', payload: body }).then((r) => {
      pending = false;
      return { r, ms: performance.now() - t0 };
    });
    const during: number[] = [];
    while (pending) {
      const t = performance.now();
      const h = await app.inject({ method: 'GET', url: '/healthz' });
      const v = await app.inject({ method: 'POST', url: '/v1/canary/verdict?judge=kayenta', payload: VERDICT });
      expect([h.statusCode, v.statusCode]).toEqual([200, 200]);
      if (pending) during.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    const { r, ms } = await heavy;
    expect(r.statusCode, r.body).toBe(200);
    // On the main thread the whole plan is one synchronous block: nothing else answers until it ends.
    const median = [...during].sort((x, y) => x - y)[Math.floor(during.length / 2)];
    expect(during.length, `schedule took ${ms.toFixed(0)} ms; health + verdict pairs answered meanwhile: ${during.length} (median ${median?.toFixed(1)} ms)`).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('bounds the traffic a schedule may send, before any work (400 naming body.services)', async () => {
    const local = buildApp({ modelsRoot: models, rateLimit: false, planThreads: 0 });
    await local.ready();
    // CPU time of this process (the plan would run on this thread: planThreads 0), not the wall clock, which other
    // jobs on the machine inflate.
    const c0 = process.cpuUsage();
    const r = await local.inject({ method: 'POST', url: '/v1/deploy/schedule', payload: heavySchedule(21, 56) });
    const c = process.cpuUsage(c0);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.field).toBe('body.services');
    expect(r.json().error.message).toMatch(/minutes of traffic history/);
    expect((c.user + c.system) / 1000).toBeLessThan(2000);
    await local.close();
  });

  it('a full queue answers 503 BUSY with Retry-After instead of piling up', async () => {
    const small = buildApp({ modelsRoot: models, rateLimit: false, planThreads: { threads: 1, queue: 0 } });
    const body = heavySchedule();
    const rs = await Promise.all([0, 1, 2].map(() => small.inject({ method: 'POST', url: '/v1/deploy/schedule', payload: body })));
    const codes = rs.map((x) => x.statusCode).sort();
    expect(codes[0]).toBe(200);
    const busy = rs.find((x) => x.statusCode === 503);
    expect(busy, codes.join(',')).toBeDefined();
    expect(busy!.headers['retry-after']).toBe('1');
    expect(busy!.json().error.code).toBe('BUSY');
    await small.close();
  }, 60_000);
});

// ---- Flagger event store -----------------------------------------------------------------------------------
describe('Flagger events are bounded by bytes and by field size', () => {
  it('keeps at most EVENT_STORE_BYTES of events (oldest dropped) and the list answers 200', async () => {
    const app = buildApp({ modelsRoot: join(dir, 'no-models'), rateLimit: false });
    // ~50 KB of metadata per event, within the field limits: 300 of them are ~15 MB.
    const metadata = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, String(i).padEnd(1000, 'x')]));
    for (let i = 0; i < 300; i++) {
      const r = await app.inject({ method: 'POST', url: '/v1/flagger/event', payload: { name: 'podinfo', namespace: 'test', phase: 'Progressing', eventMessage: `event ${i}`, metadata } });
      expect(r.statusCode, r.body).toBe(200);
    }
    const list = await app.inject({ method: 'GET', url: '/v1/flagger/events' });
    expect(list.statusCode).toBe(200);
    expect(list.body.length).toBeLessThanOrEqual(EVENT_STORE_BYTES + 1024);
    const events = list.json().events as { payload: { eventMessage: string } }[];
    expect(events.length).toBeGreaterThan(100);
    expect(events.length).toBeLessThan(300);
    expect(events.at(-1)!.payload.eventMessage).toBe('event 299');
    await app.close();
  });

  it('refuses oversized fields (400 naming them) and bodies (413)', async () => {
    const app = buildApp({ modelsRoot: join(dir, 'no-models'), rateLimit: false });
    const base = { name: 'podinfo', namespace: 'test', phase: 'Progressing' };
    const long = await app.inject({ method: 'POST', url: '/v1/flagger/event', payload: { ...base, metadata: { note: 'x'.repeat(2000) } } });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.field).toBe('body.metadata.note');
    const many = await app.inject({ method: 'POST', url: '/v1/flagger/event', payload: { ...base, metadata: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v'])) } });
    expect(many.statusCode).toBe(400);
    expect(many.json().error.field).toBe('body.metadata');
    const huge = await app.inject({ method: 'POST', url: '/v1/flagger/event', payload: { ...base, eventMessage: 'x'.repeat(8000), metadata: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'y'.repeat(1000)])) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    // Nothing of those was recorded.
    expect((await app.inject({ method: 'GET', url: '/v1/flagger/events' })).json().events).toEqual([]);
    await app.close();
  });
});

// ---- champion pointers and card files ------------------------------------------------------------------------
describe('only registry versions load, every card file checked', () => {
  const registryCopy = () => {
    const root = mkdtempSync(join(tmpdir(), 'rolloutlab-ptr-'));
    cpSync(models, join(root, 'models'), { recursive: true });
    return join(root, 'models');
  };
  const pointTo = (m: string, version: string) => {
    const p = join(m, 'risk', 'champion.json');
    writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), version }));
  };

  it('a pointer outside the registry ("../../outside/evil") is refused with the reason, even when the folder is a complete model', () => {
    const m = registryCopy();
    // A complete, self-consistent version folder outside the family folder.
    const evil = join(m, '..', 'outside', 'evil');
    mkdirSync(join(evil, '..'), { recursive: true });
    cpSync(join(m, 'risk', 'v0001'), evil, { recursive: true });
    pointTo(m, '../../outside/evil');
    expect(() => loadRiskSync(m)).toThrow(/version.*v0001/);
    const store = new ModelStore(m);
    store.reload();
    expect(store.snapshot.risk).toBeNull();
    expect(store.snapshot.errors.risk).toMatch(/champion\.json: field "version"/);
  });

  it('a version folder that is a symbolic link out of the family folder is refused', () => {
    const m = registryCopy();
    const outside = join(m, '..', 'elsewhere');
    cpSync(join(m, 'risk', 'v0001'), outside, { recursive: true });
    symlinkSync(outside, join(m, 'risk', 'v0002'));
    pointTo(m, 'v0002');
    expect(() => loadRiskSync(m)).toThrow(/outside/);
  });

  it('every file the card lists is checked, not only the one the server reads', () => {
    const m = registryCopy();
    const card = JSON.parse(readFileSync(join(m, 'risk', 'v0001', 'card.json'), 'utf8')) as { files: { name: string }[] };
    const others = card.files.map((f) => f.name).filter((n) => n !== 'gam.json');
    expect(others.length).toBeGreaterThan(0);
    expect(loadRiskSync(m)!.version).toBe('v0001');
    const victim = join(m, 'risk', 'v0001', others[0]);
    writeFileSync(victim, Buffer.concat([readFileSync(victim), Buffer.from(' ')]));
    expect(() => loadRiskSync(m)).toThrow(new RegExp(`v0001/${others[0].replace('.', '\\.')} does not match its card`));
    rmSync(victim);
    expect(() => loadRiskSync(m)).toThrow(/listed on its card but cannot be read/);
  });

  it('a card that is not a valid card (no sha256 for a file) is refused', () => {
    const m = registryCopy();
    const path = join(m, 'risk', 'v0001', 'card.json');
    const card = JSON.parse(readFileSync(path, 'utf8'));
    delete card.files[0].sha256;
    writeFileSync(path, JSON.stringify(card));
    expect(() => loadRiskSync(m)).toThrow(/card\.json is missing or invalid.*sha256/);
  });
});

// ---- writes: token, browser origins, content type -----------------------------------------------------------------
describe('writes are refused without a token and from browser pages', () => {
  const fb = { deploymentId: 'dep-1', service: 'checkout', outcome: 'success', notes: 'private' };
  const json = { 'content-type': 'application/json' };

  it('without a token: feedback and reload answer 403 naming the flag; --insecure-open-writes opens them', async () => {
    const closed = buildApp({ modelsRoot: models, feedbackPath: join(mkdtempSync(join(tmpdir(), 'rolloutlab-w-')), 'f.duckdb') });
    for (const [method, url, payload] of [['POST', '/v1/feedback', fb], ['GET', '/v1/feedback', undefined], ['POST', '/v1/models/reload', {}]] as const) {
      const r = await closed.inject({ method, url, payload, headers: payload ? json : {} });
      expect(r.statusCode, `${method} ${url}`).toBe(403);
      expect(r.json().error.code).toBe('WRITES_DISABLED');
      expect(r.json().error.message).toMatch(/--token/);
    }
    await closed.close();
    const open = buildApp({ modelsRoot: models, insecureOpenWrites: true, feedbackPath: join(mkdtempSync(join(tmpdir(), 'rolloutlab-w-')), 'f.duckdb') });
    expect((await open.inject({ method: 'POST', url: '/v1/feedback', payload: fb })).statusCode).toBe(201);
    expect((await open.inject({ method: 'GET', url: '/v1/feedback' })).json().records[0].notes).toBe('private');
    expect((await open.inject({ method: 'POST', url: '/v1/models/reload', headers: json })).statusCode).toBe(200);
    await open.close();
  });

  it('with a token: GET /v1/feedback needs it; browser-origin and non-JSON writes are refused even with it', async () => {
    const app = buildApp({ modelsRoot: models, token: 's3cret', feedbackPath: join(mkdtempSync(join(tmpdir(), 'rolloutlab-w-')), 'f.duckdb') });
    const auth = { authorization: 'Bearer s3cret' };
    expect((await app.inject({ method: 'POST', url: '/v1/feedback', payload: fb, headers: auth })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/v1/feedback' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/feedback', headers: auth })).json().count).toBe(1);
    const cross = await app.inject({ method: 'POST', url: '/v1/models/reload', headers: { ...auth, ...json, origin: 'https://evil.example' } });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().error).toMatchObject({ code: 'BROWSER_ORIGIN', field: 'headers.origin' });
    const site = await app.inject({ method: 'POST', url: '/v1/feedback', payload: fb, headers: { ...auth, 'sec-fetch-site': 'cross-site' } });
    expect(site.statusCode).toBe(403);
    expect(site.json().error.field).toBe('headers.sec-fetch-site');
    // A form or text POST (no CORS preflight in a browser) is not a write we take.
    const text = await app.inject({ method: 'POST', url: '/v1/models/reload', headers: { ...auth, 'content-type': 'text/plain' }, payload: '' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.field).toBe('headers.content-type');
    expect((await app.inject({ method: 'POST', url: '/v1/models/reload', headers: auth })).statusCode).toBe(415);
    // The reload takes an empty body or {} (with the JSON type), nothing else.
    expect((await app.inject({ method: 'POST', url: '/v1/models/reload', headers: { ...auth, ...json } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/models/reload', headers: auth, payload: {} })).statusCode).toBe(200);
    const extra = await app.inject({ method: 'POST', url: '/v1/models/reload', headers: auth, payload: { force: true } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.field).toBe('body.force');
    await app.close();
  });
});

// ---- the CLI: drain on SIGTERM, start-up failures ----------------------------------------------------------------
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs `rolloutlab serve <args>`; resolves with its URL once it listens, or with its exit code and stderr if it stops first. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string | null; code: number | null; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'serve', '--quiet', '--models', join(dir, 'no-models'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server neither listened nor exited in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/[^ ]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        done({ child, url: m[1], code: null, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ child, url: null, code, stderr: () => err });
    });
  });
}
const exited = (c: ChildProcess) => new Promise<number | null>((done) => (c.exitCode !== null ? done(c.exitCode) : c.once('exit', (code) => done(code))));

describe('serve: shutdown and start-up errors', () => {
  it('SIGTERM exits within the drain time (5 s) although keep-alive and half-sent connections are open', async () => {
    // The default drain (5 s): in-flight requests get that long, then every connection is closed.
    const s = await serve(['--port', '0', '--feedback', join(mkdtempSync(join(tmpdir(), 'rolloutlab-drain-')), 'f.duckdb')]);
    expect(s.url).not.toBeNull();
    const { port } = new URL(s.url!);
    // An idle keep-alive connection that has served a request...
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((done, fail) => http.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (r) => r.resume().on('end', done)).on('error', fail));
    // ...a connection that never sent anything, and one whose request body never completes.
    const silent = net.connect(Number(port), '127.0.0.1');
    const half = net.connect(Number(port), '127.0.0.1');
    half.write('POST /v1/canary/verdict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"canary"');
    for (const sock of [silent, half]) sock.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    s.child.kill('SIGTERM');
    const code = await exited(s.child);
    const ms = performance.now() - t;
    agent.destroy();
    silent.destroy();
    half.destroy();
    expect(code, s.stderr()).toBe(0);
    expect(ms).toBeLessThan(8000);
  }, 40_000);

  it('a port in use is a bad-input error naming --port (exit 2, no stack trace)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as net.AddressInfo).port;
    const s = await serve(['--port', String(port), '--feedback', join(mkdtempSync(join(tmpdir(), 'rolloutlab-port-')), 'f.duckdb')]);
    blocker.close();
    expect(s.code, s.stderr()).toBe(2);
    expect(s.stderr()).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--port`));
    expect(s.stderr()).not.toMatch(/internal error|\n\s+at /);
  }, 40_000);

  it('a feedback file held by another server is a bad-input error naming --feedback (exit 2, no stack trace)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rolloutlab-lock-')), 'f.duckdb');
    const first = await serve(['--port', '0', '--feedback', file]);
    expect(first.url).not.toBeNull();
    const second = await serve(['--port', '0', '--feedback', file]);
    expect(second.code, second.stderr()).toBe(2);
    expect(second.stderr()).toMatch(/feedback file .*f\.duckdb is held by another process.*--feedback/);
    expect(second.stderr()).not.toMatch(/internal error|\n\s+at /);
    first.child.kill('SIGTERM');
    await exited(first.child);
  }, 40_000);

  it('warns at start-up when writes are refused (no token) or open to all', async () => {
    const a = await serve(['--port', '0', '--feedback', join(mkdtempSync(join(tmpdir(), 'rolloutlab-warn-')), 'f.duckdb')]);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.stderr()).toMatch(/no --token: POST \/v1\/feedback, GET \/v1\/feedback and POST \/v1\/models\/reload answer 403/);
    a.child.kill('SIGTERM');
    await exited(a.child);
    const b = await serve(['--port', '0', '--insecure-open-writes', '--feedback', join(mkdtempSync(join(tmpdir(), 'rolloutlab-warn-')), 'f.duckdb')]);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.stderr()).toMatch(/WARNING: --insecure-open-writes/);
    b.child.kill('SIGTERM');
    await exited(b.child);
  }, 60_000);
});
