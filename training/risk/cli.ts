// What `rolloutlab train risk` and `rolloutlab evaluate risk` print (the command line only parses the arguments).
import type { FamilyCommands } from '../family-commands.ts';
import { formatTargets } from '../targets.ts';
import { evaluateRisk, promoteRiskByRule, RISK_FAMILY, trainRisk, type RiskTrainResult } from './family.ts';
import { resolveHyperParamRequest } from '../hyper-params.ts';
import { HISTORY_RISK_FAMILY } from './history.ts';
import { evaluateRiskHistory, promoteRiskHistoryByRule, riskDataKind, trainRiskHistory, type HistoryEvaluateResult, type HistoryTrainResult } from './history-family.ts';

export function formatRiskTrain(r: RiskTrainResult, family = 'risk'): string {
  const e = r.evaluation;
  const f = (x: number) => x.toFixed(4);
  return [
    formatTargets(`${family} ${r.version} trained in ${r.seconds.toFixed(1)} s on backend ${r.backend}; ${r.promotion.promoted ? 'now the champion' : `champion stays ${r.promotion.champion}`} (${r.promotion.reason})`, {}, r.targets),
    '',
    '  on the held-out (newest 20 %) deployments   ROC AUC   PR AUC    Brier      ECE',
    `  rolloutlab risk model                      ${f(e.model.rocAuc)}   ${f(e.model.prAuc)}   ${f(e.model.brier)}   ${f(e.model.ece)}`,
    `  logistic regression (raw features)         ${f(e.logistic.rocAuc)}   ${f(e.logistic.prAuc)}   ${f(e.logistic.brier)}   ${f(e.logistic.ece)}`,
    ...(e.lapredict ? [`  LApredict (lines added only)               ${f(e.lapredict.rocAuc)}   ${f(e.lapredict.prAuc)}   ${f(e.lapredict.brier)}   ${f(e.lapredict.ece)}`] : []),
    ...(e.oracle ? [`  oracle (simulator's true probability)      ${f(e.oracle.rocAuc)}   ${f(e.oracle.prAuc)}   ${f(e.oracle.brier)}   ${f(e.oracle.ece)}`] : []),
  ].join('\n');
}


/** The feedback lines under the training result: what was used, skipped and why. */
function formatFeedback(r: RiskTrainResult): string {
  const fb = r.feedback;
  if (!fb) return '';
  return [
    '',
    `  outcome feedback from ${fb.source} (${fb.kind}): ${fb.used} rows used (${fb.positives} failed${fb.weight > 1 ? `, each ${fb.weight} times` : ''}), ${fb.skipped} skipped, ${fb.duplicates} duplicate${fb.duplicates === 1 ? '' : 's'} replaced; training part only, held-out ${r.heldOut.n} rows unchanged`,
    ...(fb.skipped ? [`  skipped: ${Object.entries(fb.skippedReasons).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')}${Object.keys(fb.missingFeatures).length ? `; missing features: ${Object.entries(fb.missingFeatures).map(([k, v]) => `${k} (${v})`).join(', ')}` : ''}${Object.keys(fb.invalidFeatures).length ? `; unusable values: ${Object.entries(fb.invalidFeatures).map(([k, v]) => `${k} (${v})`).join(', ')}` : ''}`] : []),
    ...(Object.keys(fb.ignoredFeatures).length ? [`  ignored unknown features: ${Object.entries(fb.ignoredFeatures).map(([k, v]) => `${k} (${v})`).join(', ')}`] : []),
    ...(fb.available > fb.records ? [`  warning: the server holds ${fb.available} records and lists only the latest ${fb.records}; train from its DuckDB file (a copy) to use all of them`] : []),
  ].join('\n');
}

/** What a model trained on an imported history adds under the table: where it went, its data, its features. */
export function formatHistoryTrain(r: HistoryTrainResult): string {
  const h = r.history;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const part = (k: 'train' | 'validation' | 'test') => `${h.rows[k].n} (${h.rows[k].positives} failed, ${pct(h.rows[k].positiveRate)})`;
  return [
    '',
    '',
    `  trained on an imported deployment history, ${h.source.file ?? h.source.path}; registered as ${h.family} ${r.version} (its own folder: never the served risk champion)`,
    `  label: ${h.label}`,
    `  split by started_at: fit ${part('train')}, validation ${part('validation')}, held out ${part('test')} from ${h.periods.test.from}`,
    `  features used (${h.features.used.length}): ${h.features.used.join(', ')}`,
    `  missing, dropped from the model (${h.features.missing.length}): ${h.features.missing.map((m) => `${m.name} (${m.reason})`).join(', ')}`,
    ...(Object.keys(h.features.imputedCells).length ? [`  empty cells scored at the training median: ${Object.entries(h.features.imputedCells).map(([k, v]) => `${k} (${v} rows)`).join(', ')}`] : []),
  ].join('\n');
}

/** `evaluate risk --data <imported history>`. */
export function formatHistoryEvaluate(r: HistoryEvaluateResult): string {
  return [
    formatTargets(`${r.family} ${r.version} on ${r.n} held-out deployments (newest 20 %, ${r.positives} failed) of ${r.data}`, r.metrics, r.targets),
    ...(r.imputedFeatures.length ? ['', `  not in this history, scored at the model's training medians: ${r.imputedFeatures.join(', ')}`] : []),
  ].join('\n');
}

export const riskCommands: FamilyCommands = {
  async train(data, c) {
    if ((await riskDataKind(data)) === 'history') {
      const tuning = resolveHyperParamRequest(HISTORY_RISK_FAMILY, c.hyperParams);
      const onEpoch = (e: number) => c.onProgress('train risk (epochs)', e + 1, tuning.values.maxEpochs);
      const r = await trainRiskHistory(data, { registry: c.registry, onEpoch, feedback: c.feedback, tuning });
      return { json: r, text: formatRiskTrain(r, r.history.family) + formatHistoryTrain(r) + formatFeedback(r) };
    }
    const tuning = resolveHyperParamRequest(RISK_FAMILY, c.hyperParams);
    const onEpoch = (e: number) => c.onProgress('train risk (epochs)', e + 1, tuning.values.maxEpochs);
    const r = await trainRisk(data, { registry: c.registry, onEpoch, feedback: c.feedback, tuning });
    return { json: r, text: formatRiskTrain(r) + formatFeedback(r) };
  },
  async evaluate(registry, o) {
    if (o.data && (await riskDataKind(o.data)) === 'history') {
      const r = await evaluateRiskHistory(o.data, { registry, version: o.version });
      return { json: r, text: formatHistoryEvaluate(r) };
    }
    if (o.data) {
      const r = await evaluateRisk(o.data, { registry, version: o.version });
      return { json: r, text: formatTargets(`risk ${r.version} on ${r.n} held-out deployments of ${r.data}`, r.metrics, r.targets) };
    }
    const card = await registry.readCard('risk', o.version ?? 'champion');
    return { json: card, text: formatTargets(`risk ${card.version} (${card.champion.decision}: ${card.champion.reason})`, card.metrics, card.targets) };
  },
  promote: (registry, family, version, who) => (family === HISTORY_RISK_FAMILY ? promoteRiskHistoryByRule(registry, version, who) : promoteRiskByRule(registry, version, who)),
};
