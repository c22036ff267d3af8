// Rollout trajectories as a data set: every observation a policy receives during each deployment's unguarded run
// (the schedule followed, no rollback), with the truth about what happened next. The predictive-rollback family
// trains on these (`rolloutlab backtest ... --out <dir> --trajectories`, then `rolloutlab train rollback --data <dir>`).
// The backtester records them (backtest/trajectories.ts); this file is their format: the tables and their reader.
//
// Two tables:
// - `trajectories`: one row per (deployment, tick): the Observation fields, the canary's and the baseline's metrics
//   (null when not scraped);
// - `trajectory_deployments`: one row per deployment: the rollout plan and SLO as JSON (what the policy knows at the
//   start) and TRUTH columns (fault, materiality, the unguarded run's onset and fault-breach minutes).
import type { JudgeWindow } from '../../judges/labelled-windows.ts';
import type { CohortMetrics, Observation, Phase } from '../../sim/env.ts';
import type { Scenario } from '../../sim/scenario-schema.ts';
import type { Plan } from '../../sim/strategy.ts';
import { tableFromRows, type Table, type ColumnSpec, type Cell } from '../../datasets/table.ts';
import type { Dataset } from '../../datasets/read-dataset.ts';
import { RolloutlabError } from '../../lib/errors.ts';

export interface TrajectoryDeployment {
  id: string;
  period: number;
  service: string;
  plan: Plan;
  slo: Scenario['slo'];
  // --- truth ---
  material: boolean;
  severe: boolean;
  faultKind: string | null;
  /** Minutes since the start of the unguarded run's fault breach and of the fault's onset; null when none. */
  breachAge: number | null;
  onsetAge: number | null;
  /** The risk champion's prior for the deployment when one was loaded at recording time (NaN: none). */
  riskPrior: number;
}

export interface TrajectorySet {
  deployments: TrajectoryDeployment[];
  /** Per deployment (same order): its observations, tick 0 first. */
  observations: Observation[][];
  /** Labelled canary analysis windows of the same runs (when asked for). */
  windows?: JudgeWindow[];
}

const METRICS: (keyof CohortMetrics)[] = ['requests', 'errors', 'slow', 'latencyP50', 'latencyP95', 'latencyP99', 'cpu', 'memory', 'pool', 'conversions', 'callerRequests', 'callerErrors'];
const snake = (s: string) => s.replace(/[A-Z0-9]+/g, (m) => '_' + m.toLowerCase());
const INT_METRICS = new Set(['requests', 'errors', 'slow', 'conversions', 'callerRequests', 'callerErrors']);

interface ObsRow {
  dep: string;
  o: Observation;
}

/** The two tables of a trajectory set. */
export function trajectoryTables(t: TrajectorySet): Table[] {
  const rows: ObsRow[] = [];
  t.observations.forEach((os, k) => os.forEach((o) => rows.push({ dep: t.deployments[k].id, o })));
  const cols: ColumnSpec<ObsRow>[] = [
    ['deployment_id', 'VARCHAR', (r) => r.dep, 'deployment'],
    ['age', 'INTEGER', (r) => r.o.age, 'tick: minutes since the rollout started (the metrics are of minute age - 1)'],
    ['minute', 'INTEGER', (r) => r.o.minute, 'absolute minute of the world'],
    ['phase', 'VARCHAR', (r) => r.o.phase, 'progressing | baking | ...'],
    ['stage', 'INTEGER', (r) => r.o.stage, 'index of the current stage'],
    ['stages', 'INTEGER', (r) => r.o.stages, 'number of stages'],
    ['weight', 'DOUBLE', (r) => r.o.weight, 'share of user traffic on the new version in the observed minute'],
    ['mirror', 'DOUBLE', (r) => r.o.mirror, 'mirrored share (blue-green preview)'],
    ['exposure', 'VARCHAR', (r) => JSON.stringify(r.o.exposure), 'JSON array: exposure per unit'],
    ['time_at_stage', 'INTEGER', (r) => r.o.timeAtStage, 'minutes at the current stage'],
    ['provider_error', 'BOOLEAN', (r) => r.o.providerError, 'the metrics backend erred (both cohorts missing)'],
  ];
  for (const c of ['canary', 'baseline'] as const) {
    cols.push([`${c}_scraped`, 'BOOLEAN', (r) => r.o[c] !== null, `${c}: a sample exists for the minute`]);
    for (const m of METRICS) cols.push([`${c}_${snake(m)}`, INT_METRICS.has(m) ? 'INTEGER' : 'DOUBLE', (r) => (r.o[c] ? (r.o[c]![m] as Cell) : null), `${c}: ${m}`]);
  }
  const dcols: ColumnSpec<TrajectoryDeployment>[] = [
    ['deployment_id', 'VARCHAR', (d) => d.id, 'deployment'],
    ['period', 'INTEGER', (d) => d.period, 'replayed period'],
    ['service', 'VARCHAR', (d) => d.service, 'service'],
    ['plan', 'VARCHAR', (d) => JSON.stringify(d.plan), 'JSON: the rollout plan (stages, exposures, dwell and bake minutes)'],
    ['slo', 'VARCHAR', (d) => JSON.stringify(d.slo), 'JSON: the SLO (objective, burn rate, window)'],
    ['risk_prior', 'DOUBLE', (d) => (Number.isFinite(d.riskPrior) ? d.riskPrior : null), 'the risk champion’s failure probability for the change, known before it starts (null: no risk model)'],
    ['truth_material', 'BOOLEAN', (d) => d.material, 'TRUTH: the change carries a material fault'],
    ['truth_severe', 'BOOLEAN', (d) => d.severe, 'TRUTH: the fault is severe'],
    ['truth_fault_kind', 'VARCHAR', (d) => d.faultKind, 'TRUTH: fault kind or null'],
    ['truth_breach_age', 'INTEGER', (d) => d.breachAge, 'TRUTH: minute (since start) of the unguarded run’s fault-caused SLO breach, or null'],
    ['truth_onset_age', 'INTEGER', (d) => d.onsetAge, 'TRUTH: minute (since start) the fault first reached the new version, or null'],
  ];
  return [tableFromRows('trajectories', rows, cols), tableFromRows('trajectory_deployments', t.deployments, dcols)];
}

/** Read the trajectories of a data set written with `--trajectories`. */
export async function readTrajectories(ds: Dataset): Promise<TrajectorySet> {
  if (!ds.manifest.tables.trajectories || !ds.manifest.tables.trajectory_deployments) {
    throw new RolloutlabError('BAD_DATA', `data set ${ds.dir} has no trajectories table (write it with: rolloutlab backtest --out <dir> --trajectories)`, 'trajectories');
  }
  const dt = await ds.table('trajectory_deployments');
  const col = (t: Table, name: string) => {
    const c = t.columns.find((x) => x.name === name);
    if (!c) throw new RolloutlabError('BAD_DATA', `${ds.dir}: table ${t.name} lacks column ${name}`, name);
    return c.values;
  };
  const nd = dt.columns[0]?.values.length ?? 0;
  const deployments: TrajectoryDeployment[] = [];
  const index = new Map<string, number>();
  const ids = col(dt, 'deployment_id');
  for (let i = 0; i < nd; i++) {
    const num = (name: string) => {
      const v = col(dt, name)[i];
      return v === null ? null : Number(v);
    };
    deployments.push({
      id: String(ids[i]),
      period: Number(col(dt, 'period')[i]),
      service: String(col(dt, 'service')[i]),
      plan: JSON.parse(String(col(dt, 'plan')[i])) as Plan,
      slo: JSON.parse(String(col(dt, 'slo')[i])) as Scenario['slo'],
      material: Boolean(col(dt, 'truth_material')[i]),
      severe: Boolean(col(dt, 'truth_severe')[i]),
      faultKind: col(dt, 'truth_fault_kind')[i] === null ? null : String(col(dt, 'truth_fault_kind')[i]),
      breachAge: num('truth_breach_age'),
      onsetAge: num('truth_onset_age'),
      riskPrior: num('risk_prior') ?? NaN,
    });
    index.set(String(ids[i]), i);
  }
  const t = await ds.table('trajectories');
  const n = t.columns[0]?.values.length ?? 0;
  const observations: Observation[][] = deployments.map(() => []);
  const c = Object.fromEntries(t.columns.map((x) => [x.name, x.values]));
  const need = (name: string) => {
    if (!c[name]) throw new RolloutlabError('BAD_DATA', `${ds.dir}: table trajectories lacks column ${name}`, name);
    return c[name];
  };
  const depCol = need('deployment_id');
  const metrics = (cohort: string, i: number): CohortMetrics | null => {
    if (!need(`${cohort}_scraped`)[i]) return null;
    const m = {} as Record<string, number | null>;
    for (const k of METRICS) {
      const v = need(`${cohort}_${snake(k)}`)[i];
      m[k] = v === null ? null : Number(v);
    }
    return m as unknown as CohortMetrics;
  };
  for (let i = 0; i < n; i++) {
    const k = index.get(String(depCol[i]));
    if (k === undefined) throw new RolloutlabError('BAD_DATA', `${ds.dir}: trajectories row ${i + 1} names deployment ${String(depCol[i])}, not in trajectory_deployments`, 'deployment_id');
    const d = deployments[k];
    observations[k].push({
      deploymentId: d.id,
      age: Number(need('age')[i]),
      minute: Number(need('minute')[i]),
      phase: String(need('phase')[i]) as Phase,
      stage: Number(need('stage')[i]),
      stages: Number(need('stages')[i]),
      weight: Number(need('weight')[i]),
      mirror: Number(need('mirror')[i]),
      exposure: JSON.parse(String(need('exposure')[i])) as number[],
      units: d.plan.units,
      timeAtStage: Number(need('time_at_stage')[i]),
      providerError: Boolean(need('provider_error')[i]),
      canary: metrics('canary', i),
      baseline: metrics('baseline', i),
    });
  }
  for (const os of observations) os.sort((a, b) => a.age - b.age);
  return { deployments, observations };
}
