// Serving load benchmark: the risk-score and canary-verdict routes (the verdict also with ?reasons=false) beside a bare Fastify route, measured in the same
// process and run, with Node's own HTTP client (keep-alive) so no load-generator dependency is needed.
//
// Two modes per route:
// - closed loop: `connections` clients send back to back for `seconds`: requests/s and p50 / p99 latency;
// - fixed rate: requests sent on a schedule (default 500/s) for `seconds`, latency measured from the scheduled send
//   time (no coordinated omission): p50 / p99 at that rate.
// Also: the server process's resident memory with every champion loaded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { buildApp } from '../server/app.ts';

export interface LoadFigures {
  route: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface ServerBench {
  closedLoop: LoadFigures[];
  fixedRate: (LoadFigures & { targetRate: number })[];
  ratioToBare: Record<string, number>;
  rssMb: { beforeModels: number; withModels: number };
  connections: number;
  seconds: number;
}

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

async function closedLoop(port: number, path: string, body: string, connections: number, seconds: number, route: string): Promise<LoadFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const code = await send(agent, port, path, body).catch(() => 0);
        lat.push(performance.now() - t0);
        if (code < 200 || code >= 300) errors++;
      }
    }),
  );
  agent.destroy();
  return { route, requestsPerSecond: lat.length / seconds, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), errors };
}

async function fixedRate(port: number, path: string, body: string, rate: number, seconds: number, route: string): Promise<LoadFigures & { targetRate: number }> {
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
  return { route, targetRate: rate, requestsPerSecond: lat.length / ((performance.now() - start) / 1000), p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), errors };
}

const metric = (requests: number, errors: number) => ({ requests, errors, slow: 0, latencyP50: 50, latencyP95: 90, latencyP99: 120, cpu: 0.4, memory: 0.5, pool: 0.3, conversions: Math.round(requests * 0.03), callerRequests: 0, callerErrors: 0 });

export async function benchServer(o: { modelsRoot?: string; connections?: number; seconds?: number; rate?: number; onStage?: (s: string) => void } = {}): Promise<ServerBench> {
  const connections = o.connections ?? 16;
  const seconds = o.seconds ?? 5;
  const rate = o.rate ?? 500;
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
  const verdictBody = JSON.stringify({ canary: Array.from({ length: 5 }, () => metric(500, 3)), baseline: Array.from({ length: 5 }, () => metric(9500, 45)), latencyObjectiveMs: 300 });
  const routes: [string, number, string, string][] = [
    ['bare fastify', barePort, '/bare', '{}'],
    ['POST /v1/risk/score', port, '/v1/risk/score', riskBody],
    ['POST /v1/canary/verdict', port, '/v1/canary/verdict', verdictBody],
    // The same window without the per-metric reasons (?reasons=false): what a caller reading the verdict alone pays.
    ['verdict ?reasons=false', port, '/v1/canary/verdict?reasons=false', verdictBody],
  ];
  const closed: LoadFigures[] = [];
  const fixed: (LoadFigures & { targetRate: number })[] = [];
  for (const [name, p, path, body] of routes) {
    o.onStage?.(`closed loop: ${name}`);
    await closedLoop(p, path, body, connections, 1, name); // warm-up
    closed.push(await closedLoop(p, path, body, connections, seconds, name));
  }
  for (const [name, p, path, body] of routes) {
    o.onStage?.(`fixed rate ${rate}/s: ${name}`);
    fixed.push(await fixedRate(p, path, body, rate, seconds, name));
  }
  await app.close();
  await bare.close();
  const bareRps = closed[0].requestsPerSecond;
  return {
    closedLoop: closed,
    fixedRate: fixed,
    ratioToBare: Object.fromEntries(closed.slice(1).map((c) => [c.route, c.requestsPerSecond / bareRps])),
    rssMb: { beforeModels: rss0, withModels: rss1 },
    connections,
    seconds,
  };
}

export function formatServerBench(r: ServerBench): string {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const lines = [
    `Serving load — ${r.connections} keep-alive connections, ${r.seconds} s per route, client and server in one process (2-core machine: they share the cores)`,
    '',
    '  closed loop               requests/s    p50 ms    p99 ms   errors   vs bare Fastify',
  ];
  for (const c of r.closedLoop) lines.push(`  ${c.route.padEnd(24)} ${f(c.requestsPerSecond, 0).padStart(11)} ${f(c.p50Ms, 2).padStart(9)} ${f(c.p99Ms, 2).padStart(9)} ${String(c.errors).padStart(8)}   ${c.route in r.ratioToBare ? (100 * r.ratioToBare[c.route]).toFixed(0) + ' %' : ''}`);
  lines.push('', `  fixed rate (${r.fixedRate[0]?.targetRate}/s)      achieved/s    p50 ms    p99 ms   errors   (latency from the scheduled send time)`);
  for (const c of r.fixedRate) lines.push(`  ${c.route.padEnd(24)} ${f(c.requestsPerSecond, 0).padStart(11)} ${f(c.p50Ms, 2).padStart(9)} ${f(c.p99Ms, 2).padStart(9)} ${String(c.errors).padStart(8)}`);
  lines.push('', `  resident memory: ${f(r.rssMb.beforeModels, 0)} MB before the app, ${f(r.rssMb.withModels, 0)} MB with every champion loaded (goal < 300 MB)`);
  lines.push('  goals: risk p99 <= 10 ms at 500/s; verdict p99 <= 20 ms; >= 40 % of bare Fastify’s throughput');
  return lines.join('\n');
}
