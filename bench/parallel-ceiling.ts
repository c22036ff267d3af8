// The machine's parallel ceiling, which the backtest and simulator benchmarks print beside their threaded figures.
import { Worker } from 'node:worker_threads';

/**
 * How much faster `threads` busy threads finish the same fixed work each than one thread does: the ceiling any
 * multi-threaded speed-up can reach on this machine right now (shared or hyper-threaded cores give less than n).
 */
export async function parallelCeiling(threads: number): Promise<number> {
  const src = 'let x = 0; for (let i = 0; i < 4e8; i++) x += i % 7; require("node:worker_threads").parentPort.postMessage(x);';
  const spin = (n: number) =>
    new Promise<number>((done) => {
      const t0 = performance.now();
      let left = n;
      for (let i = 0; i < n; i++) {
        const w = new Worker(src, { eval: true });
        w.once('message', () => {
          void w.terminate();
          if (--left === 0) done(performance.now() - t0);
        });
      }
    });
  const one = await spin(1);
  const many = await spin(threads);
  return (threads * one) / many;
}
