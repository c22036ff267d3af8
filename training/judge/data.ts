// Labelled canary analysis windows for the ML judge, read from backtest data sets (`rolloutlab backtest --out`, table
// `windows`) or taken from an in-memory backtest, as judge inputs (`AnalysisWindow`) plus the label and the truth
// columns used only to slice the evaluation (never features), and the seeded split by deployment.
import { resolve } from 'node:path';
import { readDataset } from '../../datasets/read-dataset.ts';
import type { Manifest } from '../../datasets/manifest.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { Rng } from '../../lib/rng.ts';
import { sharePct } from '../hyper-param-schema.ts';
import type { CohortMetrics } from '../../sim/env.ts';
import type { AnalysisWindow } from '../../judges/window-judges.ts';
import { toAnalysisWindow, LOW_TRAFFIC_REQUESTS, type JudgeWindow } from '../../judges/labelled-windows.ts';

export interface LabelledWindows {
  /** Where the windows came from (a data-set path, or a description). */
  source: string;
  manifest: Manifest | null;
  windows: AnalysisWindow[];
  /** 1 = fail (a material fault is active in the window), 0 = pass. */
  labels: Uint8Array;
  /** Canary served fewer than LOW_TRAFFIC_REQUESTS requests (as the data set's `low_traffic` column). */
  lowTraffic: Uint8Array;
  /** TRUTH: a shared-dependency incident hits both cohorts in the window. For slicing only. */
  sharedIncident: Uint8Array;
  /** TRUTH: the change's fault kind (any materiality) or null. For slicing only. */
  faultKind: (string | null)[];
  /** Deployment key `<period>/<deployment id>`: the unit of the split. */
  deployment: string[];
  n: number;
}

/** Data-set folders from one path, a comma-separated list of paths, or an array of them (each once). */
export function judgeDataDirs(data: string | readonly string[]): string[] {
  const dirs = (typeof data === 'string' ? data.split(',') : [...data]).map((x) => x.trim()).filter(Boolean).map((x) => resolve(x));
  if (dirs.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'judge: --data names no data set', 'data');
  const seen = new Set<string>();
  for (const d of dirs) {
    if (seen.has(d)) throw new RolloutlabError('BAD_ARGUMENT', `judge: data set ${d} is listed twice`, 'data');
    seen.add(d);
  }
  return dirs;
}

const parseSeries = (s: unknown, what: string): (CohortMetrics | null)[] => {
  if (typeof s !== 'string') throw new RolloutlabError('BAD_DATA', `windows.${what}: expected a JSON string, got ${typeof s}`, what);
  return JSON.parse(s) as (CohortMetrics | null)[];
};

/** Read the `windows` table of a backtest data set. */
export async function readJudgeWindows(dir: string): Promise<LabelledWindows> {
  const ds = await readDataset(dir);
  try {
    if (!ds.manifest.tables.windows) throw new RolloutlabError('BAD_DATA', `${dir} has no windows table: write one with \`rolloutlab backtest --out ${dir}\``, 'windows');
    const rows = await ds.query(
      `SELECT deployment_id, period, latency_objective_ms, canary_series, baseline_series, provider_error_series, label, low_traffic, truth_shared_incident, truth_fault_kind
       FROM windows ORDER BY period, deployment_id, "window"`,
    );
    const n = rows.length;
    const out: LabelledWindows = { source: dir, manifest: ds.manifest, windows: [], labels: new Uint8Array(n), lowTraffic: new Uint8Array(n), sharedIncident: new Uint8Array(n), faultKind: [], deployment: [], n };
    rows.forEach((r, i) => {
      const canary = parseSeries(r.canary_series, 'canary_series');
      const baseline = parseSeries(r.baseline_series, 'baseline_series');
      const providerError = JSON.parse(String(r.provider_error_series)) as boolean[];
      // The same input `toAnalysisWindow` builds from a JudgeWindow.
      out.windows.push({ canary, baseline, providerError, latencyObjectiveMs: Number(r.latency_objective_ms) });
      if (r.label !== 'fail' && r.label !== 'pass') throw new RolloutlabError('BAD_DATA', `${dir}: windows.label must be fail or pass, got ${JSON.stringify(r.label)}`, 'label');
      out.labels[i] = r.label === 'fail' ? 1 : 0;
      out.lowTraffic[i] = r.low_traffic ? 1 : 0;
      out.sharedIncident[i] = r.truth_shared_incident ? 1 : 0;
      out.faultKind.push((r.truth_fault_kind as string | null) ?? null);
      out.deployment.push(`${r.period}/${r.deployment_id}`);
    });
    return out;
  } finally {
    ds.close();
  }
}

/** Windows of an in-memory backtest (`backtest({ windowMinutes })`), as the data-set path reads them. */
export function judgeWindowsFrom(ws: readonly JudgeWindow[], source = 'in-memory windows'): LabelledWindows {
  const n = ws.length;
  const out: LabelledWindows = { source, manifest: null, windows: [], labels: new Uint8Array(n), lowTraffic: new Uint8Array(n), sharedIncident: new Uint8Array(n), faultKind: [], deployment: [], n };
  ws.forEach((w, i) => {
    out.windows.push(toAnalysisWindow(w));
    out.labels[i] = w.label === 'fail' ? 1 : 0;
    out.lowTraffic[i] = w.lowTraffic ? 1 : 0;
    out.sharedIncident[i] = w.sharedIncident ? 1 : 0;
    out.faultKind.push(w.faultKind);
    out.deployment.push(`${w.period}/${w.deploymentId}`);
  });
  return out;
}

export { LOW_TRAFFIC_REQUESTS };

/** Concatenate several window sets (sources joined). */
export function concatWindows(parts: readonly LabelledWindows[]): LabelledWindows {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((a, p) => a + p.n, 0);
  const out: LabelledWindows = { source: parts.map((p) => p.source).join(','), manifest: parts[0]?.manifest ?? null, windows: [], labels: new Uint8Array(n), lowTraffic: new Uint8Array(n), sharedIncident: new Uint8Array(n), faultKind: [], deployment: [], n };
  let at = 0;
  parts.forEach((p, k) => {
    out.windows.push(...p.windows);
    out.labels.set(p.labels, at);
    out.lowTraffic.set(p.lowTraffic, at);
    out.sharedIncident.set(p.sharedIncident, at);
    out.faultKind.push(...p.faultKind);
    // Deployment keys are unique within a data set only.
    out.deployment.push(...p.deployment.map((d) => `${k}:${d}`));
    at += p.n;
  });
  return out;
}

export interface JudgeSplit {
  train: number[];
  validation: number[];
  test: number[];
  description: string;
  seed: number;
}

/** Shares of deployments in each part of the split (the validation share is the default of hyper-parameter `validationShare`). */
export const SPLIT_SHARES = { train: 0.7, validation: 0.15, test: 0.15 } as const;

/** Of a recorded-rollout file's labelled deployments older than the held-out ones, the newest share that validates (training/judge/replay.ts). */
export const REPLAY_VALIDATION_SHARE = 0.2;

/**
 * Seeded split by deployment: every window of a deployment lands in the same part. Each deployment draws its part
 * from its own stream `Rng(seed, 'judge-split', <source tag>, <deployment key>)`, so the assignment does not depend on
 * the order of the rows or on which other data sets are listed. A deployment draws u in [0, 1): test when
 * u >= 0.85 whatever `validationShare` is, validation when u >= 0.85 − validationShare, fit below.
 */
export function splitByDeployment(d: LabelledWindows, seed: number, tag = '', validationShare: number = SPLIT_SHARES.validation): JudgeSplit {
  const testFrom = SPLIT_SHARES.train + SPLIT_SHARES.validation;
  // Rounded so that the default share gives exactly SPLIT_SHARES.train (0.85 − 0.15 is not 0.7 in binary everywhere).
  const fitShare = Math.round((testFrom - validationShare) * 1e9) / 1e9;
  const part = new Map<string, 'train' | 'validation' | 'test'>();
  const s: JudgeSplit = { train: [], validation: [], test: [], description: '', seed };
  for (let i = 0; i < d.n; i++) {
    const key = d.deployment[i];
    let p = part.get(key);
    if (p === undefined) {
      const u = new Rng(seed, 'judge-split', tag, key).next();
      p = u < fitShare ? 'train' : u < testFrom ? 'validation' : 'test';
      part.set(key, p);
    }
    s[p].push(i);
  }
  s.description = `by deployment, seeded (seed ${seed}): each deployment's windows go together to fit (${sharePct(fitShare)} %), validation (${sharePct(validationShare)} %: early stopping, calibration, decision thresholds) or test (${sharePct(SPLIT_SHARES.test)} %)`;
  return s;
}
