// What `rolloutlab train risk` and `rolloutlab evaluate risk` print (the command line only parses the arguments).
import type { FamilyCommands } from '../family-commands.ts';
import { formatTargets } from '../targets.ts';
import { evaluateRisk, trainRisk, type RiskTrainResult } from './family.ts';

export function formatRiskTrain(r: RiskTrainResult): string {
  const e = r.evaluation;
  const f = (x: number) => x.toFixed(4);
  return [
    formatTargets(`risk ${r.version} trained in ${r.seconds.toFixed(1)} s on backend ${r.backend}; ${r.promotion.promoted ? 'now the champion' : `champion stays ${r.promotion.champion}`} (${r.promotion.reason})`, {}, r.targets),
    '',
    '  on the held-out (newest 20 %) deployments   ROC AUC   PR AUC    Brier      ECE',
    `  rolloutlab risk model                      ${f(e.model.rocAuc)}   ${f(e.model.prAuc)}   ${f(e.model.brier)}   ${f(e.model.ece)}`,
    `  logistic regression (raw features)         ${f(e.logistic.rocAuc)}   ${f(e.logistic.prAuc)}   ${f(e.logistic.brier)}   ${f(e.logistic.ece)}`,
    `  LApredict (lines added only)               ${f(e.lapredict.rocAuc)}   ${f(e.lapredict.prAuc)}   ${f(e.lapredict.brier)}   ${f(e.lapredict.ece)}`,
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

export const riskCommands: FamilyCommands = {
  async train(data, c) {
    const r = await trainRisk(data, { registry: c.registry, onEpoch: (e) => c.onProgress('train risk (epochs)', e + 1, 600), feedback: c.feedback });
    return { json: r, text: formatRiskTrain(r) + formatFeedback(r) };
  },
  async evaluate(registry, o) {
    if (o.data) {
      const r = await evaluateRisk(o.data, { registry, version: o.version });
      return { json: r, text: formatTargets(`risk ${r.version} on ${r.n} held-out deployments of ${r.data}`, r.metrics, r.targets) };
    }
    const card = await registry.readCard('risk', o.version ?? 'champion');
    return { json: card, text: formatTargets(`risk ${card.version} (${card.champion.decision}: ${card.champion.reason})`, card.metrics, card.targets) };
  },
};
