// A sweep's progress: shards done (resumed ones included), failed and running, and the time left at the pace of the
// shards finished in this run. What the command line draws on a terminal, whether the shards run here or on a queue.
import type { ShardJob } from './shards.ts';

export interface SweepProgress {
  total: number;
  /** Shards whose file was there before this run (done without running). */
  resumed: number;
  /** Shards with a file: resumed ones and those finished in this run. */
  done: number;
  failed: number;
  running: number;
  /** Seconds left at this run's pace (null until a shard has finished in this run). */
  etaSeconds: number | null;
  /** Queue workers connected (null when the shards run in this process). */
  workers: number | null;
}

/** A shard that failed, with the error its run reported. */
export interface SweepFailure {
  job: ShardJob;
  error: string;
}

export class ProgressTracker {
  done: number;
  failed = 0;
  workers: number | null = null;
  private readonly running = new Set<string>();
  private finishedHere = 0;
  private readonly t0 = performance.now();

  constructor(
    readonly total: number,
    readonly resumed: number,
    private readonly onProgress: (p: SweepProgress) => void = () => {},
  ) {
    this.done = resumed;
  }

  start(id: string): void {
    this.running.add(id);
  }

  /** Back in the queue (a stalled shard waiting for another worker). */
  queued(id: string): void {
    this.running.delete(id);
  }

  finish(id: string, ok: boolean): void {
    this.running.delete(id);
    this.finishedHere++;
    if (ok) this.done++;
    else this.failed++;
  }

  snapshot(): SweepProgress {
    const left = this.total - this.done - this.failed;
    const elapsed = (performance.now() - this.t0) / 1000;
    return {
      total: this.total,
      resumed: this.resumed,
      done: this.done,
      failed: this.failed,
      running: this.running.size,
      etaSeconds: this.finishedHere > 0 ? (left * elapsed) / this.finishedHere : left === 0 ? 0 : null,
      workers: this.workers,
    };
  }

  report(): void {
    this.onProgress(this.snapshot());
  }
}

const duration = (s: number) => (s < 60 ? `${Math.ceil(s)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`);

/** One line: `sweep  12/40 shards done (5 resumed), 1 failed, 2 running, ETA 1 min 20 s`. */
export function progressLine(p: SweepProgress): string {
  return (
    `sweep  ${p.done}/${p.total} shards done${p.resumed ? ` (${p.resumed} resumed)` : ''}, ${p.failed} failed, ${p.running} running` +
    (p.workers !== null ? `, ${p.workers} worker${p.workers === 1 ? '' : 's'} on the queue` : '') +
    `, ETA ${p.etaSeconds === null ? '—' : duration(p.etaSeconds)}`
  );
}
