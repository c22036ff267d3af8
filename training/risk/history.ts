// A team's own deployment history (`rolloutlab import history`, table `deployments_history`) as risk-pipeline input.
//
// Label: the history's `failed` column. Rows in start order (`started_at`, then `deployment_id`), split by time like
// every risk data set (`riskSplit`: the oldest floor(0.8 n) train, their newest 20 % validate, the newest 20 % test).
//
// Features: those of the one risk schema (sim/risk-features.ts) that the history can give, under the same names,
// kinds, ranges and transforms (so its feedback, its ranges and its reasons read like the simulated model's):
// - the change columns the history format shares with the schema (lines_added, ..., api_contract_change);
// - the start-time features (hour of day, weekend), from `started_at` (UTC);
// - the service's history, from the earlier rows of the same service: its earlier deployments, the hours since its
//   previous deployment, and its smoothed recent failure share (the simulator's formula).
// Every other feature of the schema (the dependency graph, traffic, on-call cover, the change details the format
// has no column for), and any of the above without a single value in the fitting rows, is dropped from the model:
// a constant would carry no information, and a simulated median would be a guess about another world. The result
// says which, and why. A missing cell of a feature the model keeps is imputed by the model at its training median.
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { HISTORY_COLUMNS } from '../../datasets/import-history.ts';
import { RISK_MODEL_FEATURES, encodeRiskCell, type RiskFeature } from '../../sim/risk-features.ts';
import type { FeatureSpec } from '../gam.ts';
import { riskSplit, RISK_VALIDATION_SHARE, type RiskSplit } from './pipeline.ts';
import { sharePct } from '../hyper-param-schema.ts';
import { SIM_RISK_INTERACTIONS, SIM_RISK_SPECS, type SimRiskData } from './sim.ts';

/** The registry folder of models trained on imported histories: never the served `risk` champion's (docs/risk.md). */
export const HISTORY_RISK_FAMILY = 'risk-history';
/** The table `import history` writes. */
export const HISTORY_TABLE = 'deployments_history';
/** What `import history` records as the manifest's `extra.source`. */
export const HISTORY_SOURCE = 'deployment-history';
/** Fewer rows than this cannot give a fitting, a validation and a held-out part worth the name (as for simulated data). */
export const MIN_HISTORY_ROWS = 50;
/** How many earlier deployments of a service its recent failure share looks at (as the simulator). */
const RECENT = 10;

/** Schema features taken from a history column of the same name (the change's own columns). */
export const HISTORY_CHANGE_FEATURES = new Set<string>(RISK_MODEL_FEATURES.filter((f) => f.from === 'change' && HISTORY_COLUMNS.some((c) => c.name === f.name)).map((f) => f.name));
/** Schema features derived from `service`, `started_at`, `finished_at` and earlier rows' `failed`. */
export const HISTORY_SERVICE_FEATURES: readonly string[] = ['hours_since_last_deploy', 'service_deploys_so_far', 'service_recent_failure_rate'];
/** Schema features derived from `started_at` alone. */
export const HISTORY_CLOCK_FEATURES: readonly string[] = RISK_MODEL_FEATURES.filter((f) => f.from === 'clock').map((f) => f.name);

/** Why a feature of the schema is not in a history model. */
export type MissingReason = 'not in the history format' | 'no value in the history' | 'no value in the fitting rows';

export interface HistoryFeatures {
  /** Features the model uses, in the schema's order. */
  used: string[];
  /** Features of the schema it does not use, why, and how: always dropped from the model. */
  missing: { name: string; reason: MissingReason; handling: 'dropped from the model' }[];
  /** Used features with some missing cells → how many rows lack them (imputed at the training median by the model). */
  imputedCells: Record<string, number>;
  /** How each used feature is obtained. */
  derivedFrom: Record<string, string>;
}

export interface HistoryRiskData extends SimRiskData {
  split: RiskSplit;
  features: HistoryFeatures;
  manifest: Manifest;
  /** Rows and failed rows per part. */
  rows: Record<'train' | 'validation' | 'test', { n: number; positives: number; positiveRate: number }>;
  /** The history's first and last `started_at` of each part (epoch ms). */
  periods: Record<'train' | 'validation' | 'test', { from: number; to: number }>;
}

const HOUR_MS = 3_600_000;

/** One earlier deployment of a service as its history features read it: its end (finished_at, else started_at) and outcome. */
export interface PastDeployment {
  end: number;
  failed: boolean;
}

/**
 * The service-history features of a deployment starting at `at` (epoch ms), from the service's earlier rows in start
 * order: the hours since the previous one ended (never below 0; NaN without one), their number, and the smoothed
 * failure share of the last ten that had finished by `at` (only outcomes known at the start). The one definition the
 * training rows and the window recommender on a history (training/deploy-window/history.ts) both use.
 */
export function serviceHistoryAt(past: readonly PastDeployment[], at: number): { hoursSinceLast: number; deploysSoFar: number; recentFailureRate: number } {
  const prev = past.length ? past[past.length - 1] : null;
  const known = past.filter((k) => k.end <= at).slice(-RECENT);
  return {
    hoursSinceLast: prev ? Math.max(0, (at - prev.end) / HOUR_MS) : NaN,
    deploysSoFar: past.length,
    recentFailureRate: (known.reduce((a, k) => a + (k.failed ? 1 : 0), 0) + 0.3) / (known.length + 2),
  };
}

/** The clock features of a start at `t` (epoch ms) as the history model reads them: the UTC hour on the unit circle and
 *  Saturday or Sunday in UTC. */
export function clockFeaturesAt(t: number): { hour_sin: number; hour_cos: number; weekend: number } {
  const d = new Date(t);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  return { hour_sin: Math.sin((2 * Math.PI * hour) / 24), hour_cos: Math.cos((2 * Math.PI * hour) / 24), weekend: d.getUTCDay() % 6 === 0 ? 1 : 0 };
}

/** The manifest of a data set, read without keeping it open. */
export async function readManifest(dir: string): Promise<Manifest> {
  const ds = await readDataset(dir);
  const m = ds.manifest;
  ds.close();
  return m;
}

/** Whether a manifest is an imported deployment history (the only imported kind the risk family trains on). */
export function isHistoryManifest(m: Manifest): boolean {
  return m.kind === 'imported' && (m.extra as { source?: unknown }).source === HISTORY_SOURCE && m.tables[HISTORY_TABLE] !== undefined;
}

/** A cell as the model reads it; unlike `encodeRiskCell`, an empty binary or category cell stays missing (NaN). */
const cell = (f: RiskFeature, v: unknown): number => (v === null || v === undefined ? NaN : encodeRiskCell(f, v));

/**
 * Read an imported history's deployments in start order, with every feature it can give and the time split. For
 * training (`purpose` 'train') each of the three parts must hold failed and successful deployments; for evaluation
 * only the held-out part must (its metrics need both).
 */
export async function historyRiskData(dir: string, purpose: 'train' | 'evaluate' = 'train', validationShare = RISK_VALIDATION_SHARE): Promise<HistoryRiskData> {
  const ds = await readDataset(dir);
  let rows: Record<string, unknown>[];
  const manifest = ds.manifest;
  try {
    if (!isHistoryManifest(manifest)) {
      const what = manifest.kind === 'imported' ? `an imported ${String((manifest.extra as { source?: unknown }).source ?? 'data set')} data set` : `a ${manifest.kind} data set`;
      throw new RolloutlabError('BAD_DATA', `${dir}: ${what}, not an imported deployment history (rolloutlab import history)`, 'data');
    }
    rows = await ds.query(`SELECT * FROM ${HISTORY_TABLE} ORDER BY started_at, deployment_id`);
  } finally {
    ds.close();
  }
  const n = rows.length;
  if (n < MIN_HISTORY_ROWS) throw new RolloutlabError('BAD_DATA', `${dir}: ${n} deployments are too few to train or evaluate a risk model (need at least ${MIN_HISTORY_ROWS}: a fifth of them is held out)`, 'deployments');
  const header = new Set(manifest.tables[HISTORY_TABLE].columns.map((c) => c.name));
  const labels = Uint8Array.from(rows, (r) => (r.failed ? 1 : 0));
  const startedAt = Float64Array.from(rows, (r) => Number(r.started_at));
  const split = riskSplit(n, validationShare);
  const checkPart = (part: 'train' | 'validation' | 'test', idx: number[], what: string) => {
    const pos = idx.reduce((a, i) => a + labels[i], 0);
    const problem = purpose === 'evaluate' && part !== 'test' ? null : pos === 0 ? 'no failed deployment (failed = true)' : pos === idx.length ? 'no successful deployment (failed = false)' : null;
    if (problem) throw new RolloutlabError('BAD_DATA', `${dir}: the ${what} (${idx.length} deployments, rows ${idx[0] + 1}-${idx[idx.length - 1] + 1} in start order) has ${problem}; training needs both kinds in each part and evaluation in the held-out part (a longer history, or one with its failures marked)`, 'failed');
    return { n: idx.length, positives: pos, positiveRate: pos / idx.length };
  };
  const parts = {
    train: checkPart('train', split.train, `fitting part (the oldest ${sharePct(0.8 * (1 - validationShare))} %)`),
    validation: checkPart('validation', split.validation, `validation slice (the next ${sharePct(0.8 * validationShare)} %: early stopping and calibration)`),
    test: checkPart('test', split.test, 'held-out part (the newest 20 %)'),
  };
  const period = (idx: number[]) => ({ from: startedAt[idx[0]], to: startedAt[idx[idx.length - 1]] });

  // Every feature the history can give, computed in start order.
  const cols: Record<string, Float64Array> = {};
  const derivedFrom: Record<string, string> = {};
  for (const f of RISK_MODEL_FEATURES) {
    if (!HISTORY_CHANGE_FEATURES.has(f.name) || !header.has(f.name)) continue;
    cols[f.name] = Float64Array.from(rows, (r) => cell(f, r[f.name]));
    derivedFrom[f.name] = `column ${f.name}`;
  }
  const sinceLast = new Float64Array(n).fill(NaN);
  const soFar = new Float64Array(n);
  const failureRate = new Float64Array(n);
  const earlier = new Map<string, PastDeployment[]>();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const past = earlier.get(String(r.service)) ?? [];
    // The previous rollout's end (its start when the file has no finished_at); only outcomes known at this start.
    const h = serviceHistoryAt(past, startedAt[i]);
    sinceLast[i] = h.hoursSinceLast;
    soFar[i] = h.deploysSoFar;
    failureRate[i] = h.recentFailureRate;
    past.push({ end: Number(r.finished_at ?? r.started_at), failed: labels[i] === 1 });
    earlier.set(String(r.service), past);
  }
  cols.hours_since_last_deploy = sinceLast;
  cols.service_deploys_so_far = soFar;
  cols.service_recent_failure_rate = failureRate;
  derivedFrom.hours_since_last_deploy = "the service's previous row: started_at − its finished_at (else its started_at), in hours; none for a service's first row";
  derivedFrom.service_deploys_so_far = "the service's earlier rows in the file";
  derivedFrom.service_recent_failure_rate = `(failed among the service's last ${RECENT} earlier rows finished by this start + 0.3) / (their number + 2)`;
  const clock = Array.from(startedAt, clockFeaturesAt);
  cols.hour_sin = Float64Array.from(clock, (c) => c.hour_sin);
  cols.hour_cos = Float64Array.from(clock, (c) => c.hour_cos);
  cols.weekend = Float64Array.from(clock, (c) => c.weekend);
  for (const c of HISTORY_CLOCK_FEATURES) derivedFrom[c] = 'started_at (UTC)';

  const used: string[] = [];
  const missing: HistoryFeatures['missing'] = [];
  const imputedCells: Record<string, number> = {};
  for (const f of RISK_MODEL_FEATURES) {
    const col = cols[f.name];
    const reason: MissingReason | null = !(HISTORY_CHANGE_FEATURES.has(f.name) || HISTORY_SERVICE_FEATURES.includes(f.name) || HISTORY_CLOCK_FEATURES.includes(f.name))
      ? 'not in the history format'
      : !col || col.every((v) => Number.isNaN(v))
        ? 'no value in the history'
        : split.train.every((i) => Number.isNaN(col[i]))
          ? 'no value in the fitting rows'
          : null;
    if (reason) {
      missing.push({ name: f.name, reason, handling: 'dropped from the model' });
      delete cols[f.name];
      delete derivedFrom[f.name];
      continue;
    }
    used.push(f.name);
    const empty = col.reduce((a, v) => a + (Number.isNaN(v) ? 1 : 0), 0);
    if (empty > 0) imputedCells[f.name] = empty;
  }
  const specs: FeatureSpec[] = SIM_RISK_SPECS.filter((s) => used.includes(s.name));
  return {
    cols,
    labels,
    n,
    specs,
    // The declared interactions whose two features are both here (they involve the traffic features: none today).
    interactions: SIM_RISK_INTERACTIONS.filter((it) => used.includes(it.a) && used.includes(it.b)),
    linesAdded: 'lines_added',
    deploymentIds: rows.map((r) => String(r.deployment_id)),
    startedAt,
    split,
    features: { used, missing, imputedCells, derivedFrom },
    manifest,
    rows: parts,
    periods: { train: period(split.train), validation: period(split.validation), test: period(split.test) },
  };
}
