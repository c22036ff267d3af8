// `rolloutlab bench …`: benchmarks (figures, not pass / fail).
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { DETECTOR_NAMES } from '../../detectors/registry.ts';
import { DEFAULT_JIT_MODEL, JIT_MODEL_NAMES, type JitModelName } from '../../training/risk/jit-models.ts';
import { int, out, flagValue, usage } from '../flags.ts';


/** Registers the Bench commands on the program. */
export function registerBench(program: Command): void {
  const bench = program.command('bench').description('Benchmarks (figures, not pass/fail).');
  bench
    .command('backtest')
    .description('Backtest speed: deployments/s per policy; goal 10,000 deployments under the five baseline policies in < 60 s.')
    .option('--deployments <n>', 'deployments in the main case', int('--deployments', 1, 1_000_000), 10_000)
    .option('--threads <n>', 'worker threads for the main case', int('--threads', 1, 64))
    .option('--scenario <name>', 'built-in scenario', 'default')
    .option('--json', 'as JSON')
    .action(async (o: { deployments: number; threads?: number; scenario: string; json?: boolean }) => {
      const { main } = await import('../../bench/backtest.ts');
      await main(['--deployments', String(o.deployments), '--scenario', o.scenario, ...(o.threads ? ['--threads', String(o.threads)] : []), ...(o.json ? ['--json'] : [])]);
    });
  bench
    .command('sweep')
    .description('Sweep speed: shards/s of one spec in this process, on 1 and on 2 worker threads, side by side; then the queue\'s cost per shard with a local Redis (if redis-server is installed) on shards of seconds. Goals: 2 threads ≥ 1.7× one; the queue ≤ 5 % of a shard of 2 s or more.')
    .option('--seeds <n>', 'seeds in the spec (× policies none and kayenta = shards)', int('--seeds', 1, 1000), 6)
    .option('--deployments <n>', 'deployments a shard', int('--deployments', 1, 1_000_000), 1500)
    .option('--queue-seeds <n>', 'seeds in the queue case', int('--queue-seeds', 1, 1000), 3)
    .option('--queue-deployments <n>', 'deployments a shard in the queue case (shards of seconds)', int('--queue-deployments', 1, 1_000_000), 2000)
    .option('--repeat <n>', 'run the cases this many times, taking turns, and keep the fastest of each', int('--repeat', 1, 20), 1)
    .option('--json', 'as JSON')
    .action(async (o: { seeds: number; deployments: number; queueSeeds: number; queueDeployments: number; repeat: number; json?: boolean }) => {
      const { benchSweep, formatSweepBench } = await import('../../bench/sweep.ts');
      const r = await benchSweep(o);
      out(!!o.json, r, formatSweepBench(r));
    });
  bench
    .command('jit')
    .description('The change-risk pipeline on a JIT change history (chronological 80/20 split, ROC AUC), beside LApredict and logistic regression.')
    .requiredOption('--data <csv|dir>', 'a JIT CSV (e.g. datasets/real/jit/qt.csv), or a folder of them (then the mean AUC too)')
    .option('--peers', 'also run scikit-learn RandomForest (300 trees) and HistGradientBoosting on the same split (needs python3-sklearn)')
    .option('--python <path>', 'interpreter for the peers', '/usr/bin/python3')
    .addOption(new Option('--model <name>', 'the model behind auc (blend: boosted trees on drift-free features mixed with lines added; gam: the additive model, the default before)').choices([...JIT_MODEL_NAMES]).default(DEFAULT_JIT_MODEL))
    .option('--compare', 'instead: every model on every project, on each other project (transfer) and time-shifted, as one table beside LApredict (and the peers with --peers)')
    .option('--validation', 'with --compare: the same table inside each training part (older 80 % fit, newest 20 % scored; no test row read): what the settings were chosen on')
    .option('--json', 'as JSON: {project, nTrain, nTest, auc, baselines: {lapredict, logistic}, model, models, ...} (a folder: {projects, meanAuc}; --compare: {models, settings, ...})')
    .action(async (o: { data: string; peers?: boolean; python: string; model: JitModelName; compare?: boolean; validation?: boolean; json?: boolean }) => {
      if (o.validation && !o.compare) throw usage('--validation: only with --compare', 'validation');
      const { benchJit, formatJit, benchJitAll, formatJitAll, listJitCsvs, benchJitCompare, formatJitCompare } = await import('../../bench/jit.ts');
      const csvs = await listJitCsvs(o.data);
      if (o.compare) {
        const r = await benchJitCompare(csvs, { peers: !!o.peers, python: o.python, validation: !!o.validation });
        out(!!o.json, r, formatJitCompare(r));
      } else if (csvs.length === 1 && csvs[0] === o.data) {
        const r = await benchJit(o.data, { peers: !!o.peers, python: o.python, model: o.model });
        out(!!o.json, r, formatJit(r));
      } else {
        const r = await benchJitAll(csvs, { peers: !!o.peers, python: o.python, model: o.model });
        out(!!o.json, r, formatJitAll(r));
      }
    });
  bench
    .command('risk')
    .description('Change-risk model: training time and scoring throughput on 100,000 simulated deployments (400-day default worlds), the backend used, and the held-out AUC and ECE beside the oracle.')
    .option('--deployments <n>', 'at least this many deployments (whole worlds of about 3,600 each)', int('--deployments', 1000, 10_000_000), 100_000)
    .option('--seed <n>', 'seed of the first world (the next ones count up)', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--json', 'as JSON')
    .action(async (o: { deployments: number; seed: number; json?: boolean }) => {
      const { main } = await import('../../bench/risk.ts');
      await main(['--deployments', String(o.deployments), '--seed', String(o.seed), ...(o.json ? ['--json'] : [])]);
    });
  bench
    .command('judge')
    .description('ML canary judge throughput: verdicts/s of the judge champion beside the Kayenta-style window judge, same run, same windows.')
    .option('--data <dir[,dir...]>', 'backtest data sets whose windows to judge (default: 300 deployments of default seed 11, simulated in memory)')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--ceiling', 'instead: the accuracy ceiling — how visible each fail window is (expected z of the fault from the simulator truth), beside the verdicts')
    .option('--scenario <name>', 'with --ceiling: built-in scenario', 'default')
    .option('--seed <n>', 'with --ceiling: backtest seed', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--deployments <n>', 'with --ceiling: deployments', int('--deployments', 1, 1_000_000), 2000)
    .option('--json', 'as JSON')
    .action(async (o: { data?: string; models?: string; ceiling?: boolean; scenario: string; seed: number; deployments: number; json?: boolean }) => {
      const { main } = await import('../../bench/judge.ts');
      const ceiling = o.ceiling ? ['--ceiling', '--scenario', o.scenario, '--seed', String(o.seed), '--deployments', String(o.deployments)] : [];
      await main([...(o.data ? ['--data', o.data] : []), ...(o.models ? ['--models', o.models] : []), ...ceiling, ...(o.json ? ['--json'] : [])]);
    });
  bench
    .command('rollback')
    .description('The prevention ceiling: for every violating deployment, the evidence its fault leaves before the unguarded breach (expected z from the simulator truth), beside each policy\'s prevention on the same deployments.')
    .option('--scenario <name>', 'built-in scenario', 'default')
    .option('--seed <n>', 'backtest seed (default 1, as the main job)', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--deployments <n>', 'deployments', int('--deployments', 1, 1_000_000), 2000)
    .option('--policies <list>', 'policies to grade, comma-separated', 'ml,kayenta')
    .option('--models <dir>', 'model registry for learned policies such as ml (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'as JSON')
    .action(async (o: { scenario: string; seed: number; deployments: number; policies: string; models?: string; json?: boolean }) => {
      const { benchRollbackCeiling, formatPreventionVisibility } = await import('../../bench/rollback.ts');
      const r = benchRollbackCeiling({ ...o, progress: !o.json });
      process.stdout.write((o.json ? JSON.stringify(r, null, 2) : formatPreventionVisibility(r)) + '\n');
    });
  bench
    .command('retry')
    .description('Self-healing pipelines: every failed step of a simulated CI/CD world replayed under never, always-2 (retry: 2), exit-status (Buildkite-style), reasons (retry:when + log patterns) and ml, with the world\'s truth answering each retry: transient recovered, wasted retries, retry precision and recall, added minutes, pipelines recovered.')
    .option('--scenario <name>', 'built-in scenario', 'default')
    .option('--seed <n>', 'seed of the world replayed (default 1000: the main job\'s retry champion learns from seeds 1-11)', int('--seed', 0, 2 ** 32 - 4), 1000)
    .option('--models <dir>', 'model registry for ml (default: ./models, or $ROLLOUTLAB_MODELS); without a retry champion, ml is trained here on the next three seeds')
    .option('--json', 'as JSON: {"policies": {"<name>": {"transientRecoveredRate", "wastedRetryRate", "retryPrecision", "retryRecall", "addedMinutes", "pipelinesRecovered", ...}}, ...}')
    .action(async (o: { scenario: string; seed: number; models?: string; json?: boolean }) => {
      const { benchRetry, formatRetryBench } = await import('../../bench/retry.ts');
      const r = benchRetry({ ...o, progress: !o.json });
      out(!!o.json, r, formatRetryBench(r));
    });
  bench
    .command('rollout-plan')
    .description('Rollout plan generation time per change (the risk score with its reasons, the optimiser’s plan and the risk gate) at 100 and 1,000 services, beside the risk score alone in the same run.')
    .option('--services <list>', 'comma-separated system sizes', (v: string) => v.split(',').map((x) => int('--services', 2, 20_000)(x.trim())), [100, 1000])
    .option('--models <dir>', 'model registry for the risk champion (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'as JSON')
    .action(async (o: { services: number[]; models?: string; json?: boolean }) => {
      const { benchRolloutPlan, formatRolloutPlanBench } = await import('../../bench/rollout-plan.ts');
      const { defaultModelsRoot } = await import('../../training/registry.ts');
      const { loadRiskSync } = await import('../../training/load.ts');
      const { resolve } = await import('node:path');
      const r = benchRolloutPlan({ services: o.services, risk: loadRiskSync(resolve(o.models ?? defaultModelsRoot())), progress: !o.json });
      out(!!o.json, r, formatRolloutPlanBench(r));
    });
  bench
    .command('rollback-plan')
    .description('Rollback plan generation time at 100 and 1,000 services (the whole dependency graph in every request): p50 / p99 of the planned planner beside the revert-all baseline in the same run.')
    .option('--services <list>', 'comma-separated system sizes', (v: string) => v.split(',').map((x) => int('--services', 2, 20_000)(x.trim())), [100, 1000])
    .option('--seed <n>', 'world seed', int('--seed', 0, 2 ** 31 - 1), 1)
    .option('--json', 'as JSON: {"sizes": [{"services", "planners": {"planned": {"p50Ms", "p99Ms", …}, …}}]}')
    .action(async (o: { services: number[]; seed: number; json?: boolean }) => {
      const { benchRollbackPlan, formatRollbackPlanBench } = await import('../../bench/rollback-plan.ts');
      const r = benchRollbackPlan({ ...o, progress: !o.json });
      out(!!o.json, r, formatRollbackPlanBench(r));
    });
  bench
    .command('serve')
    .description('Serving load: requests/s and p50/p99 latency of the risk-score and canary-verdict routes beside a bare Fastify route in the same run, a fixed-rate run at 500/s, and resident memory with every champion loaded.')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--connections <n>', 'keep-alive connections in the closed loop', int('--connections', 1, 1024), 16)
    .option('--seconds <n>', 'seconds per route and mode', int('--seconds', 1, 600), 5)
    .option('--rate <n>', 'requests/s of the fixed-rate run', int('--rate', 1, 100_000), 500)
    .option('--rounds <n>', 'closed-loop rounds: after a short warm-up the routes run n times in turn, and each ratio to bare Fastify is the median of the rounds\' ratios (steadier on a shared machine)', int('--rounds', 1, 100), 1)
    .option('--closed-loop-only', 'only the closed loop (no fixed-rate run, no schedule load)')
    .option('--json', 'as JSON')
    .action(async (o: { models?: string; connections: number; seconds: number; rate: number; rounds: number; closedLoopOnly?: boolean; json?: boolean }) => {
      const { benchServer, formatServerBench } = await import('../../bench/server.ts');
      const r = await benchServer({ modelsRoot: o.models ? resolve(o.models) : undefined, connections: o.connections, seconds: o.seconds, rate: o.rate, rounds: o.rounds, closedLoopOnly: !!o.closedLoopOnly, onStage: (st) => process.stderr.write(`${st}...\n`) });
      out(!!o.json, r, formatServerBench(r));
    });
  bench
    .command('failclosed')
    .description('Fail-closed figures: replays, against a running server (with a fake Prometheus), the cases where a gate could say go on missing, partial, non-finite or impossible evidence, then fuzzes every decision route with seeded mutations of valid bodies; counts fail-open answers, 5xx and 4xx without a named field (docs/benchmarks.md).')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--seed <n>', 'seed of the fuzz stage', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--fuzz <n>', 'fuzz requests (0: no fuzz stage)', int('--fuzz', 0, 10_000_000), 2000)
    .option('--seconds <n>', 'seconds of load on the heavy route while the verdict latency is measured', int('--seconds', 1, 600), 5)
    .option('--events <n>', 'Flagger events of about 1 MB each sent before the event listing is read', int('--events', 1, 10_000), 100)
    .option('--no-processes', 'skip the cases that start rolloutlab serve as a child process (shutdown, port in use, locked feedback file, open writes)')
    .option('--json', 'as JSON: {references, cases: [{group, name, kind, expected, got, status}], totals, fuzz: {requests, fiveXX, failOpen, fourXXWithoutField, byRoute, examples}}')
    .action(async (o: { models?: string; seed: number; fuzz: number; seconds: number; events: number; processes: boolean; json?: boolean }) => {
      const { benchFailClosed, formatFailClosed } = await import('../../bench/fail-closed.ts');
      const r = await benchFailClosed({ modelsRoot: o.models ? resolve(o.models) : undefined, seed: o.seed, fuzz: o.fuzz, loadSeconds: o.seconds, events: o.events, processes: o.processes, onStage: (st) => process.stderr.write(`${st}...\n`) });
      out(!!o.json, r, formatFailClosed(r));
    });
  bench
    .command('sim')
    .description('Simulator speed: service-minutes/s and deployments/s for default and large, beside NumPy.')
    .option('--json', 'as JSON')
    .option('--quick', 'a 30-day headline run instead of a year')
    .option('--repeat <n>', 'every case n times, in n rounds: the fastest run and the median are reported', int('--repeat', 1, 100))
    .option('--threads <n>', 'threads of the threaded headline variants (default: one per core; 1 leaves them out)', int('--threads', 1, 64))
    .action(async (o: { json?: boolean; quick?: boolean; repeat?: number; threads?: number }) => {
      const { main } = (await import('../../bench/sim.ts')) as { main: (argv: string[]) => Promise<void> };
      await main([
        ...(o.json ? ['--json'] : []),
        ...(o.quick ? ['--quick'] : []),
        ...(o.repeat !== undefined ? ['--repeat', String(o.repeat)] : []),
        ...(o.threads !== undefined ? ['--threads', String(o.threads)] : []),
      ]);
    });
  bench
    .command('nab')
    .description('Streaming anomaly detector on the Numenta Anomaly Benchmark: NAB scores (standard, low-FP, low-FN), window precision/recall and lead time, beside the published scoreboard.')
    .option('--data <dir>', 'NAB folder (data/<category>/<file>.csv, labels/combined_windows.json)', 'datasets/real/nab')
    .addOption(new Option('--detector <name>', 'detector').choices(DETECTOR_NAMES).default('contextual'))
    .addOption(new Option('--files <selection>', 'all files, or the even / odd positions of the sorted file paths: the tuning / held-out halves of docs/anomaly.md').choices(['all', 'even', 'odd']).default('all'))
    .addOption(new Option('--faithful <reference>', "instead: compare --detector row by row with an original detector's published scores in <data>/reference/<reference>/ (per file the largest difference; NAB scores of both)").choices(['contextOSE', 'ARTime']))
    .option('--json', 'as JSON: {detector, files, windows, scores: {standard, reward_low_FP_rate, reward_low_FN_rate}, windowPrecision, windowRecall, medianLeadTimeRows, ...}; with --faithful: {detector, reference, maxAbsDiff, scores, referenceScores, perFile: [{key, maxAbsDiff, rowsDifferent, ...}], ...}')
    .action(async (o: { data: string; detector: string; files: string; faithful?: string; json?: boolean }) => {
      const { benchNab, formatNab, benchFaithful, formatFaithful } = await import('../../bench/nab.ts');
      const files = o.files as 'all' | 'even' | 'odd';
      if (o.faithful) {
        const r = await benchFaithful(o.data, { detector: o.detector, reference: o.faithful, progress: true, files });
        out(!!o.json, r, formatFaithful(r));
        return;
      }
      const r = await benchNab(o.data, { detector: o.detector, progress: true, files });
      out(!!o.json, r, formatNab(r));
    });
  bench
    .command('detector')
    .description('Anomaly-detector throughput: update() points/s of the default detector beside the windowed-Gaussian peer (or --detectors), same run, same series.')
    .option('--points <n>', 'points per detector', int('--points', 1000, 100_000_000), 1_000_000)
    .option('--detectors <list>', 'detectors to time, comma-separated (default: contextual,windowed-gaussian)')
    .option('--json', 'as JSON: {points, detectors: [{detector, pointsPerSecond, nsPerPoint}]}')
    .action(async (o: { points: number; detectors?: string; json?: boolean }) => {
      const { benchDetectorThroughput, formatThroughput } = await import('../../bench/nab.ts');
      const r = flagValue(() => benchDetectorThroughput(o.points, o.detectors?.split(',').map((x) => x.trim()).filter(Boolean)));
      out(!!o.json, r, formatThroughput(r));
    });
}
