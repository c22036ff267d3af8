// The main job's self-healing stage: simulate CI/CD failure worlds, train the retry family on them (whole worlds fit,
// validate and are held out), replay a world nobody trained or tuned on under every retry policy, and score the
// learned policy on the held-out real-style CI messages (test/fixtures/ci-messages/, never trained or tuned on).
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { terminalProgress } from '../lib/progress.ts';
import { ModelRegistry } from '../training/registry.ts';
import { loadRetrySync } from '../training/load.ts';
import { trainRetry, type RetryTrainResult } from '../training/retry/family.ts';
import { checkTargets, formatTargetTable, type TargetResult } from '../training/targets.ts';
import { parseFailedStep } from '../datasets/failed-step.ts';
import { parseJsonLines } from '../datasets/jsonl.ts';
import { RETRY_BASELINES, mlRetryPolicy } from '../policies/retry/index.ts';
import { scoreRetryPolicy, type RetryScore } from '../backtest/retry-replay.ts';
import { benchRetry, formatRetryBench, type RetryBench } from '../bench/retry.ts';
import { runInWorkers } from './main-job-workers.ts';

/** The worlds the main job's retry model learns from: seeds 1-7 fit, 8-10 validate, 11 is held out (the card's metrics). */
export const RETRY_TRAINING = { scenario: 'default', seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] } as const;
/** The world replayed under every policy: a seed none of the above, and never looked at while the family was built (bench retry's default). */
export const RETRY_BENCH_SEED = 1000;
/** The held-out real-style CI error messages. */
export const REAL_MESSAGES = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'ci-messages', 'messages.jsonl');

export interface HealingReport {
  train: RetryTrainResult;
  bench: RetryBench;
  realMessages: { file: string; steps: number; policies: Record<string, RetryScore> };
  targets: (TargetResult & { family: string; scenario?: string })[];
  seconds: number;
}

/** The held-out messages as labelled failed steps. */
export function readRealMessages(file = REAL_MESSAGES) {
  return parseJsonLines(readFileSync(file, 'utf8'), file, (x, where) => {
    const r = x as { step: string; exitCode: number; log: string; retry: boolean; category: string };
    return { step: parseFailedStep({ step: r.step, exitCode: r.exitCode, log: r.log }, where), retrySucceeds: r.retry, category: r.category };
  });
}

export async function runHealing(o: { trainOut: string; models?: string; quiet?: boolean }): Promise<HealingReport> {
  const t0 = performance.now();
  const say = (m: string) => {
    if (!o.quiet) process.stderr.write(m);
  };
  say(`self-healing pipelines: simulating the CI worlds of ${RETRY_TRAINING.scenario} seeds ${RETRY_TRAINING.seeds[0]}-${RETRY_TRAINING.seeds[RETRY_TRAINING.seeds.length - 1]}...\n`);
  // Each CI world is its own seeded world: simulated side by side, one worker thread per core (at most 2).
  const dirs = RETRY_TRAINING.seeds.map((seed) => resolve(o.trainOut, `${RETRY_TRAINING.scenario}-seed-${seed}`));
  const sim = o.quiet ? null : terminalProgress();
  await runInWorkers(
    RETRY_TRAINING.seeds.map((seed, i) => ({ kind: 'pipelines' as const, scenario: RETRY_TRAINING.scenario, seed, dir: dirs[i] })),
    { modelsRoot: null, units: () => 1, onProgress: (d, n) => sim?.update('simulate CI worlds', d, n) },
  );
  sim?.done();
  const registry = new ModelRegistry(o.models ? { root: resolve(o.models) } : {});
  const progress = o.quiet ? null : terminalProgress();
  const train = await trainRetry(dirs, { registry, onProgress: (s, d, n) => progress?.update(s, d, n) });
  progress?.done();
  say(`replaying ${RETRY_TRAINING.scenario} seed ${RETRY_BENCH_SEED} under every retry policy...\n`);
  const bench = benchRetry({ scenario: RETRY_TRAINING.scenario, seed: RETRY_BENCH_SEED, models: o.models, progress: !o.quiet });
  const champion = loadRetrySync(resolve(o.models ?? registry.root));
  const labelled = readRealMessages();
  const policies: Record<string, RetryScore> = {};
  for (const p of [...RETRY_BASELINES, ...(champion ? [mlRetryPolicy(champion.model, champion.version)] : [])]) policies[p.name] = scoreRetryPolicy(p, labelled);
  const ml = bench.policies.ml;
  const real = policies.ml;
  const targets = checkTargets('retry', {
    ...(ml.transientRecoveredRate === null ? {} : { transientRecoveryRate: ml.transientRecoveredRate }),
    ...(ml.wastedRetryRate === null ? {} : { wastedRetryRate: ml.wastedRetryRate }),
    ...(real?.retryPrecision == null ? {} : { realMessagesPrecision: real.retryPrecision }),
    ...(real?.retryRecall == null ? {} : { realMessagesRecall: real.retryRecall }),
  }).map((t) => ({ ...t, family: 'retry' }));
  return { train, bench, realMessages: { file: 'test/fixtures/ci-messages/messages.jsonl', steps: labelled.length, policies }, targets, seconds: (performance.now() - t0) / 1000 };
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

export function formatHealing(r: HealingReport): string {
  const t = r.train;
  const waits = Object.entries(t.waits).filter(([, s]) => s > 0).map(([k, s]) => `${k} ${s} s`).join(', ');
  return [
    `Self-healing pipelines (CI worlds of ${RETRY_TRAINING.scenario}, seeds ${RETRY_TRAINING.seeds[0]}-${RETRY_TRAINING.seeds[RETRY_TRAINING.seeds.length - 1]}: ${r.train.split})`,
    `  retry ${t.version} (${t.promotion.promoted ? 'champion' : 'kept ' + t.promotion.champion}; ${t.seconds.toFixed(1)} s, ${t.rows.train.toLocaleString('en-US')} failed steps): retry while P(a retry succeeds) >= ${t.threshold.toFixed(3)}; learned first waits: ${waits || 'none'}`,
    `  held-out world: transient recovered ${pct(t.heldOut.transientRecoveryRate)}, wasted retries ${pct(t.heldOut.wastedRetryRate)}, retry precision ${pct(t.heldOut.retryPrecision)}, recall ${pct(t.heldOut.retryRecall)}`,
    '',
    formatRetryBench(r.bench)
      .split('\n')
      .map((l) => (l ? '  ' + l : l))
      .join('\n'),
    '',
    `  held-out real-style CI messages (${r.realMessages.steps}, ${r.realMessages.file}; never trained or tuned on): retry precision / recall`,
    ...Object.values(r.realMessages.policies).map((s) => `    ${s.policy.padEnd(12)} ${pct(s.retryPrecision).padStart(8)} ${pct(s.retryRecall).padStart(8)}`),
    '',
    formatTargetTable(r.targets),
    '',
    `  ${r.seconds.toFixed(1)} s`,
  ].join('\n');
}

