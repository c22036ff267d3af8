// The machine's parallel ceiling, which the backtest, simulator and sweep benchmarks print beside their threaded
// figures: how much faster n busy threads finish the same fixed work each than one thread does, right now. Two kinds of
// work: a spinning loop on registers (what the cores alone allow) and a loop that allocates and walks memory the way a
// simulation or a backtest does (typed arrays, small objects, a Map, garbage to collect), which also shares the caches,
// the memory bus and the collector's helper threads. Shared or hyper-threaded cores give less than n, and the second
// figure is the honest ceiling of a threaded simulator or backtest.
import { Worker } from 'node:worker_threads';

const SPIN = 'let x = 0; for (let i = 0; i < 4e8; i++) x += i % 7; require("node:worker_threads").parentPort.postMessage(x);';

const MEMORY = `
let acc = 0;
for (let r = 0; r < 6; r++) {
  const a = new Float64Array(2000000);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.001 + r) * Math.exp(-i * 1e-7);
  const rows = [];
  for (let i = 0; i < 200000; i++) rows.push({ x: a[i * 5], y: i, k: 'k' + (i % 100) });
  const sums = new Map();
  for (const o of rows) sums.set(o.k, (sums.get(o.k) ?? 0) + o.x);
  for (const v of sums.values()) acc += v;
}
require("node:worker_threads").parentPort.postMessage(acc);`;

async function ceiling(src: string, threads: number): Promise<number> {
  const run = (n: number) =>
    new Promise<number>((done, fail) => {
      const t0 = performance.now();
      let left = n;
      for (let i = 0; i < n; i++) {
        const w = new Worker(src, { eval: true });
        w.once('error', fail);
        w.once('message', () => {
          void w.terminate();
          if (--left === 0) done(performance.now() - t0);
        });
      }
    });
  const one = await run(1);
  const many = await run(threads);
  return (threads * one) / many;
}

/** Throughput of `threads` spinning threads relative to one: what the cores alone allow (about a second of work). */
export const parallelCeiling = (threads: number): Promise<number> => ceiling(SPIN, threads);

/**
 * Throughput of `threads` threads of allocation-heavy work (typed arrays, small objects, a Map, garbage) relative to
 * one: the ceiling of a threaded simulation or backtest, which also share caches, memory and the collector (about a
 * second of work).
 */
export const memoryCeiling = (threads: number): Promise<number> => ceiling(MEMORY, threads);
