// Development figures of the retry model: trains as training/retry/train.ts does (two default worlds, calibrated and
// its threshold chosen on a third), then prints the precision and recall of "retry" on the simulated validation
// worlds and on the development set of real-style messages (training/retry/dev-messages.jsonl). The development set
// chooses features and options; it never fits weights or the threshold. `--errors` lists the development messages
// the model gets wrong. Never run on the test world (default seed 4) or on the held-out fixtures.
//   npx tsx scripts/retry-dev-eval.ts [--errors]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../sim/load-scenario.ts';
import { simulateCiFailures, type CiWorld } from '../sim/ci/index.ts';
import { parseFailedStep, type FailedStep } from '../datasets/failed-step.ts';
import { failedStepOf } from '../training/retry/data.ts';
import { trainRetryOnWorlds, replayAtThreshold, RETRY_TRAIN_OPTIONS } from '../training/retry/train.ts';
import type { RetryModel } from '../training/retry/model.ts';
import { stepFeatures } from '../training/retry/features.ts';

interface DevRow { step: string; exitCode: number; log: string; retry: boolean; category: string; source: string }

const showErrors = process.argv.includes('--errors');
const devPath = join(import.meta.dirname, '..', 'training', 'retry', 'dev-messages.jsonl');
const dev = readFileSync(devPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
  try {
    return JSON.parse(l) as DevRow;
  } catch {
    throw new Error(`${devPath}: line ${i + 1}: not JSON`);
  }
});

function score(model: RetryModel, rows: { step: FailedStep; retry: boolean }[]) {
  let tp = 0, fp = 0, fn = 0;
  for (const r of rows) {
    const retry = model.pRetry(stepFeatures(r.step)) >= model.threshold;
    if (retry && r.retry) tp++;
    else if (retry) fp++;
    else if (r.retry) fn++;
  }
  return { n: rows.length, precision: tp + fp ? tp / (tp + fp) : NaN, recall: tp + fn ? tp / (tp + fn) : NaN };
}

const fmt = (s: { n: number; precision: number; recall: number }) => `n ${s.n}  precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}`;
const worldRows = (w: CiWorld) => w.failures.map((f) => ({ step: failedStepOf(f), retry: f.truth.transient }));

const t0 = performance.now();
const sc = loadScenario('default');
const [w1, w2, w3] = [1, 2, 3].map((seed) => simulateCiFailures(sc, seed));
const t1 = performance.now();
const fitOverride = process.env.RETRY_FIT ? { ...RETRY_TRAIN_OPTIONS, ...JSON.parse(process.env.RETRY_FIT) } : RETRY_TRAIN_OPTIONS;
const { model, threshold, rows } = trainRetryOnWorlds([w1, w2], w3, fitOverride);
const t2 = performance.now();
console.log(`simulated 3 worlds in ${((t1 - t0) / 1000).toFixed(1)} s; trained on ${rows.train} rows in ${((t2 - t1) / 1000).toFixed(1)} s; threshold ${threshold.toFixed(3)} (chosen on default seed 3)`);
console.log(`default seed 3 (validation, threshold chosen here): ${fmt(score(model, worldRows(w3)))}`);
const rp = (w: CiWorld) => { const r = replayAtThreshold(model, w.failures, threshold); return `replay: transient recovered ${(100 * r.recovered).toFixed(1)} %, wasted ${(100 * r.wasted).toFixed(1)} %`; };
console.log(`  ${rp(w3)}`);
const other = simulateCiFailures(loadScenario('low-traffic'), 3);
console.log(`low-traffic seed 3 (validation, another scenario):  ${fmt(score(model, worldRows(other)))}`);
console.log(`  ${rp(other)}`);
const devRows = dev.map((r) => ({ step: parseFailedStep({ step: r.step, exitCode: r.exitCode, log: r.log }), retry: r.retry, r }));
console.log(`development set (${dev.filter((r) => r.retry).length} retry / ${dev.filter((r) => !r.retry).length} fail):   ${fmt(score(model, devRows))}`);
const t3 = performance.now();
for (const r of devRows) model.score(r.step);
console.log(`scoring: ${(((performance.now() - t3) / devRows.length) * 1000).toFixed(0)} µs per step`);
if (showErrors) {
  for (const { step, r } of devRows) {
    const p = model.pRetry(stepFeatures(step));
    if ((p >= threshold) === r.retry) continue;
    const last = r.log.trim().split('\n').slice(-3).join(' ⏎ ').slice(0, 220);
    console.log(`${r.retry ? 'MISSED' : 'WASTED'} p=${p.toFixed(3)} [${r.category}/${r.source}] ${r.step}: ${last}`);
  }
}
