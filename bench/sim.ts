// Simulator benchmark: simulated service-minutes per second and deployments per second for the `default` and
// `large` scenarios, then the headline case, 200 services x 365 days of one-minute traffic, with the TypeScript
// generator (sim/traffic.ts) beside the same algorithm written with NumPy (bench/traffic_numpy.py) on the same
// exported inputs, run in the same command.
//
//   npx tsx bench/sim.ts [--json] [--quick] [--repeat N] [--threads N] [--seed N] [--python PATH]
//
// --quick   headline over 30 days instead of 365 (a smoke run)
// --repeat  run every case N times, in N rounds, and keep the fastest (default 1); the median is reported too
// --threads threads of the threaded headline variants (default: one per core; 1 leaves them out)
// --json    one JSON object on stdout instead of the tables
// --python  interpreter for the NumPy peer (default /usr/bin/python3, Debian's, where python3-numpy installs)
//
// The headline is run four ways on the TypeScript side: the default stream (version 1) on one thread, which is the
// headline figure, and on --threads threads (generateTrafficParallel); the ziggurat stream (scenario
// traffic.generator 2) on one thread and on --threads threads. The NumPy peer is single-threaded.
//
// Every case runs in a fresh child process so its peak RSS is its own and no case warms the JIT for another.
// Progress goes to stderr when stderr is a terminal. Exit code 0, also when NumPy is missing (the TS figures are
// still printed); 1 if a case fails or the NumPy port's per-service means disagree with the TS generator's.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTraffic } from '../sim/traffic.ts';
import { generateTrafficParallel } from '../sim/traffic-parallel.ts';
import { simulateWorld } from '../sim/world.ts';
import { terminalProgress } from '../lib/progress.ts';
import { benchScenario, buildInputs, exportTrafficInputs } from './export-topology.ts';
import { parallelCeiling } from './parallel-ceiling.ts';

const HERE = fileURLToPath(import.meta.url);
const NUMPY_SCRIPT = resolve(HERE, '..', 'traffic_numpy.py');
const DEFAULT_PYTHON = '/usr/bin/python3';
const HEADLINE_SERVICES = 200;
const HEADLINE_DAYS = 365;
const QUICK_DAYS = 30;
/** Largest relative difference of a per-service mean (TS vs NumPy) that still counts as the same workload. */
const MEAN_TOLERANCE = 0.03;

// ---------------------------------------------------------------------------------------------------------------
// Child side: one case, measured in its own process, result as one JSON line on stdout.

type ChildCase =
  | { kind: 'world'; scenario: string; seed: number }
  | { kind: 'traffic'; scenario: string; services: number; days: number; seed: number; exportTo?: string; generator: 1 | 2; threads: number };

export interface WorldResult {
  scenario: string;
  services: number;
  days: number;
  serviceMinutes: number;
  trafficSeconds: number;
  trafficServiceMinutesPerSec: number;
  worldSeconds: number;
  worldServiceMinutesPerSec: number;
  changes: number;
  deployments: number;
  deploymentsPerSec: number;
  peakRssMiB: number;
}

export interface TrafficResult {
  /** Version of the traffic stream (1: the default, Box-Muller; 2: ziggurat). */
  generator: 1 | 2;
  /** Threads in all (1: generateTraffic on the calling thread; more: generateTrafficParallel). */
  threads: number;
  services: number;
  days: number;
  serviceMinutes: number;
  seconds: number;
  /** CPU seconds of the process (all its threads) over the same span: less sensitive to other jobs' load. */
  cpuSeconds: number;
  serviceMinutesPerSec: number;
  meanRequests: number[];
  peakRssMiB: number;
}

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

async function runChild(c: ChildCase): Promise<WorldResult | TrafficResult> {
  const progress = terminalProgress();
  if (c.kind === 'world') {
    const s = benchScenario(c.scenario);
    const { topology, calendar } = buildInputs(s, c.seed);
    const serviceMinutes = topology.services.length * calendar.minutes;
    collect();
    let t0 = performance.now();
    let traffic: ReturnType<typeof generateTraffic> | null = generateTraffic(s, topology, calendar, c.seed, (d, n) =>
      progress.update(`${c.scenario} traffic`, d, n),
    );
    const trafficSeconds = (performance.now() - t0) / 1000;
    if (traffic.requests.length !== topology.services.length) throw new Error('traffic: wrong number of series');
    traffic = null;
    collect();
    t0 = performance.now();
    const world = simulateWorld(s, c.seed, (stage, d, n) => progress.update(`${c.scenario} ${stage}`, d, n));
    const worldSeconds = (performance.now() - t0) / 1000;
    progress.done();
    return {
      scenario: c.scenario,
      services: topology.services.length,
      days: calendar.days,
      serviceMinutes,
      trafficSeconds,
      trafficServiceMinutesPerSec: serviceMinutes / trafficSeconds,
      worldSeconds,
      worldServiceMinutesPerSec: serviceMinutes / worldSeconds,
      changes: world.changes.length,
      deployments: world.deployments.length,
      deploymentsPerSec: world.deployments.length / worldSeconds,
      peakRssMiB: peakRssMiB(),
    };
  }
  const s = benchScenario(c.scenario, c.services, c.days);
  if (c.generator === 2) s.traffic.generator = 2;
  const { topology, calendar } = buildInputs(s, c.seed);
  if (c.exportTo) writeFileSync(c.exportTo, JSON.stringify(exportTrafficInputs(s, topology, calendar, c.seed)));
  collect();
  const label = `TS traffic v${c.generator}${c.threads > 1 ? ` ${c.threads} threads` : ''}`;
  const onService = (d: number, n: number) => progress.update(label, d, n);
  // The threaded run's time includes starting its workers.
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const traffic = c.threads > 1 ? await generateTrafficParallel(s, topology, calendar, c.seed, { threads: c.threads, onService }) : generateTraffic(s, topology, calendar, c.seed, onService);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  progress.done();
  const serviceMinutes = topology.services.length * calendar.minutes;
  return {
    generator: c.generator,
    threads: c.threads,
    services: topology.services.length,
    days: calendar.days,
    serviceMinutes,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    serviceMinutesPerSec: serviceMinutes / seconds,
    meanRequests: Array.from(traffic.meanRequests),
    peakRssMiB: peakRssMiB(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parent side.

interface Options {
  json: boolean;
  quick: boolean;
  repeat: number;
  seed: number;
  python: string;
  /** Threads of the threaded headline variants (1: none). */
  threads: number;
}

/** One TypeScript way of running the headline. */
export interface HeadlineVariant {
  generator: 1 | 2;
  threads: number;
  /** Fastest run, and the median of the runs. */
  seconds: number;
  medianSeconds: number;
  runs: number[];
  serviceMinutesPerSec: number;
  peakRssMiB: number;
  /** NumPy seconds / these seconds (best against best, median against median); > 1: TypeScript is faster. */
  ratio: number | null;
  medianRatio: number | null;
  /** Median CPU seconds (all threads), and NumPy's median CPU seconds / it for a one-thread variant (null with threads). */
  medianCpuSeconds: number;
  cpuRatio: number | null;
  /** Largest relative difference of a per-service mean from NumPy's, over all services. */
  meanCheckMaxRelDiffAllServices: number | null;
}

export interface NumpyResult {
  seconds: number;
  cpuSeconds: number;
  serviceMinutes: number;
  serviceMinutesPerSec: number;
  meanRequests: number[];
  meanRequestsAll: number[];
  arMethod: string;
  chunkMinutes: number;
  numpy: string;
  python: string;
  peakRssMiB: number;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAvgStart: number[]; loadAvgEnd: number[] };
  seed: number;
  repeat: number;
  scenarios: (WorldResult & { runs: number[] })[];
  headline: {
    services: number;
    days: number;
    serviceMinutes: number;
    typescript: TrafficResult & { runs: number[] };
    numpy: (Omit<NumpyResult, 'meanRequestsAll'> & { runs: number[]; medianCpuSeconds: number }) | { missing: string };
    /**
     * Every TypeScript way of running it: version 1 on one thread (the same run as `typescript`), version 1 on
     * `threads` threads, version 2 (ziggurat) on one and on `threads` threads. NumPy runs on one thread.
     */
    variants: HeadlineVariant[];
    /**
     * Per round, how much faster `threads` spinning threads finish fixed work than one (measured just before the
     * threaded variants): the most any threaded variant could gain then. Empty without threaded variants.
     */
    parallelCeiling: number[];
    /** TS speed / NumPy speed (> 1: TS is faster). */
    ratio: number | null;
    goalUnder30s: boolean;
    goalAtLeastNumpy: boolean | null;
    meanCheck: { service: number; typescript: number; numpy: number; relDiff: number }[] | null;
    meanCheckMaxRelDiffAllServices: number | null;
    meanCheckOk: boolean | null;
  };
}

/** Run one child case; resolves with its JSON result. */
function spawnChild(c: ChildCase): Promise<WorldResult | TrafficResult> {
  const loader = import.meta.resolve('tsx');
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', loader, HERE, '--child', JSON.stringify(c)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', rej);
    child.on('close', (code) => {
      if (code !== 0) return rej(new Error(`${c.kind} case ${JSON.stringify(c)} exited with ${code}`));
      try {
        res(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        rej(new Error(`${c.kind} case printed no result: ${out.slice(0, 300)}`));
      }
    });
  });
}

/** Run the NumPy peer; resolves with its result or a message saying why it could not run. */
function spawnNumpy(python: string, inputs: string): Promise<NumpyResult | { missing: string }> {
  const hint = `install Debian's python3-numpy (apt-get install python3-numpy) for ${python}`;
  return new Promise((res) => {
    const child = spawn(python, [NUMPY_SCRIPT, inputs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => res({ missing: `NumPy peer not run: cannot start ${python} (${e.message}); ${hint}` }));
    child.on('close', (code) => {
      let parsed: (NumpyResult & { error?: string; message?: string }) | undefined;
      try {
        parsed = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        parsed = undefined;
      }
      if (code === 0 && parsed && !parsed.error) return res(parsed);
      if (parsed?.error === 'numpy-missing') return res({ missing: `NumPy peer not run: ${python} has no numpy; ${hint}` });
      res({ missing: `NumPy peer failed (exit ${code}): ${(parsed?.message ?? err.trim().split('\n').pop() ?? '').slice(0, 300)}` });
    });
  });
}

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

async function best<T>(n: number, run: () => Promise<T>, secondsOf: (r: T) => number): Promise<T & { runs: number[] }> {
  let top: T | undefined;
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await run();
    runs.push(secondsOf(r));
    if (!top || secondsOf(r) < secondsOf(top)) top = r;
  }
  return { ...(top as T), runs };
}

/** The NumPy result without the per-service means of every service (kept out of the report). */
function withoutAllMeans(r: NumpyResult & { runs: number[] }): Omit<NumpyResult, 'meanRequestsAll'> & { runs: number[] } {
  const { meanRequestsAll: _omit, ...rest } = r;
  return rest;
}

export async function runBench(opt: Options): Promise<{ report: BenchReport; exitCode: number }> {
  const status = (msg: string) => {
    if (process.stderr.isTTY) process.stderr.write(`${msg}\n`);
  };
  const loadAvgStart = loadavg();
  const scenarios: BenchReport['scenarios'] = [];
  for (const name of ['default', 'large']) {
    status(`scenario ${name}: traffic, then the whole world…`);
    const r = await best(opt.repeat, () => spawnChild({ kind: 'world', scenario: name, seed: opt.seed }) as Promise<WorldResult>, (x) => x.worldSeconds);
    scenarios.push(r);
  }

  const days = opt.quick ? QUICK_DAYS : HEADLINE_DAYS;
  const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-bench-'));
  const inputs = join(dir, `traffic-inputs-${HEADLINE_SERVICES}x${days}.json`);
  // The variants; the first is the headline figure and writes the inputs NumPy reads.
  const ways: { generator: 1 | 2; threads: number }[] = [{ generator: 1, threads: 1 }];
  if (opt.threads > 1) ways.push({ generator: 1, threads: opt.threads });
  ways.push({ generator: 2, threads: 1 });
  if (opt.threads > 1) ways.push({ generator: 2, threads: opt.threads });
  const results: TrafficResult[][] = ways.map(() => []);
  const npRuns: NumpyResult[] = [];
  const ceilings: number[] = [];
  let npMissing: { missing: string } | null = null;
  try {
    // Rounds: every variant, then NumPy, once per round, so that a change of load on the shared machine affects
    // all of them alike.
    for (let round = 0; round < opt.repeat; round++) {
      for (const [k, w] of ways.entries()) {
        if (w.threads > 1 && w.generator === 1) ceilings.push(await parallelCeiling(w.threads));
        status(`headline: ${HEADLINE_SERVICES} services × ${days} days, TypeScript v${w.generator}, ${w.threads} thread(s), round ${round + 1}…`);
        const c: ChildCase = { kind: 'traffic', scenario: 'default', services: HEADLINE_SERVICES, days, seed: opt.seed, generator: w.generator, threads: w.threads, exportTo: round === 0 && k === 0 ? inputs : undefined };
        results[k].push((await spawnChild(c)) as TrafficResult);
      }
      if (npMissing) continue;
      status(`headline: ${HEADLINE_SERVICES} services × ${days} days, NumPy (${opt.python}), round ${round + 1}…`);
      const r = await spawnNumpy(opt.python, inputs);
      if ('missing' in r) {
        if (round > 0) throw new Error(r.missing);
        npMissing = r;
      } else npRuns.push(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fastest = <T extends { seconds: number }>(xs: T[]): T & { runs: number[] } => ({ ...xs.reduce((a, b) => (b.seconds < a.seconds ? b : a)), runs: xs.map((x) => x.seconds) });
  const ts = fastest(results[0]);
  const np: (NumpyResult & { runs: number[] }) | { missing: string } = npMissing ?? fastest(npRuns);
  const rel = (a: number, b: number) => (b === 0 ? (a === 0 ? 0 : Infinity) : Math.abs(a - b) / Math.abs(b));
  const variants: HeadlineVariant[] = ways.map((w, k) => {
    const v = fastest(results[k]);
    return {
      generator: w.generator,
      threads: w.threads,
      seconds: v.seconds,
      medianSeconds: median(v.runs),
      runs: v.runs,
      serviceMinutesPerSec: v.serviceMinutesPerSec,
      peakRssMiB: v.peakRssMiB,
      ratio: 'missing' in np ? null : np.seconds / v.seconds,
      medianRatio: 'missing' in np ? null : median(np.runs) / median(v.runs),
      medianCpuSeconds: median(results[k].map((x) => x.cpuSeconds)),
      cpuRatio: 'missing' in np || w.threads > 1 ? null : median(npRuns.map((x) => x.cpuSeconds)) / median(results[k].map((x) => x.cpuSeconds)),
      meanCheckMaxRelDiffAllServices: 'missing' in np ? null : Math.max(...v.meanRequests.map((m, i) => rel(np.meanRequestsAll[i], m))),
    };
  });

  let meanCheck: BenchReport['headline']['meanCheck'] = null;
  let maxAll: number | null = null;
  if (!('missing' in np)) {
    const npRes = np;
    meanCheck = ts.meanRequests.slice(0, 5).map((m, i) => ({ service: i, typescript: m, numpy: npRes.meanRequestsAll[i], relDiff: rel(npRes.meanRequestsAll[i], m) }));
    maxAll = Math.max(...ts.meanRequests.map((m, i) => rel(npRes.meanRequestsAll[i], m)));
  }
  // Every variant runs the same model: the first 5 means of each must agree with NumPy's too.
  const variantsOk = 'missing' in np ? true : ways.every((_, k) => results[k].every((r) => r.meanRequests.slice(0, 5).every((m, i) => rel(np.meanRequestsAll[i], m) <= MEAN_TOLERANCE)));
  const meanCheckOk = meanCheck ? meanCheck.every((c) => c.relDiff <= MEAN_TOLERANCE) && variantsOk : null;
  const ratio = 'missing' in np ? null : np.seconds / ts.seconds;
  const { meanRequests, ...tsRest } = ts;
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAvgStart,
      loadAvgEnd: loadavg(),
    },
    seed: opt.seed,
    repeat: opt.repeat,
    scenarios,
    headline: {
      services: HEADLINE_SERVICES,
      days,
      serviceMinutes: ts.serviceMinutes,
      typescript: { ...tsRest, meanRequests: meanRequests.slice(0, 5) },
      numpy: 'missing' in np ? np : { ...withoutAllMeans(np), medianCpuSeconds: median(npRuns.map((x) => x.cpuSeconds)) },
      variants,
      parallelCeiling: ceilings,
      ratio,
      // The goal is stated for the full year; a --quick run extrapolates linearly.
      goalUnder30s: ts.seconds * (HEADLINE_DAYS / days) < 30,
      goalAtLeastNumpy: ratio === null ? null : ratio >= 1,
      meanCheck,
      meanCheckMaxRelDiffAllServices: maxAll,
      meanCheckOk,
    },
  };
  return { report, exitCode: meanCheckOk === false ? 1 : 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Text output.

const M = (x: number) => `${(x / 1e6).toFixed(2)} M`;
const sec = (x: number) => (x < 10 ? x.toFixed(3) : x.toFixed(2));
const int = (x: number) => x.toLocaleString('en-US');

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`rolloutlab simulator benchmark  ${r.date}`);
  out.push(`${m.cpus} × ${m.cpuModel}, node ${m.node}, ${m.platform}; load average ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(' ')} at end`);
  out.push(`seed ${r.seed}${r.repeat > 1 ? `, best of ${r.repeat} runs` : ''}; every case in a fresh process`);
  out.push('');
  out.push(
    table(
      ['scenario', 'services', 'days', 'service-min', 'traffic s', 'svc-min/s traffic', 'world s', 'svc-min/s world', 'deployments', 'deploys/s', 'peak RSS MiB'],
      r.scenarios.map((s) => [
        s.scenario,
        String(s.services),
        String(s.days),
        int(s.serviceMinutes),
        sec(s.trafficSeconds),
        M(s.trafficServiceMinutesPerSec),
        sec(s.worldSeconds),
        M(s.worldServiceMinutesPerSec),
        int(s.deployments),
        s.deploymentsPerSec.toFixed(1),
        s.peakRssMiB.toFixed(0),
      ]),
    ),
  );
  const h = r.headline;
  out.push('');
  out.push(`headline: ${h.services} services × ${h.days} days of one-minute traffic (${int(h.serviceMinutes)} service-minutes), same inputs on both sides`);
  const ratioCell = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  const name = (v: HeadlineVariant) => `TypeScript v${v.generator}${v.generator === 1 ? ' (default stream)' : ' (ziggurat)'}, ${v.threads === 1 ? '1 thread' : `${v.threads} threads`}`;
  const rows: string[][] = h.variants.map((v) => [name(v), sec(v.seconds), sec(v.medianSeconds), M(v.serviceMinutesPerSec), v.peakRssMiB.toFixed(0), ratioCell(v.ratio), ratioCell(v.medianRatio), sec(v.medianCpuSeconds), ratioCell(v.cpuRatio)]);
  if (!('missing' in h.numpy)) {
    rows.push([`NumPy ${h.numpy.numpy} (python ${h.numpy.python}, AR: ${h.numpy.arMethod}), 1 thread`, sec(h.numpy.seconds), sec(median(h.numpy.runs)), M(h.numpy.serviceMinutesPerSec), h.numpy.peakRssMiB.toFixed(0), '1', '1', sec(h.numpy.medianCpuSeconds), '1']);
  }
  out.push(table(['generator', 'best s', 'median s', 'svc-min/s', 'peak RSS MiB', 'TS/NumPy', 'median TS/NumPy', 'median CPU s', 'CPU TS/NumPy'], rows));
  out.push('TS/NumPy: NumPy seconds / TypeScript seconds (> 1: TypeScript faster); CPU: the same with CPU seconds, for one-thread runs only.');
  if (h.parallelCeiling.length) {
    out.push(`parallel ceiling (${h.variants.find((v) => v.threads > 1)?.threads} spinning threads against 1, per round): ${h.parallelCeiling.map((x) => x.toFixed(2)).join(', ')} (the most a threaded run could gain then)`);
  }
  if ('missing' in h.numpy) out.push(h.numpy.missing);
  else {
    const ratio = h.ratio as number;
    out.push(`ratio TS speed / NumPy speed (headline: v1, 1 thread, best of ${r.repeat}): ${ratio.toFixed(2)}  (${ratio >= 1 ? `TypeScript ${ratio.toFixed(2)}× faster` : `NumPy ${(1 / ratio).toFixed(2)}× faster`})`);
  }
  const yearSec = h.typescript.seconds * (HEADLINE_DAYS / h.days);
  out.push(
    `goal: a year for ${h.services} services in < 30 s: ${h.goalUnder30s ? 'met' : 'NOT met'} (${h.days === HEADLINE_DAYS ? '' : 'extrapolated '}${yearSec.toFixed(1)} s)` +
      (h.goalAtLeastNumpy === null ? '' : `; at least NumPy's speed: ${h.goalAtLeastNumpy ? 'met' : 'NOT met'}`),
  );
  if (h.meanCheck) {
    const cells = h.meanCheck.map((c) => `#${c.service} ${c.typescript.toFixed(0)} vs ${c.numpy.toFixed(0)} (${(100 * c.relDiff).toFixed(2)} %)`);
    out.push(
      `same workload? mean requests/min, TS vs NumPy (different random streams): ${cells.join(', ')}; ` +
        `largest difference over all ${h.services} services ${(100 * (h.meanCheckMaxRelDiffAllServices ?? 0)).toFixed(2)} % → ` +
        (h.meanCheckOk ? `ok (first 5 within ${100 * MEAN_TOLERANCE} %)` : `MISMATCH (a first-5 mean differs by more than ${100 * MEAN_TOLERANCE} %)`),
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

const USAGE = 'usage: npx tsx bench/sim.ts [--json] [--quick] [--repeat N] [--threads N] [--seed N] [--python PATH]\n';

function parseArgs(argv: string[]): Options {
  const opt: Options = { json: false, quick: false, repeat: 1, seed: 1, python: DEFAULT_PYTHON, threads: availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const posInt = (v: string, min: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} must be an integer >= ${min}, got ${v}`);
      return n;
    };
    if (a === '--json') opt.json = true;
    else if (a === '--quick') opt.quick = true;
    else if (a === '--repeat') opt.repeat = posInt(value(), 1);
    else if (a === '--threads') opt.threads = posInt(value(), 1);
    else if (a === '--seed') opt.seed = posInt(value(), 0);
    else if (a === '--python') opt.python = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return opt;
}

/**
 * Entry point, also called in-process by the CLI (`rolloutlab bench sim`). Sets `process.exitCode` to 1 when the
 * NumPy port's means disagree with the TS generator's; throws if a case fails.
 */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await runChild(JSON.parse(argv[1]) as ChildCase)) + '\n');
    return;
  }
  const opt = parseArgs(argv);
  const { report, exitCode } = await runBench(opt);
  process.stdout.write((opt.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
  if (exitCode !== 0) process.exitCode = exitCode;
}

if (process.argv[1] && resolve(process.argv[1]) === HERE) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`bench/sim: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
