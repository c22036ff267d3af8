// Scoring canary judges on labelled windows (docs/definitions.md#canary-verdict-accuracy-and-inconclusive-rate): a verdict is right when it
// is fail on a window with a material fault active and pass otherwise; inconclusive counts as wrong and its rate is
// reported beside. The ML judge and the Kayenta-style Mann-Whitney judge (judges/window-judges.ts) are scored on the very
// same windows, overall and on two slices: low-traffic windows (the canary served fewer than 100 requests) and
// shared-incident windows (TRUTH: a shared-dependency incident hit both cohorts).
//
// Data sets the model was trained on are recognised by their windows table's sha256 (recorded in the model); only
// their test split (the same seeded split by deployment) is scored. Any other data set is scored whole.
import { kayentaWindowJudge, type WindowJudge, type WindowVerdict } from '../../judges/window-judges.ts';
import { capPass } from '../../judges/evidence.ts';
import { checkTargets, type TargetResult } from '../targets.ts';
import { judgeDataDirs, readJudgeWindows, splitByDeployment, type LabelledWindows } from './data.ts';
import type { JudgeModel } from './model.ts';

export const JUDGE_SLICES = ['overall', 'lowTraffic', 'sharedIncident'] as const;
export type JudgeSlice = (typeof JUDGE_SLICES)[number];

export interface VerdictScore {
  windows: number;
  /** Windows labelled fail. */
  failWindows: number;
  verdicts: Record<WindowVerdict, number>;
  /** Right verdicts / windows (inconclusive = wrong); null without windows. */
  accuracy: number | null;
  inconclusiveRate: number | null;
  /** Fail-labelled windows judged fail / windows judged fail (null: none judged fail). */
  failPrecision: number | null;
  /** Fail-labelled windows judged fail / fail-labelled windows (inconclusive = miss; null: none labelled fail). */
  failRecall: number | null;
}

/** Per slice, per judge ('ml' and the baselines by name). */
export type SliceScores = Record<JudgeSlice, Record<string, VerdictScore>>;

export interface DatasetScores {
  source: string;
  scenario: string | null;
  seed: number | null;
  /** 'all windows', or 'test split' for a data set the model was trained on. */
  part: string;
  windows: number;
  slices: SliceScores;
}

export interface JudgeEvaluation {
  /** The model's registry version, if it has one. */
  model: string | null;
  judges: string[];
  windows: number;
  slices: SliceScores;
  datasets: DatasetScores[];
  /** Headline figures (finite only): the card's metrics and the targets' inputs. */
  metrics: Record<string, number>;
  targets: TargetResult[];
  /** Wall seconds judging, per judge. */
  seconds: Record<string, number>;
}

/** Score verdicts against labels (1 = fail). */
export function scoreVerdicts(verdicts: readonly WindowVerdict[], labels: ArrayLike<number>): VerdictScore {
  const v: Record<WindowVerdict, number> = { pass: 0, fail: 0, inconclusive: 0 };
  let right = 0;
  let failWindows = 0;
  let truePos = 0;
  for (let i = 0; i < verdicts.length; i++) {
    v[verdicts[i]]++;
    if (labels[i]) failWindows++;
    if ((verdicts[i] === 'fail' && labels[i]) || (verdicts[i] === 'pass' && !labels[i])) right++;
    if (verdicts[i] === 'fail' && labels[i]) truePos++;
  }
  const n = verdicts.length;
  return {
    windows: n,
    failWindows,
    verdicts: v,
    accuracy: n ? right / n : null,
    inconclusiveRate: n ? v.inconclusive / n : null,
    failPrecision: v.fail ? truePos / v.fail : null,
    failRecall: failWindows ? truePos / failWindows : null,
  };
}

export interface EvaluationPart {
  windows: LabelledWindows;
  /** Rows to score (default: all). */
  rows?: number[];
  part?: string;
}

export interface EvaluateOptions {
  /** Baseline judges scored on the same windows (default: the Kayenta-style judge). */
  baselines?: WindowJudge[];
}

function sliceScores(verdicts: Record<string, WindowVerdict[]>, labels: Uint8Array, low: Uint8Array, shared: Uint8Array): SliceScores {
  const out = {} as SliceScores;
  for (const s of JUDGE_SLICES) {
    const keep = (i: number) => s === 'overall' || (s === 'lowTraffic' ? low[i] === 1 : shared[i] === 1);
    out[s] = {};
    for (const [name, vs] of Object.entries(verdicts)) {
      const idx = vs.map((_, i) => i).filter(keep);
      out[s][name] = scoreVerdicts(idx.map((i) => vs[i]), Uint8Array.from(idx, (i) => labels[i]));
    }
  }
  return out;
}

/** Score the model and the baselines on in-memory windows (each part whole, or the given rows). */
export function evaluateJudgeOn(model: JudgeModel, parts: readonly EvaluationPart[], opts: EvaluateOptions = {}): JudgeEvaluation {
  const baselines = opts.baselines ?? [kayentaWindowJudge()];
  const names = ['ml', ...baselines.map((b) => b.name)];
  const seconds: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const all: Record<string, WindowVerdict[]> = Object.fromEntries(names.map((n) => [n, []]));
  const labels: number[] = [];
  const low: number[] = [];
  const shared: number[] = [];
  const datasets: DatasetScores[] = [];
  for (const p of parts) {
    const d = p.windows;
    const rows = p.rows ?? Array.from({ length: d.n }, (_, i) => i);
    const vs: Record<string, WindowVerdict[]> = Object.fromEntries(names.map((n) => [n, []]));
    let t = performance.now();
    // As served: a pass on a window without sufficient evidence is inconclusive (judges/evidence.ts), as for the baselines.
    for (const r of rows) vs.ml.push(capPass('ml', d.windows[r], model.judge(d.windows[r], { reasons: false })).verdict);
    seconds.ml += (performance.now() - t) / 1000;
    for (const b of baselines) {
      t = performance.now();
      for (const r of rows) vs[b.name].push(b.judge(d.windows[r]).verdict);
      seconds[b.name] += (performance.now() - t) / 1000;
    }
    const y = Uint8Array.from(rows, (r) => d.labels[r]);
    const lo = Uint8Array.from(rows, (r) => d.lowTraffic[r]);
    const sh = Uint8Array.from(rows, (r) => d.sharedIncident[r]);
    datasets.push({ source: d.source, scenario: d.manifest?.scenario ?? null, seed: d.manifest?.seed ?? null, part: p.part ?? 'all windows', windows: rows.length, slices: sliceScores(vs, y, lo, sh) });
    for (const n of names) all[n].push(...vs[n]);
    labels.push(...y);
    low.push(...lo);
    shared.push(...sh);
  }
  const slices = sliceScores(all, Uint8Array.from(labels), Uint8Array.from(low), Uint8Array.from(shared));
  const metrics = headlineMetrics(slices, baselines[0]?.name);
  return { model: model.version, judges: names, windows: labels.length, slices, datasets, metrics, targets: checkTargets('judge', metrics), seconds };
}

/** The card's metrics: the ML judge per slice, the first baseline beside, and the accuracy difference. */
export function headlineMetrics(slices: SliceScores, baseline = 'kayenta'): Record<string, number> {
  const m: Record<string, number> = {};
  const put = (k: string, v: number | null | undefined) => {
    if (typeof v === 'number' && Number.isFinite(v)) m[k] = v;
  };
  const o = slices.overall.ml;
  put('accuracy', o.accuracy);
  put('inconclusiveRate', o.inconclusiveRate);
  put('failPrecision', o.failPrecision);
  put('failRecall', o.failRecall);
  put('windows', o.windows);
  put('lowTrafficAccuracy', slices.lowTraffic.ml.accuracy);
  put('lowTrafficInconclusiveRate', slices.lowTraffic.ml.inconclusiveRate);
  put('lowTrafficWindows', slices.lowTraffic.ml.windows);
  put('sharedIncidentAccuracy', slices.sharedIncident.ml.accuracy);
  put('sharedIncidentWindows', slices.sharedIncident.ml.windows);
  const b = slices.overall[baseline];
  if (b) {
    put(`${baseline}Accuracy`, b.accuracy);
    put(`${baseline}InconclusiveRate`, b.inconclusiveRate);
    put(`${baseline}LowTrafficAccuracy`, slices.lowTraffic[baseline].accuracy);
    put(`${baseline}SharedIncidentAccuracy`, slices.sharedIncident[baseline].accuracy);
    if (o.accuracy !== null && b.accuracy !== null) put(`accuracyOver${baseline[0].toUpperCase()}${baseline.slice(1)}`, o.accuracy - b.accuracy);
  }
  return m;
}

/**
 * Score the model on labelled windows of backtest data sets, beside the Kayenta-style judge on the same windows.
 * A data set the model was trained on (same windows sha256) contributes only its test split.
 */
export async function evaluateJudge(model: JudgeModel, data: string | readonly string[], opts: EvaluateOptions = {}): Promise<JudgeEvaluation> {
  const parts: EvaluationPart[] = [];
  for (const dir of judgeDataDirs(data)) {
    const windows = await readJudgeWindows(dir);
    const sha = windows.manifest?.tables.windows?.sha256 ?? null;
    const trained = sha === null ? undefined : model.training.datasets.find((d) => d.windowsSha256 === sha);
    if (trained) {
      const s = splitByDeployment(windows, model.training.splitSeed, trained.tag);
      parts.push({ windows, rows: s.test, part: 'test split' });
    } else parts.push({ windows, part: 'all windows' });
  }
  return evaluateJudgeOn(model, parts, opts);
}

const pc = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const int = (x: number) => x.toLocaleString('en-US');
const SLICE_NAMES: Record<JudgeSlice, string> = { overall: 'all windows', lowTraffic: 'low traffic', sharedIncident: 'shared incident' };

function sliceLines(slices: SliceScores, judges: string[], indent: string): string[] {
  const lines: string[] = [];
  for (const s of JUDGE_SLICES) {
    judges.forEach((j, k) => {
      const v = slices[s][j];
      if (!v) return;
      const head = k === 0 ? `${SLICE_NAMES[s].padEnd(16)}${int(v.windows).padStart(8)}` : ' '.repeat(24);
      lines.push(`${indent}${head}  ${j.padEnd(8)} ${pc(v.accuracy).padStart(8)} ${pc(v.inconclusiveRate).padStart(9)} ${pc(v.failPrecision).padStart(10)} ${pc(v.failRecall).padStart(9)}`);
    });
  }
  return lines;
}

/** Plain-text table: overall, then per data set; each slice with the ML judge and the baselines side by side. */
export function formatJudgeEvaluation(e: JudgeEvaluation, title?: string): string {
  const head = `  ${'slice'.padEnd(16)}${'windows'.padStart(8)}  ${'judge'.padEnd(8)} ${'accuracy'.padStart(8)} ${'inconcl.'.padStart(9)} ${'fail prec.'.padStart(10)} ${'fail rec.'.padStart(9)}`;
  const lines = [title ?? `judge${e.model ? ` ${e.model}` : ''} on ${int(e.windows)} labelled windows (inconclusive counts as wrong)`, ''];
  if (e.datasets.length > 1) lines.push('  all data sets', head, ...sliceLines(e.slices, e.judges, '  '), '');
  for (const d of e.datasets) {
    lines.push(`  ${d.scenario ?? d.source}${d.seed !== null ? ` seed ${d.seed}` : ''} — ${d.part} (${int(d.windows)}) of ${d.source}`, head, ...sliceLines(d.slices, e.judges, '  '), '');
  }
  for (const t of e.targets) lines.push(`  target ${t.metric} ${t.comparator} ${t.target}: ${t.value === null ? 'not measured' : `${t.value.toFixed(4)} ${t.met ? 'met' : 'MISSED'}`}`);
  return lines.join('\n');
}
