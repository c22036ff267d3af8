// Real-data benchmark of the change-risk pipeline on a JIT change history (datasets/README protocol): the first
// floor(0.8 N) commits by date train, the rest test; ROC AUC on the test part. No per-project tuning: the model
// (`--model`, default `blend`: training/risk/jit-models.ts) has the same settings on every project, chosen on
// validation slices of the training parts. The additive model of the simulated deployments (fitRisk) and its
// baselines (LApredict, logistic regression) run beside it on the same split.
//
//   npx rolloutlab bench jit --data datasets/real/jit/qt.csv [--model blend|gbdt|gbdt-raw|gam|rf] [--json]
//   npx rolloutlab bench jit --data datasets/real/jit --compare [--peers]   # every model × project, transfer, time shift
//
// With `peers: true`, scikit-learn's RandomForest (300 trees) and HistGradientBoosting run on the same split in
// the same run (bench/jit_sklearn.py under Debian's /usr/bin/python3, after the TypeScript fit, never at the same
// time). Without python3-sklearn the TypeScript figures still come out, with `peerError` saying why.
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJit } from '../datasets/import-jit.ts';
import { initBackend } from '../training/backend.ts';
import { fitRisk } from '../training/risk/pipeline.ts';
import { jitRiskData } from '../training/risk/jit.ts';
import { DEFAULT_JIT_MODEL, JIT_MODEL_NAMES, JIT_TIME_SHIFT, fitJitModel, jitColumns, jitInnerSplit, timeShifted, type JitModelName } from '../training/risk/jit-models.ts';
import { classifierMetrics } from '../training/metrics.ts';
import { chronologicalSplit, rocAuc, type JitHistory } from '../datasets/import-jit.ts';
import { RolloutlabError } from '../lib/errors.ts';

/** Debian's interpreter: python3-sklearn installs there (the python3 first on a pyenv PATH may lack it). */
export const DEFAULT_PEER_PYTHON = '/usr/bin/python3';
/** The scikit-learn peer script, next to this file. */
export const SKLEARN_PEER_SCRIPT = fileURLToPath(new URL('./jit_sklearn.py', import.meta.url));

export interface PeerFigures {
  auc: number;
  /** Wall seconds of `fit` alone (all cores: n_jobs=-1 / OpenMP). */
  trainSeconds: number;
}
export interface JitPeers {
  randomForest: PeerFigures;
  histGradientBoosting: PeerFigures;
}

export interface JitBenchOptions {
  /** Also run the scikit-learn peers on the same split (default false). */
  peers?: boolean;
  /** Interpreter for the peers (default /usr/bin/python3). */
  python?: string;
  /** The model behind `auc` (default DEFAULT_JIT_MODEL). */
  model?: JitModelName;
}

export interface JitBenchResult {
  project: string;
  nTrain: number;
  nTest: number;
  /** Test AUC of `model`. */
  auc: number;
  baselines: { lapredict: number; logistic: number };
  // --- extensions ---
  /** The model behind `auc`, `prAuc`, `brier` and `ece` (before it was always the additive model, now `gam`). */
  model: JitModelName;
  /** Test AUC of every model run: `model`, and the additive model `gam` (fitRisk, always run for the baselines). */
  models: Partial<Record<JitModelName, number>>;
  prAuc: number;
  brier: number;
  ece: number;
  backend: string;
  /** Wall seconds of fitRisk (the additive model and both baselines) and of `model`'s fit when it is not `gam` (one thread). */
  trainSeconds: number;
  published: Record<string, number> | null;
  /** scikit-learn peers on the same split; null when not requested or when they could not run. */
  peers: JitPeers | null;
  /** Why the peers did not run (requested but python/sklearn missing, or the script failed). */
  peerError?: string;
  /** scikit-learn version of the peers, when they ran. */
  sklearn?: string;
}

/** Published test AUCs (ISSTA 2021, datasets/README.md). */
const PUBLISHED: Record<string, Record<string, number>> = {
  qt: { lapredict: 0.744, lr: 0.665, deepjit: 0.693, cc2vec: 0.694 },
  openstack: { lapredict: 0.749, lr: 0.725, deepjit: 0.713, cc2vec: 0.723 },
};

export async function benchJit(csv: string, opts: JitBenchOptions = {}): Promise<JitBenchResult> {
  const model = opts.model ?? DEFAULT_JIT_MODEL;
  if (!(JIT_MODEL_NAMES as readonly string[]).includes(model)) throw new RolloutlabError('BAD_ARGUMENT', `--model: unknown JIT model ${JSON.stringify(model)} (expected one of ${JIT_MODEL_NAMES.join(', ')})`, 'model');
  const backend = await initBackend();
  const h = await importJit(csv);
  const t0 = performance.now();
  const fit = await fitRisk(jitRiskData(h));
  const e = fit.evaluation;
  // The chosen model on exactly fitRisk's rows: it fits on train + validation (its own newest 20 % early-stops).
  let m = e.model;
  if (model !== 'gam') {
    const trainRows = [...fit.split.train, ...fit.split.validation];
    const cols = jitColumns(h);
    // fitRisk's additive model was fitted on the same fitting / early-stopping rows as the blend's inner split (both
    // the newest 20 % of the training part, JIT_SPECS, default options): the blend reuses it rather than fit it again.
    const inner = jitInnerSplit(trainRows);
    const same = inner.train.length === fit.split.train.length && inner.train.every((r, i) => r === fit.split.train[i]);
    const jm = await fitJitModel(model, cols, h.columns.bug, trainRows, same ? { gam: fit.model } : {});
    m = classifierMetrics(jm.predict(cols, fit.split.test), Uint8Array.from(fit.split.test, (r) => h.columns.bug[r]));
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const project = h.project || basename(csv, '.csv');
  const r: JitBenchResult = {
    project,
    nTrain: fit.split.train.length + fit.split.validation.length,
    nTest: fit.split.test.length,
    auc: m.rocAuc,
    // JIT data always have `la`, so LApredict always runs.
    baselines: { lapredict: e.lapredict!.rocAuc, logistic: e.logistic.rocAuc },
    model,
    models: { [model]: m.rocAuc, gam: e.model.rocAuc },
    prAuc: m.prAuc,
    brier: m.brier,
    ece: m.ece,
    backend: backend.name,
    trainSeconds,
    published: PUBLISHED[project] ?? null,
    peers: null,
  };
  if (opts.peers) {
    const p = await runSklearnPeers(csv, opts.python ?? DEFAULT_PEER_PYTHON);
    if ('error' in p) r.peerError = p.error;
    else if (p.nTrain !== r.nTrain || p.nTest !== r.nTest) {
      r.peerError = `peer split differs: sklearn ${p.nTrain}/${p.nTest} train/test rows, rolloutlab ${r.nTrain}/${r.nTest}`;
    } else {
      r.peers = p.peers;
      r.sklearn = p.sklearn;
    }
  }
  return r;
}

interface SklearnOutput {
  project: string;
  nTrain: number;
  nTest: number;
  peers: JitPeers;
  sklearn: string;
}

/** Runs bench/jit_sklearn.py; never throws: a missing interpreter, library or a failed run becomes `{ error }`. */
export function runSklearnPeers(csv: string, python: string = DEFAULT_PEER_PYTHON, o: { trainFrom?: string; shift?: Readonly<Record<string, number>>; validation?: boolean } = {}): Promise<SklearnOutput | { error: string }> {
  const hint = `install Debian's python3-sklearn (apt-get install python3-sklearn) for ${python}`;
  const extra = [...(o.trainFrom ? ['--train-from', o.trainFrom] : []), ...(o.shift ? ['--shift', JSON.stringify(o.shift)] : []), ...(o.validation ? ['--validation'] : [])];
  return new Promise((resolve) => {
    const child = spawn(python, [SKLEARN_PEER_SCRIPT, csv, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e) => resolve({ error: `scikit-learn peers not run: cannot start ${python} (${e.message}); ${hint}` }));
    child.on('close', (code) => {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        parsed = null;
      }
      const o = parsed as (Partial<SklearnOutput> & { error?: string; message?: string }) | null;
      if (o?.error === 'sklearn-missing') return resolve({ error: `scikit-learn peers not run: ${python} has no sklearn; ${hint}` });
      if (o?.error) return resolve({ error: `scikit-learn peers failed: ${o.message ?? o.error}` });
      const ok = (f: unknown): f is PeerFigures =>
        typeof f === 'object' && f !== null && typeof (f as PeerFigures).auc === 'number' && typeof (f as PeerFigures).trainSeconds === 'number';
      if (code !== 0 || !o || !o.peers || !ok(o.peers.randomForest) || !ok(o.peers.histGradientBoosting)) {
        const tail = (err.trim() || out.trim()).split('\n').slice(-3).join(' | ');
        return resolve({ error: `scikit-learn peers failed: ${python} ${SKLEARN_PEER_SCRIPT} exited ${code}${tail ? `: ${tail}` : ''}` });
      }
      resolve(o as SklearnOutput);
    });
  });
}

export function formatJit(r: JitBenchResult): string {
  const f = (x: number) => x.toFixed(4);
  const s = (x: number) => `${x.toFixed(1)} s`;
  const lines = [
    `JIT risk benchmark — ${r.project}: ${r.nTrain} commits train (by date), ${r.nTest} test; backend ${r.backend}, trained in ${r.trainSeconds.toFixed(1)} s`,
    `  rolloutlab (${`${r.model})`.padEnd(15)} AUC ${f(r.auc)}   PR AUC ${f(r.prAuc)}   Brier ${f(r.brier)}   ECE ${f(r.ece)}   train ${s(r.trainSeconds)} (with the additive model and both baselines, 1 thread)`,
    ...(r.model !== 'gam' && r.models.gam !== undefined ? [`  additive model (gam)         AUC ${f(r.models.gam)}`] : []),
    `  LApredict (LR on la)         AUC ${f(r.baselines.lapredict)}`,
    `  logistic regression (14)     AUC ${f(r.baselines.logistic)}`,
  ];
  if (r.peers) {
    const v = r.sklearn ? ` ${r.sklearn}` : '';
    lines.push(
      `  RandomForest 300 (sklearn${v}) AUC ${f(r.peers.randomForest.auc)}   train ${s(r.peers.randomForest.trainSeconds)} (all cores)`,
      `  HistGradientBoosting (sklearn) AUC ${f(r.peers.histGradientBoosting.auc)}   train ${s(r.peers.histGradientBoosting.trainSeconds)} (all cores)`,
    );
  } else if (r.peerError) {
    lines.push(`  ${r.peerError}`);
  }
  if (r.published) lines.push(`  published (same split): ${Object.entries(r.published).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  return lines.join('\n');
}

export interface JitBenchAll {
  projects: JitBenchResult[];
  /** Mean test AUC over the projects; a peer's mean is null unless it ran on every project. */
  meanAuc: {
    rolloutlab: number;
    lapredict: number;
    logistic: number;
    /** The additive model (`gam`, the default before `blend`). */
    gam: number | null;
    randomForest: number | null;
    histGradientBoosting: number | null;
  };
}

/** The JIT CSVs to run: the file itself, or every `*.csv` directly inside a folder, sorted by name. */
export async function listJitCsvs(path: string): Promise<string[]> {
  const st = await stat(path).catch(() => null);
  if (!st?.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  // A mean over no projects is no figure: say what was expected instead of printing NaN.
  if (names.length === 0) throw new RolloutlabError('NOT_FOUND', `--data ${path}: the folder holds no .csv file (expected a JIT change-history CSV such as datasets/real/jit/qt.csv, or a folder of them)`, 'data');
  return names.map((n) => join(path, n));
}

/** benchJit on each file in turn (never concurrently), plus the mean AUC of ours, the baselines and each peer. */
export async function benchJitAll(csvs: string[], opts: JitBenchOptions = {}): Promise<JitBenchAll> {
  if (csvs.length === 0) throw new RolloutlabError('NOT_FOUND', '--data: no JIT CSV to run (expected a JIT change-history CSV, or a folder of them)', 'data');
  const projects: JitBenchResult[] = [];
  for (const csv of csvs) projects.push(await benchJit(csv, opts));
  const gam = projects.map((p) => p.models.gam).filter((v): v is number => v !== undefined);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const peerMean = (k: keyof JitPeers) => (projects.length > 0 && projects.every((p) => p.peers) ? mean(projects.map((p) => p.peers![k].auc)) : null);
  return {
    projects,
    meanAuc: {
      rolloutlab: mean(projects.map((p) => p.auc)),
      lapredict: mean(projects.map((p) => p.baselines.lapredict)),
      logistic: mean(projects.map((p) => p.baselines.logistic)),
      gam: gam.length === projects.length ? mean(gam) : null,
      randomForest: peerMean('randomForest'),
      histGradientBoosting: peerMean('histGradientBoosting'),
    },
  };
}

export function formatJitAll(r: JitBenchAll): string {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  const m = r.meanAuc;
  return [
    ...r.projects.map(formatJit),
    `Mean AUC over ${r.projects.length} project(s): rolloutlab (${r.projects[0]?.model ?? DEFAULT_JIT_MODEL}) ${f(m.rolloutlab)}, additive model ${f(m.gam)}, LApredict ${f(m.lapredict)}, logistic ${f(m.logistic)}, RandomForest-300 ${f(m.randomForest)}, HistGradientBoosting ${f(m.histGradientBoosting)}`,
  ].join('\n');
}

/** One column of the comparison: where the models were fitted and where they were tested. */
export interface JitCompareSetting {
  /** `qt`, `openstack → qt` (fitted on openstack's training part, tested on qt's test part), `qt, time-shifted`. */
  name: string;
  kind: 'within' | 'transfer' | 'time-shifted';
  trainProject: string;
  testProject: string;
  nTrain: number;
  nTest: number;
  /**
   * Test AUC of each model, of LApredict, and of the peers when run. LApredict is the AUC of lines added itself: the
   * ranking of logistic regression on lines added whenever its slope is positive (as on qt and openstack), without a
   * fit that can come out with the wrong sign on a small training part.
   */
  auc: Partial<Record<JitModelName, number>> & { lapredict: number; randomForest?: number; histGradientBoosting?: number };
}

export interface JitCompare {
  /** true: every history was cut to its training part first, so "test" is the training part's newest 20 % (validation). */
  validation: boolean;
  models: JitModelName[];
  settings: JitCompareSetting[];
  /** Multipliers of the growing metrics in the test part of the time-shifted settings. */
  timeShift: Readonly<Record<string, number>>;
  /** Wall seconds of each model's fits (one per project), summed. */
  trainSeconds: Partial<Record<JitModelName, number>>;
  peerError?: string;
}

/**
 * Every model on every project (first floor(0.8 N) rows train, the rest test), on each other project's test part
 * (fitted on one project's training part: transfer), and on each project with the growing metrics of its test part
 * multiplied by JIT_TIME_SHIFT (the same fit: only test rows change). Each model is fitted once per project; test
 * rows are scored once, here, and never feed a choice.
 *
 * With `validation`, each history is first cut to its training part (the first floor(0.8 N) rows), and everything
 * above runs inside it: fitted on the training part's older 80 %, scored on its newest 20 %. That is the table the
 * settings were chosen on; the test rows are never read.
 */
export async function benchJitCompare(csvs: string[], opts: { models?: JitModelName[]; peers?: boolean; python?: string; validation?: boolean } = {}): Promise<JitCompare> {
  const models = opts.models ?? [...JIT_MODEL_NAMES];
  const validation = !!opts.validation;
  await initBackend();
  const hs: { csv: string; h: JitHistory; trainEnd: number }[] = [];
  for (const csv of csvs) {
    let h = await importJit(csv);
    if (validation) h = headOf(h, chronologicalSplit(h.rows).trainEnd);
    hs.push({ csv, h, trainEnd: chronologicalSplit(h.rows).trainEnd });
  }
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const tests = hs.flatMap((src) => hs.map((dst) => ({ src, dst, kind: src === dst ? ('within' as const) : ('transfer' as const) })));
  const settings: JitCompareSetting[] = [];
  const targets: { s: JitCompareSetting; h: JitHistory; rows: number[]; src: (typeof hs)[number] }[] = [];
  for (const t of tests) {
    const name = t.kind === 'within' ? t.dst.h.project : `${t.src.h.project} → ${t.dst.h.project}`;
    targets.push({ s: { name, kind: t.kind, trainProject: t.src.h.project, testProject: t.dst.h.project, nTrain: t.src.trainEnd, nTest: t.dst.h.rows - t.dst.trainEnd, auc: { lapredict: NaN } }, h: t.dst.h, rows: range(t.dst.trainEnd, t.dst.h.rows), src: t.src });
  }
  for (const p of hs) {
    const h = timeShifted(p.h, p.trainEnd);
    targets.push({ s: { name: `${p.h.project}, time-shifted`, kind: 'time-shifted', trainProject: p.h.project, testProject: p.h.project, nTrain: p.trainEnd, nTest: p.h.rows - p.trainEnd, auc: { lapredict: NaN } }, h, rows: range(p.trainEnd, p.h.rows), src: p });
  }
  const cols = new Map(targets.map((t) => [t.h, jitColumns(t.h)]));
  for (const p of hs) cols.set(p.h, jitColumns(p.h));
  const y = (t: (typeof targets)[number]) => Uint8Array.from(t.rows, (r) => t.h.columns.bug[r]);
  const trainSeconds: Partial<Record<JitModelName, number>> = {};
  for (const src of hs) {
    const trainRows = range(0, src.trainEnd);
    const pc = cols.get(src.h)!;
    for (const t of targets.filter((t) => t.src === src)) t.s.auc.lapredict = rocAuc(Float64Array.from(t.rows, (r) => t.h.columns.la[r]), y(t));
    for (const name of models) {
      const m = await fitJitModel(name, pc, src.h.columns.bug, trainRows);
      trainSeconds[name] = (trainSeconds[name] ?? 0) + m.seconds;
      for (const t of targets.filter((t) => t.src === src)) t.s.auc[name] = rocAuc(m.predict(cols.get(t.h)!, t.rows), y(t));
    }
  }
  let peerError: string | undefined;
  if (opts.peers) {
    for (const t of targets) {
      const dst = hs.find((p) => p.h.project === t.s.testProject)!;
      const p = await runSklearnPeers(dst.csv, opts.python ?? DEFAULT_PEER_PYTHON, { ...(t.s.kind === 'transfer' ? { trainFrom: t.src.csv } : {}), ...(t.s.kind === 'time-shifted' ? { shift: JIT_TIME_SHIFT } : {}), validation });
      if ('error' in p) {
        peerError = p.error;
        break;
      }
      if (p.nTrain !== t.s.nTrain || p.nTest !== t.s.nTest) {
        peerError = `peer split differs on ${t.s.name}: sklearn ${p.nTrain}/${p.nTest} train/test rows, rolloutlab ${t.s.nTrain}/${t.s.nTest}`;
        break;
      }
      t.s.auc.randomForest = p.peers.randomForest.auc;
      t.s.auc.histGradientBoosting = p.peers.histGradientBoosting.auc;
    }
    if (peerError) for (const t of targets) delete t.s.auc.randomForest, delete t.s.auc.histGradientBoosting;
  }
  settings.push(...targets.map((t) => t.s));
  return { validation, models, settings, timeShift: JIT_TIME_SHIFT, trainSeconds, ...(peerError ? { peerError } : {}) };
}

/** The oldest n rows of a history (the rest are not kept, so they cannot be read). */
function headOf(h: JitHistory, n: number): JitHistory {
  const c = h.columns as unknown as Record<string, Float64Array | Uint8Array>;
  const columns = Object.fromEntries(Object.keys(c).map((k) => [k, c[k].slice(0, n)])) as unknown as JitHistory['columns'];
  return { ...h, rows: n, ids: h.ids.slice(0, n), columns };
}

/** The comparison as a Markdown table: a row per model, a column per setting, and the mean of the within-project columns. */
export function formatJitCompare(r: JitCompare): string {
  const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(4));
  const within = r.settings.filter((s) => s.kind === 'within');
  const mean = (k: string) => {
    const xs = within.map((s) => (s.auc as Record<string, number | undefined>)[k] ?? NaN);
    return xs.some(Number.isNaN) ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const worst = (k: string) => {
    const xs = r.settings.map((s) => ((s.auc as Record<string, number | undefined>)[k] ?? NaN) - s.auc.lapredict);
    return xs.some(Number.isNaN) ? undefined : Math.min(...xs);
  };
  const rows: [string, string][] = [
    ...r.models.map((m): [string, string] => [m === DEFAULT_JIT_MODEL ? `**${m}** (default)` : m, m]),
    ['LApredict', 'lapredict'],
    ...(r.settings.every((s) => s.auc.randomForest !== undefined) ? ([['RandomForest-300 (sklearn)', 'randomForest'], ['HistGradientBoosting (sklearn)', 'histGradientBoosting']] as [string, string][]) : []),
  ];
  const head = `| model | ${r.settings.map((s) => s.name).join(' | ')} | mean within | worst − LApredict | train s |`;
  const sep = `|---|${r.settings.map(() => '--:').join('|')}|--:|--:|--:|`;
  const lines = rows.map(([label, k]) => {
    const w = worst(k);
    const secs = (r.trainSeconds as Record<string, number | undefined>)[k];
    return `| ${label} | ${r.settings.map((s) => f((s.auc as Record<string, number | undefined>)[k])).join(' | ')} | ${f(mean(k))} | ${k === 'lapredict' ? '0' : w === undefined ? 'n/a' : (w >= 0 ? '+' : '') + w.toFixed(4)} | ${secs === undefined ? '' : secs.toFixed(1)} |`;
  });
  const shift = Object.entries(r.timeShift).map(([k, v]) => `${k} ×${v}`).join(', ');
  return [
    head,
    sep,
    ...lines,
    '',
    r.validation
      ? `Validation AUC (no test row read: each project cut to its training part, fitted on its older 80 %, scored on its newest 20 %); "a → b": fitted on a's, scored on b's;`
      : `Test AUC; "a → b": fitted on a's training part, tested on b's test part;`,
    `  "time-shifted": the scored rows' ${shift}. Train seconds: each model's fits (one per project), one thread.`,
    ...(r.peerError ? [r.peerError] : []),
  ].join('\n');
}
