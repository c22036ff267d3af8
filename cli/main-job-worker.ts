// A worker thread of the main job: simulates one risk-training world or records the training rollouts of one
// (scenario, seed), and writes it as a data set. Each task is its own seeded world, so running them side by side on a
// machine with more than one core gives the same data sets as one after another (cli/main-job-workers.ts).
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
  | { kind: 'world'; scenario: Scenario; seed: number; dir: string };

const { modelsRoot } = workerData as { modelsRoot: string | null };
const risk = modelsRoot ? (loadRiskSync(modelsRoot)?.model ?? null) : null;

async function run(t: MainJobTask): Promise<number> {
  if (t.kind === 'world') {
    const world = simulateWorld(t.scenario, t.seed, undefined, { observations: false });
    await writeDataset({ outDir: t.dir, tables: worldToTables(world), force: true, manifest: { kind: 'simulated', scenario: t.scenario.name, seed: t.seed, codeVersion: codeVersion(), extra: { days: t.scenario.days, scenarioConfig: t.scenario } } });
    parentPort!.postMessage({ progress: 1 });
    return world.deployments.length;
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

parentPort!.on('message', async (t: MainJobTask | null) => {
  if (t === null) return parentPort!.close();
  try {
    parentPort!.postMessage({ done: t.dir, count: await run(t) });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
