// Risk-model benchmark: training time and scoring throughput of the change-risk model on 100,000 simulated
// deployments, with the tfjs backend used, and the held-out quality at that size.
//
//   npx rolloutlab bench risk [--deployments 100000] [--seed 1] [--json]
//
// Deployments come from as many 400-day `default` worlds (seeds seed, seed + 1, ...) as needed, simulated in memory
// without observations and turned into features by `riskDataFromWorld` (the same columns `train risk` reads from a
// data set at one-minute traffic resolution); each world is dropped once its features are extracted. Each world is
// split by time on its own (first 80 % train with their newest 20 % for early stopping + calibration, newest 20 %
// test) and the parts are concatenated, as `train risk --data a,b,...` does. Every world is used whole, so the row
// count is at least --deployments.
//
// Timed: `fitRisk` end to end (the additive model, the logistic and LApredict baselines, scoring the test part);
// inside it the additive model's `trainGam` (design-matrix encoding, the tfjs full-batch Adam loop, Platt scaling),
// and the tfjs loop alone, estimated from the epoch callbacks' timestamps. Scoring: `GamModel.predict` over every
// row (plain JavaScript, no tensor engine; best of 3), and `reasons` (the per-feature explanation of one row) over
// the first rows for about two seconds.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, parseScenario, simulateWorld } from '../sim/index.ts';
import { initBackend } from '../training/backend.ts';
import { combineRiskData, fitRisk, type RiskEvaluation } from '../training/risk/pipeline.ts';
import { riskDataFromWorld } from '../training/risk/world.ts';
import type { SimRiskData } from '../training/risk/sim.ts';
import { terminalProgress } from '../lib/progress.ts';
import { codeVersion } from '../lib/version.ts';

export interface RiskBenchReport {
  codeVersion: string;
  backend: { name: string; version: string };
  machine: { cpu: string; cores: number; loadAverage: number; node: string };
  scenario: string;
  days: number;
  seeds: number[];
  rows: { total: number; train: number; validation: number; test: number };
  features: number;
  /** Columns of the design matrix (= fitted weights, without the bias). */
  weights: number;
  seconds: {
    /** Simulating the worlds (no observations) and extracting their features. */
    worlds: number;
    features: number;
    /** fitRisk end to end: the model, both baselines, scoring the test part. */
    fitRisk: number;
    /** The additive model's trainGam: encoding + tfjs loop + Platt scaling. */
    model: number;
    /** The tfjs full-batch Adam loop alone (estimated from epoch timestamps). */
    tfjsLoop: number;
    baselines: number;
  };
  epochs: { run: number; best: number; msPerEpoch: number };
  scoring: { predictRowsPerSecond: number; predictRows: number; reasonsRowsPerSecond: number; reasonsRows: number };
  heldOut: { model: Quality; logistic: Quality; lapredict: Quality; oracle: Quality | null; aucGapToOracle: number | null };
  peakRssMiB: number;
}

interface Quality {
  rocAuc: number;
  prAuc: number;
  brier: number;
  ece: number;
}

const q = (m: RiskEvaluation['model']): Quality => ({ rocAuc: m.rocAuc, prAuc: m.prAuc, brier: m.brier, ece: m.ece });

export async function benchRisk(o: { deployments?: number; seed?: number; days?: number } = {}): Promise<RiskBenchReport> {
  const target = o.deployments ?? 100_000;
  const firstSeed = o.seed ?? 1;
  const days = o.days ?? 400;
  const backend = await initBackend();
  const scenario = parseScenario({ ...loadScenario('default'), days }, `default with ${days} days`);
  const progress = terminalProgress();
  const parts: SimRiskData[] = [];
  const seeds: number[] = [];
  let rows = 0;
  let worldSeconds = 0;
  let featureSeconds = 0;
  while (rows < target) {
    const seed = firstSeed + seeds.length;
    progress.update(`world ${seeds.length + 1} (seed ${seed})`, rows, target);
    const t0 = performance.now();
    let world: ReturnType<typeof simulateWorld> | null = simulateWorld(scenario, seed, undefined, { observations: false, idPrefix: `s${seed}-` });
    const t1 = performance.now();
    const d = riskDataFromWorld(world);
    world = null; // only the feature columns are kept
    const t2 = performance.now();
    worldSeconds += (t1 - t0) / 1000;
    featureSeconds += (t2 - t1) / 1000;
    parts.push(d);
    seeds.push(seed);
    rows += d.n;
    if (d.n === 0) throw new Error(`seed ${seed}: a world without deployments`);
  }
  progress.update('deployments', rows, target);
  const { data, split } = combineRiskData(parts, (k) => `seed ${seeds[k]}`);
  parts.length = 0;
  const epochAt: number[] = [];
  const t0 = performance.now();
  const fit = await fitRisk(data, {}, (e, _loss) => {
    epochAt.push(performance.now());
    progress.update('train (epochs)', e + 1, 600);
  }, split);
  const fitSeconds = (performance.now() - t0) / 1000;
  progress.done();
  const E = epochAt.length;
  const tfjsLoop = E > 1 ? ((epochAt[E - 1] - epochAt[0]) / 1000) * (E / (E - 1)) : fit.seconds.model;

  // Scoring throughput: every row through predict (best of 3), then reasons for ~2 s.
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const s0 = performance.now();
    const p = fit.model.predict(data.cols, data.n);
    const dt = (performance.now() - s0) / 1000;
    if (!(p.length === data.n)) throw new Error('predict returned the wrong length');
    best = Math.min(best, dt);
  }
  let reasonsRows = 0;
  const r0 = performance.now();
  while (reasonsRows < data.n && performance.now() - r0 < 2000) {
    for (let k = 0; k < 500 && reasonsRows < data.n; k++, reasonsRows++) fit.model.reasons(data.cols, reasonsRows);
  }
  const reasonsSeconds = (performance.now() - r0) / 1000;

  const e = fit.evaluation;
  return {
    codeVersion: codeVersion(),
    backend: { name: backend.name, version: backend.version },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), loadAverage: loadavg()[0], node: process.version },
    scenario: 'default',
    days,
    seeds,
    rows: { total: data.n, train: split.train.length, validation: split.validation.length, test: split.test.length },
    features: data.specs.length,
    weights: fit.model.toJSON().weights.length,
    seconds: { worlds: worldSeconds, features: featureSeconds, fitRisk: fitSeconds, model: fit.seconds.model, tfjsLoop, baselines: fit.seconds.baselines },
    epochs: { run: fit.model.training.epochs, best: fit.model.training.bestEpoch, msPerEpoch: E ? (tfjsLoop * 1000) / E : 0 },
    scoring: { predictRowsPerSecond: data.n / best, predictRows: data.n, reasonsRowsPerSecond: reasonsRows / reasonsSeconds, reasonsRows },
    heldOut: { model: q(e.model), logistic: q(e.logistic), lapredict: q(e.lapredict!), oracle: e.oracle ? q(e.oracle) : null, aucGapToOracle: e.aucGapToOracle },
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

export function formatRiskBench(r: RiskBenchReport): string {
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const s = r.seconds;
  const row = (name: string, m: Quality) => `  ${name.padEnd(40)} ${m.rocAuc.toFixed(4)}   ${m.prAuc.toFixed(4)}   ${m.brier.toFixed(4)}   ${m.ece.toFixed(4)}`;
  return [
    `risk-model benchmark — ${f(r.rows.total)} deployments from ${r.seeds.length} ${r.scenario} worlds of ${r.days} days (seeds ${r.seeds[0]}-${r.seeds[r.seeds.length - 1]}), backend ${r.backend.name} ${r.backend.version}`,
    `  machine: ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, load average at the end ${r.machine.loadAverage.toFixed(2)}`,
    `  rows: ${f(r.rows.train)} fit, ${f(r.rows.validation)} early stopping + calibration, ${f(r.rows.test)} test (each world split by time on its own); ${r.features} features, ${r.weights} weights`,
    '',
    `  worlds simulated in ${s.worlds.toFixed(1)} s, features extracted in ${s.features.toFixed(1)} s (not part of training)`,
    `  fitRisk end to end            ${s.fitRisk.toFixed(1).padStart(7)} s   (model + logistic and LApredict baselines + scoring the test part)`,
    `    additive model (trainGam)   ${s.model.toFixed(1).padStart(7)} s   (encoding, tfjs loop, Platt scaling)`,
    `      tfjs loop alone           ${s.tfjsLoop.toFixed(1).padStart(7)} s   ${r.epochs.run} epochs (best ${r.epochs.best}), ${r.epochs.msPerEpoch.toFixed(1)} ms/epoch, full batch of ${f(r.rows.train)} rows × ${r.weights} columns (the early-stopping fit; the refit on fitting + validation rows, best + 1 epochs, is in trainGam's time above)`,
    `    both baselines              ${s.baselines.toFixed(1).padStart(7)} s`,
    `  scoring: predict ${f(r.scoring.predictRowsPerSecond)} deployments/s (${f(r.scoring.predictRows)} rows, best of 3); with reasons ${f(r.scoring.reasonsRowsPerSecond)} deployments/s (${f(r.scoring.reasonsRows)} rows)`,
    '',
    '  on the held-out (newest 20 % of each world)   ROC AUC   PR AUC    Brier      ECE',
    row('rolloutlab risk model', r.heldOut.model),
    row('logistic regression (raw features)', r.heldOut.logistic),
    row('LApredict (lines added only)', r.heldOut.lapredict),
    ...(r.heldOut.oracle ? [row('oracle (true probability)', r.heldOut.oracle), `  AUC gap to the oracle ${r.heldOut.aucGapToOracle!.toFixed(4)}`] : []),
    '',
    `  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const deployments = Number(arg('--deployments', '100000'));
  const seed = Number(arg('--seed', '1'));
  if (!Number.isInteger(deployments) || deployments < 1) throw new Error(`--deployments must be a positive integer, got ${arg('--deployments', '')}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${arg('--seed', '')}`);
  const r = await benchRisk({ deployments, seed });
  process.stdout.write((argv.includes('--json') ? JSON.stringify(r, null, 2) : formatRiskBench(r)) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`bench/risk: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
