// Self-healing pipelines, side by side: every failure episode of a simulated CI/CD world (sim/ci/) replayed under each
// retry policy — `never`, `always-2` (retry: 2), `exit-status` (Buildkite-style exit statuses), `reasons` (GitLab
// retry:when reasons + hand-written log patterns) and `ml` — with the world's truth answering every retry
// (backtest/retry-bench.ts).
//
//   npx rolloutlab bench retry [--scenario default] [--seed 4] [--models <dir>] [--json]
//
// `ml` is the registry's retry champion when there is one (a warning when its card says it trained on this very
// world); without one, a model trained here on three other seeds of the same scenario (two fit, one validation), so
// the world measured is never one it learned or was tuned on.
import { resolve } from 'node:path';
import { loadScenario } from '../sim/index.ts';
import { simulateCiFailures } from '../sim/ci/index.ts';
import { terminalProgress } from '../lib/progress.ts';
import { defaultModelsRoot, readVersionSync } from '../training/registry.ts';
import { loadRetrySync, RETRY_FAMILY } from '../training/load.ts';
import { trainRetryOnWorlds } from '../training/retry/train.ts';
import { RETRY_BASELINES, mlRetryPolicy } from '../policies/retry/index.ts';
import { replayRetryPolicy, RETRY_REPLAY_DEFAULTS, type RetryBenchMeasures } from '../backtest/retry-bench.ts';

export interface RetryBench {
  scenario: string;
  seed: number;
  /** The `ml` model: the registry's champion, or trained here on other seeds. */
  model: { source: 'registry' | 'trained here'; version: string; trainedOn: string; threshold: number; warning: string | null };
  world: { days: number; pipelines: number; failedAttempts: number; episodes: number };
  caps: { maxRetries: number; maxAddedMinutes: number };
  policies: Record<string, RetryBenchMeasures>;
  seconds: number;
}

export function benchRetry(o: { scenario: string; seed: number; models?: string; progress?: boolean }): RetryBench {
  const t0 = performance.now();
  const progress = o.progress ? terminalProgress() : null;
  const sc = loadScenario(o.scenario);
  progress?.update('simulate the CI world', 0, 1);
  const world = simulateCiFailures(sc, o.seed);
  const root = resolve(o.models ?? defaultModelsRoot());
  const champion = loadRetrySync(root);
  let model: RetryBench['model'];
  let ml;
  if (champion) {
    const card = readVersionSync(root, RETRY_FAMILY, champion.version).card;
    const sets = ((card.hyperParameters as { datasets?: { scenario: string | null; seed: number | null; path: string }[] }).datasets ?? []);
    const same = sets.find((d) => d.scenario === sc.name && d.seed === o.seed);
    model = { source: 'registry', version: champion.version, trainedOn: sets.map((d) => `${d.scenario} seed ${d.seed}`).join(', ') || card.dataset.path || '?', threshold: champion.model.threshold, warning: same ? `the champion trained on ${same.path} (${sc.name} seed ${o.seed}): this world is not unseen; pick another --seed` : null };
    ml = mlRetryPolicy(champion.model, champion.version);
  } else {
    const seeds = [o.seed + 1, o.seed + 2, o.seed + 3];
    progress?.update('train a retry model on other seeds', 0, 1);
    const [a, b, c] = seeds.map((s) => simulateCiFailures(sc, s));
    const t = trainRetryOnWorlds([a, b], c);
    model = { source: 'trained here', version: 'bench', trainedOn: `${sc.name} seeds ${seeds[0]}, ${seeds[1]} (fit), ${seeds[2]} (validation)`, threshold: t.threshold, warning: null };
    ml = mlRetryPolicy(t.model, 'bench');
  }
  const policies: Record<string, RetryBenchMeasures> = {};
  const all = [...RETRY_BASELINES, ml];
  all.forEach((p, i) => {
    progress?.update('replay the failures', i, all.length);
    policies[p.name] = replayRetryPolicy(p, world.failures).measures;
  });
  progress?.done();
  const episodes = policies.never.episodes;
  return { scenario: sc.name, seed: o.seed, model, world: { days: world.days, pipelines: world.pipelines, failedAttempts: world.failures.length, episodes }, caps: { ...RETRY_REPLAY_DEFAULTS }, policies, seconds: (performance.now() - t0) / 1000 };
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

export function formatRetryBench(r: RetryBench): string {
  const rows = Object.entries(r.policies).map(([name, m]) =>
    [name.padEnd(12), pct(m.transientRecoveredRate).padStart(9), pct(m.wastedRetryRate).padStart(9), pct(m.retryPrecision).padStart(9), pct(m.retryRecall).padStart(9), m.addedMinutes.toFixed(0).padStart(9), `${m.pipelinesRecovered}/${m.pipelinesFailed}`.padStart(11), String(m.flakyRecorded).padStart(6)].join(' '),
  );
  return [
    `retry policies on ${r.scenario} seed ${r.seed}: ${r.world.episodes.toLocaleString('en-US')} failure episodes (${r.world.failedAttempts.toLocaleString('en-US')} failed attempts, ${r.world.pipelines.toLocaleString('en-US')} pipelines, ${r.world.days} days); at most ${r.caps.maxRetries} retries and ${r.caps.maxAddedMinutes} added minutes per failure`,
    `ml: ${r.model.source === 'registry' ? `champion ${r.model.version}` : 'trained here'} on ${r.model.trainedOn}, threshold ${r.model.threshold.toFixed(3)}`,
    ...(r.model.warning ? [`warning: ${r.model.warning}`] : []),
    '',
    'policy       recovered    wasted precision    recall  added min  pipelines  flaky',
    ...rows,
    '',
    'recovered: transient failures a retry fixed / transient failures (target >= 95 %); wasted: retries on persistent failures / persistent failures (target <= 5 %);',
    'precision: retried failures a retry fixed / retried failures; recall: transient failures retried / transient failures; pipelines: failed pipelines whose every failed step was recovered;',
    'flaky: test failures that passed on a retry, recorded as flaky (never as healthy).',
    `${r.seconds.toFixed(1)} s`,
  ].join('\n');
}
