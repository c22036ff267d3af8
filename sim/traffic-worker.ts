// A traffic worker thread (sim/traffic-parallel.ts): the per-service steps of generateTraffic, one service per
// message. Rate arrays travel as transferred buffers, so nothing is copied.
import { parentPort, workerData } from 'node:worker_threads';
import { externalRate, globalFactor, newScratch, realiseCounts, weekClock, type Burst } from './traffic.ts';
import type { TrafficWorkerSetup, TrafficTask, TrafficResult } from './traffic-parallel.ts';

const { scenario: s, services, calendar: cal, seed } = workerData as TrafficWorkerSetup;
const global = globalFactor(s, cal);
const clock = weekClock(s, cal);
const scratch = newScratch();

parentPort!.on('message', (task: TrafficTask) => {
  if (task.kind === 'rate') {
    const bursts: Burst[] = [];
    const rate = externalRate(s, services[task.j], task.j, global, clock, cal, seed, bursts, scratch);
    const out: TrafficResult = { kind: 'rate', j: task.j, rate, bursts };
    parentPort!.postMessage(out, [rate.buffer]);
  } else {
    const sum = realiseCounts(s, task.rate, task.j, seed, scratch);
    const out: TrafficResult = { kind: 'count', j: task.j, rate: task.rate, sum };
    parentPort!.postMessage(out, [task.rate.buffer]);
  }
});
parentPort!.postMessage({ kind: 'ready' });
