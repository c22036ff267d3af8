// Sweeps (`rolloutlab sweep`, docs/sweep.md): backtests across scenarios × seeds × strategies × policies, one shard per
// combination, each written as one Parquet file under `<out>/shards/` named by the hash of its key; the result is one
// DuckDB query over those files. Where shards run — this process, its worker threads, queue workers on other machines,
// the pods of a Kubernetes Indexed Job — changes nothing in the result: each shard is a pure function of its key, and
// the rows are sorted in the spec's order.
//
//   <out>/sweep.json            the spec as checked and the shards in order (index, id, what each runs)
//   <out>/shards/<id>.parquet   one row per shard, written aside and renamed into place
//   <out>/results.parquet       the merged rows of this spec's shards
import { mkdir, readdir, stat, writeFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { RolloutlabError } from '../../lib/errors.ts';
import { queryParquet, sqlString, writeQueryParquet } from '../../datasets/parquet-files.ts';
import { expandShards, shardFile, SHARDS_DIR, type ShardJob } from './shards.ts';
import { loadSweepSpec, type SweepSpec } from './spec.ts';
import { ShardPool, ShardError, defaultSweepThreads } from './pool.ts';
import { MEASURES, ROW_KEYS, type SweepRow, type ShardOverrides, type ShardOutcome } from './run-shard.ts';
import { ProgressTracker, type SweepFailure, type SweepProgress } from './progress.ts';
import { runOnQueue, describeShard } from './queue.ts';

export { loadSweepSpec, parseSweepSpec, type SweepSpec } from './spec.ts';
export { expandShards, shardFile, type ShardJob, type ShardKey } from './shards.ts';
export { startQueueWorker, parseRedisUrl, describeShard, DEFAULT_QUEUE_NAME, type RunningQueueWorker } from './queue.ts';
export { progressLine, type SweepProgress } from './progress.ts';
export { defaultSweepThreads, ShardPool } from './pool.ts';
export type { SweepRow } from './run-shard.ts';

/** A failed shard as `--json` reports it. */
export interface SweepError {
  shard: string;
  scenario: string;
  seed: number;
  policy: string;
  strategy: string | null;
  error: string;
}

/** What `rolloutlab sweep --json` prints: a public contract. */
export interface SweepResult {
  shards: number;
  failed: number;
  rows: SweepRow[];
  errors: SweepError[];
}

export interface SweepPlan {
  spec: SweepSpec;
  outDir: string;
  jobs: ShardJob[];
}

export const RESULTS_FILE = 'results.parquet';
export const PLAN_FILE = 'sweep.json';

/** Checks the spec file and expands its shards (the registry from `models`, else the spec's, else the default). */
export function planSweep(specPath: string, outDir: string, models?: string): SweepPlan {
  const spec = loadSweepSpec(specPath);
  return { spec, outDir: resolve(outDir), jobs: expandShards(spec, { outDir, models }) };
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** The shards whose file is not there yet. */
export async function pendingShards(plan: SweepPlan): Promise<ShardJob[]> {
  const have = new Set(await readdir(join(plan.outDir, SHARDS_DIR)).catch(() => [] as string[]));
  return plan.jobs.filter((j) => !have.has(`${j.id}.parquet`));
}

/** `<out>/sweep.json`: what the folder holds, for people and for tools (written aside and renamed). */
async function writePlanFile(plan: SweepPlan): Promise<void> {
  const doc = {
    spec: {
      scenarios: plan.spec.scenarios.map((s) => s.name),
      seeds: plan.spec.seeds,
      policies: plan.spec.policies,
      deployments: plan.spec.deployments,
      strategies: plan.spec.strategies,
    },
    shards: plan.jobs.map((j) => ({ index: j.index, id: j.id, file: `${SHARDS_DIR}/${j.id}.parquet`, ...j.key })),
  };
  const path = join(plan.outDir, PLAN_FILE);
  const tmp = `${path}.tmp-${hostname()}-${process.pid}`;
  try {
    await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
    await rename(tmp, path);
  } catch (e) {
    throw new RolloutlabError('IO', `cannot write ${path}: ${(e as Error).message}`, 'out');
  }
}

/**
 * The rows of `jobs` from their files: one DuckDB query over `<out>/shards/*.parquet`, keeping this spec's shards and
 * sorting them in its order. Also writes `<out>/results.parquet` (the same rows, with each shard's id and code version).
 */
export async function mergeShards(outDir: string, jobs: readonly ShardJob[]): Promise<SweepRow[]> {
  const present: ShardJob[] = [];
  for (const j of jobs) if (await exists(shardFile(outDir, j.id))) present.push(j);
  if (present.length === 0) return [];
  const ids = `[${present.map((j) => sqlString(j.id)).join(', ')}]`;
  const glob = sqlString(join(outDir, SHARDS_DIR, '*.parquet'));
  // union_by_name: files of an older layout in the same folder are read (and filtered out) rather than refused.
  const select = (cols: string) => `SELECT ${cols} FROM read_parquet(${glob}, union_by_name = true) WHERE list_contains(${ids}, shard) ORDER BY list_position(${ids}, shard)`;
  const cols = [...ROW_KEYS, ...MEASURES.map(([k]) => k)].map((c) => `"${c}"`).join(', ');
  const rows = (await queryParquet(select(cols))) as SweepRow[];
  if (rows.length !== present.length) throw new RolloutlabError('BAD_DATA', `${join(outDir, SHARDS_DIR)}: ${present.length} shard files, ${rows.length} rows (a file holds the wrong shard: remove it and run again)`, 'out');
  await writeQueryParquet(select(`shard, ${cols}, code_version`), join(outDir, RESULTS_FILE));
  return rows;
}

export interface RunSweepOptions {
  /** Worker threads for the shards (0: in this thread; default one per core, at most 4). Local runs only. */
  threads?: number;
  /** `redis://host:port`: put the shards on this queue for `rolloutlab worker`s instead of running them here. */
  queue?: string;
  queueName?: string;
  /** Stop a queued sweep when Redis has not answered for this long (default 15 s). */
  graceMs?: number;
  onProgress?: (p: SweepProgress) => void;
  /** Paths this process sees differently from the plan (local runs). */
  overrides?: ShardOverrides;
  /** Each shard run here as it finishes (for benchmarks). */
  onShard?: (job: ShardJob, o: ShardOutcome) => void;
}

const failureOf = (f: SweepFailure): SweepError => ({ shard: f.job.id, scenario: f.job.key.scenario, seed: f.job.key.seed, policy: f.job.key.policy, strategy: f.job.key.strategy, error: f.error });

/** Runs the shards without a file (here, or on the queue), then merges every shard of the plan. */
export async function runSweep(plan: SweepPlan, o: RunSweepOptions = {}): Promise<SweepResult> {
  await mkdir(join(plan.outDir, SHARDS_DIR), { recursive: true }).catch((e: Error) => {
    throw new RolloutlabError('IO', `cannot create ${join(plan.outDir, SHARDS_DIR)}: ${e.message}`, 'out');
  });
  await writePlanFile(plan);
  const pending = await pendingShards(plan);
  const tracker = new ProgressTracker(plan.jobs.length, plan.jobs.length - pending.length, o.onProgress);
  tracker.report();
  let failures: SweepFailure[];
  if (o.queue) {
    failures = pending.length ? await runOnQueue(pending, tracker, { url: o.queue, queueName: o.queueName, graceMs: o.graceMs, onProgress: o.onProgress }) : [];
  } else {
    failures = await runLocally(pending, tracker, o);
  }
  failures.sort((a, b) => a.job.index - b.job.index);
  const rows = await mergeShards(plan.outDir, plan.jobs);
  return { shards: plan.jobs.length, failed: failures.length, rows, errors: failures.map(failureOf) };
}

async function runLocally(pending: ShardJob[], tracker: ProgressTracker, o: RunSweepOptions): Promise<SweepFailure[]> {
  const threads = o.threads ?? defaultSweepThreads(pending.length);
  const pool = new ShardPool(Math.min(threads, pending.length), o.overrides);
  const failures: SweepFailure[] = [];
  let next = 0;
  const lane = async () => {
    while (next < pending.length) {
      const job = pending[next++];
      tracker.start(job.id);
      tracker.report();
      try {
        const r = await pool.run(job);
        o.onShard?.(job, r);
        tracker.finish(job.id, true);
      } catch (e) {
        failures.push({ job, error: e instanceof ShardError ? e.message : String(e) });
        tracker.finish(job.id, false);
      }
      tracker.report();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, pending.length)) }, lane));
  } finally {
    await pool.close();
  }
  return failures;
}

/** The shard at `index` of the plan (a Kubernetes Indexed Job's pod): run here unless its file is there. */
export async function runShardAt(plan: SweepPlan, index: number, overrides: ShardOverrides = {}): Promise<{ job: ShardJob; outcome: ShardOutcome }> {
  if (!Number.isInteger(index) || index < 0 || index >= plan.jobs.length) {
    throw new RolloutlabError('BAD_ARGUMENT', `shard index ${index} is out of range: the spec has ${plan.jobs.length} shards (0 to ${plan.jobs.length - 1}; set the Job's completions to ${plan.jobs.length})`, 'index');
  }
  const job = plan.jobs[index];
  await mkdir(join(overrides.outDir ?? plan.outDir, SHARDS_DIR), { recursive: true });
  const pool = new ShardPool(0, overrides);
  try {
    return { job, outcome: await pool.run(job) };
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `shard ${describeShard(job)} failed: ${(e as Error).message}`, 'index');
  }
}
