// Runs the main job's independent data-set tasks (risk-training worlds, training rollouts) on worker threads, one per
// core (at most 2), and resolves with each task's count (deployments) in task order.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { MainJobTask } from './main-job-worker.ts';

const BOOT = new URL('./main-job-worker-boot.mjs', import.meta.url);

export function runInWorkers(tasks: MainJobTask[], o: { modelsRoot: string | null; units: (t: MainJobTask) => number; onProgress: (done: number, total: number) => void; threads?: number }): Promise<number[]> {
  const threads = o.threads ?? Math.max(1, Math.min(2, availableParallelism()));
  const total = tasks.reduce((a, t) => a + o.units(t), 0);
  const counts = new Map<string, number>();
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
      else resolvePromise(tasks.map((t) => counts.get(t.dir) ?? 0));
    };
    const feed = (w: Worker) => {
      if (next < tasks.length) w.postMessage(tasks[next++]);
    };
    for (let i = 0; i < Math.min(threads, tasks.length); i++) {
      const w = new Worker(BOOT, { workerData: { modelsRoot: o.modelsRoot } });
      workers.push(w);
      w.on('message', (m: { progress?: number; done?: string; count?: number; error?: string }) => {
        if (m.progress) o.onProgress((progressed += m.progress), total);
        if (m.error) end(new Error(`a main-job task failed: ${m.error}`));
        if (m.done) {
          counts.set(m.done, m.count ?? 0);
          if (++finished === tasks.length) end();
          else feed(w);
        }
      });
      w.on('error', (e) => end(e));
      feed(w);
    }
  });
}
