// Sweep benchmark (`rolloutlab bench sweep`): shards per second of the same spec run in this process, on one worker
// thread and on two, side by side; then the queue's cost per shard, with a local Redis when redis-server is installed,
// on a spec whose shards take seconds (a queue worker in this process with one thread, against one local thread).
//
//   npx rolloutlab bench sweep [--seeds N] [--deployments N] [--queue-seeds N] [--queue-deployments N] [--repeat N] [--json]
//
// Every case writes into a fresh folder, so every shard runs; the rows of every case must be the same (checked). With
// --repeat the cases take turns, and the fastest run of each is kept (a shared machine's load comes and goes).
// overhead per shard = (wall time × lanes − the sum of the shards' own times) / shards, lanes being the shards that can
// run at once (threads; 1 in process): starting threads, handing shards over, writing and merging, and on the queue
// its round trips and polling. The goals: two threads at least 1.7× one, and the queue's overhead per shard within 5 %
// of a shard that takes 2 s or more.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { planSweep, runSweep, startQueueWorker, type SweepResult } from '../backtest/sweep/index.ts';
import { memoryCeiling, parallelCeiling } from './parallel-ceiling.ts';

export interface SweepBenchCase {
  mode: string;
  shards: number;
  wallSeconds: number;
  shardsPerSecond: number;
  /** Mean of the shards' own times (inside the thread that ran them). */
  meanShardSeconds: number;
  /** (wall × lanes − sum of shard times) / shards. */
  overheadPerShardSeconds: number;
  /** Runs of this case (the fastest is reported). */
  runs: number;
}

export interface SweepBenchReport {
  cpu: string;
  cores: number;
  loadAverage: { before: number; after: number };
  /** Throughput of 2 spinning threads relative to one, before and after the cases: what the machine offered. */
  parallelCeiling: { before: number; after: number };
  /** The same with allocation-heavy work (bench/parallel-ceiling.ts): the honest ceiling of two threads of backtests. */
  memoryCeiling: { before: number; after: number };
  spec: { scenarios: string[]; seeds: number[]; policies: string[]; deployments: number };
  cases: SweepBenchCase[];
  speedUp: { oneThread: number; twoThreads: number; twoOverOne: number; goal: number; met: boolean };
  queue: null | {
    spec: { seeds: number[]; deployments: number };
    local: SweepBenchCase;
    queued: SweepBenchCase;
    /** The queue run's overhead per shard as a share of its mean shard time. */
    overheadShare: number;
    /** Wall time per shard on the queue minus one local thread's (both with their own load): the cruder comparison. */
    wallDifferencePerShardSeconds: number;
    goal: number;
    met: boolean;
  };
  /** Why there is no queue figure. */
  queueSkipped?: string;
}

const onPath = (bin: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

const answersPing = (port: number) =>
  new Promise<boolean>((done) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const end = (ok: boolean) => (s.destroy(), done(ok));
    s.setTimeout(1000, () => end(false));
    s.on('error', () => end(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => end(b.toString().startsWith('+PONG')));
  });

/** redis-server on a free loopback port, nothing written to disk. */
async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await answersPing(port)) return { url: `redis://127.0.0.1:${port}`, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}`);
}

function specFile(dir: string, name: string, seeds: number[], deployments: number): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, `scenarios: [default]\nseeds: [${seeds.join(', ')}]\npolicies: [none, kayenta]\ndeployments: ${deployments}\n`);
  return p;
}

type Runner = (plan: ReturnType<typeof planSweep>, onShard: (s: number) => void) => Promise<SweepResult>;

/** One run of a case: the spec into a fresh folder, the shards' own times collected. */
async function measureOnce(mode: string, lanes: number, spec: string, dir: string, run: Runner): Promise<{ c: SweepBenchCase; r: SweepResult }> {
  const out = mkdtempSync(join(dir, 'out-'));
  const plan = planSweep(spec, out);
  let sum = 0;
  let n = 0;
  const t0 = performance.now();
  const r = await run(plan, (s) => ((sum += s), n++));
  const wall = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (r.failed > 0) throw new Error(`${mode}: ${r.failed} shards failed: ${r.errors[0].error}`);
  if (n !== plan.jobs.length) throw new Error(`${mode}: ${n} of ${plan.jobs.length} shards reported a time`);
  process.stderr.write(`  ${mode}: ${wall.toFixed(1)} s (load average ${loadavg()[0].toFixed(2)})\n`);
  return { c: { mode, shards: n, wallSeconds: wall, shardsPerSecond: n / wall, meanShardSeconds: sum / n, overheadPerShardSeconds: (wall * lanes - sum) / n, runs: 1 }, r };
}

/** The cases, taking turns `repeat` times; the fastest run of each; every run's rows must equal the first's. */
async function measureTurns(cases: { mode: string; lanes: number; spec: string; run: Runner }[], dir: string, repeat: number): Promise<SweepBenchCase[]> {
  const best: SweepBenchCase[] = [];
  let rows: string | null = null;
  for (let k = 0; k < repeat; k++) {
    for (const [i, x] of cases.entries()) {
      const { c, r } = await measureOnce(x.mode, x.lanes, x.spec, dir, x.run);
      const text = JSON.stringify(r.rows);
      rows ??= text;
      if (text !== rows) throw new Error(`${x.mode}: rows differ from the first run's`);
      best[i] = best[i] === undefined || c.wallSeconds < best[i].wallSeconds ? { ...c, runs: k + 1 } : { ...best[i], runs: k + 1 };
    }
  }
  return best;
}

export async function benchSweep(o: { seeds: number; deployments: number; queueDeployments: number; queueSeeds: number; repeat: number }): Promise<SweepBenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-bench-sweep-'));
  const before = loadavg()[0];
  try {
    const ceilingBefore = await parallelCeiling(2);
    const memoryBefore = await memoryCeiling(2);
    const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
    const spec = specFile(dir, 'small', seeds, o.deployments);
    const local = (threads: number): Runner => (plan, onShard) => runSweep(plan, { threads, onShard: (_j, x) => onShard(x.seconds) });
    const [inProc, one, two] = await measureTurns(
      [
        { mode: 'in process', lanes: 1, spec, run: local(0) },
        { mode: '1 worker thread', lanes: 1, spec, run: local(1) },
        { mode: '2 worker threads', lanes: 2, spec, run: local(2) },
      ],
      dir,
      o.repeat,
    );
    const report: SweepBenchReport = {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      loadAverage: { before, after: before },
      parallelCeiling: { before: ceilingBefore, after: ceilingBefore },
      memoryCeiling: { before: memoryBefore, after: memoryBefore },
      spec: { scenarios: ['default'], seeds, policies: ['none', 'kayenta'], deployments: o.deployments },
      cases: [inProc, one, two],
      speedUp: { oneThread: inProc.wallSeconds / one.wallSeconds, twoThreads: inProc.wallSeconds / two.wallSeconds, twoOverOne: one.wallSeconds / two.wallSeconds, goal: 1.7, met: one.wallSeconds / two.wallSeconds >= 1.7 },
      queue: null,
    };
    if (!onPath('redis-server')) report.queueSkipped = 'redis-server is not installed (apt-get install -y redis-server)';
    else {
      const bigSeeds = Array.from({ length: o.queueSeeds }, (_, i) => i + 1);
      const bigSpec = specFile(dir, 'big', bigSeeds, o.queueDeployments);
      const redis = await startRedis(dir);
      // The queue worker runs in this process with one thread, started before the clock starts (as a worker that is
      // already up when a sweep begins); the sweep polls Redis and merges as it always does.
      let sink: (s: number) => void = () => {};
      const w = await startQueueWorker({ url: redis.url, threads: 1, onShard: (_j, x) => sink(x.seconds) });
      try {
        const [lone, queued] = await measureTurns(
          [
            { mode: '1 worker thread', lanes: 1, spec: bigSpec, run: local(1) },
            { mode: 'queue, 1 worker (1 thread)', lanes: 1, spec: bigSpec, run: (plan, onShard) => ((sink = onShard), runSweep(plan, { queue: redis.url })) },
          ],
          dir,
          o.repeat,
        );
        const share = queued.overheadPerShardSeconds / queued.meanShardSeconds;
        report.queue = {
          spec: { seeds: bigSeeds, deployments: o.queueDeployments },
          local: lone,
          queued,
          overheadShare: share,
          wallDifferencePerShardSeconds: (queued.wallSeconds - lone.wallSeconds) / queued.shards,
          goal: 0.05,
          met: queued.meanShardSeconds >= 2 && share <= 0.05,
        };
      } finally {
        await w.close();
        redis.child.kill('SIGKILL');
      }
    }
    report.loadAverage.after = loadavg()[0];
    report.parallelCeiling.after = await parallelCeiling(2);
    report.memoryCeiling.after = await memoryCeiling(2);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSweepBench(r: SweepBenchReport): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const head = `  ${'mode'.padEnd(28)} ${'shards'.padStart(6)} ${'wall s'.padStart(8)} ${'shards/s'.padStart(9)} ${'speed-up'.padStart(9)} ${'mean shard s'.padStart(12)} ${'overhead/shard s'.padStart(16)}`;
  const row = (c: SweepBenchCase, speed: string) =>
    `  ${c.mode.padEnd(28)} ${String(c.shards).padStart(6)} ${f(c.wallSeconds, 1).padStart(8)} ${f(c.shardsPerSecond).padStart(9)} ${speed.padStart(9)} ${f(c.meanShardSeconds).padStart(12)} ${`${f(c.overheadPerShardSeconds)} (${(100 * c.overheadPerShardSeconds / c.meanShardSeconds).toFixed(1)} %)`.padStart(16)}`;
  const runs = r.cases[0].runs;
  const lines = [
    `sweep benchmark — scenario default, seeds ${r.spec.seeds[0]}-${r.spec.seeds[r.spec.seeds.length - 1]}, policies none and kayenta (${r.cases[0].shards} shards), ${r.spec.deployments} deployments a shard${runs > 1 ? `; fastest of ${runs} runs each, taking turns` : ''}`,
    `  machine: ${r.cores} cores (${r.cpu}); load average ${f(r.loadAverage.before)} before, ${f(r.loadAverage.after)} after; 2 spinning threads did ${f(r.parallelCeiling.before)}× the work of one before, ${f(r.parallelCeiling.after)}× after (the ceiling of any 2-thread speed-up);`,
    `  2 threads of allocation-heavy work did ${f(r.memoryCeiling.before)}× the work of one before, ${f(r.memoryCeiling.after)}× after (the ceiling of 2 threads of backtests, which share caches, memory and the collector)`,
    '',
    head,
    row(r.cases[0], '1.00×'),
    row(r.cases[1], `${f(r.speedUp.oneThread)}×`),
    row(r.cases[2], `${f(r.speedUp.twoThreads)}×`),
    '',
    `  2 threads vs 1: ${f(r.speedUp.twoOverOne)}× (goal ≥ ${r.speedUp.goal}×: ${r.speedUp.met ? 'MET' : 'MISSED'})`,
  ];
  if (r.queue) {
    const q = r.queue;
    lines.push(
      '',
      `  the queue (a local Redis, a queue worker with 1 thread), on ${q.queued.shards} shards of ${q.spec.deployments} deployments:`,
      head,
      row(q.local, '1.00×'),
      row(q.queued, `${f(q.local.wallSeconds / q.queued.wallSeconds)}×`),
      '',
      `  queue overhead per shard: ${f(q.queued.overheadPerShardSeconds, 3)} s = ${(100 * q.overheadShare).toFixed(1)} % of a ${f(q.queued.meanShardSeconds)} s shard (goal ≤ 5 % for shards ≥ 2 s: ${q.queued.meanShardSeconds < 2 ? 'not measured (shards under 2 s)' : q.met ? 'MET' : 'MISSED'});`,
      `  wall time per shard against one local thread: ${q.wallDifferencePerShardSeconds >= 0 ? '+' : ''}${f(q.wallDifferencePerShardSeconds, 3)} s (the two runs saw their own load)`,
    );
  } else lines.push('', `  queue: not measured: ${r.queueSkipped}`);
  lines.push('', "  overhead/shard = (wall × lanes − the sum of the shards' own times) / shards; lanes = threads (1 in process). The machine may be shared: read the figures beside the load average and the ceiling.");
  return lines.join('\n');
}
