// One shard: the backtest of one policy on one (scenario, seed, strategy), its per-policy measures written as one row
// of a Parquet file named by the shard's id. The same code runs in the sweep's process, in its worker threads, in a
// queue worker and in a Kubernetes Indexed Job's pod, so where a shard ran never changes its row.
//
// A policy's measures do not depend on the other policies backtested beside it (every policy replays the same
// deployments with the same seed; backtest/run.ts), so one policy per shard gives the rows `backtest` gives for all
// of them at once. The wall time (`seconds`) is the one measure left out: it is not a property of the policy.
import { stat } from 'node:fs/promises';
import { tableFromRows, type ColumnSpec } from '../../datasets/table.ts';
import { writeParquetFile } from '../../datasets/parquet-files.ts';
import { codeVersion } from '../../lib/version.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { parseStrategy } from '../../sim/strategy.ts';
import { resolvePolicies } from '../../policies/index.ts';
import { loadRolloutChampionsSync, loadRiskSync } from '../../training/load.ts';
import { backtest, type PolicySummary } from '../run.ts';
import { championVersions, shardFile, type ShardJob, type ShardModels } from './shards.ts';

/** The per-policy measures a row carries: the backtest's `policies.<name>` object without `seconds`. */
export type SweepMeasures = Omit<PolicySummary, 'seconds'>;

/** One row of a sweep: which backtest, and its measures (the `--json` contract of `rolloutlab sweep`). */
export type SweepRow = {
  scenario: string;
  seed: number;
  policy: string;
  /** The strategy spec of the grid point, null for the scenario's own rollout. */
  strategy: string | null;
  /** Deployments backtested. */
  deployments: number;
} & SweepMeasures;

type MeasureType = 'DOUBLE' | 'INTEGER';
/** The measures in the backtest's order, with their column types (rates, medians and sums as DOUBLE; counts as INTEGER). */
export const MEASURES: readonly [keyof SweepMeasures, MeasureType][] = [
  ['preventionRate', 'DOUBLE'],
  ['falseRollbackRate', 'DOUBLE'],
  ['medianLeadTimeMin', 'DOUBLE'],
  ['medianTimeToDetectS', 'DOUBLE'],
  ['medianTimeToRecoverS', 'DOUBLE'],
  ['blastRadius', 'DOUBLE'],
  ['meanTimeToFullRolloutMin', 'DOUBLE'],
  ['violating', 'INTEGER'],
  ['prevented', 'INTEGER'],
  ['falseRollbacks', 'INTEGER'],
  ['rollbacks', 'INTEGER'],
  ['withoutMaterialFault', 'INTEGER'],
  ['materialFaults', 'INTEGER'],
  ['noiseBreaches', 'INTEGER'],
  ['severeDetectedWithinOneTick', 'DOUBLE'],
  ['truncated', 'INTEGER'],
  ['unitRollbacks', 'INTEGER'],
  ['confinedFaults', 'INTEGER'],
  ['confinedRollbacks', 'INTEGER'],
  ['healthyExposureKept', 'DOUBLE'],
  ['confinedRecoveredAtRollback', 'DOUBLE'],
  ['tenantsImpacted', 'DOUBLE'],
  ['customerMinutesExposed', 'DOUBLE'],
];

/** The row's keys before the measures, in order. */
export const ROW_KEYS = ['scenario', 'seed', 'policy', 'strategy', 'deployments'] as const;

type FileRow = SweepRow & { shard: string; codeVersion: string };
const COLUMNS: ColumnSpec<FileRow>[] = [
  ['shard', 'VARCHAR', (r) => r.shard, "the shard's id (hash of its key)"],
  ['scenario', 'VARCHAR', (r) => r.scenario, 'scenario as the spec writes it'],
  ['seed', 'BIGINT', (r) => r.seed, 'seed'],
  ['policy', 'VARCHAR', (r) => r.policy, 'rollout policy'],
  ['strategy', 'VARCHAR', (r) => r.strategy, "strategy spec of the grid point; null: the scenario's own rollout"],
  ['deployments', 'INTEGER', (r) => r.deployments, 'deployments backtested'],
  ...MEASURES.map(([k, t]): ColumnSpec<FileRow> => [k, t, (r) => r[k] as number | null, `backtest measure ${k} (docs/backtest.md)`]),
  ['code_version', 'VARCHAR', (r) => r.codeVersion, 'code version of the worker that ran the shard'],
];

/** Where a worker may differ from the sweep that queued the shard: its own paths to the output and the registry. */
export interface ShardOverrides {
  outDir?: string;
  modelsRoot?: string;
}

/** The champions under `root` must be the ones the shard was keyed with; otherwise its row would not be its id's. */
function checkModels(job: ShardJob, root: string, want: ShardModels): void {
  const have = championVersions(root, want.rollback !== null);
  for (const f of ['rollback', 'risk', 'judge'] as const) {
    if (want[f] !== null && have[f] !== want[f]) {
      throw new RolloutlabError('BAD_DATA', `shard ${job.id} was queued with the ${f} champion ${want[f]}, and the registry at ${root} has ${have[f] ?? 'none'}: a sweep runs against one set of champions (re-run the sweep after a promotion)`, 'models');
    }
  }
}

/** The backtest row of a shard, computed in this thread. */
export function computeShardRow(job: ShardJob, o: ShardOverrides = {}): SweepRow {
  const { key, scenario } = job;
  const root = o.modelsRoot ?? job.modelsRoot;
  if (key.models !== null) {
    if (root === null) throw new RolloutlabError('BAD_ARGUMENT', `shard ${job.id} (${key.policy}) needs a model registry`, 'models');
    checkModels(job, root, key.models);
  }
  const policies = resolvePolicies([key.policy], { models: () => loadRolloutChampionsSync(root!) });
  const optimised = key.strategy === 'optimised';
  const strategy = key.strategy !== null && !optimised ? parseStrategy(key.strategy, scenario) : undefined;
  const run = backtest({
    scenario,
    scenarioName: key.scenario,
    seed: key.seed,
    deployments: key.deployments,
    policies,
    strategy,
    ...(optimised ? { optimised: { risk: loadRiskSync(root!)?.model ?? null } } : {}),
  });
  const { seconds: _wall, ...measures } = run.report.policies[key.policy];
  return { scenario: key.scenario, seed: key.seed, policy: key.policy, strategy: key.strategy, deployments: run.report.deployments, ...measures };
}

export interface ShardOutcome {
  id: string;
  /** The file was already there (another worker, or an earlier run, wrote it): nothing was computed. */
  existed: boolean;
  seconds: number;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** Runs a shard and writes its file, atomically; a shard whose file exists is not run again. */
export async function runShard(job: ShardJob, o: ShardOverrides = {}): Promise<ShardOutcome> {
  const t0 = performance.now();
  const path = shardFile(o.outDir ?? job.outDir, job.id);
  if (await exists(path)) return { id: job.id, existed: true, seconds: 0 };
  const row = computeShardRow(job, o);
  await writeParquetFile(path, tableFromRows('shard', [{ ...row, shard: job.id, codeVersion: codeVersion() }], COLUMNS));
  return { id: job.id, existed: false, seconds: (performance.now() - t0) / 1000 };
}
