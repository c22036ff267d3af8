// The backtest on several threads: periods of the scenario go to worker threads, results come back and are put
// together in period order and cut at the requested number of deployments — so the output is identical to the
// single-threaded `backtest` whatever the number of threads.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { scenarioStrategy } from '../sim/strategy.ts';
import { assemble, backtest, type BacktestOptions, type BacktestRun, type PeriodWork } from './run.ts';
import type { WorkerSetup, PeriodTask } from './worker.ts';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/** Threads to use by default: one per core (at most 4), and one for small runs where starting workers costs more. */
export const defaultThreads = (deployments: number): number => (deployments < 400 ? 1 : Math.max(1, Math.min(4, availableParallelism())));

export interface ParallelOptions extends BacktestOptions {
  threads?: number;
  /** Modules that register extra policies (imported by each worker before it resolves policy names). */
  policyModules?: string[];
  /** Registry the workers load learned policies' champions from (default: the registry's default root). */
  modelsRoot?: string;
}

export async function backtestParallel(o: ParallelOptions): Promise<BacktestRun> {
  const threads = o.threads ?? defaultThreads(o.deployments);
  // A sensitivity table other than the learned one is not sent to the workers: such a run stays in this thread.
  if (threads <= 1 || o.optimised?.sensitivityTable) return backtest(o);
  const strategy = o.strategy ?? scenarioStrategy(o.scenario);
  const names = o.policies.map((p) => p.name);
  const setup: WorkerSetup = { scenario: o.scenario, seed: o.seed, policies: names, strategy, optimised: !!o.optimised, ...(o.optimised?.units ? { optimisedUnits: o.optimised.units } : {}), ...(o.optimised?.thresholds ? { optimisedThresholds: true } : {}), windowMinutes: o.windowMinutes, policyModules: o.policyModules ?? [], modelsRoot: o.modelsRoot };
  const works = new Map<number, PeriodWork>();
  let next = 0;
  let inFlight = 0;
  let progress = 0;
  const enough = (): boolean => {
    // Deployments known in the contiguous prefix of finished periods.
    let sum = 0;
    for (let k = 0; works.has(k); k++) sum += works.get(k)!.results.length;
    return sum >= o.deployments;
  };
  const finished = (): number => [...works.values()].reduce((a, w) => a + w.results.length, 0);
  const mean = (): number => (works.size ? finished() / works.size : Infinity);
  return new Promise<BacktestRun>((resolvePromise, reject) => {
    const pool: Worker[] = [];
    let settled = false;
    const stop = () => {
      for (const w of pool) void w.terminate();
    };
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      stop();
      reject(e);
    };
    const dispatch = (w: Worker): boolean => {
      // Another period is needed unless the finished and running ones will (on average) cover the request.
      if (finished() + inFlight * mean() >= o.deployments && works.size > 0) return false;
      const task: PeriodTask = { index: next++, limit: o.deployments };
      inFlight++;
      w.postMessage(task);
      return true;
    };
    const maybeDone = () => {
      if (settled) return;
      if (enough()) {
        settled = true;
        stop();
        const ordered = [...works.keys()].sort((a, b) => a - b).map((k) => works.get(k)!);
        resolvePromise(assemble({ scenarioName: o.scenarioName ?? o.scenario.name, seed: o.seed, n: o.deployments, policies: names, strategy, optimised: !!o.optimised }, ordered));
      }
    };
    const idle: Worker[] = [];
    for (let i = 0; i < threads; i++) {
      const w = new Worker(BOOT, { workerData: setup });
      pool.push(w);
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && !settled) fail(new Error(`backtest worker exited with code ${code}`));
      });
      w.on('message', (m: { progress?: number; index?: number; work?: PeriodWork }) => {
        if (m.progress !== undefined) {
          progress = Math.min(o.deployments, progress + m.progress);
          o.onProgress?.('backtest', progress, o.deployments);
          return;
        }
        works.set(m.index!, m.work!);
        inFlight--;
        maybeDone();
        if (settled) return;
        if (!dispatch(w)) idle.push(w);
        // A gap in the prefix (an earlier period still running) may need more periods later: wake idle workers.
        if (inFlight === 0) {
          while (idle.length && !enough()) {
            const x = idle.pop()!;
            const k = next++;
            inFlight++;
            x.postMessage({ index: k, limit: o.deployments } satisfies PeriodTask);
          }
        }
      });
      dispatch(w);
    }
  });
}
