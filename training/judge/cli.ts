// What `rolloutlab train judge` and `rolloutlab evaluate judge` print (cli/commands/models.ts only parses the arguments).
import type { ModelRegistry } from '../registry.ts';
import type { FamilyCommands } from '../family-commands.ts';
import { evaluateJudge, formatJudgeEvaluation, type JudgeEvaluation } from './evaluate.ts';
import { loadJudge, trainJudge, JUDGE_FAMILY, type JudgeTrainResult } from './family.ts';
import { resolveHyperParamRequest } from '../hyper-params.ts';
import { evaluateJudgeReplay, JUDGE_REPLAY_FAMILY, trainJudgeReplay, type JudgeReplayEvaluation, type JudgeReplayTrainResult, type ReplayPart, type ReplayScore } from './replay.ts';

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

const pcn = (x: number | null) => (x === null ? '—' : pc(x));

/** One table row per judge on labelled recorded windows: accuracy, inconclusive and false-pass rates, per-label counts. */
function replayRows(rows: [string, ReplayScore | null, string?][]): string[] {
  const head = `  ${'judge'.padEnd(40)} ${'accuracy'.padStart(8)} ${'inconcl.'.padStart(9)} ${'false pass'.padStart(10)} ${'fail prec.'.padStart(10)} ${'fail rec.'.padStart(9)}   fail windows: pass/fail/inconcl.   pass windows: pass/fail/inconcl.`;
  const lines = [head];
  for (const [name, s, note] of rows) {
    if (!s) {
      lines.push(`  ${name.padEnd(40)} ${note ?? 'not available'}`);
      continue;
    }
    const c = (l: 'fail' | 'pass') => `${s.confusion[l].pass}/${s.confusion[l].fail}/${s.confusion[l].inconclusive}`;
    lines.push(`  ${name.padEnd(40)} ${pcn(s.accuracy).padStart(8)} ${pcn(s.inconclusiveRate).padStart(9)} ${pcn(s.falsePassRate).padStart(10)} ${pcn(s.failPrecision).padStart(10)} ${pcn(s.failRecall).padStart(9)}   ${c('fail').padStart(32)}   ${c('pass').padStart(32)}`);
  }
  return lines;
}

const partLine = (name: string, p: ReplayPart) => `  ${name.padEnd(10)} ${String(p.deployments).padStart(4)} deployments ${String(p.windows).padStart(6)} windows (${p.fail} fail, ${p.pass} pass)  ${p.first} … ${p.last}${p.from ? `  (${p.from} … ${p.to})` : ''}`;

export function formatJudgeReplayTrain(r: JudgeReplayTrainResult): string {
  const d = r.decision;
  const cands = r.candidates.map((c) => [`${c.name}${c.name === r.method ? ' (chosen)' : ''}`, c.validation, c.note ?? undefined] as [string, ReplayScore | null, string?]);
  return [
    `${r.family} ${r.version} trained on ${r.windows.labelled.toLocaleString('en-US')} labelled windows of ${r.intervalTicks} ticks from ${r.file} in ${r.seconds.toFixed(1)} s on backend ${r.backend}; ${r.promotion.promoted ? `now the ${r.family} champion` : `${r.family} champion stays ${r.promotion.champion}`} (${r.promotion.reason})`,
    `  its own registry folder (${r.family}): never the served judge champion. ${r.windows.unlabelled} unlabelled window(s) left out.`,
    `  split: ${r.split.description}`,
    partLine('fit', r.split.parts.fit),
    partLine('validation', r.split.parts.validation),
    partLine('held out', r.split.parts.heldOut),
    '',
    '  candidates on the validation windows (the higher accuracy is registered, then the lower false-pass rate)',
    ...replayRows(cands),
    '',
    `  decision: fail at P(fail) >= ${d.failThreshold.toFixed(2)}; below ${d.lowTrafficRequests} canary requests inconclusive within ±${d.band.toFixed(2)} of it; below ${d.minRequests} no pass; evidence rule at z ${d.evidenceZ}`,
    '',
    `  on the ${r.split.parts.heldOut.windows} held-out windows (the newest deployments; inconclusive counts as wrong; false pass = fail windows judged pass / fail windows)`,
    ...replayRows([
      [`${r.family} ${r.version} (${r.method})`, r.heldOut.ml],
      ...r.candidates.filter((c) => c.name !== r.method).map((c) => [`candidate ${c.name}`, c.heldOut, c.note ?? undefined] as [string, ReplayScore | null, string?]),
      [`simulated champion judge${r.heldOut.championVersion ? ` ${r.heldOut.championVersion}` : ''} as is`, r.heldOut.champion, 'no simulated judge champion in the registry'],
      ['kayenta', r.heldOut.kayenta],
    ]),
  ].join('\n');
}

export function formatJudgeReplayEvaluation(e: JudgeReplayEvaluation): string {
  return [
    `${e.family} ${e.version} on the ${e.heldOut.windows} held-out windows of ${e.intervalTicks} ticks of ${e.file} (the newest ${e.heldOut.deployments} labelled deployments, ${e.heldOut.first} … ${e.heldOut.last}: ${e.heldOut.fail} fail, ${e.heldOut.pass} pass)`,
    '',
    ...replayRows([
      [`${e.family} ${e.version}`, e.judges.ml],
      [`simulated champion judge${e.championVersion ? ` ${e.championVersion}` : ''}`, e.judges.champion, 'no simulated judge champion in the registry'],
      ['kayenta', e.judges.kayenta],
    ]),
    '',
    '  inconclusive counts as wrong; false pass = fail windows judged pass / fail windows',
  ].join('\n');
}

export const judgeCommands: FamilyCommands = {
  async train(data, c) {
    const r = await trainJudge(data, { registry: c.registry, onProgress: c.onProgress, tuning: resolveHyperParamRequest(JUDGE_FAMILY, c.hyperParams) });
    return { json: r, text: formatJudgeTrain(r) };
  },
  evaluate: (registry, o) => evaluateJudgeCli(registry, o),
  async trainReplay(input, c) {
    const r = await trainJudgeReplay(input, { registry: c.registry, onProgress: c.onProgress, tuning: resolveHyperParamRequest(JUDGE_REPLAY_FAMILY, c.hyperParams) });
    return { json: r, text: formatJudgeReplayTrain(r) };
  },
  async evaluateReplay(input, registry, o) {
    const e = await evaluateJudgeReplay(input, { registry, version: o.version });
    return { json: e, text: formatJudgeReplayEvaluation(e) };
  },
};
