// A fake Prometheus on loopback for benches: a real HTTP server that answers the one endpoint the server's metrics
// source reads (`GET /api/v1/query_range`, Prometheus's HTTP API, matrix results), so the Argo and Flagger routes go
// through the real client (server/metrics-source.ts PrometheusSource) with its parsing, time alignment and errors.
//
// Each canary workload name maps to a scenario: per-minute rows for the canary (`<name>`) and its primary
// (`<name>-primary`), which series exist at all, and which minutes have a sample. The source must be given
// FAKE_PROM_QUERIES (one simple selector per metric), so the fake can tell the metric and the workload of a query.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PromQueries, PromQueryKey } from '../server/metrics-source.ts';

/** One minute of one workload: requests, errors, slow, p50 ms, p99 ms, conversions (numbers, or strings sent as-is). */
export type PromRow = [number | string, number | string, number | string, number | string, number | string, number | string];

export interface PromScenario {
  canary: PromRow[];
  baseline: PromRow[];
  /** The series that exist (default all); the others answer an empty matrix, as Prometheus does for no data. */
  series?: PromQueryKey[];
  /**
   * Which minutes of the asked range have a sample, as indexes from the oldest (0) to the newest (minutes - 1);
   * negative indexes count from the newest (-1 = the last minute). Default: every minute.
   */
  minutes?: number[];
}

const sel = (metric: string) => `${metric}{ns="{{ namespace }}",workload="{{ target }}"}`;
/** The queries the fake understands (give them to PrometheusSource as `queries`). */
export const FAKE_PROM_QUERIES: PromQueries = {
  requests: `sum(increase(${sel('reqs')}[{{ interval }}]))`,
  errors: `sum(increase(${sel('errs')}[{{ interval }}]))`,
  slow: `sum(increase(${sel('slow')}[{{ interval }}]))`,
  latencyP50: sel('p50'),
  latencyP99: sel('p99'),
  conversions: `sum(increase(${sel('conv')}[{{ interval }}]))`,
};
const COLUMN: Record<string, [number, PromQueryKey]> = { reqs: [0, 'requests'], errs: [1, 'errors'], slow: [2, 'slow'], p50: [3, 'latencyP50'], p99: [4, 'latencyP99'], conv: [5, 'conversions'] };

export interface FakePrometheus {
  url: string;
  /** Queries answered so far. */
  queries: number;
  /** Set (or replace) the scenario of a canary name. */
  set(name: string, s: PromScenario): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 (a free port); names without a scenario get `fallback`. */
export async function startFakePrometheus(fallback: PromScenario): Promise<FakePrometheus> {
  const scenarios = new Map<string, PromScenario>();
  const state = { queries: 0 };
  const answer = (url: URL): { status: number; body: unknown } => {
    state.queries++;
    const q = url.searchParams.get('query') ?? '';
    const m = /^(?:sum\(increase\()?(\w+)\{ns="[^"]*",workload="([^"]+)"\}/.exec(q);
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const step = parseInt(url.searchParams.get('step') ?? '60', 10);
    if (!m || !(m[1] in COLUMN) || !Number.isFinite(start) || !Number.isFinite(end) || !(step > 0)) {
      return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `cannot parse query ${JSON.stringify(q)}` } };
    }
    const [col, key] = COLUMN[m[1]];
    const workload = m[2];
    const primary = workload.endsWith('-primary');
    const s = scenarios.get(primary ? workload.slice(0, -'-primary'.length) : workload) ?? fallback;
    if (s.series && !s.series.includes(key)) return { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } };
    const rows = primary ? s.baseline : s.canary;
    const n = Math.floor((end - start) / step) + 1;
    const keep = s.minutes ? new Set(s.minutes.map((i) => (i < 0 ? n + i : i))) : null;
    const values: [number, string][] = [];
    for (let i = 0; i < n; i++) if (!keep || keep.has(i)) values.push([start + i * step, String(rows[i % rows.length][col])]);
    return { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: values.length ? [{ metric: { workload }, values }] : [] } } };
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const r = url.pathname === '/api/v1/query_range' ? answer(url) : { status: 404, body: { status: 'error', errorType: 'not_found', error: `no endpoint ${url.pathname}` } };
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get queries() {
      return state.queries;
    },
    set: (name, s) => void scenarios.set(name, s),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
