// The risk features, defined once: each one's name (the same for the data-set column and the model input), kind,
// range of values, transform, levels, description, and where its value comes from. The simulator writes the
// columns from it (sim/tables.ts); the risk family derives its feature specs (training/risk/sim.ts SIM_RISK_SPECS)
// and its rows from a world (training/risk/world.ts) from it, and the window recommender its column order, its
// time-dependent features and a deployment's static features (training/deploy-window/recommend.ts).
//
// It lives in sim/ because the simulator writes these columns and sim/ is the lowest layer that knows a change's and
// a deployment's fields (the getters below read them); every user (sim, training, server, bench) may import sim/.
// The order is the model's column order; data-set columns come out in the same relative order.
import type { Cell, ColumnType } from '../datasets/table.ts';
import type { ValueRange } from '../lib/value-range.ts';
import { SCHEMA_MIGRATIONS, type ChangeFeatures } from './changes.ts';
import { TIERS } from './scenario-schema.ts';
import type { Deployment, World } from './world.ts';

/** A column a simulated data set holds: its type and its one-line description (the data-set docs). */
export interface FeatureColumn {
  type: ColumnType;
  description: string;
}

/** What values a feature takes: a number in a range (optionally log1p-transformed by the model), 0/1, or one of its levels. */
export type RiskFeatureKind =
  | { kind: 'numeric'; range: ValueRange; transform?: 'log1p' }
  | { kind: 'binary' }
  | { kind: 'category'; levels: readonly string[] };

/**
 * Where a feature's value comes from:
 * - `change`: a column of the changes and deployments tables, from the change's features (known before it ships);
 * - `deployment`: a column of the deployments table, from the service's history and the start (cover, load);
 * - `service`: the service (its tier, callers and callees in the dependency graph);
 * - `traffic`: the traffic a week before the start (the seasonal-naive peak-load forecast);
 * - `clock`: the start time alone (time of day, weekend).
 * `traffic` and `clock` features are computed by each consumer from its own inputs (rows, a window context).
 */
export type RiskFeatureSource =
  | { from: 'change'; column: FeatureColumn; value: (f: ChangeFeatures) => Cell }
  | { from: 'deployment'; column: FeatureColumn; value: (d: DeploymentFacts) => Cell }
  | { from: 'service'; value: (w: World, service: number) => Cell }
  | { from: 'traffic' }
  | { from: 'clock' };

/** What the `deployment` features read of a deployment: the service's history, the on-call cover and the load at the start. */
export type DeploymentFacts = Pick<Deployment, 'history' | 'onCallCover' | 'loadAtStart'>;

export type RiskFeature = { name: string; description: string } & RiskFeatureKind &
  RiskFeatureSource & {
    /** The start time moves it: the window recommender recomputes it per candidate start; this names it in plain words. */
    timing?: string;
    /** false: written to the data set but not an input of the risk model. */
    model?: false;
  };

// Short constructors, so the list below reads as a table.
const numeric = (range: ValueRange, transform?: 'log1p'): RiskFeatureKind => (transform ? { kind: 'numeric', range, transform } : { kind: 'numeric', range });
const BINARY: RiskFeatureKind = { kind: 'binary' };
const category = (levels: readonly string[]): RiskFeatureKind => ({ kind: 'category', levels });
const change = (type: ColumnType, value: (f: ChangeFeatures) => Cell, description: string): RiskFeatureSource => ({ from: 'change', column: { type, description }, value });
const deployment = (type: ColumnType, value: (d: DeploymentFacts) => Cell, description: string): RiskFeatureSource => ({ from: 'deployment', column: { type, description }, value });
const service = (value: (w: World, service: number) => Cell): RiskFeatureSource => ({ from: 'service', value });
const TRAFFIC: RiskFeatureSource = { from: 'traffic' };
const CLOCK: RiskFeatureSource = { from: 'clock' };
const feature = (name: string, kind: RiskFeatureKind, description: string, source: RiskFeatureSource, more: { timing?: string; model?: false } = {}): RiskFeature =>
  ({ name, description, ...kind, ...source, ...more }) as RiskFeature;

/** Every risk feature, in the model's column order (`directories` is written but not a model input). */
export const RISK_FEATURES: readonly RiskFeature[] = [
  feature('lines_added', numeric('count', 'log1p'), 'lines added', change('INTEGER', (f) => f.linesAdded, 'lines added (la)')),
  feature('lines_deleted', numeric('count', 'log1p'), 'lines deleted', change('INTEGER', (f) => f.linesDeleted, 'lines deleted (ld)')),
  feature('files_changed', numeric('count', 'log1p'), 'files touched', change('INTEGER', (f) => f.filesChanged, 'files touched (nf)')),
  feature('subsystems', numeric('count', 'log1p'), 'subsystems touched', change('INTEGER', (f) => f.subsystems, 'subsystems touched (ns)')),
  feature('directories', numeric('count'), 'directories touched', change('INTEGER', (f) => f.directories, 'directories touched (nd)'), { model: false }),
  feature('entropy', numeric('nonneg'), 'spread over files', change('DOUBLE', (f) => f.entropy, 'spread over files')),
  feature('developers', numeric('count', 'log1p'), 'developers on the files', change('INTEGER', (f) => f.developers, 'developers who touched the files (ndev)')),
  feature('is_fix', BINARY, 'bug fix', change('BOOLEAN', (f) => f.isFix, 'bug-fix change')),
  feature('author_experience', numeric('nonneg', 'log1p'), 'author’s prior changes', change('INTEGER', (f) => f.authorExperience, 'author’s prior changes (exp)')),
  feature('author_recent_experience', numeric('nonneg', 'log1p'), 'author’s recent changes', change('INTEGER', (f) => f.authorRecentExperience, 'author’s changes in the last 30 days')),
  feature('test_coverage', numeric('fraction'), 'test coverage of the touched code', change('DOUBLE', (f) => f.testCoverage, 'line coverage of the touched code 0..1')),
  feature('new_tests', numeric('count'), 'tests added', change('INTEGER', (f) => f.newTests, 'tests added')),
  feature('dependency_bumps', numeric('count'), 'dependency bumps', change('INTEGER', (f) => f.dependencyBumps, 'dependency version bumps')),
  feature('config_only', BINARY, 'configuration only', change('BOOLEAN', (f) => f.configOnly, 'only configuration changed')),
  feature('schema_migration', category(SCHEMA_MIGRATIONS), 'schema migration', change('VARCHAR', (f) => f.schemaMigration, 'none / reversible / irreversible')),
  feature('feature_flagged', BINARY, 'behind a feature flag', change('BOOLEAN', (f) => f.featureFlagged, 'new code behind a feature flag')),
  feature('api_contract_change', BINARY, 'API contract change', change('BOOLEAN', (f) => f.apiContractChange, 'changes an API that callers use')),
  feature('hours_since_last_deploy', numeric('nonneg', 'log1p'), 'hours since the service’s last rollout', deployment('DOUBLE', (d) => d.history.hoursSinceLastDeploy, 'hours since the service’s previous rollout ended'), { timing: "time since the service's last deploy" }),
  feature('service_recent_failure_rate', numeric('fraction'), 'the service’s recent failure share', deployment('DOUBLE', (d) => d.history.serviceRecentFailureRate, 'smoothed failure share of its last 10 deployments')),
  feature('service_deploys_so_far', numeric('count', 'log1p'), 'the service’s earlier deployments', deployment('INTEGER', (d) => d.history.serviceDeploysSoFar, 'previous deployments of the service')),
  feature('tier', category(TIERS), 'service tier', service((w, s) => w.topology.services[s].tier)),
  feature('callers', numeric('count', 'log1p'), 'services that call it', service((w, s) => w.topology.callersOf[s].length)),
  feature('callees', numeric('count', 'log1p'), 'services it calls', service((w, s) => w.topology.calleesOf[s].length)),
  feature('oncall_cover', numeric('fraction'), 'on-call cover at the start', deployment('DOUBLE', (d) => d.onCallCover, 'on-call cover of the team at the start'), { timing: 'on-call cover' }),
  feature('load_at_start', numeric('nonneg'), 'traffic now / the service’s mean', deployment('DOUBLE', (d) => d.loadAtStart, 'traffic / service mean at the start'), { timing: 'traffic at the start' }),
  feature('forecast_peak_load', numeric('nonneg'), 'peak traffic over the rollout window one week earlier / mean (seasonal-naive forecast)', TRAFFIC, { timing: "last week's peak traffic at this time" }),
  feature('hour_sin', numeric('signed-unit'), 'time of day (sine)', CLOCK, { timing: 'time of day' }),
  feature('hour_cos', numeric('signed-unit'), 'time of day (cosine)', CLOCK, { timing: 'time of day' }),
  feature('weekend', BINARY, 'Saturday or Sunday (UTC)', CLOCK, { timing: 'weekend' }),
];

/** The risk model's inputs, in its column order. */
export const RISK_MODEL_FEATURES: readonly RiskFeature[] = RISK_FEATURES.filter((f) => f.model !== false);

/** The model's inputs that are the change's own (known before it ships; the others come from the service, its history, the start). */
export const CHANGE_FEATURES = RISK_MODEL_FEATURES.filter((f): f is Extract<RiskFeature, { from: 'change' }> => f.from === 'change');

/**
 * The cells of a deployment's risk features that the world holds directly (every model feature from the change,
 * the deployment or the service), by name, as the data set's tables hold them: what training/risk/sim.ts reads
 * from the deployments table joined with the services' callers and callees.
 */
export function riskFeatureCells(world: World, dep: Deployment, change: ChangeFeatures): Record<string, Cell> {
  return riskFeatureCellsOf(world, dep.service, dep, (f) => f.value(change));
}

/**
 * The same cells for a change that is not a deployment of the world: the service's and the deployment facts' cells
 * as for a deployment, the change's own from `change` (a proposed change's values, given by feature name).
 */
export function riskFeatureCellsOf(world: World, service: number, facts: DeploymentFacts, change: (f: Extract<RiskFeature, { from: 'change' }>) => Cell): Record<string, Cell> {
  const cells: Record<string, Cell> = {};
  for (const f of RISK_MODEL_FEATURES) {
    if (f.from === 'change') cells[f.name] = change(f);
    else if (f.from === 'deployment') cells[f.name] = f.value(facts);
    else if (f.from === 'service') cells[f.name] = f.value(world, service);
  }
  return cells;
}

/** A cell as the model reads it: a number (null or absent: NaN), a binary as 0 / 1, a category as its level index (-1: unknown). */
export function encodeRiskCell(f: RiskFeature, cell: unknown): number {
  if (f.kind === 'binary') return cell ? 1 : 0;
  if (f.kind === 'category') return f.levels.indexOf(String(cell));
  return cell === null || cell === undefined ? NaN : Number(cell);
}
