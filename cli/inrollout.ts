// The main job's in-rollout models stage: record training rollouts (seeds the evaluation never uses), train the
// canary judge and the predictive-rollback model, score the judge against the Kayenta-style judge on held-out
// windows, and backtest the learned `ml` policy beside every baseline on three scenarios.
import { resolve } from 'node:path';
import { loadScenario } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { runInWorkers } from './main-job-workers.ts';
import type { JudgeTaskResult, RollbackTaskResult } from './main-job-worker.ts';
import { codeVersion } from '../lib/version.ts';
import { terminalProgress } from '../lib/progress.ts';
import { scenarioDigest } from '../sim/load-scenario.ts';
import { backtestParallel, defaultThreads } from '../backtest/parallel.ts';
import { resolvePolicies, BASELINE_POLICIES } from '../policies/index.ts';
import { resultsTable, summaryTable } from '../backtest/report.ts';
import { windowsTable } from '../judges/labelled-windows.ts';
import type { BacktestReport } from '../backtest/run.ts';
import { ModelRegistry } from '../training/registry.ts';
import type { RollbackTrainResult } from '../training/predictive-rollback/family.ts';
import { loadRiskSync, loadRolloutChampionsSync } from '../training/load.ts';
import { loadJudge, type JudgeTrainResult } from '../training/judge/family.ts';
import { evaluateJudgeOn, formatJudgeEvaluation, type JudgeEvaluation } from '../training/judge/evaluate.ts';
import { judgeWindowsFrom } from '../training/judge/data.ts';

/** Ensemble members of the judge the main job trains (the registered default is 3; one keeps npm start short). */
export const MAIN_JUDGE_MEMBERS = 1;
import { checkTargets, formatTargetTable, type TargetResult } from '../training/targets.ts';

/** Training rollouts: default scenario, seeds the backtests below never use (they use seed 1). */
export const ROLLOUT_TRAINING = {
  sets: [
    { scenario: 'default', seed: 11 },
    { scenario: 'default', seed: 12 },
    { scenario: 'default', seed: 13 },
    { scenario: 'default', seed: 14 },
    { scenario: 'low-traffic', seed: 11 },
    { scenario: 'low-traffic', seed: 12 },
    { scenario: 'black-friday', seed: 11 },
    { scenario: 'black-friday', seed: 12 },
  ],
  deployments: 750,
} as const;
/** The backtests that report `ml` beside the baselines (the three built-in scenarios of the comparison), seed 1. */
export const ROLLOUT_EVALUATION = { scenarios: ['default', 'low-traffic', 'black-friday'], seed: 1, deployments: 2000 } as const;

export interface InRolloutOptions {
  /** Folder for the training rollouts (one data set per seed). */
  trainOut: string;
  /** Where the backtest data set of each scenario goes. */
  backtestDir: (scenario: string) => string;
  /** Called after each backtest (to print its table as it lands). */
  onBacktest?: (b: InRolloutReport['backtests'][number]) => void;
  models?: string;
  quiet?: boolean;
  deployments?: number;
}

export interface InRolloutReport {
  trainingData: { dirs: string[]; sets: { scenario: string; seed: number }[]; deploymentsPerSet: number };
  rollback: Pick<RollbackTrainResult, 'version' | 'thresholds' | 'validation' | 'test' | 'promotion' | 'backend' | 'seconds'>;
  backtests: { scenario: string; dir: string; report: BacktestReport; seconds: number; windows: number }[];
  judge: Pick<JudgeTrainResult, 'version' | 'promotion' | 'backend' | 'decision' | 'rows'> & { seconds: number; evaluations: { scenario: string; evaluation: JudgeEvaluation }[] };
  targets: (TargetResult & { family: string; scenario?: string })[];
  seconds: number;
}

export async function runInRollout(o: InRolloutOptions): Promise<InRolloutReport> {
  const t0 = performance.now();
  const say = (m: string) => {
    if (!o.quiet) process.stderr.write(m);
  };
  const progress = terminalProgress();
  const registry = new ModelRegistry(o.models ? { root: resolve(o.models) } : {});
  const risk = loadRiskSync(registry.root)?.model ?? null;
  // The training sets are independent seeded worlds: recorded side by side, one worker thread per core (at most 2).
  const dirs = ROLLOUT_TRAINING.sets.map(({ scenario: name, seed }) => resolve(o.trainOut, `${name}-seed-${seed}`));
  say(`recording training rollouts (${ROLLOUT_TRAINING.sets.map((s) => `"${s.scenario}" seed ${s.seed}`).join(', ')}; ${ROLLOUT_TRAINING.deployments} deployments each)...\n`);
  await runInWorkers(
    ROLLOUT_TRAINING.sets.map(({ scenario, seed }, i) => ({ kind: 'rollouts' as const, scenario, seed, deployments: ROLLOUT_TRAINING.deployments, dir: dirs[i] })),
    { modelsRoot: registry.root, units: () => ROLLOUT_TRAINING.deployments, onProgress: (d, n) => progress.update('training rollouts', d, n) },
  );
  progress.done();
  // The two models read the same recorded rollouts and nothing of each other, each writes its own family: trained side
  // by side on two worker threads (each is single-threaded on the wasm backend), the same models as one after another.
  const recorded = (ROLLOUT_TRAINING.sets.length * ROLLOUT_TRAINING.deployments).toLocaleString('en-US');
  say(`training the canary judge and the predictive-rollback model side by side on ${recorded} recorded rollouts (windows and trajectories)...\n`);
  // One progress line for both: each one's epochs so far, and the bar at their mean.
  const names = ['judge', 'rollback'];
  const shown = [...names];
  const fractions = [0, 0];
  const [judgeResult, rollbackResult] = await runInWorkers([{ kind: 'judge', dirs, members: MAIN_JUDGE_MEMBERS, root: registry.root }, { kind: 'rollback', dirs, root: registry.root }], {
    modelsRoot: null,
    units: () => 0,
    onProgress: () => {},
    onStatus: (task, _stage, d, k) => {
      shown[task] = `${names[task]} ${d}/${k}`;
      fractions[task] = k > 0 ? d / k : 0;
      progress.update(`${shown[0]} · ${shown[1]}`, Math.round(50 * (fractions[0] + fractions[1])), 100);
    },
  });
  const jt = judgeResult as JudgeTaskResult;
  const rb = rollbackResult as RollbackTaskResult;
  progress.done();
  const judge = await loadJudge(registry);
  const targets: InRolloutReport['targets'] = [];
  const backtests: InRolloutReport['backtests'] = [];
  const judgeEvaluations: InRolloutReport['judge']['evaluations'] = [];
  const n = o.deployments ?? ROLLOUT_EVALUATION.deployments;
  for (const name of ROLLOUT_EVALUATION.scenarios) {
    say(`backtesting ml beside ${BASELINE_POLICIES.join(', ')} on ${n.toLocaleString('en-US')} deployments of "${name}" (seed ${ROLLOUT_EVALUATION.seed})...\n`);
    const sc = loadScenario(name);
    const b0 = performance.now();
    const policies = resolvePolicies([...BASELINE_POLICIES, 'ml'], { models: () => loadRolloutChampionsSync(registry.root) });
    const run = await backtestParallel({ scenario: sc, scenarioName: name, seed: ROLLOUT_EVALUATION.seed, deployments: n, policies, windowMinutes: 5, threads: defaultThreads(n), modelsRoot: registry.root, onProgress: (_s, d, k) => progress.update(`backtest ${name}`, d, k) });
    progress.done();
    const dir = o.backtestDir(name);
    await writeDataset({
      outDir: dir,
      tables: [resultsTable(run.results), summaryTable(run.report), windowsTable(run.windows)],
      force: true,
      manifest: { kind: 'backtest', scenario: sc.name, seed: ROLLOUT_EVALUATION.seed, codeVersion: codeVersion(), extra: { report: run.report, windowMinutes: 5, scenarioDigest: scenarioDigest(sc), scenarioConfig: sc } },
    });
    // The judge on this scenario's held-out windows, beside the Kayenta-style judge on the very same windows.
    const je = evaluateJudgeOn(judge, [{ windows: judgeWindowsFrom(run.windows, `${name} seed ${ROLLOUT_EVALUATION.seed}`), part: 'all windows' }]);
    for (const t of je.targets) targets.push({ ...t, family: 'judge', scenario: name });
    judgeEvaluations.push({ scenario: name, evaluation: je });
    backtests.push({ scenario: name, dir, report: run.report, seconds: (performance.now() - b0) / 1000, windows: run.windows.length });
    o.onBacktest?.(backtests[backtests.length - 1]);
    const ml = run.report.policies.ml;
    const bestBaseline = Math.min(...BASELINE_POLICIES.filter((p) => p !== 'oracle').map((p) => run.report.policies[p].blastRadius));
    const blast = bestBaseline > 0 ? ml.blastRadius / bestBaseline : ml.blastRadius === 0 ? 0 : Infinity;
    for (const t of checkTargets('rollback', { preventionRate: ml.preventionRate, medianLeadTimeMin: ml.medianLeadTimeMin, falseRollbackRate: ml.falseRollbackRate, blastRadiusOverBestBaseline: blast })) targets.push({ ...t, family: 'rollback', scenario: name });
    for (const t of checkTargets('detection', { severeDetectedInOneTick: ml.severeDetectedWithinOneTick, timeToRecoverMin: ml.medianTimeToRecoverS === null ? null : ml.medianTimeToRecoverS / 60 })) targets.push({ ...t, family: 'detection', scenario: name });
  }
  return {
    trainingData: { dirs, sets: ROLLOUT_TRAINING.sets.map((x) => ({ ...x })), deploymentsPerSet: ROLLOUT_TRAINING.deployments },
    rollback: { version: rb.version, thresholds: rb.thresholds, validation: rb.validation, test: rb.test, promotion: rb.promotion, backend: rb.backend, seconds: rb.seconds },
    backtests,
    judge: { version: jt.version, promotion: jt.promotion, backend: jt.backend, decision: jt.decision, rows: jt.rows, seconds: jt.seconds.total, evaluations: judgeEvaluations },
    targets,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** When the judge abstains: never a pass below the request floor; inconclusive near the threshold on low traffic, if it has a band. */
export function judgeAbstention(d: InRolloutReport['judge']['decision']): string {
  const floor = `below ${d.minRequests} canary requests never pass (fail at the threshold, else inconclusive)`;
  return d.band > 0 ? `${floor}; below ${d.lowTrafficRequests} requests inconclusive within ${+d.band.toFixed(3)} of the threshold` : `${floor}; no uncertain band on low traffic (validation chose none)`;
}

/** The in-rollout stage's summary: models trained, and every measure against its target. */
export function formatInRollout(r: InRolloutReport): string {
  const lines = [
    'In-rollout models (training rollouts: ' + r.trainingData.sets.map((s) => `${s.scenario} seed ${s.seed}`).join(', ') + `, ${r.trainingData.deploymentsPerSet.toLocaleString('en-US')} deployments each; backtests use seed ${ROLLOUT_EVALUATION.seed})`,
    `  judge ${r.judge.version} (${r.judge.promotion.promoted ? 'champion' : 'kept ' + r.judge.promotion.champion}; backend ${r.judge.backend}, ${r.judge.seconds.toFixed(1)} s, ${MAIN_JUDGE_MEMBERS} ensemble member(s)): fail at P(fail) >= ${r.judge.decision.failThreshold.toFixed(2)}; ${judgeAbstention(r.judge.decision)}`,
    `  rollback ${r.rollback.version} (${r.rollback.promotion.promoted ? 'champion' : 'kept ' + r.rollback.promotion.champion}; backend ${r.rollback.backend}, ${r.rollback.seconds.toFixed(1)} s): roll back at P(material fault) >= ${r.rollback.thresholds.fault} or P(breach ahead) >= ${r.rollback.thresholds.breach}, or at once on overwhelming last-minute evidence (p <= ${Math.exp(r.rollback.thresholds.overwhelmingLogP).toExponential(0)})${r.rollback.thresholds.kpiShortfallZ === undefined ? '' : `, or on a conversion shortfall since the start (z <= -${r.rollback.thresholds.kpiShortfallZ})`}; hold while P(fault) >= ${r.rollback.thresholds.hold}`,
  ];
  // The judge's targets are rows of the table below; its slices come first, without repeating them.
  for (const j of r.judge.evaluations) lines.push('', formatJudgeEvaluation({ ...j.evaluation, targets: [] }, `  canary judge on ${j.scenario} seed ${ROLLOUT_EVALUATION.seed} (held out; inconclusive counts as wrong)`).trimEnd());
  lines.push('', formatTargetTable(r.targets), '', `  ${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
