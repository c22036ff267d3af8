// A shard worker thread: runs the shards its pool sends, one at a time, and answers each with its outcome or its error.
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardOverrides } from './run-shard.ts';
import type { ShardJob } from './shards.ts';

const overrides = workerData as ShardOverrides;
parentPort!.on('message', (job: ShardJob) => {
  runShard(job, overrides).then(
    (outcome) => parentPort!.postMessage({ ok: true, outcome }),
    (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { code?: unknown }).code ?? null }),
  );
});
