// The Prometheus metrics source (server/metrics-source.ts) against a real Prometheus (Debian's `prometheus` package;
// `.ci/run` installs it). The test writes three hours of seeded Istio metrics as OpenMetrics text, turns them into TSDB
// blocks with `promtool tsdb create-blocks-from openmetrics`, starts `prometheus` on a free loopback port over those
// blocks and drives the app (buildApp with a PrometheusSource using the default templates) with `app.inject`:
// Argo's verdict and Flagger's rollout / rollback hooks for a healthy canary, a bad one (about 25 % errors), one without
// data, and with Prometheus killed. The values the source reads are checked against what was written. Then the CLI:
// `rolloutlab serve` with query templates from flags and a YAML file, against the same Prometheus, and bad templates
// rejected before anything starts.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Rng } from '../lib/rng.ts';
import { buildApp } from '../server/app.ts';
import { DEFAULT_PROM_QUERIES, PrometheusSource, checkQueries, queryTemplateProblem } from '../server/metrics-source.ts';
import { trainTinyModels } from './tiny-models.ts';
import { run } from '../cli/main.ts';
import { PROMETHEUS_MISSING, PROMETHEUS_MISSING_MSG, startRealPrometheus, stop } from './real-prometheus.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FLAGGER = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'extensions', 'flagger-webhook.json'), 'utf8'));

// ---- are the binaries there? ------------------------------------------------------------------------------
const MISSING = PROMETHEUS_MISSING;
const MISSING_MSG = PROMETHEUS_MISSING_MSG;
if (MISSING.length && process.env.CI !== 'true') console.warn(`test/server-prometheus.test.ts: ${MISSING_MSG}`);

// ---- the data ---------------------------------------------------------------------------------------------
// The clock: the wall clock when the file loads, to the minute. The app gets it as a fixed `now`; the `rolloutlab serve`
// child reads the wall clock, which stays within the 10 minutes of data written past NOW while the file runs. The values
// are seeded per scrape index, so every run writes the same numbers, shifted in time.
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const NOW_S = NOW.getTime() / 1000;
const AFTER_S = 600;
const HOURS = 3;
const SCRAPE_S = 15;
const NS = 'test';
/** Istio's default request-duration buckets (ms). */
const LE = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const LATENCY = [0, 0, 0, 0.02, 0.15, 0.53, 0.285, 0.015, 0, 0, 0, 0, 0]; // share of requests per bucket (sums to 1): p50 ≈ 41 ms, p99 ≈ 150 ms
const mid = LE.map((u, i) => (u + (i ? LE[i - 1] : 0)) / 2);

interface Profile {
  rpm: number;
  errorRate: number;
}
/**
 * Workload → traffic; "ghost" has a primary but no canary series at all; "quietinfo" never fails, so (as Istio does) it
 * has no 5xx series at all.
 */
const WORKLOADS: Record<string, Profile> = {
  podinfo: { rpm: 1200, errorRate: 0.002 },
  'podinfo-primary': { rpm: 1200, errorRate: 0.002 },
  badinfo: { rpm: 1200, errorRate: 0.25 },
  'badinfo-primary': { rpm: 1200, errorRate: 0.002 },
  'ghost-primary': { rpm: 1200, errorRate: 0.002 },
  quietinfo: { rpm: 1200, errorRate: 0 },
  'quietinfo-primary': { rpm: 1200, errorRate: 0 },
};

/** Per workload, the cumulative counters at each scrape (index k = time START + 15 s × k). */
interface Counters {
  ok: number[];
  errors: number[];
  buckets: number[][]; // [k][bucket], cumulative over time, not over le
  sumMs: number[];
}
const START_S = NOW_S - HOURS * 3600;
const SCRAPES = (HOURS * 3600 + AFTER_S) / SCRAPE_S + 1;

function simulate(): Record<string, Counters> {
  const out: Record<string, Counters> = {};
  for (const [w, p] of Object.entries(WORKLOADS)) {
    const rng = new Rng(6, 'prometheus-it', w);
    const c: Counters = { ok: [], errors: [], buckets: [], sumMs: [] };
    let ok = 0, errors = 0, sumMs = 0;
    const buckets = LE.map(() => 0);
    for (let k = 0; k < SCRAPES; k++) {
      if (k > 0) {
        const n = rng.poisson(p.rpm / (60 / SCRAPE_S));
        const e = rng.binomial(n, p.errorRate);
        ok += n - e;
        errors += e;
        // A multinomial split of the n requests over the buckets.
        let left = n, share = 1;
        for (let j = 0; j < LE.length; j++) {
          const x = j === LE.length - 1 || share <= 0 ? left : rng.binomial(left, Math.min(1, LATENCY[j] / share));
          buckets[j] += x;
          sumMs += x * mid[j];
          left -= x;
          share -= LATENCY[j];
        }
      }
      c.ok.push(ok);
      c.errors.push(errors);
      c.buckets.push([...buckets]);
      c.sumMs.push(sumMs);
    }
    out[w] = c;
  }
  return out;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** The counters as OpenMetrics text: families grouped, each series' samples in time order, `# EOF` last. */
function openMetrics(data: Record<string, Counters>): string {
  const lines: string[] = ['# HELP istio_requests Requests.', '# TYPE istio_requests counter'];
  const ts = (k: number) => START_S + k * SCRAPE_S;
  for (const [w, c] of Object.entries(data)) {
    // The source-side reporter too (a different count), which the default templates must not add in.
    for (const [reporter, scale] of [['destination', 1], ['source', 3]] as const) {
      for (const [code, arr] of [['200', c.ok], ['503', c.errors]] as const) {
        if (arr[arr.length - 1] === 0) continue; // Istio creates a response code's series at its first request
        const labels = `reporter="${reporter}",destination_workload="${w}",destination_workload_namespace="${NS}",response_code="${code}"`;
        for (let k = 0; k < SCRAPES; k++) lines.push(`istio_requests_total{${labels}} ${arr[k] * scale} ${ts(k)}`);
      }
    }
  }
  lines.push('# HELP istio_request_duration_milliseconds Request duration.', '# TYPE istio_request_duration_milliseconds histogram');
  for (const [w, c] of Object.entries(data)) {
    const labels = `reporter="destination",destination_workload="${w}",destination_workload_namespace="${NS}"`;
    for (let k = 0; k < SCRAPES; k++) {
      let cum = 0;
      for (let j = 0; j < LE.length; j++) {
        cum += c.buckets[k][j];
        lines.push(`istio_request_duration_milliseconds_bucket{${labels},le="${LE[j].toFixed(1)}"} ${cum} ${ts(k)}`);
      }
      lines.push(`istio_request_duration_milliseconds_bucket{${labels},le="+Inf"} ${cum} ${ts(k)}`);
      lines.push(`istio_request_duration_milliseconds_count{${labels}} ${cum} ${ts(k)}`);
      lines.push(`istio_request_duration_milliseconds_sum{${labels}} ${fmt(c.sumMs[k])} ${ts(k)}`);
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** Prometheus's histogram_quantile over cumulative bucket counts (upper bounds LE, then +Inf). */
function histogramQuantile(q: number, cumulative: number[]): number {
  const total = cumulative[cumulative.length - 1];
  let rank = q * total;
  const b = cumulative.findIndex((c) => c >= rank);
  if (b === cumulative.length - 1) return LE[LE.length - 1];
  const start = b === 0 ? 0 : LE[b - 1];
  let count = cumulative[b];
  if (b > 0) {
    count -= cumulative[b - 1];
    rank -= cumulative[b - 1];
  }
  return start + (LE[b] - start) * (rank / count);
}

/** What the default templates should answer for one workload at minute end `t` (the 1 min before it). */
function expected(c: Counters, tS: number) {
  const k = (tS - START_S) / SCRAPE_S;
  const k0 = k - 60 / SCRAPE_S;
  const bucketInc = LE.map((_, j) => c.buckets[k][j] - c.buckets[k0][j]);
  const cumulative: number[] = [];
  for (let j = 0, s = 0; j < LE.length; j++) cumulative.push((s += bucketInc[j]));
  cumulative.push(cumulative[cumulative.length - 1]); // +Inf
  const errors = c.errors[k] - c.errors[k0];
  return { requests: c.ok[k] - c.ok[k0] + errors, errors, latencyP50: histogramQuantile(0.5, cumulative), latencyP99: histogramQuantile(0.99, cumulative) };
}

// ---- Prometheus ---------------------------------------------------------------------------------------------
let work = '';
let prom: ChildProcess | undefined;
let promUrl = '';
let models = '';
let app: FastifyInstance;
let data: Record<string, Counters>;
const timings: Record<string, number> = {};

async function startPrometheus(): Promise<void> {
  const t0 = performance.now();
  data = simulate();
  const simulated = performance.now() - t0;
  const p = await startRealPrometheus(work, openMetrics(data));
  prom = p.child;
  promUrl = p.url;
  timings.blocks = simulated + p.blocksMs;
  timings.ready = performance.now() - t0;
}

// `rolloutlab serve` as an operator starts it: own templates from a YAML file and a flag, the namespace and timeout from
// flags, no models (the kayenta judge needs none). It reads the wall clock, within the data written past NOW.
let serve: ChildProcess | undefined;
let serveUrl = '';
let serveLog = '';
async function startServe(): Promise<void> {
  const yaml = join(work, 'queries.yaml');
  writeFileSync(yaml, `# own templates\nerrors: >-\n  sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}",response_code=~"4.*"}[{{ interval }}]))\n`);
  const empty = mkdtempSync(join(work, 'no-models-'));
  process.once('exit', () => serve?.kill('SIGKILL'));
  serve = spawn(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'serve', '--port', '0', '--quiet', '--models', empty, '--feedback', join(work, 'feedback.duckdb'),
    '--prometheus', promUrl, '--prometheus-queries', yaml, '--prometheus-query', `requests=${DEFAULT_PROM_QUERIES.requests}`, '--prometheus-namespace', NS, '--prometheus-timeout', '3000'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const child = serve;
  serveUrl = await new Promise<string>((done, fail) => {
    const t = setTimeout(() => fail(new Error(`rolloutlab serve did not start in 60 s: ${serveLog}`)), 60_000);
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      serveLog += s;
      const m = /serving on (http:\/\/\S+)/.exec(serveLog);
      if (m) {
        clearTimeout(t);
        done(m[1]);
      }
    });
    child.once('exit', (code) => fail(new Error(`rolloutlab serve exited with ${code}: ${serveLog}`)));
  });
}

const source = (url = promUrl) => new PrometheusSource({ url, now: () => NOW, timeoutMs: 2000 });
const post = (a: FastifyInstance, url: string, payload: unknown) => a.inject({ method: 'POST', url, payload: payload as object });
const verdict = async (name: string, judge = 'ml', minutes = 5) => (await app.inject({ method: 'GET', url: `/v1/argo/verdict?name=${name}&namespace=${NS}&judge=${judge}&minutes=${minutes}` })).json().result;

if (MISSING.length > 0 && process.env.CI === 'true') {
  describe('real Prometheus (CI)', () => {
    it('prometheus and promtool are installed', () => {
      expect.fail(`${MISSING_MSG.replace('SKIPPED', 'not run')} CI=true: failing instead of skipping.`);
    });
  });
}

describe.skipIf(MISSING.length > 0)('the Prometheus metrics source against a real Prometheus', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rolloutlab-prom-'));
    const t0 = performance.now();
    // Prometheus, then `rolloutlab serve` over it, come up while the tiny models train.
    const [m] = await Promise.all([trainTinyModels(work).then((r) => ((timings.models = performance.now() - t0), r)), startPrometheus().then(startServe)]);
    models = m;
    app = buildApp({ modelsRoot: models, metricsSource: source(), now: () => NOW });
    await app.ready();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await stop(serve);
    await stop(prom);
    if (work) rmSync(work, { recursive: true, force: true });
    // In parallel, and training blocks the event loop, so "ready" is when the poll got to run, not Prometheus's start-up.
    console.info(`server-prometheus: blocks written ${timings.blocks?.toFixed(0)} ms, Prometheus ready ${timings.ready?.toFixed(0)} ms, tiny models ${timings.models?.toFixed(0)} ms`);
  });

  it('reads back, minute by minute, what was written: requests, 5xx errors, p50 / p99 from the histogram (default Istio templates)', async () => {
    const src = source();
    expect(src.queries).toEqual(DEFAULT_PROM_QUERIES);
    const minutes = 10;
    for (const name of ['podinfo', 'badinfo']) {
      const w = await src.window({ name, namespace: NS }, minutes);
      if ('unavailable' in w) throw new Error(w.unavailable);
      expect(w.canary).toHaveLength(minutes);
      expect(w.baseline).toHaveLength(minutes);
      expect({ kpi: w.kpi, slow: w.slow }).toEqual({ kpi: false, slow: false });
      for (const [side, workload] of [['canary', name], ['baseline', `${name}-primary`]] as const) {
        let readTotal = 0, writtenTotal = 0;
        for (let i = 0; i < minutes; i++) {
          const got = w[side][i];
          const want = expected(data[workload], NOW_S - (minutes - 1 - i) * 60);
          expect(got, `${workload} minute ${i}`).not.toBeNull();
          // Samples sit exactly on both ends of each [1m] range, so increase() is the exact difference (no extrapolation).
          expect(got!.requests).toBeCloseTo(want.requests, 6);
          expect(got!.errors).toBeCloseTo(want.errors, 6);
          expect(got!.latencyP50!).toBeCloseTo(want.latencyP50, 6);
          expect(got!.latencyP99!).toBeCloseTo(want.latencyP99, 6);
          readTotal += got!.requests;
          writtenTotal += want.requests;
        }
        expect(Math.abs(readTotal - writtenTotal)).toBeLessThan(0.5);
      }
    }
    // The data really differ: ~0.2 % errors on podinfo, ~25 % on badinfo; about 1,200 requests a minute each.
    const good = await src.window({ name: 'podinfo', namespace: NS }, 5);
    const bad = await src.window({ name: 'badinfo', namespace: NS }, 5);
    if ('unavailable' in good || 'unavailable' in bad) throw new Error('unavailable');
    const rate = (xs: typeof good.canary) => xs.reduce((s, c) => s + c!.errors, 0) / xs.reduce((s, c) => s + c!.requests, 0);
    expect(rate(good.canary)).toBeLessThan(0.01);
    expect(rate(bad.canary)).toBeGreaterThan(0.2);
    expect(rate(bad.baseline)).toBeLessThan(0.01);
    for (const c of good.canary) expect(c!.requests).toBeGreaterThan(1000);
  });

  it('Argo verdict: the healthy canary passes, the bad one fails, the one without data is inconclusive and says why', async () => {
    expect(await verdict('podinfo', 'kayenta')).toMatchObject({ verdict: 'pass', pass: 1, metricsAvailable: true });
    const ml = await verdict('podinfo', 'ml');
    expect(ml.verdict, JSON.stringify(ml)).not.toBe('fail'); // the tiny 40-epoch judge may stay unsure on a healthy canary
    expect(ml.metricsAvailable).toBe(true);
    expect(await verdict('badinfo', 'kayenta')).toMatchObject({ verdict: 'fail', pass: 0, metricsAvailable: true });
    expect(await verdict('badinfo', 'ml', 10)).toMatchObject({ verdict: 'fail', pass: 0, modelVersion: 'v0001' });
    for (const judge of ['ml', 'kayenta']) {
      const ghost = await verdict('ghost', judge);
      expect(ghost).toMatchObject({ verdict: 'inconclusive', pass: -1, metricsAvailable: false });
      expect(ghost.reasons[0]).toMatch(/^metrics unavailable: Prometheus at http:\/\/127\.0\.0\.1:\d+ has no requests series for test\/ghost in the last 5 min \(query: sum\(increase\(istio_requests_total\{reporter="destination",destination_workload_namespace="test",destination_workload="ghost"\}\[1m\]\)\)\)/);
    }
    // A namespace with nothing in it.
    expect((await app.inject({ method: 'GET', url: '/v1/argo/verdict?name=podinfo&namespace=prod' })).json().result).toMatchObject({ verdict: 'inconclusive', reasons: [expect.stringMatching(/no requests series for prod\/podinfo/)] });
  });

  it('no 5xx series yet (a canary that never failed): the default errors template reads 0 errors, not missing minutes', async () => {
    const w = await source().window({ name: 'quietinfo', namespace: NS }, 5);
    if ('unavailable' in w) throw new Error(w.unavailable);
    for (const c of [...w.canary, ...w.baseline]) expect(c).toMatchObject({ errors: 0, requests: expect.any(Number) });
    expect(w.notes).toBeUndefined();
    expect(await verdict('quietinfo', 'kayenta')).toMatchObject({ verdict: 'pass', pass: 1 });
  });

  it('Flagger rollout: 200 for the healthy canary, 409 fail for the bad one, 409 inconclusive without data', async () => {
    const ok = await post(app, '/v1/flagger/rollout?judge=kayenta', FLAGGER);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: 'podinfo', ok: true, decision: 'pass' });
    const bad = await post(app, '/v1/flagger/rollout', { ...FLAGGER, name: 'badinfo' });
    expect(bad.statusCode).toBe(409);
    expect(bad.json()).toMatchObject({ ok: false, decision: 'fail' });
    expect(bad.json().reasons[0]).toMatch(/^canary fails/);
    expect(bad.json().reasons.join('\n')).toMatch(/error ratio: canary 2\d\.\d % vs baseline 0\.\d+ %/);
    for (const hook of ['rollout', 'confirm-traffic-increase']) {
      const ghost = await post(app, `/v1/flagger/${hook}`, { ...FLAGGER, name: 'ghost' });
      expect(ghost.statusCode, hook).toBe(409);
      expect(ghost.json()).toMatchObject({ ok: false, decision: 'inconclusive', reasons: [expect.stringMatching(/inconclusive, not a pass/), expect.stringMatching(/no requests series for test\/ghost/)] });
    }
  });

  it('Flagger rollback: the model scores the window; the bad canary scores higher; no data is never a rollback', async () => {
    const calm = await post(app, '/v1/flagger/rollback?minutes=10', { ...FLAGGER, metadata: { weight: '20' } });
    expect(calm.statusCode).toBe(409);
    expect(calm.json()).toMatchObject({ decision: 'no-rollback', modelVersion: 'v0001' });
    const bad = await post(app, '/v1/flagger/rollback?minutes=10', { ...FLAGGER, name: 'badinfo', metadata: { weight: '20' } });
    const b = bad.json();
    expect(b.pFault, JSON.stringify(b)).toBeGreaterThan(calm.json().pFault + 0.5); // about 0.9 against 0.1
    expect(bad.statusCode, JSON.stringify(b)).toBe(200);
    expect(b).toMatchObject({ ok: true, decision: 'rollback', action: 'rollback' });
    const ghost = await post(app, '/v1/flagger/rollback', { ...FLAGGER, name: 'ghost' });
    expect(ghost.statusCode).toBe(409);
    expect(ghost.json()).toMatchObject({ decision: 'no-rollback', reasons: [expect.stringMatching(/^metrics unavailable: .*no requests series for test\/ghost.*; hold/)] });
  });

  it('rolloutlab serve takes the query templates, namespace and timeout from flags and a YAML file', async () => {
    expect(serveLog).toMatch(/metrics: Prometheus at http:\/\/127\.0\.0\.1:\d+ \(own queries: errors, requests\)/);
    const get = async (q: string) => ((await (await fetch(`${serveUrl}/v1/argo/verdict?${q}`)).json()) as { result: { verdict: string; reasons: string[] } }).result;
    // The file reads errors as 4xx, a series that does not exist (there are none, and the template has no "or … * 0"):
    // an error count that is unknown is not 0, so the bad canary's 503s cannot pass unseen — inconclusive, saying which
    // series was missing. The request names no namespace: --prometheus-namespace fills it in.
    const bad = await get('name=badinfo&judge=kayenta');
    expect(bad.verdict, JSON.stringify(bad)).toBe('inconclusive');
    expect(bad.reasons).toContain('test/badinfo: no errors value in 5 of 5 minute(s) with requests (those minutes are missing)');
    expect((await get('name=podinfo&judge=kayenta')).verdict).toBe('inconclusive');
    expect(await get('name=badinfo&namespace=prod&judge=kayenta')).toMatchObject({ verdict: 'inconclusive', reasons: [expect.stringMatching(/no requests series for prod\/badinfo/)] });
  });

  it('Prometheus killed: every decision is inconclusive / hold with the reason, never a pass or a rollback', async () => {
    await stop(prom);
    const a = await verdict('podinfo', 'kayenta');
    expect(a).toMatchObject({ verdict: 'inconclusive', pass: -1, metricsAvailable: false });
    expect(a.reasons[0]).toMatch(/^metrics unavailable: Prometheus at http:\/\/127\.0\.0\.1:\d+: requests query for test\/podinfo failed: unreachable \(ECONNREFUSED\)/);
    const ro = await post(app, '/v1/flagger/rollout?judge=kayenta', FLAGGER);
    expect(ro.statusCode).toBe(409);
    expect(ro.json()).toMatchObject({ decision: 'inconclusive', reasons: [expect.anything(), expect.stringMatching(/ECONNREFUSED/)] });
    const rb = await post(app, '/v1/flagger/rollback', { ...FLAGGER, name: 'badinfo' });
    expect(rb.statusCode).toBe(409);
    expect(rb.json()).toMatchObject({ decision: 'no-rollback', reasons: [expect.stringMatching(/^metrics unavailable: .*ECONNREFUSED.*hold/)] });
  });
});

// ---- bad templates, without Prometheus ------------------------------------------------------------------------
describe('query templates', () => {
  it('queryTemplateProblem names unknown metrics, unknown placeholders, unbalanced braces and a missing {{ target }}', () => {
    for (const [k, q] of Object.entries(DEFAULT_PROM_QUERIES)) expect(queryTemplateProblem(k, q)).toBeNull();
    expect(queryTemplateProblem('latency', 'x{a="{{ target }}"}')).toMatch(/^unknown metric "latency" \(known: requests, errors, latencyP50, latencyP99, slow, conversions\)$/);
    expect(queryTemplateProblem('requests', 'sum(x{a="{{ tagret }}"})')).toMatch(/unknown placeholder \{\{ tagret \}\}/);
    expect(queryTemplateProblem('requests', 'sum(x{a="{{ target }"})')).toMatch(/unbalanced/);
    expect(queryTemplateProblem('errors', 'sum(x{a="b"})')).toMatch(/does not use \{\{ target \}\}/);
    expect(queryTemplateProblem('slow', '  ')).toMatch(/empty/);
    expect(checkQueries({ requests: 3 })).toMatch(/the requests template must be a string \(got number\)/);
    expect(checkQueries({ slow: 'sum(increase(slow_total{w="{{target}}"}[{{interval}}]))' })).toEqual({ slow: 'sum(increase(slow_total{w="{{target}}"}[{{interval}}]))' });
  });

  /** `rolloutlab serve` in this process (validation happens before anything starts): the exit code and stderr. */
  const serveInProcess = async (...args: string[]) => {
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
    try {
      return { code: await run(['node', 'rolloutlab', 'serve', '--port', '0', ...args]), stderr };
    } finally {
      spy.mockRestore();
    }
  };
  const dead = ['--prometheus', 'http://127.0.0.1:9'];

  it('rolloutlab serve (a real process) exits 1 on a bad template flag before starting, naming the flag and the problem', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'serve', '--port', '0', ...dead, '--prometheus-query', 'requests=sum(increase(istio_requests_total{destination_workload="{{ tagret }}"}[{{ interval }}]))'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error \[BAD_ARGUMENT\] --prometheus-query: the requests template uses unknown placeholder \{\{ tagret \}\} \(known: \{\{ target \}\}, \{\{ namespace \}\}, \{\{ interval \}\}\)$/m);
  });

  it('unknown metric, no "=", a bad YAML file, a bad --prometheus-primary, flags without --prometheus: exit 1 for a flag, 2 for a file, with the flag named', async () => {
    const k = await serveInProcess(...dead, '--prometheus-query', 'latency=x{w="{{ target }}"}');
    expect(k).toEqual({ code: 1, stderr: expect.stringMatching(/^error \[BAD_ARGUMENT\] --prometheus-query: unknown metric "latency" \(known: requests, errors, latencyP50, latencyP99, slow, conversions\)/) });
    expect((await serveInProcess(...dead, '--prometheus-query', 'sum(x)')).stderr).toMatch(/--prometheus-query: must be <metric>=<PromQL template>/);
    expect((await serveInProcess(...dead, '--prometheus-query', 'errors=sum(x{code="5xx"})')).stderr).toMatch(/--prometheus-query: the errors template does not use \{\{ target \}\}/);
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-promq-'));
    try {
      writeFileSync(join(dir, 'q.yaml'), 'requests: sum(x{w="{{ target }}"})\nerrrors: sum(y{w="{{ target }}"})\n');
      expect(await serveInProcess(...dead, '--prometheus-queries', join(dir, 'q.yaml'))).toEqual({ code: 2, stderr: expect.stringMatching(/--prometheus-queries .*q\.yaml: unknown metric "errrors"/) });
      writeFileSync(join(dir, 'list.yaml'), '- requests\n');
      expect((await serveInProcess(...dead, '--prometheus-queries', join(dir, 'list.yaml'))).stderr).toMatch(/list\.yaml: must hold an object/);
      expect(await serveInProcess(...dead, '--prometheus-queries', join(dir, 'nope.json'))).toEqual({ code: 2, stderr: expect.stringMatching(/error \[NOT_FOUND\] --prometheus-queries: no file .*nope\.json/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await serveInProcess(...dead, '--prometheus-primary', '{{ target }}-stable')).stderr).toMatch(/--prometheus-primary: must contain \{\{ name \}\}/);
    const saved = process.env.ROLLOUTLAB_PROMETHEUS;
    delete process.env.ROLLOUTLAB_PROMETHEUS;
    try {
      expect(await serveInProcess('--prometheus-timeout', '100', '--prometheus-namespace', 'prod')).toEqual({ code: 1, stderr: expect.stringMatching(/--prometheus-timeout, --prometheus-namespace: need --prometheus <url>/) });
    } finally {
      if (saved !== undefined) process.env.ROLLOUTLAB_PROMETHEUS = saved;
    }
    expect((await serveInProcess(...dead, '--prometheus-timeout', '0')).code).toBe(1); // commander: not between 1 and 600000
  });
});
