// A registry with small judge, rollback, risk and retry champions (or some of them), trained in seconds, for the server tests.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { initBackend } from '../training/backend.ts';
import { loadScenario, parseScenario, simulateWorld, worldToTables } from '../sim/index.ts';
import { backtest } from '../backtest/run.ts';
import { windowsTable } from '../judges/labelled-windows.ts';
import { writeDataset } from '../datasets/index.ts';
import { ModelRegistry } from '../training/registry.ts';
import { datasetRef } from '../training/card.ts';
import { trainJudge } from '../training/judge/family.ts';
import { trajectoryTables } from '../training/predictive-rollback/trajectories.ts';
import { recordTrajectories } from '../backtest/trajectories.ts';
import { trainRollback } from '../training/predictive-rollback/family.ts';
import { trainRisk } from '../training/risk/family.ts';
import { trainRetry } from '../training/retry/family.ts';
import { simulateCiFailures, ciWorldToTables } from '../sim/ci/index.ts';
import { ROLLBACK_FORMAT, type RollbackPredictorJSON } from '../training/predictive-rollback/model.ts';
import { TRAJECTORY_FEATURES, OVERWHELMING_P } from '../training/predictive-rollback/features.ts';

/** A family the tiny registry can hold. */
export type TinyFamily = 'judge' | 'rollback' | 'risk' | 'retry';

const ALL_FAMILIES: readonly TinyFamily[] = ['judge', 'rollback', 'risk', 'retry'];
/** The data sets each family is trained on, beside `<root>/models`. */
const FAMILY_DATA: Record<TinyFamily, readonly string[]> = {
  judge: ['windows'],
  rollback: ['trajectories'],
  risk: ['risk'],
  retry: ['pipelines-31', 'pipelines-32', 'pipelines-33'],
};

/** The folder test/global-setup.ts made for this vitest run's one shared training, or null outside such a run. */
function sharedFolder(): string | null {
  try {
    const dir = inject('tinyModelsCache');
    return typeof dir === 'string' && dir !== '' && existsSync(dir) ? dir : null;
  } catch {
    return null; // not inside a vitest worker with the global setup (a script importing this file)
  }
}

/**
 * The four families trained once per vitest run, in `<shared>/root`: the first caller takes the lock (an atomic
 * mkdir) and trains; every other caller, in any worker, waits for READY (or FAILED, whose message it throws).
 */
async function sharedTraining(shared: string): Promise<string> {
  const trained = join(shared, 'root');
  const ready = join(shared, 'READY');
  const failed = join(shared, 'FAILED');
  let mine = false;
  try {
    mkdirSync(join(shared, 'lock'));
    mine = true;
  } catch {
    /* another worker trains */
  }
  if (mine) {
    try {
      await trainInto(trained, ALL_FAMILIES);
      writeFileSync(ready, '');
    } catch (e) {
      writeFileSync(failed, e instanceof Error ? (e.stack ?? e.message) : String(e));
      throw e;
    }
    return trained;
  }
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(ready)) {
    if (existsSync(failed)) throw new Error(`the shared tiny-model training failed in another worker:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the shared tiny-model training in ${trained} did not finish within 15 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return trained;
}

/**
 * Train the four families (or those of `only`) into `<root>/models` (data sets beside it); returns the registry root.
 * Under vitest the families are trained once per run and copied into `root` for each caller (training is seeded,
 * so a copy is what training again would give, up to the cards' clock fields); each caller gets its own copy to
 * change. Outside vitest, or with ROLLOUTLAB_TINY_MODELS_FRESH=1, it trains into `root` itself.
 */
export async function trainTinyModels(root: string, only: readonly TinyFamily[] = ALL_FAMILIES): Promise<string> {
  await initBackend('wasm');
  const shared = process.env.ROLLOUTLAB_TINY_MODELS_FRESH === '1' ? null : sharedFolder();
  if (shared === null) return trainInto(root, only);
  const trained = await sharedTraining(shared);
  for (const family of only) {
    cpSync(join(trained, 'models', family), join(root, 'models', family), { recursive: true });
    for (const data of FAMILY_DATA[family]) cpSync(join(trained, data), join(root, data), { recursive: true });
  }
  return join(root, 'models');
}

async function trainInto(root: string, only: readonly TinyFamily[]): Promise<string> {
  await initBackend('wasm');
  const models = join(root, 'models');
  const registry = new ModelRegistry({ root: models });
  const scenario = loadScenario('default');
  if (only.includes('judge')) {
    const run = backtest({ scenario, seed: 11, deployments: 200, policies: [], windowMinutes: 5 });
    const jd = join(root, 'windows');
    await writeDataset({ outDir: jd, tables: [windowsTable(run.windows)], manifest: { kind: 'backtest', scenario: 'default', seed: 11, codeVersion: 'test' } });
    await trainJudge([jd], { registry, members: 1, net: { hidden: [32, 32], maxEpochs: 40, patience: 8, batchSize: 256 } });
  }
  if (only.includes('rollback')) {
    const set = recordTrajectories(scenario, 4, 60);
    const td = join(root, 'trajectories');
    await writeDataset({ outDir: td, tables: trajectoryTables(set), manifest: { kind: 'backtest', scenario: 'default', seed: 4, codeVersion: 'test', extra: {} } });
    await trainRollback(td, { registry, mlp: { hidden: [12], maxEpochs: 4, patience: 4 } });
  }
  if (only.includes('risk')) {
    // The risk family as test/risk.test.ts trains it, on a shorter world.
    const rs = parseScenario({ ...scenario, days: 30, dataset: { trafficResolutionMinutes: 60 } });
    const rd = join(root, 'risk');
    await writeDataset({ outDir: rd, tables: worldToTables(simulateWorld(rs, 5, undefined, { observations: false })), manifest: { kind: 'simulated', scenario: rs.name, seed: 5, codeVersion: 'test', extra: { scenarioConfig: rs } } });
    await trainRisk(rd, { registry });
  }
  if (only.includes('retry')) {
    // The retry family on three two-day CI worlds (the last held out, the one before it validates).
    const pd: string[] = [];
    for (const seed of [31, 32, 33]) {
      const dir = join(root, `pipelines-${seed}`);
      await writeDataset({ outDir: dir, tables: ciWorldToTables(simulateCiFailures(scenario, seed, { days: 2 })), manifest: { kind: 'simulated', scenario: 'default', seed, codeVersion: 'test', extra: { world: 'pipelines' } } });
      pd.push(dir);
    }
    await trainRetry(pd, { registry });
  }
  return models;
}

/**
 * A copy of a judge whose finite weights make its logit overflow to NaN (+Infinity + -Infinity): what a corrupt or
 * badly trained network can answer, for the fail-closed tests.
 */
export function nanJudgeJson<T extends { members: { weights: number[][]; biases: number[][] }[] }>(json: T): T {
  const j = structuredClone(json);
  const net = j.members[0];
  const L = net.weights.length;
  net.biases[0] = net.biases[0].map(() => 1e300);
  for (let k = 1; k < L; k++) net.weights[k] = net.weights[k].map(() => 0);
  net.biases[L - 2] = net.biases[L - 2].map(() => 1e300);
  net.weights[L - 1][0] = 1e300;
  net.weights[L - 1][1] = -1e300;
  return j;
}

/**
 * A rollback predictor whose network never crosses its thresholds (zero weights, P ≈ 0.00005): only the
 * overwhelming-evidence rule rolls back, for tests of the rule and of a rollback's scope rather than of a model.
 */
export function quietRollbackJson(): RollbackPredictorJSON {
  const nf = TRAJECTORY_FEATURES.length;
  return {
    format: ROLLBACK_FORMAT,
    features: [...TRAJECTORY_FEATURES],
    mlp: {
      format: 'rolloutlab-mlp-1',
      inputs: [...TRAJECTORY_FEATURES],
      outputs: ['fault', 'breach'],
      mean: new Array(nf).fill(0),
      sd: new Array(nf).fill(1),
      layers: [{ w: new Array(nf * 2).fill(0), b: [0, 0], in: nf, out: 2 }],
      platt: [{ a: 1, b: -10 }, { a: 1, b: -10 }],
      options: { hidden: [], l2: 0, learningRate: 0, batchSize: 1, maxEpochs: 0, patience: 0, seed: 1 },
      training: { epochs: 0, bestEpoch: 0, trainLoss: 0, validationLoss: 0, nTrain: 0, nValidation: 0, lossCurve: [] },
    },
    thresholds: { fault: 0.97, breach: 0.9, hold: 0.5, overwhelmingLogP: Math.log(OVERWHELMING_P) },
  } as RollbackPredictorJSON;
}

/** A registry at `root` whose rollback champion is the quiet predictor (`versions` copies: the champion is the last). */
export async function quietRollbackRegistry(root: string, versions = 1): Promise<string> {
  const registry = new ModelRegistry({ root });
  let version = '';
  for (let i = 0; i < versions; i++) {
    const saved = await registry.save('rollback', {
      card: {
        dataset: datasetRef({ kind: 'backtest', scenario: 'default', seed: 1, codeVersion: 'test', tables: { trajectories: { rows: 1, sha256: 'a'.repeat(64) } } }),
        seed: 1,
        codeVersion: 'test',
        backend: { name: 'cpu', version: 'test' },
        hyperParameters: {},
        split: { by: 'time', description: 'none: a fixed network for tests', rows: { train: 0, test: 0 }, seed: null },
        metrics: {},
      },
      files: { 'rollback.json': JSON.stringify(quietRollbackJson()) },
    });
    version = saved.version;
  }
  await registry.setChampion('rollback', version, { reason: 'test', by: 'test', how: 'manual' });
  return root;
}
