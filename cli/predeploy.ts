// The main job's pre-deploy models stage: simulate a long training world, train and register the risk model,
// evaluate the window recommender on a world it never saw and the traffic forecaster on held-out tails, and
// report every measure against its target (training/targets.json).
import { dirname, resolve } from 'node:path';
import { loadScenario, parseScenario, simulateWorld } from '../sim/index.ts';
import { runInWorkers } from './main-job-workers.ts';
import { terminalProgress } from '../lib/progress.ts';
import { ModelRegistry } from '../training/registry.ts';
import { trainRisk, loadRisk, type RiskTrainResult } from '../training/risk/family.ts';
import { evaluateWindows, forecastersFittedUntil, trueCost, type WindowEvaluation } from '../training/deploy-window/evaluate.ts';
import { evaluateSchedules, type ScheduleEvaluation } from '../training/deploy-window/schedule.ts';
import { forecastReport } from '../bench/forecast.ts';
import { checkTargets, formatTargetTable, type TargetResult } from '../training/targets.ts';

export interface PreDeployOptions {
  /** Folder for the training data sets (one sub-folder per world: seed-<n>). */
  trainOut: string;
  /** Model registry root (default: the registry's default, ./models). */
  models?: string;
  quiet?: boolean;
}

export interface PreDeployReport {
  trainingData: { dirs: string[]; scenario: string; seeds: number[]; days: number; deployments: number };
  risk: Pick<RiskTrainResult, 'version' | 'evaluation' | 'promotion' | 'backend' | 'seconds'>;
  windows: WindowEvaluation & { world: { scenario: string; seed: number; days: number } };
  schedule: ScheduleEvaluation;
  forecast: { simulatedMedianMase: number; simulatedMedianNaiveMase: number; nycTaxiMase: number | null; nycTaxiNaiveMase: number | null };
  targets: (TargetResult & { family: string })[];
  seconds: number;
}

import { TRAIN_WORLD, WINDOW_WORLD } from './main-job-settings.ts';

export async function runPreDeploy(o: PreDeployOptions): Promise<PreDeployReport> {
  const t0 = performance.now();
  const say = (m: string) => {
    if (!o.quiet) process.stderr.write(m);
  };
  const progress = terminalProgress();
  const base = loadScenario(TRAIN_WORLD.scenario);
  const s = parseScenario({ ...base, days: TRAIN_WORLD.days, dataset: { ...base.dataset, trafficResolutionMinutes: TRAIN_WORLD.trafficResolutionMinutes } }, 'risk training world');
  // The training worlds are independent seeded worlds: simulated side by side, one worker thread per core (at most 2).
  const dirs = TRAIN_WORLD.seeds.map((seed) => resolve(o.trainOut, `seed-${seed}`));
  say(`simulating the risk model's training worlds ("${TRAIN_WORLD.scenario}", seeds ${TRAIN_WORLD.seeds.join(', ')}, ${TRAIN_WORLD.days} days each)...\n`);
  const counts = (await runInWorkers(
    TRAIN_WORLD.seeds.map((seed, i) => ({ kind: 'world' as const, scenario: s, seed, dir: dirs[i] })),
    { modelsRoot: null, units: () => 1, onProgress: (d, n) => progress.update('training worlds', d, n) },
  )) as number[];
  progress.done();
  const deployments = counts.reduce((a, b) => a + b, 0);
  say(`training the change-risk model on ${deployments.toLocaleString('en-US')} deployments...\n`);
  const registry = new ModelRegistry(o.models ? { root: resolve(o.models) } : {});
  const risk = await trainRisk(dirs, { registry, onEpoch: (e) => progress.update('train risk (epochs)', e + 1, 600) });
  progress.done();
  say(`evaluating deployment-window recommendation ("${WINDOW_WORLD.scenario}", seed ${WINDOW_WORLD.seed}, ${WINDOW_WORLD.days} days, never trained on)...\n`);
  const { model } = await loadRisk(registry);
  const wworld = simulateWorld(parseScenario({ ...loadScenario(WINDOW_WORLD.scenario), days: WINDOW_WORLD.days }, 'window evaluation world'), WINDOW_WORLD.seed, undefined, { observations: false });
  // One forecaster per service of the evaluated world, fitted before its evaluated changes, for windows and schedules.
  const forecasterOf = forecastersFittedUntil(wworld, WINDOW_WORLD.fitDays * 1440);
  const windows = evaluateWindows(wworld, model, { fitDays: WINDOW_WORLD.fitDays, forecasterOf, onProgress: (d, n) => progress.update('windows', d, n) });
  progress.done();
  say('scheduling each day’s changes across coupled services...\n');
  const schedule = evaluateSchedules(wworld, model, forecasterOf, (i, t) => trueCost(wworld, i, t), { fitDays: WINDOW_WORLD.fitDays });
  say('evaluating the traffic forecaster on held-out tails (simulated traffic, NAB nyc_taxi)...\n');
  const fr = forecastReport();
  const forecast = {
    simulatedMedianMase: fr.simulated.medianMase,
    simulatedMedianNaiveMase: fr.simulated.medianNaiveMase,
    nycTaxiMase: fr.nycTaxi?.mase ?? null,
    nycTaxiNaiveMase: fr.nycTaxi?.naiveMase ?? null,
  };
  const targets = [
    ...risk.targets.map((t) => ({ ...t, family: 'risk' })),
    ...checkTargets('timing', { regret: windows.meanRegret, costCut: windows.costCut }).map((t) => ({ ...t, family: 'timing' })),
    ...checkTargets('schedule', { orderViolations: schedule.scheduleViolations }).map((t) => ({ ...t, family: 'schedule' })),
    ...checkTargets('forecast', { mase: Math.max(forecast.simulatedMedianMase, forecast.nycTaxiMase ?? 0) }).map((t) => ({ ...t, family: 'forecast' })),
  ];
  return {
    trainingData: { dirs, scenario: s.name, seeds: [...TRAIN_WORLD.seeds], days: s.days, deployments },
    risk: { version: risk.version, evaluation: risk.evaluation, promotion: risk.promotion, backend: risk.backend, seconds: risk.seconds },
    windows: { ...windows, world: { scenario: WINDOW_WORLD.scenario, seed: WINDOW_WORLD.seed, days: WINDOW_WORLD.days } },
    schedule,
    forecast,
    targets,
    seconds: (performance.now() - t0) / 1000,
  };
}

export function formatPreDeploy(r: PreDeployReport): string {
  const f = (x: number | null, d = 4) => (x === null ? '—' : x.toFixed(d));
  const e = r.risk.evaluation;
  const lines = [
    `pre-deploy models  risk ${r.risk.version} (backend ${r.risk.backend}; ${r.risk.promotion.promoted ? 'champion' : `champion stays ${r.risk.promotion.champion}`}), trained on ${r.trainingData.deployments.toLocaleString('en-US')} deployments of ${r.trainingData.scenario} seeds ${r.trainingData.seeds.join(', ')} (${r.trainingData.days} days each), held out by time: each world's newest 20 %`,
    '',
    formatTargetTable(r.targets, {
      references: {
        'risk.ece': { label: "the oracle's own ECE on the same rows (what sampling noise alone gives)", value: e.oracle?.ece ?? null },
        'timing.costCut': { label: "the oracle's cost cut, the ceiling: no start time cuts more", value: r.windows.oracleCostCut },
      },
    }),
    '',
    `  risk, held out: AUC ${f(e.model.rocAuc)} (oracle ${f(e.oracle?.rocAuc ?? null)}, logistic ${f(e.logistic.rocAuc)}, LApredict ${f(e.lapredict?.rocAuc ?? null)}); PR AUC ${f(e.model.prAuc)}; Brier ${f(e.model.brier)}; ECE ${f(e.model.ece)}`,
    `  timing: ${r.windows.changes} changes of ${r.windows.world.scenario} seed ${r.windows.world.seed}; mean regret ${f(r.windows.meanRegret, 3)} (median ${f(r.windows.medianRegret, 3)}); cost cut ${f(r.windows.costCut, 3)} vs the oracle's ${f(r.windows.oracleCostCut, 3)} (the ceiling); recommended starts in a freeze: ${r.windows.frozenRecommended}`,
    `  schedule: ${r.schedule.changes} changes in ${r.schedule.batches} daily batches (${r.schedule.constrainedChanges} with a coupled service in the batch); true expected cost ${Math.round(r.schedule.scheduleCost).toLocaleString('en-US')} vs ${Math.round(r.schedule.whenReadyCost).toLocaleString('en-US')} deploying when ready; order violations ${r.schedule.scheduleViolations} (each change's own best window alone: ${r.schedule.independentViolations})`,
    `  forecast (MASE, 24 h ahead): simulated median ${f(r.forecast.simulatedMedianMase, 3)} vs seasonal naive ${f(r.forecast.simulatedMedianNaiveMase, 3)}; nyc_taxi ${f(r.forecast.nycTaxiMase, 3)} vs ${f(r.forecast.nycTaxiNaiveMase, 3)} (the table shows the worse of the two)`,
    '',
    `  ${r.seconds.toFixed(1)} s; models in the registry (rolloutlab evaluate risk, rolloutlab windows --deployment <id>); training data sets in ${dirname(r.trainingData.dirs[0])}`,
  ];
  return lines.join('\n');
}
