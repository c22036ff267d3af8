// generateTraffic on several threads. A service's own rate (AR(1) noise, bursts) and its realised counts depend only
// on its own streams, so they are tasks, one service each, taken from a queue by the calling thread and by worker
// threads alike; the propagation along edges, cheap and in index order, stays on the calling thread and runs as soon
// as the rates it needs are back. A service's counts start once every callee has read its rate. The calling thread
// works from the start, so the workers' boot (loading TypeScript) hides behind its first tasks. The result is the one
// generateTraffic gives, whatever the number of threads (test/simulator-traffic-stream.test.ts compares them).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Scenario } from './scenario-schema.ts';
import type { Topology, Service } from './topology.ts';
import type { Calendar } from './calendar.ts';
import { externalRate, generateTraffic, globalFactor, newScratch, propagate, realiseCounts, weekClock, type Burst, type Traffic } from './traffic.ts';

const BOOT = new URL('./traffic-worker-boot.mjs', import.meta.url);

export interface TrafficWorkerSetup {
  scenario: Scenario;
  services: Service[];
  calendar: Calendar;
  seed: number;
}
export type TrafficTask = { kind: 'rate'; j: number } | { kind: 'count'; j: number; rate: Float32Array };
export type TrafficResult = { kind: 'rate'; j: number; rate: Float32Array; bursts: Burst[] } | { kind: 'count'; j: number; rate: Float32Array; sum: number };

export interface ParallelTrafficOptions {
  /** Threads in all, the calling one included (default: one per core). 1 is generateTraffic itself. */
  threads?: number;
  /** Progress: services whose rates are complete. */
  onService?: (done: number, total: number) => void;
}

/** generateTraffic's result, computed on `threads` threads (the calling one and threads - 1 workers). */
export function generateTrafficParallel(s: Scenario, topo: Topology, cal: Calendar, seed: number, opts: ParallelTrafficOptions = {}): Promise<Traffic> {
  const n = topo.services.length;
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), n));
  if (threads <= 1) return Promise.resolve(generateTraffic(s, topo, cal, seed, opts.onService));

  const rates: (Float32Array | undefined)[] = new Array(n);
  const burstsOf: Burst[][] = new Array(n);
  const meanRequests = new Float64Array(n);
  // Service j's counts may start once its last callee (the highest id reading its rate) has been propagated.
  const waiting: number[][] = topo.services.map(() => []);
  topo.services.forEach((_, j) => {
    let last = j;
    for (const di of topo.calleesOf[j]) last = Math.max(last, topo.dependencies[di].callee);
    waiting[last].push(j);
  });
  const rateQueue: number[] = [];
  for (let j = 0; j < n; j++) {
    // A purely internal service has no own rate and draws nothing before its counts (externalRate's zeros).
    if (topo.services[j].externalRpm > 0) rateQueue.push(j);
    else {
      rates[j] = new Float32Array(cal.minutes);
      burstsOf[j] = [];
    }
  }
  const countQueue: number[] = [];
  let nextProp = 0;
  let counted = 0;

  /** The next task (counts first: their rates are complete and only wait), or null. Takes a count's rate array. */
  const nextTask = (): TrafficTask | null => {
    const c = countQueue.shift();
    if (c !== undefined) {
      const rate = rates[c]!;
      rates[c] = undefined;
      return { kind: 'count', j: c, rate };
    }
    const r = rateQueue.shift();
    return r === undefined ? null : { kind: 'rate', j: r };
  };

  return new Promise<Traffic>((resolve, reject) => {
    const pool: Worker[] = [];
    // Tasks sent to each worker and not yet answered. Two at a time: the worker's next task is already in its queue
    // while its result waits for the calling thread to finish a task of its own.
    const inFlight = new Map<Worker, number>();
    const DEPTH = 2;
    let settled = false;
    let localRunning = false;
    const finish = (err: unknown, out?: Traffic) => {
      if (settled) return;
      settled = true;
      for (const w of pool) void w.terminate();
      if (out) resolve(out);
      else reject(err);
    };
    const advance = () => {
      while (nextProp < n && rates[nextProp] !== undefined) {
        propagate(topo, rates as Float32Array[], nextProp);
        countQueue.push(...waiting[nextProp]);
        nextProp++;
        opts.onService?.(nextProp, n);
      }
    };
    const send = (w: Worker): boolean => {
      const t = nextTask();
      if (!t) return false;
      w.postMessage(t, t.kind === 'count' ? [t.rate.buffer] : []);
      return true;
    };
    const topUp = (w: Worker) => {
      let k = inFlight.get(w) ?? 0;
      while (k < DEPTH && send(w)) k++;
      inFlight.set(w, k);
    };
    /** After a result: queued tasks go to workers with room and to the calling thread. */
    const wake = () => {
      for (const w of inFlight.keys()) topUp(w);
      if (!localRunning && (countQueue.length || rateQueue.length)) {
        localRunning = true;
        setImmediate(runLocal);
      }
    };
    const handle = (m: TrafficResult) => {
      if (settled) return;
      rates[m.j] = m.rate;
      if (m.kind === 'rate') {
        burstsOf[m.j] = m.bursts;
        advance();
      } else {
        meanRequests[m.j] = m.sum / cal.minutes;
        if (++counted === n) finish(null, { requests: rates as Float32Array[], meanRequests, bursts: burstsOf.flat() });
      }
    };

    // The calling thread's share: one task, then back to the event loop so that workers' results come in.
    let local: { global: Float64Array; clock: ReturnType<typeof weekClock>; scratch: ReturnType<typeof newScratch> } | null = null;
    const runLocal = () => {
      if (settled) return;
      const t = nextTask();
      if (!t) {
        localRunning = false;
        return;
      }
      try {
        local ??= { global: globalFactor(s, cal), clock: weekClock(s, cal), scratch: newScratch() };
        if (t.kind === 'rate') {
          const bursts: Burst[] = [];
          const rate = externalRate(s, topo.services[t.j], t.j, local.global, local.clock, cal, seed, bursts, local.scratch);
          handle({ kind: 'rate', j: t.j, rate, bursts });
        } else {
          handle({ kind: 'count', j: t.j, rate: t.rate, sum: realiseCounts(s, t.rate, t.j, seed, local.scratch) });
        }
      } catch (e) {
        finish(e);
        return;
      }
      wake();
      setImmediate(runLocal);
    };

    advance();
    const setup: TrafficWorkerSetup = { scenario: s, services: topo.services, calendar: cal, seed };
    for (let i = 1; i < threads; i++) {
      const w = new Worker(BOOT, { workerData: setup });
      pool.push(w);
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (!settled) finish(new Error(`traffic worker exited with code ${code}`));
      });
      w.on('message', (m: TrafficResult | { kind: 'ready' }) => {
        if (m.kind === 'ready') inFlight.set(w, 0);
        else {
          inFlight.set(w, inFlight.get(w)! - 1);
          handle(m);
        }
        if (settled) return;
        wake();
      });
      // Its first tasks go when it says it is ready: a task sent earlier would wait out the boot.
    }
    localRunning = true;
    setImmediate(runLocal);
  });
}
