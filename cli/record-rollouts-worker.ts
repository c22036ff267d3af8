// A worker thread of the main job's in-rollout stage: records the training rollouts of one (scenario, seed) and writes
// them as a data set, so the sets are recorded side by side on a machine with more than one core (each set is its
// own seeded world, so the data sets are the same as one after another).
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario, scenarioDigest } from '../sim/index.ts';
import { recordTrajectories } from '../backtest/trajectories.ts';
import { trajectoryTables } from '../training/predictive-rollback/trajectories.ts';
import { windowsTable } from '../judges/labelled-windows.ts';
import { writeDataset } from '../datasets/index.ts';
import { loadRiskSync } from '../training/load.ts';
import { codeVersion } from '../lib/version.ts';

export interface RecordTask {
  scenario: string;
  seed: number;
  deployments: number;
  dir: string;
  modelsRoot: string;
}

const { modelsRoot } = workerData as { modelsRoot: string };
const risk = loadRiskSync(modelsRoot)?.model ?? null;
parentPort!.on('message', async (t: RecordTask | null) => {
  if (t === null) return parentPort!.close();
  try {
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
    parentPort!.postMessage({ done: t.dir });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
