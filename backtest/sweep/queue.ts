// Shards over a Redis queue (BullMQ): `rolloutlab sweep --queue redis://…` puts the shards that have no file yet on the
// queue and waits; `rolloutlab worker --queue redis://…`, any number of them on any machine that writes to the sweep's
// output folder, runs them. Why BullMQ rather than a queue of our own: a worker that dies mid-shard stops renewing its
// lock, and BullMQ's stalled-job check (run by the other workers) puts the shard back on the queue for another.
//
// - A shard's job id is its id, so queueing it twice is one job; a job left completed or failed by an earlier run is
//   removed and queued again when its file is missing.
// - A shard that fails for a real reason fails once (no retries: it is deterministic) and the sweep reports its error.
// - The sweep polls the jobs' states. When Redis does not answer for `graceMs` the sweep stops with an error; the
//   shards already written stay, so the same command resumes without redoing them.
import { Queue, Worker as QueueWorker, type Job } from 'bullmq';
import { stat } from 'node:fs/promises';
import { RolloutlabError } from '../../lib/errors.ts';
import { ShardPool } from './pool.ts';
import { shardFile, type ShardJob } from './shards.ts';
import type { ShardOutcome, ShardOverrides } from './run-shard.ts';
import { ProgressTracker, type SweepFailure, type SweepProgress } from './progress.ts';

export const DEFAULT_QUEUE_NAME = 'rolloutlab-sweep';

/** Host, port and credentials of a `redis://[user:password@]host[:port][/db]` URL (`rediss://` for TLS). */
export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
}

/** Parses a Redis URL; BAD_ARGUMENT naming `queue` when it is not one. */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RolloutlabError('BAD_ARGUMENT', `--queue ${JSON.stringify(url)} is not a URL (expected redis://host:port)`, 'queue');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RolloutlabError('BAD_ARGUMENT', `--queue ${JSON.stringify(url)}: expected redis://host:port or rediss://host:port, got ${u.protocol}`, 'queue');
  if (!u.hostname) throw new RolloutlabError('BAD_ARGUMENT', `--queue ${JSON.stringify(url)}: no host`, 'queue');
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new RolloutlabError('BAD_ARGUMENT', `--queue ${JSON.stringify(url)}: the path must be a database number, got /${db}`, 'queue');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Milliseconds from the environment (tests shorten the queue's timings), else the default. */
export function envMs(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RolloutlabError('BAD_ARGUMENT', `${name} must be a whole number of milliseconds, got ${JSON.stringify(v)}`, name);
  return n;
}

/** A URL without its password, for messages. */
const shown = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  p.catch(() => {}); // a command abandoned after the timeout rejects later, when the connection closes
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

const exists = (p: string) => stat(p).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface QueueSweepOptions {
  url: string;
  queueName?: string;
  /** Stop when Redis has not answered for this long (default 15 s, or ROLLOUTLAB_SWEEP_REDIS_GRACE_MS). */
  graceMs?: number;
  /** How often the jobs' states are read (default 250 ms). */
  pollMs?: number;
  onProgress?: (p: SweepProgress) => void;
}

/**
 * Queues `pending` (shards without a file) and waits until each has completed or failed. Returns the failures; throws
 * an IO error when Redis is unreachable at the start or stops answering for `graceMs`.
 */
export async function runOnQueue(pending: ShardJob[], tracker: ProgressTracker, o: QueueSweepOptions): Promise<SweepFailure[]> {
  const graceMs = o.graceMs ?? envMs('ROLLOUTLAB_SWEEP_REDIS_GRACE_MS', 15_000);
  const pollMs = o.pollMs ?? 250;
  const name = o.queueName ?? DEFAULT_QUEUE_NAME;
  let lastError: string | null = null;
  const queue = new Queue(name, { connection: { ...parseRedisUrl(o.url), maxRetriesPerRequest: null, connectTimeout: Math.min(graceMs, 10_000), retryStrategy: (n: number) => Math.min(100 * n, 1000) } });
  queue.on('error', (e: Error) => (lastError = e.message));
  const lost = (doing: string) =>
    new RolloutlabError(
      'IO',
      `the queue at ${shown(o.url)} stopped answering while ${doing} (${lastError ?? 'no answer'}, for ${(graceMs / 1000).toFixed(1)} s): the sweep stopped with ${tracker.done} of ${tracker.total} shards done and ${tracker.failed} failed. Finished shards are kept in ${pending[0]?.outDir ?? 'the output folder'}/shards: run the same command again (with a reachable Redis) to resume without redoing them`,
      'queue',
    );
  const failures: SweepFailure[] = [];
  try {
    try {
      await timeout(queue.waitUntilReady().then(() => queue.getJobCounts('wait')), graceMs, 'connecting');
    } catch {
      throw new RolloutlabError('IO', `cannot reach Redis at ${shown(o.url)} (${lastError ?? 'no answer'} within ${(graceMs / 1000).toFixed(1)} s): is redis-server running there?`, 'queue');
    }
    // Queue what is not already queued; a finished job whose file is missing is queued afresh.
    const queueJobs = async (jobs: ShardJob[]) => {
      const add: ShardJob[] = [];
      for (const job of jobs) {
        const state = await queue.getJobState(job.id);
        if (state === 'completed' || state === 'failed') await (await queue.getJob(job.id))?.remove();
        if (state === 'completed' || state === 'failed' || state === 'unknown') add.push(job);
      }
      if (add.length) {
        await queue.addBulk(add.map((job) => ({ name: 'shard', data: job, opts: { jobId: job.id, attempts: 1, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 86_400 } } })));
      }
    };
    try {
      await timeout(queueJobs(pending), Math.max(graceMs, 30_000), 'queueing');
    } catch (e) {
      if (e instanceof RolloutlabError) throw e;
      throw lost('queueing the shards');
    }
    const outstanding = new Map(pending.map((j) => [j.id, j]));
    let lastOk = Date.now();
    let lastWorkers = 0;
    while (outstanding.size > 0) {
      await sleep(pollMs);
      let states: [ShardJob, string][];
      try {
        const jobs = [...outstanding.values()];
        states = await timeout(Promise.all(jobs.map(async (j) => [j, await queue.getJobState(j.id)] as [ShardJob, string])), graceMs, 'reading the jobs');
        if (Date.now() - lastWorkers > 2000) {
          tracker.workers = await timeout(queue.getWorkersCount(), graceMs, 'counting workers');
          lastWorkers = Date.now();
        }
        lastOk = Date.now();
      } catch {
        if (Date.now() - lastOk >= graceMs) throw lost('the shards ran');
        continue;
      }
      const requeue: ShardJob[] = [];
      for (const [job, state] of states) {
        if (state === 'completed') {
          outstanding.delete(job.id);
          if (await exists(shardFile(job.outDir, job.id))) tracker.finish(job.id, true);
          else {
            failures.push({ job, error: `a worker completed the shard, but ${shardFile(job.outDir, job.id)} is not there: the workers must write to this sweep's output folder (their --out)` });
            tracker.finish(job.id, false);
          }
        } else if (state === 'failed') {
          outstanding.delete(job.id);
          const reason = (await timeout(queue.getJob(job.id), graceMs, 'reading a failure').catch(() => null))?.failedReason ?? 'failed (no reason recorded)';
          failures.push({ job, error: reason });
          tracker.finish(job.id, false);
        } else if (state === 'active') tracker.start(job.id);
        else if (state === 'unknown') {
          // Gone from Redis (a Redis restarted without persistence): done if its file is there, else queued again.
          if (await exists(shardFile(job.outDir, job.id))) {
            outstanding.delete(job.id);
            tracker.finish(job.id, true);
          } else requeue.push(job);
        } else tracker.queued(job.id);
      }
      if (requeue.length) await timeout(queueJobs(requeue), graceMs, 'queueing again').catch(() => {});
      tracker.report();
    }
    return failures;
  } finally {
    // A queue whose Redis is gone never finishes closing (it waits to say QUIT): drop the connection instead, and
    // wait for nothing more, so the command ends with its error.
    await timeout(queue.close(), 2000, 'closing').catch(async () => {
      const client = await timeout(queue.client, 500, 'the connection').catch(() => null);
      client?.disconnect();
    });
  }
}

export interface QueueWorkerOptions {
  url: string;
  queueName?: string;
  /** Shards run side by side (worker threads; default 1). */
  threads?: number;
  /** How long a shard's lock lasts without renewal (default 30 s, or ROLLOUTLAB_SWEEP_LOCK_MS). */
  lockMs?: number;
  /** How often this worker looks for shards whose worker died (default 30 s, or ROLLOUTLAB_SWEEP_STALLED_MS). */
  stalledMs?: number;
  /** The worker's own paths to the output folder and the registry, when they differ from the sweep's. */
  overrides?: ShardOverrides;
  log?: (line: string) => void;
  /** Each shard this worker ran, as it finishes (for benchmarks). */
  onShard?: (job: ShardJob, o: ShardOutcome) => void;
}

/** A running queue worker. */
export interface RunningQueueWorker {
  /** Finishes the shards it runs, then disconnects. */
  close(): Promise<void>;
}

/** How a shard is named in logs. */
export const describeShard = (j: ShardJob): string => `${j.id} (${j.key.scenario} seed ${j.key.seed} ${j.key.policy}${j.key.strategy ? ` ${j.key.strategy}` : ''})`;

/** Times a killed worker's shard may be put back on the queue before it counts as failed. */
export const MAX_STALLED = 2;

/** Starts a worker that takes shards from the queue and runs them on its own threads. */
export async function startQueueWorker(o: QueueWorkerOptions): Promise<RunningQueueWorker> {
  const threads = Math.max(1, o.threads ?? 1);
  const log = o.log ?? (() => {});
  const lockDuration = o.lockMs ?? envMs('ROLLOUTLAB_SWEEP_LOCK_MS', 30_000);
  const stalledInterval = o.stalledMs ?? envMs('ROLLOUTLAB_SWEEP_STALLED_MS', 30_000);
  // Shards run on threads even with one: the main thread stays free to renew the shard's lock while it runs.
  const pool = new ShardPool(threads, o.overrides);
  let lastError = '';
  const worker = new QueueWorker<ShardJob, ShardOutcome>(
    o.queueName ?? DEFAULT_QUEUE_NAME,
    async (job: Job<ShardJob>) => {
      log(`shard ${describeShard(job.data)} started`);
      try {
        const r = await pool.run(job.data);
        o.onShard?.(job.data, r);
        log(`shard ${job.data.id} ${r.existed ? 'was already done' : `done in ${r.seconds.toFixed(1)} s`}`);
        return r;
      } catch (e) {
        log(`shard ${job.data.id} FAILED: ${(e as Error).message}`);
        throw e;
      }
    },
    { connection: { ...parseRedisUrl(o.url), maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(200 * n, 2000) }, concurrency: threads, lockDuration, stalledInterval, maxStalledCount: MAX_STALLED, autorun: true },
  );
  worker.on('error', (e: Error) => {
    // Redis going away repeats the same error on every reconnect: say it once.
    if (e.message !== lastError) log(`queue error: ${e.message} (retrying)`);
    lastError = e.message;
  });
  worker.on('ready', () => {
    if (lastError) log('queue connection back');
    lastError = '';
  });
  await worker.waitUntilReady();
  log(`worker ready: queue ${o.queueName ?? DEFAULT_QUEUE_NAME} at ${shown(o.url)}, ${threads} thread${threads === 1 ? '' : 's'}, lock ${lockDuration} ms, stalled check every ${stalledInterval} ms`);
  return {
    async close() {
      await worker.close();
      await pool.close();
    },
  };
}
