// `rolloutlab windows --history <imported folder>`: ranked start windows for one change of a service, scored by the
// risk-history champion on the history's real timing (training/deploy-window/history.ts), or with `--evaluate` that
// recommender's evaluation on the history's held-out period. The flags are read and checked here; the text is
// printed here too.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RolloutlabError } from '../lib/errors.ts';
import { parseTimestamp } from '../datasets/import-history.ts';
import type { GamModel } from '../training/gam.ts';
import type { ChangeValue, HistoryBatch, HistoryRecommendation, HistorySchedule, HistoryWindow, HistoryWindowEvaluation, HistoryWindowOptions, ShareWithInterval } from '../training/deploy-window/history.ts';
import { flagValue, out, usage } from './flags.ts';

export interface HistoryWindowFlags {
  history: string;
  service?: string;
  ready?: string;
  change?: string[];
  traffic?: string;
  evaluate?: boolean;
  schedule?: string;
  models?: string;
  json?: boolean;
}

/** The change's own features from `--change` values: a JSON file (an object of feature → value) or key=value pairs. */
export async function changeFromFlags(values: readonly string[]): Promise<{ given: Record<string, ChangeValue>; fromFile: boolean }> {
  const given: Record<string, ChangeValue> = {};
  let fromFile = false;
  const put = (k: string, v: ChangeValue, where: string) => {
    if (k in given) throw usage(`--change ${k}: given twice (${where})`, 'change');
    given[k] = v;
  };
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq >= 0) {
      const k = v.slice(0, eq).trim();
      if (!/^[a-z_]+$/.test(k)) throw usage(`--change: "${v}" is not feature=value (e.g. lines_added=120)`, 'change');
      put(k, v.slice(eq + 1).trim(), 'as a flag');
      continue;
    }
    const s = await stat(v).catch(() => null);
    if (!s?.isFile()) throw new RolloutlabError('NOT_FOUND', `--change: ${v} is neither a file nor feature=value (e.g. lines_added=120)`, 'change');
    let obj: unknown;
    try {
      obj = JSON.parse(await readFile(v, 'utf8'));
    } catch (e) {
      throw new RolloutlabError('BAD_DATA', `--change ${v}: not valid JSON (${(e as Error).message})`, 'change');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new RolloutlabError('BAD_DATA', `--change ${v}: must hold one JSON object of feature → value, e.g. {"lines_added": 120, "schema_migration": "none"}`, 'change');
    for (const [k, x] of Object.entries(obj)) {
      if (x !== null && !['string', 'number', 'boolean'].includes(typeof x)) throw new RolloutlabError('BAD_DATA', `--change ${v}: ${k} must be a number, a boolean, a level name or null, got ${JSON.stringify(x)}`, 'change');
      put(k, x as ChangeValue, v);
    }
    fromFile = true;
  }
  return { given, fromFile };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const share = (s: ShareWithInterval) =>
  s.n === 0 ? 'none' : `${s.failed} of ${s.n} failed: observed ${s.observed!.toFixed(3)} (95 % ${s.interval[0].toFixed(3)}-${s.interval[1].toFixed(3)}), predicted ${s.predicted!.toFixed(3)}`;

/** The ranked windows as text. */
export function historyRecommendationText(r: HistoryRecommendation): string {
  const cost = (c: HistoryWindow) => (c.expectedCost !== null ? `; expected cost ${Math.round(c.expectedCost).toLocaleString('en-US')} bad requests` : '');
  const sh = r.serviceHistory;
  return [
    `${r.service} on the history ${r.history}: ready ${r.readyAt} (${r.readySource}); risk model ${r.riskModel.family} ${r.riskModel.version}`,
    `  ${r.candidates} candidate starts within ${r.horizonHours} h, every ${r.stepMinutes} min; rollout ${r.rollout.text}${r.allowedHours ? `; never offered: ${r.outsideAllowedCandidates} whose rollout leaves the allowed hours ${r.allowedHours}` : ''}`,
    `  ${r.cost}`,
    `  the service at readiness: ${sh.deploysSoFar} earlier deployments, recent failure share ${sh.recentFailureRate.toFixed(2)}${sh.lastDeployEnd ? `, last rollout ended ${sh.lastDeployEnd} (${sh.hoursSinceLastAtReady!.toFixed(1)} h before)` : ''}`,
    ...r.ranked.map((c, i) => `  ${i + 1}. ${c.explanation}${cost(c)}`),
    `  when ready: ${r.whenReady.explanation}${cost(r.whenReady)}`,
    ...r.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

/** The evaluation as text. */
export function historyEvaluationText(e: HistoryWindowEvaluation): string {
  const t = e.timing;
  const lines = [
    `windows on the history ${e.history}: ${e.riskModel.family} ${e.riskModel.version} on the held-out period, ${e.heldOut.n} deployments (${e.heldOut.failed} failed) from ${e.heldOut.from} to ${e.heldOut.to}`,
    `  ${e.heldOut.rule}; ${e.heldOut.note}${e.imputedFeatures.length ? `; model features this history has no value for, scored at the training median: ${e.imputedFeatures.join(', ')}` : ''}`,
    `(a) calibration by start time (UTC): the model's mean P̂ beside the observed failure share and its 95 % Wilson interval`,
    `  ${'bucket'.padEnd(14)} ${'n'.padStart(4)} ${'failed'.padStart(6)} ${'predicted'.padStart(9)} ${'observed'.padStart(8)}  95 % interval`,
    ...e.calibration.map((c) => `  ${c.bucket.padEnd(14)} ${String(c.n).padStart(4)} ${String(c.failed).padStart(6)} ${c.predicted === null ? '—'.padStart(9) : c.predicted.toFixed(3).padStart(9)} ${c.observed === null ? '—'.padStart(8) : c.observed.toFixed(3).padStart(8)}  ${c.interval[0].toFixed(3)}-${c.interval[1].toFixed(3)}`),
    `(b) the model's risk at each held-out deployment's real start vs at the start it would recommend (lowest risk within ${e.horizonHours} h, every ${e.stepMinutes} min${e.allowedHours ? `, allowed hours ${e.allowedHours}` : ''})`,
    `  ${t.estimate}`,
    `  ${t.deployments} deployments${t.withoutAllowedStart ? ` (${t.withoutAllowedStart} without an allowed start left out)` : ''}: mean P̂ ${t.meanRiskAtStart.toFixed(3)} at the real start, ${t.meanRiskAtRecommended.toFixed(3)} at the recommended one: predicted relative risk cut ${pct(t.relativeRiskCut)} (median per deployment ${pct(t.medianRelativeRiskCut)}); ${t.moved} moved, median delay ${t.medianDelayHours.toFixed(1)} h`,
    `(c) observed failure share of held-out deployments by the model's lowest-risk quartile of hours of the week`,
  ];
  if (e.lowRiskHours) {
    const l = e.lowRiskHours;
    lines.push(
      `  ${l.definition}; the model's risk over the week's hours ranges ${l.riskRange[0].toFixed(3)}-${l.riskRange[1].toFixed(3)}`,
      `  started in those hours:  ${share(l.recommendedLike)}`,
      `  started in other hours:  ${share(l.others)}`,
    );
  }
  lines.push(`  ${e.lowRiskHoursNote}`);
  return lines.join('\n');
}

/** The schedule as text. */
export function historyScheduleText(s: HistorySchedule): string {
  const fmt = (x: number) => (s.costBasis === 'risk' ? `risk ${x.toFixed(3)}` : `${Math.round(x).toLocaleString('en-US')} bad requests`);
  return [
    `schedule of ${s.changes.length} changes on the history ${s.history}; risk model ${s.riskModel.family} ${s.riskModel.version}; rollout ${s.rolloutMinutes} min each`,
    `  total ${s.costBasis === 'risk' ? 'risk (sum of failure probabilities)' : 'expected cost'}: ${fmt(s.totalCost)} against ${fmt(s.whenReadyCost)} deploying each when ready; constraint violations ${s.violations.length}`,
    ...s.order.map((l) => `  ${l}`),
    ...s.changes.map((c) => `  ${c.id}: ${c.explanation}`),
    ...s.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

const BATCH_KEYS = ['changes', 'dependencies', 'traffic'];
const CHANGE_KEYS = ['id', 'service', 'readyAt', 'features', 'apiContractChange'];

/**
 * A batch file for `--schedule`: {"changes": [{"id", "service", "readyAt"?, "features"?, "apiContractChange"?}],
 * "dependencies"?: [{"caller", "callee"}], "traffic"?: {"<service>": "<time,requests csv>"}} (traffic paths relative to
 * the file). Closed: an unknown key is an error naming it; BAD_DATA naming the field otherwise.
 */
export async function batchFromFile(file: string, model: { model: GamModel; version: string }): Promise<HistoryBatch> {
  const { encodeChange } = await import('../training/deploy-window/history.ts');
  const { readTrafficCsv } = await import('../datasets/traffic-csv.ts');
  const s = await stat(file).catch(() => null);
  if (!s?.isFile()) throw new RolloutlabError('NOT_FOUND', `--schedule: ${file}: file not found`, 'schedule');
  let obj: any;
  try {
    obj = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `--schedule ${file}: not valid JSON (${(e as Error).message})`, 'schedule');
  }
  const bad = (field: string, why: string): never => {
    throw new RolloutlabError('BAD_DATA', `--schedule ${file}: ${field} ${why}`, field);
  };
  const isObject = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObject(obj)) bad('(root)', 'must be an object with "changes" (and optionally "dependencies", "traffic")');
  for (const k of Object.keys(obj)) if (!BATCH_KEYS.includes(k)) bad(k, `is not a field of a batch (fields: ${BATCH_KEYS.join(', ')})`);
  if (!Array.isArray(obj.changes) || obj.changes.length === 0) bad('changes', 'must be a non-empty list of changes');
  const changes = (obj.changes as unknown[]).map((c: any, i) => {
    const f = `changes[${i}]`;
    if (!isObject(c)) bad(f, 'must be an object');
    for (const k of Object.keys(c)) if (!CHANGE_KEYS.includes(k)) bad(`${f}.${k}`, `is not a field of a change (fields: ${CHANGE_KEYS.join(', ')})`);
    for (const k of ['id', 'service']) if (typeof c[k] !== 'string' || c[k] === '') bad(`${f}.${k}`, 'must be a non-empty string');
    let readyMs: number | undefined;
    if (c.readyAt !== undefined) {
      readyMs = typeof c.readyAt === 'string' ? parseTimestamp(c.readyAt) : NaN;
      if (!Number.isFinite(readyMs)) bad(`${f}.readyAt`, `is not a time (ISO-8601), got ${JSON.stringify(c.readyAt)}`);
    }
    if (c.features !== undefined && !isObject(c.features)) bad(`${f}.features`, 'must be an object of feature → value');
    const features: Record<string, ChangeValue> = { ...(c.features ?? {}) };
    for (const [k, v] of Object.entries(features)) if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) bad(`${f}.features.${k}`, `must be a number, a boolean, a level name or null, got ${JSON.stringify(v)}`);
    if (c.apiContractChange !== undefined && typeof c.apiContractChange !== 'boolean') bad(`${f}.apiContractChange`, 'must be true or false');
    // The order constraint reads apiContractChange, else the change's api_contract_change; the risk reads the feature
    // only when the model has it.
    const feature = features.api_contract_change;
    const fromFeature = feature === true || feature === 1 || feature === 'true';
    if (c.apiContractChange !== undefined && feature !== undefined && feature !== null && c.apiContractChange !== fromFeature) bad(`${f}.apiContractChange`, `conflicts with features.api_contract_change (${c.apiContractChange} vs ${JSON.stringify(feature)})`);
    if (!model.model.specs.some((x) => x.name === 'api_contract_change')) delete features.api_contract_change;
    const change = encodeChange(model.model, model.version, features, 'BAD_DATA', { label: `--schedule ${file}: ${f}.features`, field: `${f}.features` });
    return { id: c.id as string, service: c.service as string, readyMs, change, apiContractChange: c.apiContractChange ?? fromFeature };
  });
  const deps = obj.dependencies ?? [];
  if (!Array.isArray(deps)) bad('dependencies', 'must be a list of {"caller", "callee"}');
  const dependencies = deps.map((d: any, i: number) => {
    if (!isObject(d) || Object.keys(d).some((k) => k !== 'caller' && k !== 'callee') || typeof d.caller !== 'string' || typeof d.callee !== 'string') bad(`dependencies[${i}]`, 'must be {"caller": "<service>", "callee": "<service>"}');
    return { caller: d.caller as string, callee: d.callee as string };
  });
  let traffic: HistoryBatch['traffic'] = null;
  if (obj.traffic !== undefined) {
    if (!isObject(obj.traffic)) bad('traffic', 'must be an object of service → traffic CSV file');
    traffic = {};
    for (const [svc, path] of Object.entries(obj.traffic)) {
      if (typeof path !== 'string') bad(`traffic.${svc}`, 'must be the path of a time,requests CSV');
      traffic[svc] = await readTrafficCsv(resolve(dirname(file), path as string));
    }
  }
  return { changes, dependencies, traffic };
}

/** Run `windows --history` (ranked windows, or with --evaluate the evaluation). */
export async function runHistoryWindows(o: HistoryWindowFlags, search: Omit<HistoryWindowOptions, 'top' | 'stepMinutes' | 'defaultRolloutMinutes'>): Promise<void> {
  const { ModelRegistry } = await import('../training/registry.ts');
  const { encodeChange, evaluateOnHistory, historyChampion, readHistoryRows, recommendOnHistory } = await import('../training/deploy-window/history.ts');
  const { servePlanDefaults } = await import('./serve-defaults.ts');
  const registry = new ModelRegistry(o.models ? { root: resolve(o.models) } : {});
  const defaultRolloutMinutes = servePlanDefaults().rolloutMinutes;
  if (o.schedule !== undefined) {
    const { scheduleOnHistory } = await import('../training/deploy-window/history.ts');
    const h = await readHistoryRows(o.history);
    const risk = await historyChampion(registry);
    const batch = await batchFromFile(o.schedule, risk);
    const s = scheduleOnHistory(h, risk, batch, { ...search, defaultRolloutMinutes });
    out(!!o.json, s, historyScheduleText(s));
    return;
  }
  if (o.evaluate) {
    // The data first: a history that cannot be evaluated is named as such whether or not the registry has a model.
    await readHistoryRows(o.history);
    const risk = await historyChampion(registry);
    const e = await evaluateOnHistory(o.history, risk, { ...search, defaultRolloutMinutes });
    out(!!o.json, e, historyEvaluationText(e));
    return;
  }
  const readyMs = o.ready === undefined ? undefined : parseTimestamp(o.ready);
  if (readyMs !== undefined && !Number.isFinite(readyMs)) throw usage(`--ready: ${JSON.stringify(o.ready)} is not a time (ISO-8601 like 2026-10-01T09:00Z, or epoch seconds)`, 'ready');
  const h = await readHistoryRows(o.history);
  if (!h.known.includes(o.service!)) throw new RolloutlabError('NOT_FOUND', `--service: no service ${JSON.stringify(o.service)} in the history ${o.history} (its services: ${h.known.join(', ')})`, 'service');
  const { given, fromFile } = await changeFromFlags(o.change ?? []);
  const risk = await historyChampion(registry);
  const change = fromFile ? encodeChange(risk.model, risk.version, given, 'BAD_DATA') : flagValue(() => encodeChange(risk.model, risk.version, given, 'BAD_ARGUMENT'));
  const { readTrafficCsv } = await import('../datasets/traffic-csv.ts');
  const traffic = o.traffic ? await readTrafficCsv(o.traffic).catch((e) => {
    if (e instanceof RolloutlabError && e.field === undefined) throw new RolloutlabError(e.code, `--traffic: ${e.message}`, 'traffic');
    throw e;
  }) : null;
  const r = recommendOnHistory(h, risk, { service: o.service!, readyMs, change, traffic }, { ...search, defaultRolloutMinutes });
  out(!!o.json, r, historyRecommendationText(r));
}
