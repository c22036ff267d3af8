// Heavy work off the main thread: a small fixed pool of worker threads runs the deploy-window planners
// (server/deploy-planners.ts PLANNERS: forecaster fits and thousands of scored starts, up to seconds per request), and
// another runs the what-ifs (server/whatif-task.ts: a world simulated, then hundreds of rollouts), so the decision
// routes and /healthz keep answering on the main thread while they run.
//
// - Fixed size (`threads`), started on the first job (a server that never plans starts none); a worker that dies or
//   overruns `timeoutMs` is terminated and replaced, and its job answers 503.
// - Bounded queue: beyond `queue` waiting jobs the pool refuses at once (503 with Retry-After) instead of growing.
// - The risk champion goes to a worker once per loaded version (its JSON), not with every job; the planners' defaults
//   (`PlanDefaults`) and the what-if's worlds (`WhatIfWorlds`) go to each worker once, when it starts.
// - Errors keep their meaning across the thread: BadInput → 400, NoAnswer → 422, as if run inline.
import { Worker } from 'node:worker_threads';
import type { GamModel } from '../training/gam.ts';
import { RolloutlabError, type ErrorCode } from '../lib/errors.ts';
import { BadInput, NoAnswer } from './decide.ts';
import type { PlanDefaults, PlannerName } from './deploy-planners.ts';
import type { WhatIfWorlds } from './whatif-task.ts';

const BOOT = new URL('./offload-worker.mjs', import.meta.url);

export interface OffloadOptions {
  /** Worker threads (default 1). */
  threads?: number;
  /** Jobs that may wait for a free worker before the pool answers busy (default 8 per thread). */
  queue?: number;
  /** A job running longer is stopped and answers 503 (default 30 s). */
  timeoutMs?: number;
}

export const DEFAULT_OFFLOAD: Required<OffloadOptions> = { threads: 1, queue: 8, timeoutMs: 30_000 };

/** The what-if pool's: one thread (a what-if keeps a core busy for seconds), 4 waiting, 60 s (500 runs take about 10 s). */
export const DEFAULT_WHATIF_OFFLOAD: Required<OffloadOptions> = { threads: 1, queue: 4, timeoutMs: 60_000 };

/** What the pool's messages call its workers, and what a job that ran too long should do instead. */
export interface OffloadWords {
  workers: string;
  job: string;
  tooLong: string;
}

const PLANNING_WORDS: OffloadWords = { workers: 'planning workers', job: 'planning', tooLong: 'send a smaller request (shorter horizonHours, fewer changes or days of traffic)' };

/** The jobs a worker runs: a planner, or a what-if. */
export type TaskName = PlannerName | 'whatif';

/** The risk key of a job without a risk champion (a what-if still runs; its risk is unknown). */
export const NO_RISK = 'none';

/** The pool is full or a job failed for reasons of the server, not of the request: a 503 with Retry-After. */
export class Busy extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'Busy';
  }
}

/** What a worker answers for a job. */
export type JobReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { kind: 'BadInput' | 'NoAnswer' | 'RolloutlabError' | 'Error'; message: string; field?: string; code?: string } };

/** What a worker is started with (its `workerData`). */
export interface WorkerStart {
  planDefaults: PlanDefaults;
  /** The worlds a what-if may run in (only the what-if pool's workers have them). */
  whatif?: WhatIfWorlds;
}

/** What the main thread sends: the job, and the risk champion's JSON when the worker does not have this version yet. */
export interface JobMessage {
  id: number;
  task: TaskName;
  body: unknown;
  riskKey: string;
  riskVersion: string;
  riskJson?: unknown;
}

interface Job {
  id: number;
  task: TaskName;
  body: unknown;
  risk: { model: GamModel; version: string; loadedAt?: string } | null;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Risk champions this worker holds (keys). */
  has: Set<string>;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** Rebuilds an error a worker reported, so the error handler answers as it would inline. */
function revive(e: Extract<JobReply, { ok: false }>['error']): Error {
  const rest = (field: string | undefined) => (field !== undefined && e.message.startsWith(`${field} `) ? e.message.slice(field.length + 1) : e.message);
  if (e.kind === 'BadInput') return new BadInput(e.field ?? 'body', rest(e.field));
  if (e.kind === 'NoAnswer') return new NoAnswer(e.code ?? 'NO_ANSWER', e.field ?? 'body', rest(e.field));
  if (e.kind === 'RolloutlabError') return new RolloutlabError((e.code ?? 'BAD_DATA') as ErrorCode, e.message, e.field);
  return new Error(e.message);
}

export class Offload {
  private readonly o: Required<OffloadOptions>;
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private seq = 0;
  private closed = false;
  /** Jobs answered, refused busy, and workers replaced (for tests and the bench). */
  readonly stats = { done: 0, busy: 0, replaced: 0 };

  /**
   * `planDefaults`: the defaults of the planning requests' optional fields, and `whatif` the worlds a what-if may run
   * in, handed to every worker it starts; `words`: what its messages call it.
   */
  constructor(
    opts: OffloadOptions,
    private readonly planDefaults: PlanDefaults,
    private readonly extra: { whatif?: WhatIfWorlds; words?: OffloadWords } = {},
  ) {
    this.o = { ...DEFAULT_OFFLOAD, ...opts };
    if (!(Number.isInteger(this.o.threads) && this.o.threads >= 1)) throw new RangeError(`offload threads must be a whole number >= 1 (got ${this.o.threads})`);
  }

  get threads(): number {
    return this.o.threads;
  }

  private get words(): OffloadWords {
    return this.extra.words ?? PLANNING_WORDS;
  }

  /** Runs a task on a worker; rejects with the task's own error, or Busy. `risk`: the risk champion (a planner needs one). */
  run(task: TaskName, body: unknown, risk: Job['risk']): Promise<unknown> {
    if (this.closed) return Promise.reject(new Busy('the server is closing', 1));
    const busyWorkers = this.slots.filter((s) => s.job !== null).length;
    if (busyWorkers >= this.o.threads && this.waiting.length >= this.o.queue) {
      this.stats.busy++;
      return Promise.reject(new Busy(`the ${this.words.workers} are busy (${this.o.threads} running, ${this.waiting.length} waiting): retry shortly`, 1));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: ++this.seq, task, body, risk, resolve, reject });
      this.pump();
    });
  }

  /** Starts every worker now (a server that listens does, so the first request does not wait for a thread to boot). */
  warm(): void {
    while (!this.closed && this.slots.length < this.o.threads) this.spawn();
  }

  /** Stops every worker; waiting and running jobs answer Busy. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.waiting.splice(0)) j.reject(new Busy('the server is closing', 1));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        if (s.timer) clearTimeout(s.timer);
        s.job?.reject(new Busy('the server is closing', 1));
        return s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const start: WorkerStart = { planDefaults: this.planDefaults, whatif: this.extra.whatif };
    const worker = new Worker(BOOT, { workerData: start });
    worker.unref();
    const slot: Slot = { worker, has: new Set(), job: null, timer: null };
    worker.on('message', (m: JobReply) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      this.finish(slot);
      this.stats.done++;
      if (m.ok) job.resolve(m.value);
      else job.reject(revive(m.error));
      this.pump();
    });
    const lost = (why: string) => {
      const job = slot.job;
      this.replace(slot);
      job?.reject(new Busy(`one of the ${this.words.workers} failed (${why}): retry`, 1));
      this.pump();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) lost(`exited with code ${code}`);
    });
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** Takes the slot's worker out of the pool (terminating it); a new one is spawned on demand. */
  private replace(slot: Slot): void {
    this.finish(slot);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.stats.replaced++;
    void slot.worker.terminate();
  }

  private pump(): void {
    while (!this.closed && this.waiting.length) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot) {
        if (this.slots.length >= this.o.threads) return;
        slot = this.spawn();
      }
      const job = this.waiting.shift()!;
      slot.job = job;
      const riskKey = job.risk ? `${job.risk.version}@${job.risk.loadedAt ?? ''}` : NO_RISK;
      const msg: JobMessage = { id: job.id, task: job.task, body: job.body, riskKey, riskVersion: job.risk?.version ?? NO_RISK };
      if (job.risk && !slot.has.has(riskKey)) {
        msg.riskJson = job.risk.model.toJSON();
        slot.has.clear(); // the worker keeps one champion: the one it is sent replaces the one it had
        slot.has.add(riskKey);
      }
      const s = slot;
      s.timer = setTimeout(() => {
        this.replace(s);
        job.reject(new Busy(`${this.words.job} took longer than ${this.o.timeoutMs / 1000} s and was stopped: ${this.words.tooLong}`, 1));
        this.pump();
      }, this.o.timeoutMs);
      s.timer.unref();
      slot.worker.postMessage(msg);
    }
  }
}
