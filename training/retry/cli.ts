// What `rolloutlab train retry` and `rolloutlab evaluate retry` print (the command line only parses the arguments).
import type { FamilyCommands } from '../family-commands.ts';
import { formatTargets } from '../targets.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { RETRY_FAMILY } from '../load.ts';
import { resolveHyperParamRequest } from '../hyper-params.ts';
import { sharePct } from '../hyper-param-schema.ts';
import { evaluateRetry, trainRetry, type RetryHeldOut, type RetryTrainResult } from './family.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

function heldOutLines(h: RetryHeldOut): string[] {
  return [
    `  held-out failure episodes: ${h.episodes}, each replayed under the rule with the world's truth answering every retry`,
    `  transient recovered ${pct(h.transientRecoveryRate)}   wasted retries ${pct(h.wastedRetryRate)} per persistent failure   retry precision ${pct(h.retryPrecision)}   retry recall ${pct(h.retryRecall)}`,
  ];
}

export function formatRetryTrain(r: RetryTrainResult): string {
  const waits = Object.entries(r.waits).filter(([, s]) => s > 0).map(([k, s]) => `${k} ${s} s`).join(', ');
  return [
    formatTargets(`retry ${r.version} trained in ${r.seconds.toFixed(1)} s on ${r.rows.train.toLocaleString('en-US')} failed steps${r.rows.feedback ? ` + ${r.rows.feedback} recorded outcomes` : ''}; ${r.promotion.promoted ? 'now the champion' : `champion stays ${r.promotion.champion}`} (${r.promotion.reason})`, {}, r.targets),
    '',
    `  threshold ${r.threshold.toFixed(3)} (validation replay: at most ${sharePct(r.tuning.values.maxWastedRetries)} % retries per persistent failure); learned first waits: ${waits || 'none (every kind retries at once)'}`,
    ...heldOutLines(r.heldOut),
    ...(r.feedback ? [`  recorded outcomes from ${r.feedback.source}: ${r.feedback.used} used (training part only), ${r.feedback.skipped} skipped (not retried or outcome unknown)`] : []),
  ].join('\n');
}

export const retryCommands: FamilyCommands = {
  async train(data, c) {
    let feedback;
    if (c.feedback) {
      if (c.feedback.weight !== undefined && c.feedback.weight !== 1) throw new RolloutlabError('BAD_ARGUMENT', 'train retry: --feedback-weight applies to the risk family only', 'feedback-weight');
      const src = await (await import('./feedback.ts')).readRetryOutcomeSource(c.feedback.source, { token: c.feedback.token, fetch: c.feedback.fetch });
      feedback = { source: src.location, kind: src.kind, records: src.records };
    }
    const r = await trainRetry(data, { registry: c.registry, onProgress: c.onProgress, feedback, tuning: resolveHyperParamRequest(RETRY_FAMILY, c.hyperParams) });
    return { json: r, text: formatRetryTrain(r) };
  },
  async evaluate(registry, o) {
    if (o.data) {
      const r = await evaluateRetry(o.data, { registry, version: o.version });
      return { json: r, text: [formatTargets(`retry ${r.version} on the held-out part of ${r.data.join(', ')}`, {}, r.targets), ...heldOutLines(r.heldOut)].join('\n') };
    }
    const card = await registry.readCard(RETRY_FAMILY, o.version ?? 'champion');
    return { json: card, text: formatTargets(`retry ${card.version} (${card.champion.decision}: ${card.champion.reason})`, card.metrics, card.targets) };
  },
};
