// ML canary judge benchmark: verdicts per second of the judge champion beside the Kayenta-style Mann-Whitney window
// judge (judges/window-judges.ts), in the same run, on the same windows.
//
//   npx rolloutlab bench judge [--data <dir[,dir...]>] [--models <dir>] [--json]
//   npx rolloutlab bench judge --ceiling [--scenario default] [--seed 1] [--deployments 2000]   (backtest/judge-ceiling.ts)
//
// Windows: the labelled windows of the given backtest data sets, or (default) those of 300 deployments of the default
// scenario, seed 11, backtested in memory. Each judge runs over every window (after one warm-up pass) until at least
// two seconds have passed; the figure is windows / seconds. The ML judge is timed with its per-metric reasons (what a
// rollout policy shows an operator) and without (verdict and P(fail) only), and its feature extraction alone.
// Accuracy on these windows is printed beside for context (seed 11 is training data of the default champion: use
// `rolloutlab evaluate judge --data` on held-out data for accuracy).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { loadScenario } from '../sim/index.ts';
import { backtest } from '../backtest/run.ts';
import { resolvePolicies } from '../policies/index.ts';
import { kayentaWindowJudge, type AnalysisWindow, type WindowVerdict } from '../judges/window-judges.ts';
import { capPass } from '../judges/evidence.ts';
import { ModelRegistry } from '../training/registry.ts';
import { concatWindows, judgeDataDirs, judgeWindowsFrom, readJudgeWindows, type LabelledWindows } from '../training/judge/data.ts';
import { loadJudge } from '../training/judge/family.ts';
import { JUDGE_FEATURES, windowFeatures } from '../training/judge/features.ts';
import { scoreVerdicts } from '../training/judge/evaluate.ts';
import { codeVersion } from '../lib/version.ts';
import { terminalProgress } from '../lib/progress.ts';
import { judgeVisibility, formatVisibility } from '../backtest/judge-ceiling.ts';

export interface JudgeBenchCase {
  name: string;
  windows: number;
  passes: number;
  seconds: number;
  verdictsPerSecond: number;
  /** Microseconds per window. */
  usPerVerdict: number;
  accuracy: number | null;
}

export interface JudgeBenchReport {
  codeVersion: string;
  model: string | null;
  machine: { cpu: string; cores: number; loadAverage: number; node: string };
  data: string;
  windows: number;
  cases: JudgeBenchCase[];
  /** ML judge (with reasons) verdicts/s over Kayenta's. */
  speedRatio: number;
}

function time(name: string, ws: readonly AnalysisWindow[], labels: Uint8Array, f: (w: AnalysisWindow) => WindowVerdict | null): JudgeBenchCase {
  const verdicts: WindowVerdict[] = [];
  for (const w of ws) {
    const v = f(w);
    if (v) verdicts.push(v);
  }
  let passes = 0;
  const t0 = performance.now();
  let sink = 0;
  do {
    for (const w of ws) if (f(w) === 'fail') sink++;
    passes++;
  } while (performance.now() - t0 < 2000);
  const seconds = (performance.now() - t0) / 1000;
  if (sink < 0) throw new Error('unreachable');
  const n = ws.length * passes;
  return { name, windows: ws.length, passes, seconds, verdictsPerSecond: n / seconds, usPerVerdict: (1e6 * seconds) / n, accuracy: verdicts.length === ws.length ? scoreVerdicts(verdicts, labels).accuracy : null };
}

export async function benchJudge(o: { data?: string; models?: string } = {}): Promise<JudgeBenchReport> {
  const model = await loadJudge(new ModelRegistry(o.models ? { root: resolve(o.models) } : {}));
  let data: LabelledWindows;
  let source: string;
  if (o.data) {
    const parts: LabelledWindows[] = [];
    for (const dir of judgeDataDirs(o.data)) parts.push(await readJudgeWindows(dir));
    data = concatWindows(parts);
    source = o.data;
  } else {
    const run = backtest({ scenario: loadScenario('default'), seed: 11, deployments: 300, policies: resolvePolicies('none'), windowMinutes: 5 });
    data = judgeWindowsFrom(run.windows, 'default seed 11, 300 deployments (in memory)');
    source = data.source;
  }
  const ws = data.windows;
  const kayenta = kayentaWindowJudge();
  const feat = new Float64Array(JUDGE_FEATURES.length);
  const cases = [
    time('kayenta', ws, data.labels, (w) => kayenta.judge(w).verdict),
    // As served and as the window judges answer: no pass without sufficient evidence (judges/evidence.ts).
    time('ml (with reasons)', ws, data.labels, (w) => capPass('ml', w, model.judge(w)).verdict),
    time('ml (verdict only)', ws, data.labels, (w) => capPass('ml', w, model.judge(w, { reasons: false })).verdict),
    time('ml features only', ws, data.labels, (w) => {
      windowFeatures(w, feat);
      return null;
    }),
  ];
  return {
    codeVersion: codeVersion(),
    model: model.version,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), loadAverage: loadavg()[0], node: process.version },
    data: source,
    windows: ws.length,
    cases,
    speedRatio: cases[1].verdictsPerSecond / cases[0].verdictsPerSecond,
  };
}

export function formatJudgeBench(r: JudgeBenchReport): string {
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return [
    `judge benchmark — judge ${r.model ?? '(unversioned)'} beside the Kayenta-style window judge, ${f(r.windows)} windows of ${r.data}, one thread`,
    `  machine: ${r.machine.cores} cores (${r.machine.cpu}), node ${r.machine.node}, load average at the end ${r.machine.loadAverage.toFixed(2)}`,
    '',
    '  judge                  verdicts/s   µs/verdict   accuracy here',
    ...r.cases.map((c) => `  ${c.name.padEnd(20)} ${f(c.verdictsPerSecond).padStart(12)} ${c.usPerVerdict.toFixed(1).padStart(12)}   ${c.accuracy === null ? '' : `${(100 * c.accuracy).toFixed(1)} %`}`),
    '',
    `  ml (with reasons) / kayenta: ${r.speedRatio.toFixed(2)}×`,
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--ceiling')) {
    // The accuracy ceiling: how visible each fail window is (simulator truth), beside the champion's and Kayenta's verdicts.
    const model = await loadJudge(new ModelRegistry(arg('--models') ? { root: resolve(arg('--models')!) } : {}));
    const progress = terminalProgress();
    const v = judgeVisibility(model, { scenario: arg('--scenario') ?? 'default', seed: Number(arg('--seed') ?? 1), deployments: Number(arg('--deployments') ?? 2000), onProgress: (d, n) => progress.update('visibility', d, n) });
    progress.done();
    process.stdout.write((argv.includes('--json') ? JSON.stringify(v, null, 2) : formatVisibility(v)) + '\n');
    return;
  }
  const r = await benchJudge({ data: arg('--data'), models: arg('--models') });
  process.stdout.write((argv.includes('--json') ? JSON.stringify(r, null, 2) : formatJudgeBench(r)) + '\n');
}
