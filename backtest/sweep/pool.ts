// Where shards run on one machine: in this thread (threads 0) or on a fixed pool of worker threads, one shard per
// thread at a time. The local sweep and the queue worker both run their shards here; in a queue worker this also keeps
// the main thread free to renew the queue's lock on the shard while it runs.
//
// The backtester's own thread pool (backtest/parallel.ts) spreads the periods of one backtest; this one spreads
// whole shards, which are independent, so it needs no assembly step. A thread that dies fails its shard (the error
// says so) and is replaced; other shards go on.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { runShard, type ShardOutcome, type ShardOverrides } from './run-shard.ts';
import type { ShardJob } from './shards.ts';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/** Threads by default: one per core, at most 4, never more than there are shards to run. */
export const defaultSweepThreads = (shards: number): number => Math.max(1, Math.min(4, availableParallelism(), shards));

/** A shard that failed: the message its run threw. */
export class ShardError extends Error {
  constructor(
    readonly shard: string,
    message: string,
  ) {
    super(message);
    this.name = 'ShardError';
  }
}

interface Pending {
  job: ShardJob;
  resolve: (o: ShardOutcome) => void;
  reject: (e: ShardError) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

export class ShardPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private closed = false;

  /** `threads` 0: every shard runs in this thread, one after another. */
  constructor(
    readonly threads: number,
    private readonly overrides: ShardOverrides = {},
  ) {
    for (let i = 0; i < threads; i++) this.slots.push(this.start());
  }

  private start(): Slot {
    const slot: Slot = { worker: new Worker(BOOT, { workerData: this.overrides }), busy: null };
    slot.worker.on('message', (m: { ok: true; outcome: ShardOutcome } | { ok: false; error: string }) => {
      const p = slot.busy!;
      slot.busy = null;
      if (m.ok) p.resolve(m.outcome);
      else p.reject(new ShardError(p.job.id, m.error));
      this.feed();
    });
    const died = (why: string) => {
      const p = slot.busy;
      slot.busy = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (p) p.reject(new ShardError(p.job.id, `the shard's worker thread ${why}`));
      if (!this.closed) {
        this.slots.push(this.start());
        this.feed();
      }
    };
    slot.worker.on('error', (e) => died(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => {
      if (this.slots.includes(slot)) died(`exited with code ${code}`);
    });
    return slot;
  }

  private feed(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.waiting.length === 0) continue;
      const p = this.waiting.shift()!;
      slot.busy = p;
      slot.worker.postMessage(p.job);
    }
  }

  /** Runs a shard (writes its file); rejects with a ShardError carrying the shard's error. */
  run(job: ShardJob): Promise<ShardOutcome> {
    if (this.closed) return Promise.reject(new ShardError(job.id, 'the shard pool is closed'));
    if (this.threads === 0) return runShard(job, this.overrides).catch((e: unknown) => Promise.reject(new ShardError(job.id, e instanceof Error ? e.message : String(e))));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.feed();
    });
  }

  /** Stops the threads (a shard still running is abandoned: its file is never half-written). */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const p of this.waiting.splice(0)) p.reject(new ShardError(p.job.id, 'the shard pool was closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
