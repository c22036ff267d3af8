// What `rolloutlab train judge` and `rolloutlab evaluate judge` print (cli/commands/models.ts only parses the arguments).
import type { ModelRegistry } from '../registry.ts';
import type { FamilyCommands } from '../family-commands.ts';
import { evaluateJudge, formatJudgeEvaluation, type JudgeEvaluation } from './evaluate.ts';
import { loadJudge, trainJudge, JUDGE_FAMILY, type JudgeTrainResult } from './family.ts';

export { trainJudge };

const pc = (x: number) => `${(100 * x).toFixed(1)} %`;

export function formatJudgeTrain(r: JudgeTrainResult): string {
  const d = r.decision;
  return [
    `judge ${r.version} trained in ${r.seconds.total.toFixed(1)} s (features ${r.seconds.features.toFixed(1)} s, nets ${r.seconds.train.toFixed(1)} s) on backend ${r.backend}; ${r.promotion.promoted ? 'now the champion' : `champion stays ${r.promotion.champion}`} (${r.promotion.reason})`,
    `  windows: ${r.rows.train.toLocaleString('en-US')} fit, ${r.rows.validation.toLocaleString('en-US')} validation (early stopping, calibration, thresholds), ${r.rows.test.toLocaleString('en-US')} test`,
    `  decision (chosen on validation): fail at P(fail) >= ${d.failThreshold.toFixed(2)}; below ${d.lowTrafficRequests} canary requests inconclusive within ±${d.band.toFixed(2)} of it; below ${d.minRequests} no pass; validation accuracy ${pc(r.validation.accuracy)}, inconclusive ${pc(r.validation.inconclusiveRate)}`,
    '',
    formatJudgeEvaluation(r.evaluation, `on the test split (${r.evaluation.windows.toLocaleString('en-US')} windows of deployments never used in fitting or tuning)`),
  ].join('\n');
}

/** `evaluate judge`: the champion's card, or (with data) its scores on those data sets beside Kayenta's. */
export async function evaluateJudgeCli(registry: ModelRegistry, o: { data?: string; version?: string }): Promise<{ json: unknown; text: string }> {
  if (o.data) {
    const model = await loadJudge(registry, o.version ?? 'champion');
    const e: JudgeEvaluation = await evaluateJudge(model, o.data);
    return { json: e, text: formatJudgeEvaluation(e) };
  }
  const card = await registry.readCard(JUDGE_FAMILY, o.version ?? 'champion');
  const lines = [`judge ${card.version} (${card.champion.decision}: ${card.champion.reason})`, '', '  metric                        value   kayenta'];
  const k = card.baselines.kayenta ?? {};
  const kName = (m: string) => (m === 'accuracy' ? 'accuracy' : m.startsWith('kayenta') ? '' : m);
  for (const [m, v] of Object.entries(card.metrics)) {
    if (m.startsWith('kayenta')) continue;
    const kv = k[kName(m)];
    const num = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(4));
    lines.push(`  ${m.padEnd(28)} ${num(v).padStart(8)}  ${kv === undefined ? '' : num(kv).padStart(8)}`);
  }
  lines.push('');
  for (const t of card.targets) lines.push(`  target ${t.metric} ${t.comparator} ${t.target}: ${t.value === null ? 'not measured' : `${t.value.toFixed(4)} ${t.met ? 'met' : 'MISSED'}`}`);
  return { json: card, text: lines.join('\n') };
}

export const judgeCommands: FamilyCommands = {
  async train(data, c) {
    const r = await trainJudge(data, { registry: c.registry, onProgress: c.onProgress });
    return { json: r, text: formatJudgeTrain(r) };
  },
  evaluate: (registry, o) => evaluateJudgeCli(registry, o),
};
