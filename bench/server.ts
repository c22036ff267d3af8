// Serving load benchmark: the risk-score and canary-verdict routes (the verdict also with ?reasons=false) beside a bare Fastify route, measured in the same
// process and run, with Node's own HTTP client (keep-alive) so no load-generator dependency is needed.
//
// Two modes per route:
// - closed loop: `connections` clients send back to back for `seconds`: requests/s and p50 / p99 latency. With
//   `rounds` n > 1, after a short warm-up of every route the routes run n times in turn (bare Fastify first in each
//   round), each route's ratio to bare is taken within its round, and the figures reported are the medians over the
//   rounds: on a shared machine a burst of load elsewhere then lowers one round, not the comparison;
// - fixed rate: requests sent on a schedule (default 500/s) for `seconds`, latency measured from the scheduled send
//   time (no coordinated omission): p50 / p99 at that rate.
// Also: the server process's resident memory with every champion loaded, and the canary verdict's latency at a fixed
// rate while two clients loop ~25 KB POST /v1/deploy/schedule bodies (seconds of planning each), with the planning on
// the worker pool (the default) and on the main thread (--plan-threads 0), beside the same rate unloaded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { buildApp } from '../server/app.ts';
import { TIME_FEATURES } from '../training/deploy-window/recommend.ts';

export interface LoadFigures {
  route: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /**
   * CPU time of this process (client and server, every thread) per request, in µs: the closed loop runs the whole
   * exchange in one process, so its throughput is about 1 / this when the process has a core to itself. On a shared
   * machine it moves far less than requests/s does. (Set by the closed loop only.)
   */
  cpuUsPerRequest?: number;
}

/** The verdict at a fixed rate, alone and while clients loop the schedule route. */
export interface HeavyLoadFigures {
  /** Clients looping POST /v1/deploy/schedule, and its body's size in bytes. */
  scheduleClients: number;
  scheduleBodyBytes: number;
  rows: (LoadFigures & { targetRate: number; maxMs: number; planning: 'none' | 'worker pool' | 'main thread'; schedulesAnswered: number; scheduleP50Ms: number })[];
}

export interface ServerBench {
  /** Per route: the median over the rounds of requests/s, p50 and p99 (errors summed). */
  closedLoop: LoadFigures[];
  /** Closed-loop rounds (1: one run per route, as before rounds existed). */
  rounds: number;
  /** Every round's figures, round by round (each in the order of `closedLoop`). */
  closedLoopRounds: LoadFigures[][];
  /** Per route (bare excluded), its ratio to bare Fastify's requests/s in each round; `ratioToBare` is their median. */
  roundRatios: Record<string, number[]>;
  /**
   * Per route (bare excluded), bare Fastify's CPU time per request over the route's, in each round: the throughput
   * ratio the route would have with a core to itself, steadier than `roundRatios` when other work shares the machine.
   */
  roundCpuRatios: Record<string, number[]>;
  /** The median of each route's `roundCpuRatios`. */
  cpuRatioToBare: Record<string, number>;
  /** Null when no risk champion is loaded (the schedule route needs it). */
  heavy: HeavyLoadFigures | null;
  fixedRate: (LoadFigures & { targetRate: number })[];
  ratioToBare: Record<string, number>;
  rssMb: { beforeModels: number; withModels: number };
  connections: number;
  seconds: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

function send(agent: http.Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolveP, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolveP(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function closedLoop(port: number, path: string, body: string, connections: number, seconds: number, route: string, until?: () => boolean): Promise<LoadFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const going = until ?? (() => performance.now() < deadline);
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (going()) {
        const t0 = performance.now();
        const code = await send(agent, port, path, body).catch(() => 0);
        lat.push(performance.now() - t0);
        if (code < 200 || code >= 300) errors++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { route, requestsPerSecond: lat.length / seconds, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), errors, cpuUsPerRequest: lat.length ? (cpu.user + cpu.system) / lat.length : NaN };
}

async function fixedRate(port: number, path: string, body: string, rate: number, seconds: number, route: string): Promise<LoadFigures & { targetRate: number; maxMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const lat: number[] = [];
  let errors = 0;
  const n = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Latency from the scheduled time when the loop sends late (no coordinated omission), from the send when early.
    const from = Math.min(due, performance.now());
    pending.push(
      send(agent, port, path, body)
        .then((code) => {
          lat.push(performance.now() - from);
          if (code < 200 || code >= 300) errors++;
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return { route, targetRate: rate, requestsPerSecond: lat.length / ((performance.now() - start) / 1000), p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), maxMs: lat.length ? Math.max(...lat) : NaN, errors };
}

const HOUR = 3_600_000;
/** A batch of four changes on three services with 56 days of hourly traffic each (~25 KB), 48 h horizon. */
function scheduleBody(features: Record<string, number | string>): string {
  const ready = Date.parse('2026-03-03T13:00:00Z');
  const hourly = (peak: number) => Array.from({ length: 56 * 24 }, (_, i) => Math.round(60_000 * (1 + 0.9 * Math.cos((2 * Math.PI * (new Date(ready - (56 * 24 - i) * HOUR).getUTCHours() - peak)) / 24))));
  const services = Object.fromEntries(['users', 'orders', 'billing'].map((n, i) => [n, { traffic: { stepMinutes: 60, values: hourly(14 + i) } }]));
  const changes = ['orders', 'users', 'orders', 'billing'].map((service, i) => ({ id: `c${i}`, service, readyAt: new Date(ready).toISOString(), features }));
  return JSON.stringify({ services, changes, dependencies: [{ caller: 'orders', callee: 'users' }], horizonHours: 48 });
}

/** The verdict at `rate` for `seconds` while `clients` loop the schedule route on the same server (schedule null: alone). */
async function verdictUnderLoad(port: number, verdictBody: string, schedule: string | null, clients: number, rate: number, seconds: number, planning: HeavyLoadFigures['rows'][number]['planning']): Promise<HeavyLoadFigures['rows'][number]> {
  let loading = true;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat: number[] = [];
  let scheduleErrors = 0;
  const loops =
    schedule === null
      ? []
      : Array.from({ length: clients }, async () => {
          while (loading) {
            const t0 = performance.now();
            const code = await send(agent, port, '/v1/deploy/schedule', schedule).catch(() => 0);
            lat.push(performance.now() - t0);
            if (code !== 200) scheduleErrors++;
          }
        });
  if (loops.length) await new Promise((r) => setTimeout(r, 500)); // the schedule clients are busy before the verdicts start
  const v = await fixedRate(port, '/v1/canary/verdict', verdictBody, rate, seconds, planning === 'none' ? 'verdict, unloaded' : `verdict, schedule load (${planning})`);
  loading = false;
  await Promise.all(loops);
  agent.destroy();
  return { ...v, planning, schedulesAnswered: lat.length - scheduleErrors, scheduleP50Ms: pct(lat, 0.5) };
}

const metric = (requests: number, errors: number) => ({ requests, errors, slow: 0, latencyP50: 50, latencyP95: 90, latencyP99: 120, cpu: 0.4, memory: 0.5, pool: 0.3, conversions: Math.round(requests * 0.03), callerRequests: 0, callerErrors: 0 });

export interface ServerBenchOptions {
  modelsRoot?: string;
  connections?: number;
  seconds?: number;
  rate?: number;
  /** Closed-loop rounds (default 1); the ratios to bare are the medians of the rounds' ratios. */
  rounds?: number;
  /** Only the closed loop (no fixed-rate run, no schedule load): `fixedRate` is empty and `heavy` null. */
  closedLoopOnly?: boolean;
  onStage?: (s: string) => void;
}

export async function benchServer(o: ServerBenchOptions = {}): Promise<ServerBench> {
  const connections = o.connections ?? 16;
  const seconds = o.seconds ?? 5;
  const rate = o.rate ?? 500;
  const rounds = o.rounds ?? 1;
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`rounds must be an integer >= 1, got ${rounds}`);
  const rss0 = process.memoryUsage().rss / 2 ** 20;
  const app = await buildApp({ modelsRoot: o.modelsRoot, logger: false, rateLimit: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const rss1 = process.memoryUsage().rss / 2 ** 20;
  const port = (app.server.address() as AddressInfo).port;
  const bare = Fastify({ logger: false });
  bare.post('/bare', async () => ({ ok: true }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const barePort = (bare.server.address() as AddressInfo).port;

  // Inputs: the risk champion's features at typical values (unknowns are imputed), a 5-minute canary window.
  const featuresRes = await fetch(`http://127.0.0.1:${port}/v1/risk/features`);
  const features: Record<string, number | string> = {};
  if (featuresRes.ok) {
    const f = (await featuresRes.json()) as { features?: { name: string; kind: string; levels?: string[] }[] };
    for (const x of f.features ?? []) features[x.name] = x.kind === 'category' ? (x.levels?.[0] ?? '') : 1;
  }
  const riskBody = JSON.stringify({ features });
  // The planning worker pool starts its threads when the app listens, and loading them takes seconds of CPU: one
  // schedule answered first means they are up, so their start-up is not counted against the first routes measured.
  const time: ReadonlySet<string> = new Set<string>(TIME_FEATURES);
  const schedule = featuresRes.ok ? scheduleBody(Object.fromEntries(Object.entries(features).filter(([k]) => !time.has(k)))) : null;
  const first = schedule === null ? null : await fetch(`http://127.0.0.1:${port}/v1/deploy/schedule`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: schedule });
  const firstText = first && !first.ok ? await first.text() : '';
  const verdictBody = JSON.stringify({ canary: Array.from({ length: 5 }, () => metric(500, 3)), baseline: Array.from({ length: 5 }, () => metric(9500, 45)), latencyObjectiveMs: 300 });
  const routes: [string, number, string, string][] = [
    ['bare fastify', barePort, '/bare', '{}'],
    ['POST /v1/risk/score', port, '/v1/risk/score', riskBody],
    ['POST /v1/canary/verdict', port, '/v1/canary/verdict', verdictBody],
    // The same window without the per-metric reasons (?reasons=false): what a caller reading the verdict alone pays.
    ['verdict ?reasons=false', port, '/v1/canary/verdict?reasons=false', verdictBody],
  ];
  const byRound: LoadFigures[][] = [];
  const fixed: (LoadFigures & { targetRate: number })[] = [];
  if (rounds === 1) {
    // One run per route, each after a warm-up of its own.
    const one: LoadFigures[] = [];
    for (const [name, p, path, body] of routes) {
      o.onStage?.(`closed loop: ${name}`);
      await closedLoop(p, path, body, connections, 1, name); // warm-up
      one.push(await closedLoop(p, path, body, connections, seconds, name));
    }
    byRound.push(one);
  } else {
    o.onStage?.('closed loop: warm-up of every route');
    for (const [name, p, path, body] of routes) await closedLoop(p, path, body, connections, 1, name);
    for (let r = 0; r < rounds; r++) {
      const one: LoadFigures[] = [];
      for (const [name, p, path, body] of routes) {
        o.onStage?.(`closed loop, round ${r + 1}/${rounds}: ${name}`);
        one.push(await closedLoop(p, path, body, connections, seconds, name));
      }
      byRound.push(one);
    }
  }
  const closed: LoadFigures[] = routes.map(([name], i) => {
    const xs = byRound.map((one) => one[i]);
    return { route: name, requestsPerSecond: median(xs.map((x) => x.requestsPerSecond)), p50Ms: median(xs.map((x) => x.p50Ms)), p99Ms: median(xs.map((x) => x.p99Ms)), errors: xs.reduce((a, x) => a + x.errors, 0), cpuUsPerRequest: median(xs.map((x) => x.cpuUsPerRequest ?? NaN)) };
  });
  const roundRatios: Record<string, number[]> = Object.fromEntries(routes.slice(1).map(([name], i) => [name, byRound.map((one) => one[i + 1].requestsPerSecond / one[0].requestsPerSecond)]));
  const roundCpuRatios: Record<string, number[]> = Object.fromEntries(routes.slice(1).map(([name], i) => [name, byRound.map((one) => (one[0].cpuUsPerRequest ?? NaN) / (one[i + 1].cpuUsPerRequest ?? NaN))]));
  if (!o.closedLoopOnly) {
    for (const [name, p, path, body] of routes) {
      o.onStage?.(`fixed rate ${rate}/s: ${name}`);
      fixed.push(await fixedRate(p, path, body, rate, seconds, name));
    }
  }
  // The verdict while the planning route is loaded: unloaded, planning on the worker pool, planning on the main thread.
  let heavy: HeavyLoadFigures | null = null;
  if (schedule !== null && first !== null && !o.closedLoopOnly) {
    const clients = 2;
    const heavyRate = Math.min(rate, 100);
    if (first.ok) {
      const inline = await buildApp({ modelsRoot: o.modelsRoot, logger: false, rateLimit: false, planThreads: 0 });
      await inline.listen({ port: 0, host: '127.0.0.1' });
      const inlinePort = (inline.server.address() as AddressInfo).port;
      const rows: HeavyLoadFigures['rows'] = [];
      o.onStage?.(`verdict at ${heavyRate}/s, unloaded`);
      rows.push(await verdictUnderLoad(port, verdictBody, null, clients, heavyRate, seconds, 'none'));
      o.onStage?.(`verdict at ${heavyRate}/s, ${clients} clients looping POST /v1/deploy/schedule (worker pool)`);
      rows.push(await verdictUnderLoad(port, verdictBody, schedule, clients, heavyRate, seconds, 'worker pool'));
      o.onStage?.(`verdict at ${heavyRate}/s, ${clients} clients looping POST /v1/deploy/schedule (planning on the main thread)`);
      rows.push(await verdictUnderLoad(inlinePort, verdictBody, schedule, clients, heavyRate, seconds, 'main thread'));
      await inline.close();
      heavy = { scheduleClients: clients, scheduleBodyBytes: Buffer.byteLength(schedule), rows };
    } else o.onStage?.(`schedule load skipped: POST /v1/deploy/schedule answered ${first.status} (${firstText.slice(0, 200)})`);
  }
  await app.close();
  await bare.close();
  return {
    closedLoop: closed,
    rounds,
    closedLoopRounds: byRound,
    roundRatios,
    roundCpuRatios,
    cpuRatioToBare: Object.fromEntries(Object.entries(roundCpuRatios).map(([name, xs]) => [name, median(xs)])),
    heavy,
    fixedRate: fixed,
    ratioToBare: Object.fromEntries(Object.entries(roundRatios).map(([name, xs]) => [name, median(xs)])),
    rssMb: { beforeModels: rss0, withModels: rss1 },
    connections,
    seconds,
  };
}

export function formatServerBench(r: ServerBench): string {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const lines = [
    `Serving load — ${r.connections} keep-alive connections, ${r.seconds} s per route${r.rounds > 1 ? ` and round, ${r.rounds} rounds (medians)` : ''}, client and server in one process (2-core machine: they share the cores)`,
    '',
    `  closed loop               requests/s    p50 ms    p99 ms   errors   vs bare Fastify   CPU µs/req   vs bare by CPU${r.rounds > 1 ? '   (each round: requests/s | CPU)' : ''}`,
  ];
  const pc = (x: number | undefined) => (x === undefined ? '' : `${(100 * x).toFixed(0)} %`);
  for (const c of r.closedLoop) {
    const each = r.rounds > 1 && c.route in r.roundRatios ? `   (${r.roundRatios[c.route].map((x) => (100 * x).toFixed(0)).join(', ')} | ${r.roundCpuRatios[c.route].map((x) => (100 * x).toFixed(0)).join(', ')})` : '';
    lines.push(`  ${c.route.padEnd(24)} ${f(c.requestsPerSecond, 0).padStart(11)} ${f(c.p50Ms, 2).padStart(9)} ${f(c.p99Ms, 2).padStart(9)} ${String(c.errors).padStart(8)}   ${pc(r.ratioToBare[c.route]).padStart(15)}   ${f(c.cpuUsPerRequest ?? NaN, 0).padStart(10)}   ${pc(r.cpuRatioToBare[c.route]).padStart(14)}${each}`);
  }
  if (r.fixedRate.length) {
    lines.push('', `  fixed rate (${r.fixedRate[0]?.targetRate}/s)      achieved/s    p50 ms    p99 ms   errors   (latency from the scheduled send time)`);
    for (const c of r.fixedRate) lines.push(`  ${c.route.padEnd(24)} ${f(c.requestsPerSecond, 0).padStart(11)} ${f(c.p50Ms, 2).padStart(9)} ${f(c.p99Ms, 2).padStart(9)} ${String(c.errors).padStart(8)}`);
  }
  if (r.heavy) {
    const h = r.heavy;
    lines.push('', `  verdict while ${h.scheduleClients} clients loop ${(h.scheduleBodyBytes / 1024).toFixed(0)} KB POST /v1/deploy/schedule bodies (fixed rate ${h.rows[0]?.targetRate}/s)`);
    lines.push('  planning                   p50 ms    p99 ms    max ms   errors   schedules answered   schedule p50 ms');
    for (const x of h.rows) lines.push(`  ${(x.planning === 'none' ? 'unloaded' : x.planning).padEnd(24)} ${f(x.p50Ms, 2).padStart(9)} ${f(x.p99Ms, 2).padStart(9)} ${f(x.maxMs, 1).padStart(9)} ${String(x.errors).padStart(8)} ${String(x.schedulesAnswered).padStart(20)} ${f(x.scheduleP50Ms, 0).padStart(17)}`);
  }
  lines.push('', `  resident memory: ${f(r.rssMb.beforeModels, 0)} MB before the app, ${f(r.rssMb.withModels, 0)} MB with every champion loaded (goal < 300 MB)`);
  lines.push('  goals: risk p99 <= 10 ms at 500/s; verdict p99 <= 20 ms (also with the schedule route loaded); >= 40 % of bare Fastify’s throughput');
  return lines.join('\n');
}
