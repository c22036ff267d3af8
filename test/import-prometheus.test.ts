// `rolloutlab import prometheus` (server/prometheus-import.ts) against a real Prometheus (test/real-prometheus.ts:
// Debian's `prometheus` and `promtool`, skipped with a warning when they are absent). Two hours of seeded Istio request
// counters, latency gauges and a checkout counter for a canary (`web`) and its baseline (`web-primary`) are written as
// TSDB blocks: healthy until 11:00, then the canary fails about 10 % of its requests and is 1.6x slower. The canary's
// counters have a scrape gap and the baseline's p99 gauge misses two minutes. The command imports a healthy and a bad
// deployment, the values read back from the file are the written ones exactly, gaps are missing (never 0), the file
// feeds `backtest --replay`, which fails the bad canary; and every error case exits 1 (a flag) or 2 (what Prometheus
// answered, or could not) naming the flag, without leaving an output file behind.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../lib/rng.ts';
import { DEFAULT_PROM_QUERIES } from '../server/metrics-source.ts';
import { importPrometheus, importQueries, parseImportTime, parseStep } from '../server/prometheus-import.ts';
import { readReplay, runReplay } from '../backtest/replay.ts';
import { inProcess } from './in-process.ts';
import { PROMETHEUS_MISSING, PROMETHEUS_MISSING_MSG, freePort, startRealPrometheus, stop } from './real-prometheus.ts';

if (PROMETHEUS_MISSING.length && process.env.CI !== 'true') console.warn(`test/import-prometheus.test.ts: ${PROMETHEUS_MISSING_MSG}`);

// ---- the data ---------------------------------------------------------------------------------------------
const START_S = Date.parse('2024-03-05T10:00:00Z') / 1000;
const BAD_FROM_S = START_S + 3600; // the canary turns bad at 11:00
const SCRAPES = (2 * 3600) / 15 + 1; // every 15 s for two hours
const NS = 'shop';
/** The canary's counters have no samples strictly between 10:20 and 10:23: no requests value at 10:21, 10:22, 10:23. */
const GAP = { from: START_S + 20 * 60, to: START_S + 23 * 60 };
/** The baseline's p99 gauge has no sample at 10:30 and 10:31. */
const P99_GAP = [START_S + 30 * 60, START_S + 31 * 60];

interface Written {
  /** Cumulative counters per scrape k (time START + 15 s × k). */
  ok: number[];
  errors: number[];
  checkouts: number[];
  /** Gauges per minute m (time START + 60 s × m); null = not written. */
  p50: (number | null)[];
  p99: (number | null)[];
}

function simulate(): Record<'web' | 'web-primary', Written> {
  const out = {} as Record<'web' | 'web-primary', Written>;
  for (const w of ['web', 'web-primary'] as const) {
    const rng = new Rng(11, 'import-prometheus-it', w);
    const c: Written = { ok: [], errors: [], checkouts: [], p50: [], p99: [] };
    let ok = 0, errors = 0, checkouts = 0;
    const rpm = w === 'web' ? 240 : 2400;
    for (let k = 0; k < SCRAPES; k++) {
      const t = START_S + 15 * k;
      if (k > 0) {
        const bad = w === 'web' && t > BAD_FROM_S;
        const n = rng.poisson(rpm / 4);
        const e = rng.binomial(n, bad ? 0.1 : 0.002);
        ok += n - e;
        errors += e;
        checkouts += rng.poisson(rpm / 4 / 50);
      }
      c.ok.push(ok);
      c.errors.push(errors);
      c.checkouts.push(checkouts);
    }
    for (let m = 0; m <= 120; m++) {
      const slow = w === 'web' && START_S + 60 * m > BAD_FROM_S ? 1.6 : 1;
      const p50 = Math.round(rng.gauss(45, 1.5) * slow * 1000) / 1000;
      const p99 = Math.round(rng.gauss(140, 6) * slow * 1000) / 1000;
      c.p50.push(p50);
      c.p99.push(w === 'web-primary' && P99_GAP.includes(START_S + 60 * m) ? null : p99);
    }
    out[w] = c;
  }
  return out;
}

function openMetrics(data: Record<string, Written>): string {
  const lines: string[] = ['# HELP istio_requests Requests.', '# TYPE istio_requests counter'];
  const ts = (k: number) => START_S + 15 * k;
  const inGap = (w: string, k: number) => w === 'web' && ts(k) > GAP.from && ts(k) < GAP.to;
  for (const [w, c] of Object.entries(data)) {
    for (const [code, arr] of [['200', c.ok], ['503', c.errors]] as const) {
      const labels = `reporter="destination",destination_workload="${w}",destination_workload_namespace="${NS}",response_code="${code}"`;
      for (let k = 0; k < SCRAPES; k++) if (!inGap(w, k)) lines.push(`istio_requests_total{${labels}} ${arr[k]} ${ts(k)}`);
    }
  }
  lines.push('# HELP checkouts Checkouts.', '# TYPE checkouts counter');
  for (const [w, c] of Object.entries(data)) for (let k = 0; k < SCRAPES; k++) lines.push(`checkouts_total{namespace="${NS}",workload="${w}"} ${c.checkouts[k]} ${ts(k)}`);
  for (const q of ['p50', 'p99'] as const) {
    lines.push(`# HELP app_latency_${q}_ms Latency.`, `# TYPE app_latency_${q}_ms gauge`);
    for (const [w, c] of Object.entries(data)) {
      c[q].forEach((v, m) => v !== null && lines.push(`app_latency_${q}_ms{namespace="${NS}",workload="${w}"} ${v} ${START_S + 60 * m}`));
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** What a step ending at `tS` must read for a workload: the written differences over `stepS`, or null in a gap. */
function expected(c: Written, w: string, tS: number, stepS = 60) {
  const k = (tS - START_S) / 15;
  const k0 = k - stepS / 15;
  const m = (tS - START_S) / 60;
  const gap = w === 'web' && tS > GAP.from && tS - stepS < GAP.to;
  const errors = c.errors[k] - c.errors[k0];
  return gap ? null : { requests: c.ok[k] - c.ok[k0] + errors, errors, latencyP50: c.p50[m], latencyP99: c.p99[m], conversions: c.checkouts[k] - c.checkouts[k0] };
}

// The queries: the serve command's default Istio templates for the counts, the gauges at the step's own sample.
const sel = 'namespace="{{ namespace }}",workload="{{ target }}"';
const QUERIES = [
  `requests=${DEFAULT_PROM_QUERIES.requests}`,
  `errors=${DEFAULT_PROM_QUERIES.errors}`,
  `latency_p50_ms=max(max_over_time(app_latency_p50_ms{${sel}}[30s]))`,
  `latencyP99=max(max_over_time(app_latency_p99_ms{${sel}}[30s]))`, // serve's name for the same column
  `kpi=sum(increase(checkouts_total{${sel}}[{{ interval }}]))`,
];
const iso = (s: number) => new Date(s * 1000).toISOString();
// Thirty one-minute ticks each (from and to inclusive): six windows of 5 ticks.
const GOOD = { id: 'web-good', from: START_S + 10 * 60, to: START_S + 39 * 60 };
const BAD = { id: 'web-bad', from: START_S + 70 * 60, to: START_S + 99 * 60 };
const queryFlags = (qs = QUERIES) => qs.flatMap((q) => ['--query', q]);

let work = '';
let prom: ChildProcess | undefined;
let url = '';
let data: Record<'web' | 'web-primary', Written>;

/** The files in the work folder's `out/` (none may be left behind by a failed import). */
const outFiles = () => readdirSync(join(work, 'out')).sort();
/** An import into `out/<name>` that must fail: the exit code and the error, as JSON. */
async function failing(name: string, args: string[]) {
  const before = outFiles();
  const r = await inProcess(['import', 'prometheus', '--url', url, '--namespace', NS, '--canary', 'web', '--from', iso(GOOD.from), '--to', iso(GOOD.to), '--out', join(work, 'out', name), '--json', ...args]);
  expect(outFiles(), 'no file left behind').toEqual(before);
  return { code: r.code, error: JSON.parse(r.stdout).error as { code: string; message: string; field: string | null } };
}

if (PROMETHEUS_MISSING.length > 0 && process.env.CI === 'true') {
  describe('real Prometheus (CI)', () => {
    it('prometheus and promtool are installed', () => {
      expect.fail(`${PROMETHEUS_MISSING_MSG.replace('SKIPPED', 'not run')} CI=true: failing instead of skipping.`);
    });
  });
}

describe.skipIf(PROMETHEUS_MISSING.length > 0)('rolloutlab import prometheus against a real Prometheus', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rolloutlab-import-prom-'));
    mkdirSync(join(work, 'out'));
    data = simulate();
    const p = await startRealPrometheus(work, openMetrics(data));
    prom = p.child;
    url = p.url;
    console.info(`import-prometheus: blocks written ${p.blocksMs.toFixed(0)} ms, Prometheus ready ${p.readyMs.toFixed(0)} ms`);
  }, 60_000);

  afterAll(async () => {
    await stop(prom);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('imports two deployments; every value reads back exactly as written, and gaps are missing, not 0', async () => {
    const file = join(work, 'out', 'replay.csv');
    const t0 = performance.now();
    // The healthy deployment's range in RFC 3339, the bad one's in unix seconds.
    const r = await inProcess(['import', 'prometheus', '--url', `${url}/`, ...queryFlags(), '--canary', 'web', '--namespace', NS, '--latency-objective', '300',
      '--deployment', `${GOOD.id}=${iso(GOOD.from)}..${iso(GOOD.to).replace('.000Z', '+00:00')}`, '--deployment', `${BAD.id}=${BAD.from}..${BAD.to}`, '--out', file, '--json']);
    const ms = performance.now() - t0;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    console.info(`import-prometheus: 2 deployments × 30 ticks × 5 metrics × 2 cohorts imported in ${ms.toFixed(0)} ms`);
    expect(summary).toMatchObject({
      out: file,
      url,
      stepSeconds: 60,
      rows: 2 * 30 * 2 - 3,
      series: 5 * 2 * 2,
      cohorts: { canary: 'web', baseline: 'web-primary' },
      columns: ['deployment_id', 'service', 'timestamp', 'tick', 'cohort', 'requests', 'errors', 'latency_p50_ms', 'latency_p99_ms', 'kpi', 'latency_objective_ms'],
      deployments: [
        { id: 'web-good', from: iso(GOOD.from), to: iso(GOOD.to), ticks: 30, canaryRows: 27, baselineRows: 30 },
        { id: 'web-bad', from: iso(BAD.from), to: iso(BAD.to), ticks: 30, canaryRows: 30, baselineRows: 30 },
      ],
      // The canary's counter gap (10:21-10:23: three steps of requests, errors and checkouts); the baseline's p99 gap.
      gaps: { requests: { canary: 3, baseline: 0 }, errors: { canary: 3, baseline: 0 }, latency_p50_ms: { canary: 0, baseline: 0 }, latency_p99_ms: { canary: 0, baseline: 2 }, kpi: { canary: 0, baseline: 0 } },
      missingRows: { canary: 3, baseline: 0 },
    });
    expect(readFileSync(file, 'utf8').split('\n').slice(0, 3)).toEqual([
      'deployment_id,service,timestamp,tick,cohort,requests,errors,latency_p50_ms,latency_p99_ms,kpi,latency_objective_ms',
      expect.stringMatching(/^web-good,web,2024-03-05T10:10:00\.000Z,0,baseline,\d+,\d+,[\d.]+,[\d.]+,\d+,300$/),
      expect.stringMatching(/^web-good,web,2024-03-05T10:10:00\.000Z,0,canary,\d+,\d+,[\d.]+,[\d.]+,\d+,300$/),
    ]);

    // The replay reader's view of the file, tick by tick, against what was written.
    const replay = await readReplay(file);
    expect(replay.warnings).toEqual([]);
    expect(replay.deployments.map((d) => [d.id, d.service, d.firstTick, d.canary.length, d.latencyObjectiveMs])).toEqual([['web-good', 'web', 0, 30, 300], ['web-bad', 'web', 0, 30, 300]]);
    let compared = 0;
    for (const [d, range] of [[replay.deployments[0], GOOD], [replay.deployments[1], BAD]] as const) {
      for (let i = 0; i < 30; i++) {
        for (const [side, w] of [['canary', 'web'], ['baseline', 'web-primary']] as const) {
          const want = expected(data[w], w, range.from + 60 * i);
          const got = d[side][i];
          if (want === null) {
            expect(got, `${d.id} ${side} tick ${i}`).toBeNull();
            continue;
          }
          expect(got, `${d.id} ${side} tick ${i}`).toMatchObject(want);
          compared++;
        }
      }
    }
    expect(compared).toBe(2 * 30 * 2 - 3);
    // The gaps: the canary's ticks 11-13 of web-good have no sample; the baseline's p99 at 10:30 and 10:31 is empty
    // (missing), with the rest of those rows there.
    expect(replay.deployments[0].canary.slice(11, 14)).toEqual([null, null, null]);
    expect(replay.deployments[0].canary[10]).not.toBeNull();
    expect(replay.deployments[0].canary[14]).not.toBeNull();
    for (const i of [20, 21]) expect(replay.deployments[0].baseline[i]).toMatchObject({ latencyP99: null, latencyP50: expect.any(Number), requests: expect.any(Number) });
    // The data really differ: about 0.2 % errors on the healthy canary, 10 % on the bad one.
    const rate = (xs: (typeof replay.deployments)[0]['canary']) => xs.reduce((s, c) => s + (c?.errors ?? 0), 0) / xs.reduce((s, c) => s + (c?.requests ?? 0), 0);
    expect(rate(replay.deployments[0].canary)).toBeLessThan(0.01);
    expect(rate(replay.deployments[1].canary)).toBeGreaterThan(0.08);
  });

  it('the file feeds backtest --replay unchanged: kayenta passes the healthy canary and fails the bad one', async () => {
    const file = join(work, 'out', 'replay.csv');
    const r = await inProcess(['backtest', '--replay', file, '--policies', 'kayenta', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ deployments: 2, windows: 12, partialWindows: 0 });
    // Per deployment: every bad window fails; no healthy window fails (the one with the canary's gap has too little
    // evidence to pass).
    const report = await runReplay(file, { judges: ['kayenta'] });
    const verdicts = (id: string) => report.rows.filter((w) => w.deploymentId === id).map((w) => w.verdicts.kayenta.verdict);
    expect(verdicts('web-bad')).toEqual(new Array(6).fill('fail'));
    expect(verdicts('web-good')).toEqual(['pass', 'pass', 'inconclusive', 'pass', 'pass', 'pass']);
    expect(s.judges.kayenta.verdicts).toEqual({ pass: 5, fail: 6, inconclusive: 1 });
  });

  it('one deployment with --from / --to (unix seconds) and a 2 m step: the CSV on stdout, {{ interval }} is the step', async () => {
    const r = await inProcess(['import', 'prometheus', '--url', url, ...queryFlags(QUERIES.slice(0, 2)), '--canary', 'web', '--baseline', 'web-primary', '--namespace', NS, '--from', String(BAD.from), '--to', String(BAD.to), '--step', '2m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --step 120 s: the replay judges count ticks as minutes/);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('deployment_id,service,timestamp,tick,cohort,requests,errors');
    expect(lines).toHaveLength(1 + 15 * 2);
    for (let i = 0; i < 15; i++) {
      for (const [j, w] of [[1, 'web-primary'], [2, 'web']] as const) {
        const want = expected(data[w], w, BAD.from + 120 * i, 120)!;
        expect(lines[2 * i + j], `tick ${i} ${w}`).toBe(`web,web,${iso(BAD.from + 120 * i)},${i},${j === 1 ? 'baseline' : 'canary'},${want.requests},${want.errors}`);
      }
    }
  });

  it('answers the file cannot hold exit 2 naming --query, and leave no file: +Inf, NaN, negative, several series, no series, errors above requests, bad PromQL', async () => {
    const base = QUERIES.slice(0, 2);
    const count = DEFAULT_PROM_QUERIES.requests;
    const cases: [string, string[], RegExp][] = [
      ['inf', [`requests=${count} / 0`, base[1]], /^--query requests: Prometheus answered \+Inf for the baseline \(web-primary\) at 2024-03-05T10:10:00\.000Z \(deployment "web", tick 0\): a count must be a finite number/],
      ['nan', [...base, `kpi=0 * sum(increase(checkouts_total{${sel}}[1m])) / 0`], /^--query kpi: Prometheus answered NaN for the baseline .*: the value must be a finite number/],
      ['negative', [...base, `kpi=-1 * sum(increase(checkouts_total{${sel}}[1m]))`], /^--query kpi: Prometheus answered -\d+ for the baseline .*: the value cannot be negative/],
      ['series', [`requests=increase(istio_requests_total{destination_workload="{{ target }}"}[1m])`, base[1]], /^--query requests: answered 2 series for the (canary|baseline) \(\{.*response_code="200".*\}, \{.*\}\), one is needed: aggregate them, e\.g\. sum/],
      ['no-5xx-or', [base[0], `errors=sum(increase(istio_requests_total{destination_workload="{{ target }}",response_code="404"}[1m]))`], /^--query errors: Prometheus at http:\/\/127\.0\.0\.1:\d+ has no canary \(web\) value for deployment "web" from 2024-03-05T10:10:00\.000Z to 2024-03-05T10:39:00\.000Z \(a count query must answer 0, not nothing/],
      ['errors-above', [base[0], `errors=2 * ${count}`], /^--query errors: \d+ errors but \d+ requests for the baseline .*: the error count cannot exceed the requests/],
      ['promql', [`requests=sum(rate(istio_requests_total{destination_workload="{{ target }}"}))`, base[1]], /^--query requests: Prometheus at .* answered HTTP 400: .*range vector.* for the (canary|baseline) \(query: sum\(rate\(istio_requests_total\{destination_workload="web(-primary)?"\}\)\)\)/],
    ];
    for (const [name, qs, message] of cases) {
      const { code, error } = await failing(`${name}.csv`, queryFlags(qs));
      expect({ code, error }, name).toEqual({ code: 2, error: { code: expect.stringMatching(/^BAD_DATA$/), message: expect.stringMatching(message), field: 'query' } });
    }
    // A canary Prometheus has nothing for.
    const ghost = await failing('ghost.csv', [...queryFlags(base), '--canary', 'ghost']);
    expect(ghost).toEqual({ code: 2, error: { code: 'BAD_DATA', message: expect.stringMatching(/^--query requests: Prometheus at .* has no canary \(ghost\) value for deployment "ghost"/), field: 'query' } });
  });

  it('a long range is read in parts (at most 10,000 steps per request): the same file as in one request', async () => {
    const o = { url, queries: importQueries(QUERIES), canary: 'web', baseline: 'web-primary', namespace: NS, deployments: [{ id: 'g', fromS: GOOD.from, toS: GOOD.to }] };
    const calls = vi.spyOn(globalThis, 'fetch');
    try {
      const whole = await importPrometheus(o);
      expect(calls).toHaveBeenCalledTimes(5 * 2);
      calls.mockClear();
      const parts = await importPrometheus({ ...o, stepsPerRequest: 7 });
      expect(calls).toHaveBeenCalledTimes(5 * 2 * Math.ceil(30 / 7));
      expect(parts).toEqual(whole);
      expect(whole.summary.rows).toBe(57);
    } finally {
      calls.mockRestore();
    }
  });

  it('a latency of a step without requests (NaN, as histogram_quantile answers 0 / 0) is missing; with requests it stops the import', async () => {
    const zero = (q: string) => q.replace('=', '=0 * (') + ')';
    const nanLatency = `latency_p99_ms=sum(increase(checkouts_total{${sel}}[1m])) * 0 / 0`;
    const r = await inProcess(['import', 'prometheus', '--url', url, ...queryFlags([zero(QUERIES[0]), zero(QUERIES[1]), nanLatency]), '--canary', 'web', '--namespace', NS, '--from', iso(BAD.from), '--to', iso(BAD.from + 240)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual(Array.from({ length: 10 }, (_, j) => `web,web,${iso(BAD.from + 60 * Math.floor(j / 2))},${Math.floor(j / 2)},${j % 2 ? 'canary' : 'baseline'},0,0,`));
    const withRequests = await failing('nan-latency.csv', queryFlags([...QUERIES.slice(0, 2), nanLatency]));
    expect(withRequests).toEqual({ code: 2, error: { code: 'BAD_DATA', message: expect.stringMatching(/^--query latency_p99_ms: Prometheus answered NaN for the baseline \(web-primary\) at 2024-03-05T10:10:00\.000Z \(deployment "web", tick 0\) with \d+ requests: the value must be a finite number/), field: 'query' } });
  });

  it('an existing --out is refused without --force, and a failed import with --force leaves it as it was', async () => {
    const file = join(work, 'out', 'kept.csv');
    writeFileSync(file, 'old\n');
    const refused = await failing('kept.csv', queryFlags(QUERIES.slice(0, 2)));
    expect(refused).toEqual({ code: 2, error: { code: 'OUTPUT_EXISTS', message: expect.stringMatching(/--out: .*kept\.csv exists \(give --force to replace it\)/), field: 'out' } });
    const failed = await failing('kept.csv', ['--force', ...queryFlags([`requests=${DEFAULT_PROM_QUERIES.requests} / 0`, QUERIES[1]])]);
    expect(failed.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    const r = await inProcess(['import', 'prometheus', '--url', url, ...queryFlags(QUERIES.slice(0, 2)), '--canary', 'web', '--namespace', NS, '--from', iso(GOOD.from), '--to', iso(GOOD.to), '--out', file, '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported 57 rows \(1 deployment\(s\), 4 series\) into .*kept\.csv; steps without a value: requests 3 canary \/ 0 baseline, errors 3 canary \/ 0 baseline\n$/);
    expect((await readReplay(file)).rows).toBe(57);
  });
});

// ---- without Prometheus -----------------------------------------------------------------------------------------
describe('import prometheus: flags (exit 1) and an unreachable Prometheus (exit 2)', () => {
  const ok = ['--url', 'http://127.0.0.1:9', '--canary', 'web', '--from', '2024-03-05T10:10:00Z', '--to', '2024-03-05T10:39:00Z', ...queryFlags(QUERIES.slice(0, 2))];
  const without = (flag: string, args = ok) => {
    const i = args.indexOf(flag);
    return [...args.slice(0, i), ...args.slice(i + 2)];
  };
  const usage = async (args: string[]) => {
    const r = await inProcess(['import', 'prometheus', ...args, '--json']);
    return { exit: r.code, ...(JSON.parse(r.stdout).error as { code: string; message: string; field: string | null }) };
  };

  it('parses times (RFC 3339 with an offset, unix seconds) and steps', () => {
    expect(parseImportTime('--from', '2024-03-05T10:10:00Z')).toBe(START_S + 600);
    expect(parseImportTime('--from', '2024-03-05T11:10:00.500+01:00')).toBe(START_S + 600.5);
    expect(parseImportTime('--from', String(START_S))).toBe(START_S);
    for (const bad of ['2024-03-05', '2024-03-05T10:10:00', '2024-02-30T10:00:00Z', 'yesterday', '-5', '1e9']) expect(() => parseImportTime('--from', bad), bad).toThrow(/--from: .* is not a time/);
    expect([parseStep('60'), parseStep('30s'), parseStep('5m'), parseStep('1h')]).toEqual([60, 30, 300, 3600]);
    for (const bad of ['0', '1.5m', 'm', '2d', '86401']) expect(() => parseStep(bad), bad).toThrow(/--step: .* is not a step/);
    expect(importQueries(QUERIES)).toEqual({ requests: DEFAULT_PROM_QUERIES.requests, errors: DEFAULT_PROM_QUERIES.errors, latency_p50_ms: expect.any(String), latency_p99_ms: expect.any(String), kpi: expect.any(String) });
  });

  it('a bad flag exits 1 naming it, before Prometheus is asked', async () => {
    const cases: [string[], string, RegExp][] = [
      [[...ok, '--query', 'latency=max(x{w="{{ target }}"})'], 'query', /^--query: unknown name "latency": the replay file has no such column \(known: requests, errors, latency_p50_ms \(or latencyP50\), latency_p99_ms \(or latencyP99\), kpi \(or conversions\)\)$/],
      [[...ok, '--query', 'slow=sum(x{w="{{ target }}"})'], 'query', /unknown name "slow"/],
      [[...without('--query', without('--query')), '--query', QUERIES[0]], 'query', /^--query: errors is required/],
      [[...ok.slice(0, -4)], 'query', /^--query: requests and errors are required/],
      [[...ok, '--query', 'kpi=sum(checkouts_total)'], 'query', /^--query: the kpi template does not use \{\{ target \}\}/],
      [[...ok, '--query', 'kpi=sum(x{w="{{ tagret }}"})'], 'query', /unknown placeholder \{\{ tagret \}\}/],
      [[...ok, '--query', QUERIES[0]], 'query', /^--query: requests is given twice/],
      [[...without('--from'), '--from', '2024-03-05 10:10'], 'from', /^--from: "2024-03-05 10:10" is not a time: give RFC 3339 with its offset/],
      [[...without('--to'), '--to', 'soon'], 'to', /^--to: "soon" is not a time/],
      [[...without('--from'), '--from', '2024-03-05T10:41:00Z'], 'from', /^--from: the start \(2024-03-05T10:41:00\.000Z\) is after the end \(2024-03-05T10:39:00\.000Z\)/],
      [without('--to'), 'to', /^--to is required/],
      [[...without('--to'), '--to', '2024-06-05T10:40:00Z'], 'from', /steps of 60 s .*: at most 100000 per deployment/],
      [[...without('--url'), '--url', 'prometheus:9090'], 'url', /^--url: "prometheus:9090" is not an http or https URL/],
      [[...without('--url'), '--url', 'not a url'], 'url', /^--url: "not a url" is not a URL/],
      [[...ok, '--step', '0'], 'step', /^--step: "0" is not a step/],
      [[...ok, '--baseline', 'web'], 'baseline', /the canary and the baseline are both "web"/],
      [ok, 'json', /^--json prints the summary on stdout: give --out/],
      [[...ok, '--out', 'x.txt'], 'out', /^--out: x\.txt must end in \.csv/],
      [[...ok, '--deployment', 'a=2024-03-05T10:10:00Z..2024-03-05T10:20:00Z'], 'from', /^--from cannot be combined with --deployment <id>=<from>\.\.<to>/],
      [[...without('--from', without('--to')), '--deployment', 'a=2024-03-05T10:10:00Z..2024-03-05T10:20:00Z', '--deployment', 'b'], 'deployment', /give every deployment as <id>=<from>\.\.<to>, or one plain <id>/],
      [[...without('--from', without('--to')), '--deployment', 'a=2024-03-05T10:10:00Z..2024-03-05T10:20:00Z', '--deployment', 'a=1709633400..1709634000'], 'deployment', /"a" is given twice/],
      [[...without('--from', without('--to')), '--deployment', 'a=2024-03-05T10:10:00Z'], 'deployment', /must be <id>=<from>\.\.<to>/],
      [[...without('--from', without('--to')), '--deployment', 'a=2024-03-05T10:10:00Z..later'], 'deployment', /^--deployment a: "later" is not a time/],
      [[...without('--from', without('--to')), '--deployment', 'a=1709633400..1709633000'], 'deployment', /^--deployment a: the start .* is after the end/],
    ];
    for (const [args, field, message] of cases) {
      const needsOut = field !== 'json' && field !== 'out';
      const e = await usage(needsOut ? [...args, '--out', join(tmpdir(), 'rolloutlab-never-written.csv')] : args);
      expect(e, args.join(' ')).toEqual({ exit: 1, code: 'BAD_ARGUMENT', message: expect.stringMatching(message), field });
    }
    expect(existsSync(join(tmpdir(), 'rolloutlab-never-written.csv'))).toBe(false);
  });

  it('an unreachable Prometheus exits 2 (IO) naming --url, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-import-dead-'));
    try {
      const port = await freePort(); // nothing listens there
      const r = await inProcess(['import', 'prometheus', ...without('--url'), '--url', `http://127.0.0.1:${port}`, '--out', join(dir, 'r.csv'), '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error).toEqual({ code: 'IO', message: expect.stringMatching(new RegExp(`^--url: Prometheus at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`)), field: 'url' });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
