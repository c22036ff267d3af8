// Runs the main job's independent tasks (risk-training worlds, training rollouts, CI/CD failure worlds, the judge's
// and the rollback model's trainings) on worker threads, one per core (at most 2), and resolves with each task's
// result in task order.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { MainJobTask, MainJobResult } from './main-job-worker.ts';

const BOOT = new URL('./main-job-worker-boot.mjs', import.meta.url);

export interface WorkerPoolOptions {
  modelsRoot: string | null;
  /** Progress units of a data-set task (its worker reports them as it goes). */
  units: (t: MainJobTask) => number;
  onProgress: (done: number, total: number) => void;
  /** A training task's progress: its stage and how far along it is. */
  onStatus?: (task: number, stage: string, done: number, total: number) => void;
  threads?: number;
}

export function runInWorkers(tasks: MainJobTask[], o: WorkerPoolOptions): Promise<MainJobResult[]> {
  const threads = o.threads ?? Math.max(1, Math.min(2, availableParallelism()));
  const total = tasks.reduce((a, t) => a + o.units(t), 0);
  const results = new Map<number, MainJobResult>();
  let progressed = 0;
  let next = 0;
  let finished = 0;
  return new Promise((resolvePromise, reject) => {
    const workers: Worker[] = [];
    let settled = false;
    const end = (e?: unknown) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (e) reject(e instanceof Error ? e : new Error(String(e)));
      else resolvePromise(tasks.map((_, i) => results.get(i)!));
    };
    // The task each worker is running, so a training's status can be told apart from the other's.
    const running = new Map<Worker, number>();
    const feed = (w: Worker) => {
      if (next >= tasks.length) return;
      running.set(w, next);
      w.postMessage({ index: next, task: tasks[next] });
      next++;
    };
    for (let i = 0; i < Math.min(threads, tasks.length); i++) {
      const w = new Worker(BOOT, { workerData: { modelsRoot: o.modelsRoot } });
      workers.push(w);
      w.on('message', (m: { progress?: number; status?: { stage: string; done: number; total: number }; done?: number; result?: MainJobResult; error?: string }) => {
        if (m.progress) o.onProgress((progressed += m.progress), total);
        if (m.status) o.onStatus?.(running.get(w)!, m.status.stage, m.status.done, m.status.total);
        if (m.error) end(new Error(`a main-job task failed: ${m.error}`));
        if (m.done !== undefined) {
          results.set(m.done, m.result!);
          if (++finished === tasks.length) end();
          else feed(w);
        }
      });
      w.on('error', (e) => end(e));
      w.on('exit', (code) => {
        if (code !== 0) end(new Error(`a main-job worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}
