// `rolloutlab windows --history <imported folder>`: ranked start windows for one change of a service, scored by the
// risk-history champion on the history's real timing (training/deploy-window/history.ts), or with `--evaluate` that
// recommender's evaluation on the history's held-out period. The flags are read and checked here; the text is
// printed here too.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RolloutlabError } from '../lib/errors.ts';
import { parseTimestamp } from '../datasets/import-history.ts';
import type { ChangeValue, HistoryRecommendation, HistoryWindow, HistoryWindowEvaluation, HistoryWindowOptions, ShareWithInterval } from '../training/deploy-window/history.ts';
import { flagValue, out, usage } from './flags.ts';

export interface HistoryWindowFlags {
  history: string;
  service?: string;
  ready?: string;
  change?: string[];
  traffic?: string;
  evaluate?: boolean;
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

/** Run `windows --history` (ranked windows, or with --evaluate the evaluation). */
export async function runHistoryWindows(o: HistoryWindowFlags, search: Omit<HistoryWindowOptions, 'top' | 'stepMinutes' | 'defaultRolloutMinutes'>): Promise<void> {
  const { ModelRegistry } = await import('../training/registry.ts');
  const { encodeChange, evaluateOnHistory, historyChampion, readHistoryRows, recommendOnHistory } = await import('../training/deploy-window/history.ts');
  const { servePlanDefaults } = await import('./serve-defaults.ts');
  const registry = new ModelRegistry(o.models ? { root: resolve(o.models) } : {});
  const defaultRolloutMinutes = servePlanDefaults().rolloutMinutes;
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
