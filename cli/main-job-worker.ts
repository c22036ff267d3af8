// A worker thread of the main job: simulates one risk-training world, records the training rollouts of one
// (scenario, seed), simulates one CI/CD failure world, trains the canary judge or the predictive-rollback model, or
// compares the rollout plans.
// Each data-set task is its own seeded world, and each training reads only the data sets it is given and writes only
// its own family in the registry, so running them side by side on a machine with more than one core gives the same
// data sets and models as one after another (cli/main-job-workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario, scenarioDigest, simulateWorld, worldToTables } from '../sim/index.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import { recordTrajectories } from '../backtest/trajectories.ts';
import { trajectoryTables } from '../training/predictive-rollback/trajectories.ts';
import { windowsTable } from '../judges/labelled-windows.ts';
import { writeDataset } from '../datasets/index.ts';
import { loadRiskSync } from '../training/load.ts';
import { codeVersion } from '../lib/version.ts';

export type MainJobTask =
  /** The training rollouts of one (scenario, seed): labelled judge windows and rollback trajectories. */
  | { kind: 'rollouts'; scenario: string; seed: number; deployments: number; dir: string }
  /** A simulated world for the risk model. */
  | { kind: 'world'; scenario: Scenario; seed: number; dir: string }
  /** A simulated CI/CD failure world for the retry model (a built-in scenario). */
  | { kind: 'pipelines'; scenario: string; seed: number; dir: string }
  /** Train the canary judge on the windows of `dirs` into the registry at `root`. */
  | { kind: 'judge'; dirs: string[]; members: number; root: string }
  /** Train the predictive-rollback model on the trajectories of `dirs` into the registry at `root`. */
  | { kind: 'rollback'; dirs: string[]; root: string }
  /** The rollout-plan optimiser beside the fixed plan under `ml`, with the champions of the registry at `root` (backtest/plan-compare.ts). */
  | { kind: 'plans'; scenario: string; seed: number; deployments: number; root: string }
  /** The report's part on a backtest's data set, rendered (report/index.ts), with the registry at `root` for learned policies' timelines. */
  | { kind: 'report-backtest'; dir: string; root: string };

/** What a task sends back: the deployments of a data-set task, or the report of a training. */
export type MainJobResult = number | JudgeTaskResult | RollbackTaskResult | import('../backtest/plan-compare.ts').PlanComparison | ReportPartResult;
/** A part of the report, its charts rendered, and the seconds it took. */
export type ReportPartResult = import('../report/index.ts').ReportPart & { seconds: number };
export type JudgeTaskResult = Pick<import('../training/judge/family.ts').JudgeTrainResult, 'version' | 'promotion' | 'backend' | 'decision' | 'rows' | 'seconds'>;
export type RollbackTaskResult = Pick<import('../training/predictive-rollback/family.ts').RollbackTrainResult, 'version' | 'thresholds' | 'validation' | 'test' | 'promotion' | 'backend' | 'seconds'>;

const { modelsRoot } = workerData as { modelsRoot: string | null };
const risk = modelsRoot ? (loadRiskSync(modelsRoot)?.model ?? null) : null;

/** A training's progress: its stage and how far along it is (the pool shows the trainings side by side). */
const status = (stage: string, done: number, total: number) => parentPort!.postMessage({ status: { stage, done, total } });

async function run(t: MainJobTask): Promise<MainJobResult> {
  if (t.kind === 'world') {
    const world = simulateWorld(t.scenario, t.seed, undefined, { observations: false });
    await writeDataset({ outDir: t.dir, tables: worldToTables(world), force: true, manifest: { kind: 'simulated', scenario: t.scenario.name, seed: t.seed, codeVersion: codeVersion(), extra: { days: t.scenario.days, scenarioConfig: t.scenario } } });
    parentPort!.postMessage({ progress: 1 });
    return world.deployments.length;
  }
  if (t.kind === 'pipelines') {
    const { simulatePipelinesToDataset } = await import('./commands/data.ts');
    const r = await simulatePipelinesToDataset(loadScenario(t.scenario), t.seed, t.dir, true);
    parentPort!.postMessage({ progress: 1 });
    return r.summary.failedAttempts;
  }
  if (t.kind === 'judge') {
    const { ModelRegistry } = await import('../training/registry.ts');
    const { trainJudge } = await import('../training/judge/family.ts');
    const r = await trainJudge(t.dirs, { registry: new ModelRegistry({ root: t.root }), members: t.members, onProgress: (stage, d, n) => status(stage, d, n) });
    return { version: r.version, promotion: r.promotion, backend: r.backend, decision: r.decision, rows: r.rows, seconds: r.seconds };
  }
  if (t.kind === 'rollback') {
    const { ModelRegistry } = await import('../training/registry.ts');
    const { trainRollback } = await import('../training/predictive-rollback/family.ts');
    const r = await trainRollback(t.dirs, { registry: new ModelRegistry({ root: t.root }), onEpoch: (m, e) => status(`rollback ${m} (epochs)`, e + 1, 25) });
    return { version: r.version, thresholds: r.thresholds, validation: r.validation, test: r.test, promotion: r.promotion, backend: r.backend, seconds: r.seconds };
  }
  if (t.kind === 'plans') {
    // Both arms in this thread, each period simulated once for both: with one policy, worker threads of its own would
    // cost more than they save.
    const { comparePlansWithChampions } = await import('../backtest/plan-compare.ts');
    return comparePlansWithChampions({ scenario: t.scenario, seed: t.seed, deployments: t.deployments, modelsRoot: t.root });
  }
  if (t.kind === 'report-backtest') {
    const t0 = performance.now();
    const { reportPart } = await import('../report/index.ts');
    const part = await reportPart(t.dir, 'backtest', { modelsRoot: t.root });
    return { ...part, seconds: (performance.now() - t0) / 1000 } satisfies ReportPartResult;
  }
  const scenario = loadScenario(t.scenario);
  let last = 0;
  const traj = recordTrajectories(scenario, t.seed, t.deployments, (d) => {
    if (d - last >= 25 || d === t.deployments) {
      parentPort!.postMessage({ progress: d - last });
      last = d;
    }
  }, undefined, 5, risk);
  await writeDataset({
    outDir: t.dir,
    tables: [windowsTable(traj.windows!), ...trajectoryTables(traj)],
    force: true,
    manifest: { kind: 'backtest', scenario: scenario.name, seed: t.seed, codeVersion: codeVersion(), extra: { windowMinutes: 5, trajectories: true, scenarioDigest: scenarioDigest(scenario), scenarioConfig: scenario } },
  });
  return t.deployments;
}

parentPort!.on('message', async (m: { index: number; task: MainJobTask } | null) => {
  if (m === null) return parentPort!.close();
  try {
    parentPort!.postMessage({ done: m.index, result: await run(m.task) });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
