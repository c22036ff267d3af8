// Backtest benchmark: deployments per second per policy, and the speed goal — 10,000 deployments under the five
// baseline policies in under 60 s on this machine — measured as wall time of the whole backtest (world simulation
// of every replayed period, the unguarded truth run, and each policy's run of each deployment).
//
//   npx rolloutlab bench backtest [--deployments N] [--threads N] [--scenario NAME] [--json]
//
// Per-policy throughput is deployments / seconds spent inside that policy's episodes (summed over threads), so it
// is comparable across thread counts. The same backtest runs single-threaded on a fifth of the deployments for the
// thread-scaling figure. There is no outside peer: no open tool backtests rollout policies.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { loadScenario } from '../sim/index.ts';
import { resolvePolicies, BASELINE_POLICIES } from '../policies/index.ts';
import { backtestParallel, defaultThreads } from '../backtest/parallel.ts';
import { terminalProgress } from '../lib/progress.ts';
import { parallelCeiling } from './parallel-ceiling.ts';

export interface BacktestBenchCase {
  deployments: number;
  threads: number;
  wallSeconds: number;
  deploymentsPerSecond: number;
  /** Deployments per second of policy-episode time, per policy. */
  perPolicy: Record<string, number>;
}

export interface BacktestBenchReport {
  scenario: string;
  policies: string[];
  cpu: string;
  cores: number;
  loadAverage: number;
  goal: { deployments: number; seconds: number; met: boolean };
  main: BacktestBenchCase;
  singleThread: BacktestBenchCase;
  peakRssMiB: number;
  /** Throughput of `threads` spinning threads relative to one: the machine's parallel ceiling. */
  parallelCeiling: number;
}

async function measure(scenario: string, deployments: number, threads: number, label: string): Promise<BacktestBenchCase> {
  const progress = terminalProgress();
  const t0 = performance.now();
  const run = await backtestParallel({ scenario: loadScenario(scenario), seed: 1, deployments, threads, policies: resolvePolicies([...BASELINE_POLICIES]), onProgress: (_stage, d, n) => progress.update(label, d, n) });
  const wallSeconds = (performance.now() - t0) / 1000;
  progress.done();
  const perPolicy: Record<string, number> = {};
  for (const [name, p] of Object.entries(run.report.policies)) perPolicy[name] = run.report.deployments / p.seconds;
  return { deployments: run.report.deployments, threads, wallSeconds, deploymentsPerSecond: run.report.deployments / wallSeconds, perPolicy };
}

export async function main(argv: string[]): Promise<void> {
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const json = argv.includes('--json');
  const deployments = Number(arg('--deployments', '10000'));
  const scenario = arg('--scenario', 'default');
  const threads = Number(arg('--threads', String(defaultThreads(deployments))));
  if (!Number.isInteger(deployments) || deployments < 1) throw new Error(`--deployments must be a positive integer, got ${arg('--deployments', '')}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${arg('--threads', '')}`);
  const ceiling = threads > 1 ? await parallelCeiling(threads) : 1;
  const mainCase = await measure(scenario, deployments, threads, `${deployments} deployments, ${threads} thread(s)`);
  const single = await measure(scenario, Math.max(1, Math.round(deployments / 5)), 1, 'single thread');
  const report: BacktestBenchReport = {
    scenario,
    policies: [...BASELINE_POLICIES],
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadAverage: loadavg()[0],
    goal: { deployments: 10_000, seconds: 60, met: deployments >= 10_000 && mainCase.wallSeconds < 60 },
    main: mainCase,
    singleThread: single,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    parallelCeiling: ceiling,
  };
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const lines = [
    `backtest benchmark — scenario ${scenario}, policies ${report.policies.join(', ')}`,
    `  machine: ${report.cores} cores (${report.cpu}), load average at the end ${report.loadAverage.toFixed(2)}`,
    '',
    `  ${f(mainCase.deployments)} deployments on ${mainCase.threads} thread(s): ${mainCase.wallSeconds.toFixed(1)} s wall, ${f(mainCase.deploymentsPerSecond)} deployments/s (all five policies + the truth run + world simulation)`,
    `  goal: 10,000 deployments under the five baseline policies in < 60 s — ${report.goal.met ? 'MET' : deployments < 10_000 ? 'not measured (fewer deployments)' : 'MISSED'}`,
    `  ${f(single.deployments)} deployments on 1 thread: ${single.wallSeconds.toFixed(1)} s wall, ${f(single.deploymentsPerSecond)} deployments/s; speed-up with ${mainCase.threads} threads ${(mainCase.deploymentsPerSecond / single.deploymentsPerSecond).toFixed(2)}× (ceiling on this machine now: ${ceiling.toFixed(2)}×, ${mainCase.threads} spinning threads vs one)`,
    '',
    '  policy    deployments/s (episode time, per thread)',
    ...Object.keys(mainCase.perPolicy).map((p) => `  ${p.padEnd(8)}  ${f(mainCase.perPolicy[p]).padStart(8)}`),
    '',
    `  peak RSS of this process ${report.peakRssMiB.toFixed(0)} MiB (workers not included); no outside peer exists for policy backtesting.`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
